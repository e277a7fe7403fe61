/*
 * logateway launcher: one tag puts the floating chat on any page of the site (or of a
 * trusted domain):
 *
 *   <script src="https://<gateway>/__lo/static/launcher.js" async
 *           data-popup="true"            (optional: sign in through a popup window)
 *           data-container="my-chat"     (optional: mount into this element instead of floating)
 *   ></script>
 *
 * It asks the gateway who is signed in (GET /__lo/session) and for the boot config
 * (GET /__lo/boot), loads bootstrap.js from the gateway with the same nonce, and calls
 * window.logateway.start(boot, container, {floating: true, ...}). It never navigates on
 * its own (boot.autoStart is for the embed page only).
 *
 * One file of small units, each a function run once; they share the launcher's state in
 * the one global this file owns, window.__logatewayLauncher. The pure helpers are
 * exported to Node for `node --test`.
 */
var __logatewayLauncher = typeof window !== 'undefined' && window.__logatewayLauncher ? window.__logatewayLauncher : {};

// ---------------------------------------------------------------- unit: pure helpers
(function (L) {
  'use strict';
  if (L.helpers) return; // loaded twice: keep the first copy

  // launcherSettings reads the launcher tag: the gateway is wherever the tag came from.
  function launcherSettings(src, dataset) {
    var u = new URL(src);
    var d = dataset || {};
    return {
      gatewayOrigin: u.origin,
      popup: d.popup === 'true',
      containerId: typeof d.container === 'string' ? d.container : ''
    };
  }

  // sessionSignedIn reads GET /__lo/session: 401 means signed out; a 200 body says so
  // with signedIn (or, failing that, by carrying a display name).
  function sessionSignedIn(status, body) {
    if (status !== 200 || body === null || typeof body !== 'object') return false;
    if (typeof body.signedIn === 'boolean') return body.signedIn;
    return typeof body.displayName === 'string' && body.displayName !== '';
  }

  // absolutize rewrites the gateway paths of a boot config into URLs on the gateway, so
  // the config works when the launcher runs on another origin.
  function absolutize(boot, gatewayOrigin) {
    var out = {};
    Object.keys(boot).forEach(function (k) {
      out[k] = boot[k];
    });
    ['frontdoorEndpoint', 'sessionEndpoint', 'loginURL', 'handoffEndpoint'].forEach(function (k) {
      if (typeof out[k] === 'string' && out[k] !== '') out[k] = new URL(out[k], gatewayOrigin + '/').href;
    });
    return out;
  }

  L.helpers = {
    launcherSettings: launcherSettings,
    sessionSignedIn: sessionSignedIn,
    absolutize: absolutize
  };
})(__logatewayLauncher);

// ---------------------------------------------------------------- unit: the tag and the gateway (browser)
(function (L) {
  'use strict';
  if (typeof document === 'undefined' || L.tag) return;
  var doc = document;
  var global = window;
  var tag = doc.currentScript;
  if (!tag) return;
  // This copy runs the launcher; a second copy of the tag finds L.tag set.
  L.tag = tag;
  // The embed page bootstraps itself; a second copy would mount a second chat.
  if (doc.getElementById('lo-boot')) return;
  var settings = (L.settings = L.helpers.launcherSettings(tag.src, tag.dataset));
  var nonce = (L.nonce = tag.nonce || '');
  var origin = settings.gatewayOrigin;
  var creds = origin === global.location.origin ? 'same-origin' : 'include';

  function warn(msg) {
    if (global.console && global.console.warn) global.console.warn('logateway launcher: ' + msg);
  }

  function getJSON(path) {
    return global
      .fetch(origin + path, { credentials: creds, headers: { Accept: 'application/json' }, cache: 'no-store' })
      .then(function (res) {
        return res
          .json()
          .catch(function () {
            return null;
          })
          .then(function (body) {
            return { status: res.status, body: body };
          });
      });
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var s = doc.createElement('script');
      s.src = src;
      s.async = true;
      if (nonce) s.nonce = nonce;
      s.addEventListener('load', resolve);
      s.addEventListener('error', function () {
        reject(new Error('could not load ' + src));
      });
      (doc.head || doc.documentElement).appendChild(s);
    });
  }

  function ensureStylesheet() {
    var href = origin + '/__lo/static/logateway.css';
    var links = doc.querySelectorAll('link[rel="stylesheet"]');
    for (var i = 0; i < links.length; i++) if (links[i].href === href) return;
    var l = doc.createElement('link');
    l.rel = 'stylesheet';
    l.href = href;
    if (nonce) l.nonce = nonce;
    (doc.head || doc.documentElement).appendChild(l);
  }

  Object.assign(L, { warn: warn, getJSON: getJSON, loadScript: loadScript, ensureStylesheet: ensureStylesheet });
})(__logatewayLauncher);

// ---------------------------------------------------------------- unit: the chat's box and start (browser)
(function (L) {
  'use strict';
  if (typeof document === 'undefined' || !L.settings || L.tag !== document.currentScript) return;
  var doc = document;
  var global = window;
  var settings = L.settings;
  var nonce = L.nonce;
  var origin = settings.gatewayOrigin;
  var ROOT_ID = 'logateway-launcher';
  var root = null;
  var mount = null;
  var controller = null;

  function buildRoot() {
    if (root) return;
    root = doc.createElement('div');
    root.id = ROOT_ID;
    root.className = 'lo-launcher';
    // A landmark of its own, so screen-reader users find the chat on any page.
    root.setAttribute('role', 'region');
    root.setAttribute('aria-label', 'Chat');
    var bar = doc.createElement('div');
    bar.className = 'lo-launcher-bar';
    root.appendChild(bar);
    root.bar = bar;
    var host = settings.containerId ? doc.getElementById(settings.containerId) : null;
    if (host) {
      mount = host;
    } else {
      if (settings.containerId) L.warn('no element with id "' + settings.containerId + '" (data-container); floating instead');
      mount = doc.createElement('div');
      mount.id = 'lo-container';
      root.appendChild(mount);
    }
    doc.body.appendChild(root);
  }

  function run() {
    buildRoot();
    return Promise.all([L.getJSON('/__lo/session'), L.getJSON('/__lo/boot'), global.logateway ? null : L.loadScript(origin + '/__lo/static/bootstrap.js')])
      .then(function (r) {
        var session = r[0];
        var bootRes = r[1];
        if (bootRes.status !== 200 || !bootRes.body) {
          throw new Error('GET /__lo/boot answered ' + bootRes.status);
        }
        var boot = L.helpers.absolutize(bootRes.body, origin);
        // GET /__lo/boot is the same for every visitor (its signedIn is always false);
        // GET /__lo/session is the word on who is signed in.
        boot.signedIn = L.helpers.sessionSignedIn(session.status, session.body);
        var lo = global.logateway;
        var page = global.location.href;
        var loginURL = lo.helpers.loginURLFor(boot.loginURL, origin + '/', lo.helpers.rdFor(page, origin), false);
        if (controller) controller.stop();
        controller = lo.start(boot, mount, {
          floating: !settings.containerId,
          popup: settings.popup,
          gatewayOrigin: origin,
          nonce: nonce,
          uiRoot: root.bar,
          loginURL: loginURL,
          onState: function (s) {
            root.setAttribute('data-state', s);
          },
          onSignedIn: function () {
            run();
          }
        });
      })
      .catch(function (e) {
        L.warn(e.message);
      });
  }

  L.ensureStylesheet();
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', run);
  else run();
})(__logatewayLauncher);

if (typeof module !== 'undefined' && module.exports) module.exports = __logatewayLauncher.helpers;
