/*
 * logateway sign-in popup: runs on the OAuth callback page when the sign-in was opened
 * by launcher.js in a popup. It tells the opener how the sign-in ended, posting
 * {type: "logateway.signin", ok} to the EXACT origin the gateway validated (never "*"),
 * then closes the window. Without an opener (popup blocked into a tab, or the opener
 * navigated away) the page's own "Continue" link stays the way forward.
 *
 * Data comes from <script type="application/json" id="lo-callback">{"ok":…,"openerOrigin":…}</script>.
 */
(function (global) {
  'use strict';

  // signinMessage is what the opener receives; ok is strictly boolean.
  function signinMessage(ok) {
    return { type: 'logateway.signin', ok: ok === true };
  }

  // targetOrigin accepts only a serialized origin (scheme://host[:port]); anything else,
  // including "*", means "do not post".
  function targetOrigin(value) {
    if (typeof value !== 'string' || value === '' || value === '*') return '';
    try {
      var u = new URL(value);
      if (u.origin === 'null' || u.origin !== value.replace(/\/$/, '')) return '';
      return u.origin;
    } catch (e) {
      return '';
    }
  }

  if (typeof module !== 'undefined' && module.exports) {
    module.exports = { signinMessage: signinMessage, targetOrigin: targetOrigin };
    return;
  }

  var doc = global.document;

  function run() {
    var el = doc.getElementById('lo-callback');
    var data = {};
    try {
      data = JSON.parse(el ? el.textContent : '{}') || {};
    } catch (e) {
      data = {};
    }
    var target = targetOrigin(data.openerOrigin);
    var closeBtn = doc.getElementById('lo-close');
    if (closeBtn) {
      closeBtn.hidden = false;
      closeBtn.addEventListener('click', function () {
        global.close();
      });
    }
    var opener = null;
    try {
      opener = global.opener;
    } catch (e) {
      opener = null;
    }
    if (!opener || !target) {
      var note = doc.getElementById('lo-callback-note');
      if (note) note.textContent = 'This window was not opened by the chat. Use the link below to continue.';
      return;
    }
    opener.postMessage(signinMessage(data.ok), target);
    // Give the message a moment to be delivered before the window goes away.
    setTimeout(function () {
      global.close();
    }, 150);
  }

  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', run);
  else run();
})(typeof window !== 'undefined' ? window : this);
