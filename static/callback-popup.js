/*
 * logateway sign-in popup: runs on the OAuth callback page when the sign-in was opened
 * by launcher.js or a framed embed page in a popup. It tells the opener how the sign-in
 * ended, posting {type: "logateway.signin", ok, code?} to the EXACT origin the gateway
 * validated (never "*"), then closes the window. The code is single-use, short-lived and
 * bound to that origin and the opener's popup state; the opener trades it for its own
 * session cookie. Without an opener (popup blocked into a tab, or the opener
 * navigated away) the page's own "Continue" link stays the way forward.
 *
 * Data comes from <script type="application/json" id="lo-callback">{"ok":…,"openerOrigin":…,"code":…}</script>.
 */
(function (global) {
  'use strict';

  // signinMessage is what the opener receives; ok is strictly boolean, and a
  // hand-off code (for an opener that redeems it at POST /__lo/handoff) rides
  // along only on success.
  function signinMessage(ok, code) {
    var m = { type: 'logateway.signin', ok: ok === true };
    if (m.ok && typeof code === 'string' && /^[A-Za-z0-9_-]{43}$/.test(code)) m.code = code;
    return m;
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
      if (note) {
        note.textContent = data.code
          ? 'This window lost the chat that opened it. Close it and click Sign in in the chat again.'
          : 'This window was not opened by the chat. Use the link below to continue.';
      }
      return;
    }
    opener.postMessage(signinMessage(data.ok, data.code), target);
    // Give the message a moment to be delivered before the window goes away.
    setTimeout(function () {
      global.close();
    }, 150);
  }

  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', run);
  else run();
})(typeof window !== 'undefined' ? window : this);
