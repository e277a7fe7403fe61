/*
 * logateway sign-out forms: a visible and announced "Signing out…" state from the
 * click until the browser has left the page (the gateway revokes the grant at the
 * org, then sends the browser through the org's end-session endpoint), and no second
 * submission meanwhile. Without JavaScript the form works the same, just silently.
 */
(function () {
  'use strict';
  var doc = document;
  var BUSY_TEXT = 'Signing out\u2026';

  function onSubmit(ev) {
    var form = ev.currentTarget;
    if (form.hasAttribute('data-lo-busy')) {
      ev.preventDefault(); // a double click: the first submission is on its way
      return;
    }
    form.setAttribute('data-lo-busy', '');
    form.setAttribute('aria-busy', 'true');
    var btn = form.querySelector('button[type="submit"]');
    if (btn) {
      btn.textContent = BUSY_TEXT;
      btn.setAttribute('aria-disabled', 'true');
    }
    var live = doc.getElementById('lo-signout-status');
    if (live) live.textContent = BUSY_TEXT;
  }

  function start() {
    var forms = doc.querySelectorAll('form[data-lo-signout]');
    for (var i = 0; i < forms.length; i++) forms[i].addEventListener('submit', onSubmit);
  }

  // A page restored from the back-forward cache must not stay "Signing out…".
  window.addEventListener('pageshow', function (ev) {
    if (!ev.persisted) return;
    var forms = doc.querySelectorAll('form[data-lo-busy]');
    for (var i = 0; i < forms.length; i++) {
      forms[i].removeAttribute('data-lo-busy');
      forms[i].removeAttribute('aria-busy');
      var btn = forms[i].querySelector('button[type="submit"]');
      if (btn) {
        btn.textContent = 'Sign out';
        btn.removeAttribute('aria-disabled');
      }
    }
  });

  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', start);
  else start();
})();
