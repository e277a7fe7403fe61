/*
 * logateway bootstrap: signs the page into the org through a single-use frontdoor URL
 * and mounts the Agentforce Conversation Client (or plain Lightning Out 2.0 components).
 *
 * Runs in two places:
 *  - the gateway's embed page, which carries the boot config in
 *    <script type="application/json" id="lo-boot">; this file starts itself there;
 *  - any page through launcher.js, which loads this file and calls
 *    window.logateway.start(boot, container, options).
 *
 * The pure helpers at the top are exported to Node for `node --test` (bootstrap.test.js);
 * everything that touches the DOM lives below the export.
 *
 * Frontdoor URLs are secrets for their short life: they are never logged, never written
 * to a URL or storage, and dropped as soon as they have been handed to Lightning Out.
 */
(function (global) {
  'use strict';

  var BACKOFF_BASE_MS = 1000;
  var BACKOFF_CAP_MS = 30000;
  var MIN_REMINT_MS = 10000;
  var RETRY_AFTER_CAP_MS = 5 * 60 * 1000;
  // Fallbacks only: the gateway sends its values in the boot config (static.Boot).
  var BOOT_VERSION = 1;
  var DEFAULT_MAX_RETRIES = 5;
  // How long a (re)connect may take before the page treats the chat as broken:
  // Lightning Out's own frame timeout (60 s) plus a margin.
  var DEFAULT_READY_TIMEOUT_MS = 75000;
  // A component that fails on every render would otherwise loop forever, because each
  // successful re-login (lo.application.ready) resets the consecutive-failure counter.
  var RECOVERY_WINDOW_MS = 5 * 60 * 1000;
  var ACC_COMPONENT = 'runtime_copilot/accSdkWrapper';
  // The id the ACC Web SDK looks for before it injects its own <style> (which has
  // no nonce, so a strict CSP would refuse it): the page provides it first.
  var SDK_STYLE_ID = 'agentforce-client-injected-styles';
  // How long sign-out waits for Lightning Out to start the org logout.
  var SIGNOUT_WAIT_MS = 1500;

  // After a recovery the status says this for a few seconds.
  var RECONNECTED_TEXT = 'Reconnected';
  var RECONNECTED_OPEN_TEXT = 'Reconnected \u2013 open the chat to continue';
  var RECONNECTED_NOTICE_MS = 4000;

  var STATUS_TEXT = {
    'signed-out': 'Sign in to chat',
    connecting: 'Connecting\u2026',
    ready: 'Connected',
    reconnecting: 'Reconnecting\u2026',
    failed: 'Could not connect'
  };

  // ---------------------------------------------------------------- pure helpers

  // backoffDelay is the wait before retry number `failures` (1-based): 1s, 2s, 4s, … capped.
  function backoffDelay(failures, baseMs, capMs) {
    var base = baseMs === undefined ? BACKOFF_BASE_MS : baseMs;
    var cap = capMs === undefined ? BACKOFF_CAP_MS : capMs;
    if (!(failures >= 1)) return 0;
    return Math.min(base * Math.pow(2, failures - 1), cap);
  }

  // nextStep decides what follows the `failures`-th consecutive failure: failures
  // 1..maxRetries are retried after backoffDelay(failures); failure maxRetries+1 gives up.
  function nextStep(failures, maxRetries) {
    if (failures > maxRetries) return { giveUp: true, delayMs: 0 };
    return { giveUp: false, delayMs: backoffDelay(failures) };
  }

  // recoveryBudgetExceeded reports whether more than `limit` recoveries started within
  // the last windowMs (timestamps in ms, oldest first).
  function recoveryBudgetExceeded(timestamps, nowMs, windowMs, limit) {
    var n = 0;
    for (var i = 0; i < timestamps.length; i++) {
      if (nowMs - timestamps[i] < windowMs) n++;
    }
    return n > limit;
  }

  // parseRetryAfter turns a Retry-After header (delta-seconds or HTTP-date) into ms to
  // wait, capped; null when absent or unreadable.
  function parseRetryAfter(value, nowMs) {
    if (value === null || value === undefined) return null;
    var v = String(value).trim();
    if (v === '') return null;
    var ms;
    if (/^\d+$/.test(v)) {
      ms = parseInt(v, 10) * 1000;
    } else {
      var t = Date.parse(v);
      if (isNaN(t)) return null;
      ms = Math.max(0, t - nowMs);
    }
    return Math.min(ms, RETRY_AFTER_CAP_MS);
  }

  // classifyFrontdoorResponse maps an answer of the gateway's frontdoor endpoint to what
  // the page does next. Only `ok` carries the URL.
  function classifyFrontdoorResponse(status, body, retryAfter, nowMs) {
    if (status === 200) {
      if (body && typeof body.frontdoorUrl === 'string' && body.frontdoorUrl !== '') {
        return { kind: 'ok', url: body.frontdoorUrl };
      }
      return { kind: 'error', reason: 'the frontdoor endpoint answered 200 without frontdoorUrl' };
    }
    if (status === 401) return { kind: 'signed-out' };
    if (status === 429) {
      var wait = parseRetryAfter(retryAfter, nowMs);
      return { kind: 'rate-limited', waitMs: wait === null ? null : wait };
    }
    var code = body && typeof body.error === 'string' ? ' (' + body.error + ')' : '';
    return { kind: 'error', reason: 'the frontdoor endpoint answered ' + status + code };
  }

  function isObject(v) {
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  }

  function bootError(msg) {
    return new Error('logateway boot config: ' + msg);
  }

  // normalizeBoot validates the boot config and fills defaults. It throws an Error that
  // names the offending field.
  function normalizeBoot(raw) {
    if (!isObject(raw)) throw bootError('want a JSON object, got ' + (raw === null ? 'null' : typeof raw));
    var b = {};
    b.mode = raw.mode === undefined || raw.mode === '' ? 'native' : raw.mode;
    if (b.mode !== 'native' && b.mode !== 'sdk') {
      throw bootError('mode must be "native" or "sdk", got ' + JSON.stringify(raw.mode));
    }
    function str(name, def) {
      var v = raw[name];
      if (v === undefined || v === null) return def;
      if (typeof v !== 'string') throw bootError(name + ' must be a string, got ' + typeof v);
      return v;
    }
    function bool(name) {
      var v = raw[name];
      if (v === undefined || v === null) return false;
      if (typeof v !== 'boolean') throw bootError(name + ' must be true or false, got ' + JSON.stringify(v));
      return v;
    }
    function nonNegInt(name, def) {
      var v = raw[name];
      if (v === undefined || v === null) return def;
      if (typeof v !== 'number' || !isFinite(v) || v < 0 || Math.floor(v) !== v) {
        throw bootError(name + ' must be a whole number >= 0, got ' + JSON.stringify(v));
      }
      return v;
    }
    // A newer gateway may add fields this script ignores; the version is kept for
    // the console and for tests.
    b.version = nonNegInt('version', BOOT_VERSION);
    b.orgOrigin = str('orgOrigin', '');
    b.scriptURL = str('scriptURL', '');
    b.appId = str('appId', '');
    b.sitePrefix = str('sitePrefix', '');
    b.frontdoorEndpoint = str('frontdoorEndpoint', '/__lo/frontdoor') || '/__lo/frontdoor';
    b.sessionEndpoint = str('sessionEndpoint', '/__lo/session') || '/__lo/session';
    b.loginURL = str('loginURL', '/__lo/login') || '/__lo/login';
    b.handoffEndpoint = str('handoffEndpoint', '/__lo/handoff') || '/__lo/handoff';
    b.cookiePartitioned = bool('cookiePartitioned');
    b.containerId = str('containerId', 'lo-container') || 'lo-container';
    b.signedIn = bool('signedIn');
    b.autoStart = bool('autoStart');
    b.maxRetries = nonNegInt('maxRetries', DEFAULT_MAX_RETRIES);
    b.remintIntervalMs = nonNegInt('remintIntervalMs', 0);
    if (b.remintIntervalMs > 0 && b.remintIntervalMs < MIN_REMINT_MS) b.remintIntervalMs = MIN_REMINT_MS;
    b.sessionTimeoutMs = nonNegInt('sessionTimeoutMs', 0);
    b.readyTimeoutMs = nonNegInt('readyTimeoutMs', DEFAULT_READY_TIMEOUT_MS) || DEFAULT_READY_TIMEOUT_MS;

    var comps = raw.components === undefined || raw.components === null ? [] : raw.components;
    if (!Array.isArray(comps)) throw bootError('components must be a list of component names');
    b.components = comps.map(function (c, i) {
      if (typeof c !== 'string' || c.trim() === '') throw bootError('components[' + i + '] must be a non-empty string');
      return c.trim();
    });

    if (raw.acc === undefined || raw.acc === null) {
      b.acc = null;
    } else {
      if (!isObject(raw.acc)) throw bootError('acc must be an object or null');
      if (typeof raw.acc.agentId !== 'string' || raw.acc.agentId === '') throw bootError('acc.agentId is required');
      if (raw.acc.renderingConfig !== undefined && raw.acc.renderingConfig !== null && !isObject(raw.acc.renderingConfig)) {
        throw bootError('acc.renderingConfig must be an object');
      }
      if (raw.acc.styleTokens !== undefined && raw.acc.styleTokens !== null && !isObject(raw.acc.styleTokens)) {
        throw bootError('acc.styleTokens must be an object of strings');
      }
      b.acc = raw.acc;
    }
    if (b.mode === 'native' && b.acc === null && b.components.length === 0) {
      throw bootError('nothing to render: set acc (the ACC) or components (plain Lightning Out components)');
    }
    if (b.mode === 'sdk' && b.acc === null) {
      throw bootError('mode "sdk" needs acc: the ACC Web SDK only embeds the ACC');
    }
    if (b.signedIn && b.scriptURL === '') {
      throw bootError('scriptURL is required (the Lightning Out script or the ACC SDK bundle)');
    }
    return b;
  }

  // sessionTimeoutFor is the org session timeout the page assumes: the boot's
  // sessionTimeoutMs, else what the re-mint interval (3/4 of it) implies, else 0
  // (unknown: no recovery on the visitor's return).
  function sessionTimeoutFor(boot) {
    if (boot.sessionTimeoutMs > 0) return boot.sessionTimeoutMs;
    if (boot.remintIntervalMs > 0) return Math.round((boot.remintIntervalMs * 4) / 3);
    return 0;
  }

  function parseBoot(text) {
    var raw;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw bootError('not valid JSON (' + e.message + ')');
    }
    return normalizeBoot(raw);
  }

  function kebab(s) {
    return s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/([A-Z])([A-Z][a-z])/g, '$1-$2').toLowerCase();
  }

  // tagForComponent gives the element tag Lightning Out defines for a `components` entry:
  // "c-my-comp" → itself; "c/myComp" → "c-my-comp"; "c/myComp as x-chat" → "x-chat"; the
  // namespace maps camel → snake ("myNs/fooBar" → "my_ns-foo-bar").
  function tagForComponent(name) {
    var n = String(name).trim();
    var alias = /^(.+?)\s+as\s+(\S+)$/.exec(n);
    if (alias) return alias[2].toLowerCase();
    var slash = n.indexOf('/');
    if (slash > 0) {
      var ns = n.slice(0, slash).replace(/[A-Z]/g, function (c) {
        return '_' + c.toLowerCase();
      });
      return ns + '-' + kebab(n.slice(slash + 1));
    }
    return n.toLowerCase();
  }

  // componentsAttr is the `components` attribute of <lightning-out-application>.
  function componentsAttr(boot) {
    if (boot.acc) return ACC_COMPONENT;
    return boot.components.join(',');
  }

  function componentTags(boot) {
    if (boot.acc) return [tagForComponent(ACC_COMPONENT)];
    return boot.components.map(tagForComponent);
  }

  // sizeValue turns a configured size into what the ACC takes: numbers stay numbers,
  // "400" becomes 400 (px), CSS strings ("60vh", "400px") stay strings.
  function sizeValue(v) {
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim())) return Number(v.trim());
    return v;
  }

  // cssSize is sizeValue for a CSS custom property.
  function cssSize(v) {
    var s = sizeValue(v);
    if (typeof s === 'number') return s + 'px';
    return typeof s === 'string' && s.trim() !== '' ? s.trim() : '';
  }

  function renderMode(acc) {
    if (acc && isObject(acc.renderingConfig) && acc.renderingConfig.mode === 'inline') return 'inline';
    return 'floating';
  }

  // accClientConfig is the agentforceClientConfig handed to the ACC (as the wrapper's
  // `configuration` property in native mode, or to embedAgentforceClient in sdk mode).
  function accClientConfig(acc) {
    var out = { agentId: acc.agentId };
    if (typeof acc.agentLabel === 'string' && acc.agentLabel !== '') out.agentLabel = acc.agentLabel;
    var rc = {};
    var src = isObject(acc.renderingConfig) ? acc.renderingConfig : {};
    Object.keys(src).forEach(function (k) {
      var v = src[k];
      if (v === undefined || v === null || v === '') return;
      rc[k] = k === 'width' || k === 'height' ? sizeValue(v) : v;
    });
    if (!rc.mode) rc.mode = 'floating';
    out.renderingConfig = rc;
    var tokens = {};
    if (isObject(acc.styleTokens)) {
      Object.keys(acc.styleTokens).forEach(function (k) {
        var v = acc.styleTokens[k];
        if (typeof v === 'string' && v !== '') tokens[k] = v;
      });
    }
    if (Object.keys(tokens).length > 0) out.styleTokens = tokens;
    return out;
  }

  function originOf(url) {
    try {
      return new URL(url).origin;
    } catch (e) {
      return '';
    }
  }

  // resolveEndpoint makes a gateway path absolute against the gateway's base URL.
  function resolveEndpoint(path, base) {
    return new URL(path, base).href;
  }

  // credentialsFor: same-origin calls send cookies with 'same-origin'; a launcher on a
  // trusted domain calls the gateway cross-origin and needs 'include'.
  function credentialsFor(url, pageOrigin) {
    return originOf(url) === pageOrigin ? 'same-origin' : 'include';
  }

  // rdFor is the post-sign-in target for the page at pageURL: a path when the page is on
  // the gateway's origin, the full URL (checked by the gateway against trusted domains)
  // otherwise.
  function rdFor(pageURL, gatewayOrigin) {
    var u = new URL(pageURL);
    if (u.origin === gatewayOrigin) return u.pathname + u.search + u.hash;
    return u.href;
  }

  // loginURLFor builds the sign-in URL: loginURL (absolute or a path on base) with rd
  // set to the given target and popup=1 when the sign-in runs in a popup window.
  function loginURLFor(loginURL, base, rd, popup) {
    var u = new URL(loginURL, base);
    if (rd) u.searchParams.set('rd', rd);
    if (popup) u.searchParams.set('popup', '1');
    else u.searchParams.delete('popup');
    return u.href;
  }

  // isSigninMessage checks a postMessage from the sign-in popup; a hand-off code,
  // when present, is a 43-character base64url string.
  function isSigninMessage(origin, data, gatewayOrigin) {
    return (
      origin === gatewayOrigin &&
      isObject(data) &&
      data.type === 'logateway.signin' &&
      typeof data.ok === 'boolean' &&
      (data.code === undefined || (typeof data.code === 'string' && /^[A-Za-z0-9_-]{43}$/.test(data.code)))
    );
  }

  // popupState is the opener's secret for one popup sign-in: the hand-off code
  // the popup sends back is redeemable only together with it.
  function popupState(bytes) {
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  // popupLoginURL is the sign-in URL for a popup: popup=1, the popup state, and
  // the opener's origin when it is not the gateway's (the callback posts to it).
  function popupLoginURL(loginURL, base, state, pageOrigin, gatewayOrigin) {
    var u = new URL(loginURLFor(loginURL, base, '', true));
    u.searchParams.set('ps', state);
    if (pageOrigin !== gatewayOrigin) u.searchParams.set('origin', pageOrigin);
    else u.searchParams.delete('origin');
    return u.href;
  }

  // signinMode says how a click on "Sign in" proceeds: a page inside a frame
  // never navigates itself to the org (it refuses to be framed), so it uses a
  // popup, or first the Storage Access API when the session cookie is not
  // partitioned and the browser has it; a top-level page follows the link
  // unless the launcher asked for a popup.
  function signinMode(isFramed, wantPopup, cookiePartitioned, hasStorageAccessAPI) {
    if (!isFramed) return wantPopup ? 'popup' : 'navigate';
    if (!cookiePartitioned && hasStorageAccessAPI) return 'storage-access';
    return 'popup';
  }

  var helpers = {
    BACKOFF_BASE_MS: BACKOFF_BASE_MS,
    BACKOFF_CAP_MS: BACKOFF_CAP_MS,
    MIN_REMINT_MS: MIN_REMINT_MS,
    DEFAULT_MAX_RETRIES: DEFAULT_MAX_RETRIES,
    DEFAULT_READY_TIMEOUT_MS: DEFAULT_READY_TIMEOUT_MS,
    SDK_STYLE_ID: SDK_STYLE_ID,
    sessionTimeoutFor: sessionTimeoutFor,
    ACC_COMPONENT: ACC_COMPONENT,
    STATUS_TEXT: STATUS_TEXT,
    backoffDelay: backoffDelay,
    nextStep: nextStep,
    recoveryBudgetExceeded: recoveryBudgetExceeded,
    parseRetryAfter: parseRetryAfter,
    classifyFrontdoorResponse: classifyFrontdoorResponse,
    normalizeBoot: normalizeBoot,
    parseBoot: parseBoot,
    tagForComponent: tagForComponent,
    componentsAttr: componentsAttr,
    componentTags: componentTags,
    sizeValue: sizeValue,
    cssSize: cssSize,
    renderMode: renderMode,
    accClientConfig: accClientConfig,
    originOf: originOf,
    resolveEndpoint: resolveEndpoint,
    credentialsFor: credentialsFor,
    rdFor: rdFor,
    loginURLFor: loginURLFor,
    isSigninMessage: isSigninMessage,
    popupState: popupState,
    popupLoginURL: popupLoginURL,
    signinMode: signinMode
  };

  if (typeof module !== 'undefined' && module.exports) {
    module.exports = helpers;
    return;
  }

  // ---------------------------------------------------------------- browser part

  var doc = global.document;
  if (global.logateway && global.logateway.start) return; // loaded twice: keep the first copy
  // The nonce is only readable while this script runs (currentScript is null later).
  var scriptNonce = doc.currentScript ? doc.currentScript.nonce || '' : '';

  function warn(msg) {
    // Fixed messages only: an error object from Lightning Out may quote the frontdoor URL.
    if (global.console && global.console.warn) global.console.warn('logateway: ' + msg);
  }

  // ---- one library per page

  var libraryPromise = null;

  function libraryPresent(boot) {
    if (boot.mode === 'sdk') return typeof global.embedAgentforceClient === 'function';
    return !!(global.customElements && global.customElements.get('lightning-out-application'));
  }

  // ensureLibrary loads the LO script (native) or the SDK bundle (sdk) once per page. The
  // SDK bundles its own Lightning Out, so a page never gets both (docs/salesforce.md §3.1, 4.1).
  function ensureLibrary(boot, nonce) {
    if (libraryPresent(boot)) return Promise.resolve();
    if (libraryPromise) return libraryPromise;
    libraryPromise = new Promise(function (resolve, reject) {
      var s = doc.createElement('script');
      s.src = boot.scriptURL;
      s.async = true;
      if (nonce) s.nonce = nonce;
      s.setAttribute('data-lo-library', boot.mode);
      s.addEventListener('load', function () {
        if (libraryPresent(boot)) resolve();
        else reject(new Error('library loaded but did not define ' + (boot.mode === 'sdk' ? 'embedAgentforceClient' : 'lightning-out-application')));
      });
      s.addEventListener('error', function () {
        // Remove the failed element so a retry inserts a fresh one (still one library).
        if (s.parentNode) s.parentNode.removeChild(s);
        reject(new Error('library failed to load'));
      });
      (doc.head || doc.documentElement).appendChild(s);
    });
    libraryPromise.catch(function () {
      libraryPromise = null;
    });
    return libraryPromise;
  }

  // ensureSDKStylesheet gives the page an element with the id the ACC Web SDK
  // checks, so the SDK skips its nonce-less <style> (no CSP violation without
  // 'unsafe-inline'). It is the gateway's own stylesheet, which styles the SDK's
  // frame classes; loaded with the page's nonce, from the gateway.
  function ensureSDKStylesheet(base, nonce) {
    if (doc.getElementById(SDK_STYLE_ID)) return;
    var href = '';
    var links = doc.querySelectorAll('link[rel="stylesheet"]');
    for (var i = 0; i < links.length; i++) {
      if (/\/logateway\.css(\?|$)/.test(links[i].href)) href = links[i].href;
    }
    var l = doc.createElement('link');
    l.id = SDK_STYLE_ID;
    l.rel = 'stylesheet';
    l.href = href || resolveEndpoint('/__lo/static/logateway.css', base);
    if (nonce) l.nonce = nonce;
    (doc.head || doc.documentElement).appendChild(l);
  }

  // ---- UI elements: found in the page (embed template) or created (launcher)

  function findOrCreate(id, tag, parent, setup) {
    var el = doc.getElementById(id);
    if (el) return el;
    el = doc.createElement(tag);
    el.id = id;
    if (setup) setup(el);
    parent.appendChild(el);
    return el;
  }

  function buildUI(uiRoot, opts) {
    var ui = {};
    ui.status = findOrCreate('lo-status', 'p', uiRoot, function (el) {
      el.className = 'lo-status';
      el.setAttribute('role', 'status');
      el.setAttribute('aria-live', 'polite');
    });
    ui.signin = findOrCreate('lo-signin', 'a', uiRoot, function (el) {
      el.className = 'lo-btn';
      el.textContent = opts.floating ? 'Chat \u2014 sign in' : 'Sign in to chat';
      el.hidden = true;
    });
    ui.failure = findOrCreate('lo-failure', 'div', uiRoot, function (el) {
      el.className = 'lo-notice lo-notice--error';
      el.setAttribute('role', 'alert');
      el.hidden = true;
      var p = doc.createElement('p');
      p.id = 'lo-failure-message';
      el.appendChild(p);
      var b = doc.createElement('button');
      b.type = 'button';
      b.id = 'lo-retry';
      b.className = 'lo-btn lo-btn--small';
      b.textContent = 'Reconnect';
      el.appendChild(b);
    });
    // Optional: the embed page wraps the sign-in button in a panel with some text.
    ui.signinPanel = doc.getElementById('lo-signin-panel');
    ui.failureMessage = doc.getElementById('lo-failure-message') || ui.failure;
    ui.retry = doc.getElementById('lo-retry');
    return ui;
  }

  // ---- popup sign-in (launcher with data-popup="true", and any framed page)

  function framedPage() {
    try {
      return global.top !== global.self;
    } catch (e) {
      return true;
    }
  }

  function popupSignIn(url, gatewayOrigin) {
    return new Promise(function (resolve) {
      var w = global.open(url, 'logateway-signin', 'popup=yes,width=520,height=680');
      if (!w) {
        resolve(null); // blocked: the caller navigates instead
        return;
      }
      var done = false;
      function finish(v) {
        if (done) return;
        done = true;
        global.removeEventListener('message', onMessage);
        clearInterval(poll);
        resolve(v);
      }
      function onMessage(ev) {
        if (ev.source !== w) return;
        if (!isSigninMessage(ev.origin, ev.data, gatewayOrigin)) return;
        finish(ev.data);
      }
      global.addEventListener('message', onMessage);
      // The visitor may close the popup without finishing.
      var poll = setInterval(function () {
        if (w.closed) finish({ ok: false });
      }, 500);
    });
  }

  // ---- the controller

  function start(rawBoot, container, options) {
    var opts = options || {};
    var boot = normalizeBoot(rawBoot);
    var pageOrigin = global.location.origin;
    var base = opts.gatewayOrigin ? opts.gatewayOrigin + '/' : global.location.href;
    var nonce = opts.nonce || scriptNonce;
    var frontdoorURL = resolveEndpoint(boot.frontdoorEndpoint, base);
    var creds = credentialsFor(frontdoorURL, pageOrigin);
    var ui = buildUI(opts.uiRoot || container.parentNode || doc.body, opts);
    var loginHref = opts.loginURL || resolveEndpoint(boot.loginURL, base);
    var sessionTimeoutMs = sessionTimeoutFor(boot);

    var st = {
      state: '',
      failures: 0,
      recoveries: [],
      timer: null,
      remintTimer: null,
      readyTimer: null,
      noticeTimer: null,
      wasOpen: false,
      inflight: false,
      stopped: false,
      mounted: false,
      everReady: false,
      app: null,
      comps: [],
      readyComps: [],
      appReady: false,
      // replace: the next lo.application.ready replaces the component elements.
      // Lightning Out never reloads a ready component after a new login, so a
      // component whose session ended only renders again as a new element.
      replace: false,
      lastAuthAt: 0,
      hiddenAt: 0,
      listeners: [],
      compListeners: []
    };

    var mode = boot.acc ? renderMode(boot.acc) : 'components';
    container.classList.add('acc-container', 'acc-mode-' + mode);
    if (boot.acc && isObject(boot.acc.renderingConfig)) {
      // CSSOM writes are allowed under style-src without 'unsafe-inline'.
      var w = cssSize(boot.acc.renderingConfig.width);
      var h = cssSize(boot.acc.renderingConfig.height);
      if (w) container.style.setProperty('--acc-width', w);
      if (h) container.style.setProperty('--acc-height', h);
    }

    // holder is a box the page's stylesheet sizes and places; the component
    // element inside fills it (Lightning Out gives it an inline 100% size that
    // no stylesheet rule on the element itself would beat).
    function holder() {
      var d = doc.createElement('div');
      d.className = 'lo-frame';
      container.appendChild(d);
      return d;
    }

    // clearance keeps a floating chat under the page's own status and
    // sign-out: --lo-chat-top is the lowest bottom edge of those that sit in
    // the top half of the viewport (the stylesheet caps the chat's height with it).
    var clearanceFrame = 0;
    function updateClearance() {
      clearanceFrame = 0;
      if (mode !== 'floating') return;
      var vh = global.innerHeight || doc.documentElement.clientHeight;
      var top = 0;
      var keep = [ui.status].concat(Array.prototype.slice.call(doc.querySelectorAll('form[data-lo-signout], [data-lo-keep-visible]')));
      keep.forEach(function (el) {
        if (!el || container.contains(el)) return;
        var r = el.getBoundingClientRect();
        if ((r.width === 0 && r.height === 0) || r.bottom <= 0 || r.top >= vh / 2) return;
        top = Math.max(top, r.bottom);
      });
      // At least a typical site header's height, for pages that mark nothing.
      container.style.setProperty('--lo-chat-top', Math.ceil(Math.max(top + 12, 72)) + 'px');
    }
    function scheduleClearance() {
      if (!clearanceFrame) clearanceFrame = global.requestAnimationFrame(updateClearance);
    }

    function setState(s, message) {
      st.state = s;
      ui.status.setAttribute('data-state', s);
      ui.status.textContent = STATUS_TEXT[s];
      ui.signin.hidden = s !== 'signed-out';
      if (ui.signinPanel) ui.signinPanel.hidden = s !== 'signed-out';
      ui.failure.hidden = s !== 'failed';
      if (s === 'failed') ui.failureMessage.textContent = message || 'The chat could not connect.';
      if (opts.uiRoot) opts.uiRoot.setAttribute('data-state', s);
      container.setAttribute('data-state', s);
      container.setAttribute('aria-busy', s === 'connecting' || s === 'reconnecting' ? 'true' : 'false');
      if (typeof opts.onState === 'function') opts.onState(s);
      scheduleClearance();
    }

    // reconnected says so, briefly and politely (the status is a polite live
    // region), after a recovery; then the status reads "Connected" again. A
    // floating chat comes back closed (no API opens it), so the notice says
    // how to go on when it had been open.
    function reconnected(wasOpen) {
      if (st.noticeTimer) clearTimeout(st.noticeTimer);
      ui.status.textContent = wasOpen ? RECONNECTED_OPEN_TEXT : RECONNECTED_TEXT;
      ui.status.setAttribute('data-notice', 'reconnected');
      st.noticeTimer = setTimeout(function () {
        st.noticeTimer = null;
        ui.status.removeAttribute('data-notice');
        if (st.state === 'ready') ui.status.textContent = STATUS_TEXT.ready;
      }, RECONNECTED_NOTICE_MS);
    }

    function clearTimers() {
      if (st.timer) clearTimeout(st.timer);
      if (st.remintTimer) clearTimeout(st.remintTimer);
      if (st.readyTimer) clearTimeout(st.readyTimer);
      st.timer = null;
      st.remintTimer = null;
      st.readyTimer = null;
    }

    function listen(el, type, fn, capture) {
      el.addEventListener(type, fn, !!capture);
      st.listeners.push([el, type, fn, !!capture]);
    }

    function listenComp(el, type, fn) {
      el.addEventListener(type, fn);
      st.compListeners.push([el, type, fn]);
    }

    function schedule(ms) {
      if (st.timer) clearTimeout(st.timer);
      st.timer = setTimeout(function () {
        st.timer = null;
        attempt();
      }, ms);
    }

    // armRemint keeps the org UI session alive: a fresh frontdoor URL before
    // the org's session timeout logs Lightning Out in again, which ready
    // components do not notice (they are not reloaded) but keep using.
    function armRemint() {
      if (st.remintTimer) clearTimeout(st.remintTimer);
      st.remintTimer = null;
      if (boot.remintIntervalMs > 0) {
        st.remintTimer = setTimeout(function () {
          st.remintTimer = null;
          attempt();
        }, boot.remintIntervalMs);
      }
    }

    // armReadyWatch: Lightning Out reports a frame that never answers only after
    // its own timeout, and a component may die without a word; a chat that is
    // not fully ready in time is recovered like one that reported an error.
    function armReadyWatch() {
      if (st.readyTimer) clearTimeout(st.readyTimer);
      st.readyTimer = setTimeout(function () {
        st.readyTimer = null;
        if (st.stopped || allReady() || st.inflight || st.timer) return;
        if (st.state === 'signed-out' || st.state === 'failed') return;
        failure(0);
      }, boot.readyTimeoutMs);
    }

    function giveUp(message) {
      clearTimers();
      setState('failed', message);
    }

    // failure counts one consecutive failure and retries with backoff (with new
    // component elements), or gives up and shows the Reconnect button.
    function failure(minWaitMs) {
      if (st.stopped) return;
      st.failures++;
      st.replace = true;
      st.appReady = false;
      var step = nextStep(st.failures, boot.maxRetries);
      if (step.giveUp) {
        giveUp('The chat could not connect after ' + st.failures + ' attempts.');
        return;
      }
      var now = Date.now();
      st.recoveries.push(now);
      st.recoveries = st.recoveries.filter(function (t) {
        return now - t < RECOVERY_WINDOW_MS;
      });
      if (recoveryBudgetExceeded(st.recoveries, now, RECOVERY_WINDOW_MS, 2 * (boot.maxRetries + 1))) {
        giveUp('The chat keeps failing; it stopped reconnecting to spare your connection.');
        return;
      }
      setState(st.everReady ? 'reconnecting' : 'connecting');
      if (st.remintTimer) clearTimeout(st.remintTimer);
      st.remintTimer = null;
      schedule(Math.max(step.delayMs, minWaitMs || 0));
    }

    // recover signs Lightning Out in again now and then replaces the component
    // elements: after an error, a long absence, or the visitor's Reconnect.
    function recover() {
      if (st.stopped || !st.mounted || st.state === 'signed-out') return;
      st.replace = true;
      st.appReady = false;
      // A fresh start for the staleness check: the visibilitychange and resume
      // that follow one return must not recover twice.
      st.lastAuthAt = Date.now();
      st.hiddenAt = 0;
      if (st.inflight) return; // the attempt under way replaces them when it lands
      clearTimers();
      setState(st.everReady ? 'reconnecting' : 'connecting');
      attempt();
    }

    function signedOut() {
      clearTimers();
      if (st.app) {
        // The gateway session is gone: end the Salesforce UI session too.
        try {
          st.app.setAttribute('frontdoor-url', '');
        } catch (e) {
          /* nothing to log */
        }
      }
      setState('signed-out');
    }

    function allReady() {
      if (!st.appReady || st.comps.length === 0) return false;
      for (var i = 0; i < st.comps.length; i++) {
        if (st.readyComps.indexOf(st.comps[i]) < 0) return false;
      }
      return true;
    }

    // checkReady says "Connected" only once the application AND every
    // component are ready: a logged-in application with a dead chat is not.
    function checkReady() {
      if (st.stopped || st.state === 'signed-out' || !allReady()) return;
      if (st.readyTimer) clearTimeout(st.readyTimer);
      st.readyTimer = null;
      st.failures = 0;
      var recovered = st.everReady && st.state !== 'ready';
      st.everReady = true;
      if (st.state !== 'ready') setState('ready');
      if (recovered) reconnected(st.wasOpen && mode === 'floating');
      st.wasOpen = false;
    }

    function onAppReady(ev) {
      if (!isApp(ev.target) || st.stopped || st.state === 'signed-out') return;
      st.appReady = true;
      st.lastAuthAt = Date.now();
      armRemint();
      if (st.replace) {
        st.replace = false;
        replaceComponents();
        armReadyWatch();
      }
      checkReady();
    }

    function onCompReady(ev) {
      if (st.comps.indexOf(ev.target) < 0) return;
      if (st.readyComps.indexOf(ev.target) < 0) st.readyComps.push(ev.target);
      checkReady();
    }

    function onError(ev) {
      if (st.stopped || st.state === 'signed-out' || st.state === 'failed') return;
      if (!isApp(ev.target) && st.comps.indexOf(ev.target) < 0) return;
      // One broken session often reports on the application and the component: a retry
      // already pending or running covers both.
      if (st.inflight || st.timer) {
        st.replace = true;
        return;
      }
      failure(0);
    }

    function isApp(target) {
      if (!target) return false;
      if (st.app) return target === st.app;
      // sdk mode before embedAgentforceClient returned: the app is in our container.
      return container.contains(target) && target.localName === 'lightning-out-application';
    }

    function watchApp(app) {
      listen(app, 'lo.application.ready', onAppReady);
      listen(app, 'lo.application.error', onError);
      listen(app, 'lo.iframe.error', onError);
    }

    function setFloating(maximized) {
      // A recovery closes a floating chat; remember that it was open.
      if (!maximized && st.state !== 'ready' && container.classList.contains('acc-maximized')) st.wasOpen = true;
      container.classList.toggle('acc-maximized', maximized);
      container.classList.toggle('acc-minimized', !maximized);
    }

    // watchComp listens to one component element. Lightning Out queues these
    // listeners until the component is ready, and every event is non-bubbling,
    // so they go on the element itself.
    function watchComp(el) {
      listenComp(el, 'lo.component.ready', onCompReady);
      listenComp(el, 'lo.component.error', onError);
      if (!boot.acc || mode !== 'floating') return;
      listenComp(el, 'accready', function () {
        setFloating(false);
      });
      listenComp(el, 'accminimize', function () {
        setFloating(false);
        if (boot.mode === 'sdk') sdkFrameClass(el, 'minimize');
      });
      listenComp(el, 'accmaximize', function () {
        setFloating(true);
        if (boot.mode === 'sdk') sdkFrameClass(el, 'maximize');
      });
    }

    // sdkFrameClass keeps the SDK's own state classes on a wrapper the SDK did
    // not create (a replacement), as the SDK does on its own.
    function sdkFrameClass(el, state) {
      el.classList.remove('initial', 'maximize', 'minimize');
      el.classList.add(state);
    }

    function unwatchComps() {
      st.compListeners.forEach(function (l) {
        l[0].removeEventListener(l[1], l[2]);
      });
      st.compListeners = [];
    }

    // replaceComponents puts a new element, with the same configuration, in
    // place of each component element: the library renders it in a new frame
    // on the session it just established.
    function replaceComponents() {
      unwatchComps();
      var next = st.comps.map(function (old) {
        var el = doc.createElement(old.localName);
        Array.prototype.forEach.call(old.attributes, function (a) {
          if (a.name !== 'style') el.setAttribute(a.name, a.value);
        });
        // Custom properties carry over through the CSSOM; the library sets its
        // own inline sizes again.
        for (var i = 0; i < old.style.length; i++) {
          var n = old.style[i];
          if (n.indexOf('--') === 0) el.style.setProperty(n, old.style.getPropertyValue(n));
        }
        if (boot.acc) {
          el.configuration = accClientConfig(boot.acc);
          if (boot.mode === 'sdk' && mode === 'floating') sdkFrameClass(el, 'initial');
        }
        watchComp(el);
        return el;
      });
      st.comps.forEach(function (old, i) {
        old.replaceWith(next[i]);
      });
      st.comps = next;
      st.readyComps = [];
      if (boot.acc && mode === 'floating') setFloating(false);
    }

    async function mint() {
      var res;
      try {
        res = await global.fetch(frontdoorURL, {
          method: 'POST',
          headers: { 'X-LO-CSRF': '1', Accept: 'application/json' },
          credentials: creds,
          cache: 'no-store',
          referrerPolicy: 'no-referrer'
        });
      } catch (e) {
        return { kind: 'error', reason: 'network error calling the frontdoor endpoint' };
      }
      var body = null;
      try {
        body = await res.json();
      } catch (e) {
        body = null;
      }
      return classifyFrontdoorResponse(res.status, body, res.headers.get('Retry-After'), Date.now());
    }

    function mountNative(url) {
      var app = doc.createElement('lightning-out-application');
      app.setAttribute('components', componentsAttr(boot));
      app.setAttribute('data-lo', boot.acc ? 'acc' : 'components');
      if (boot.appId) app.setAttribute('app-id', boot.appId);
      // An Experience Cloud site: components load from <site origin><prefix>/lightning-out.
      if (boot.sitePrefix) app.setAttribute('site-prefix', boot.sitePrefix);
      st.app = app;
      watchApp(app);
      // Connected first: the library defines the component tags when it sees
      // the application, so the elements below are upgraded at creation.
      container.appendChild(app);
      st.comps = componentTags(boot).map(function (tag) {
        var el = doc.createElement(tag);
        if (boot.acc) {
          el.className = 'acc-frame';
          // A property, not an attribute: Lightning Out mirrors own properties into the LWC.
          el.configuration = accClientConfig(boot.acc);
        }
        watchComp(el);
        holder().appendChild(el);
        return el;
      });
      // A floating ACC renders minimized to its button; until it says otherwise
      // the frame must not cover the page under it.
      if (boot.acc && mode === 'floating') setFloating(false);
      app.setAttribute('frontdoor-url', url);
    }

    async function mountSDK(url) {
      ensureSDKStylesheet(base, nonce);
      // Until embedAgentforceClient hands back loApp, catch the non-bubbling lo.* events
      // in the capture phase so an early ready/error is not missed.
      var early = [];
      function capture(ev) {
        if (!st.app) early.push(ev);
      }
      var types = ['lo.application.ready', 'lo.application.error', 'lo.iframe.error', 'lo.component.error', 'lo.component.ready'];
      types.forEach(function (t) {
        doc.addEventListener(t, capture, true);
      });
      var box = holder();
      if (mode === 'floating') setFloating(false);
      var res;
      try {
        res = await global.embedAgentforceClient({
          container: box,
          frontdoorUrl: url,
          appId: boot.appId || undefined,
          sitePrefix: boot.sitePrefix || undefined,
          agentforceClientConfig: accClientConfig(boot.acc)
        });
      } finally {
        types.forEach(function (t) {
          doc.removeEventListener(t, capture, true);
        });
      }
      var app = (res && res.loApp) || box.querySelector('lightning-out-application');
      if (!app) throw new Error('embedAgentforceClient returned no Lightning Out application');
      var comp = (res && res.chatClientComponent) || box.querySelector('.acc-frame');
      st.app = app;
      st.comps = comp ? [comp] : [];
      watchApp(app);
      st.comps.forEach(watchComp);
      early.forEach(function (ev) {
        if (ev.type === 'lo.application.ready') onAppReady(ev);
        else if (ev.type === 'lo.component.ready') onCompReady(ev);
        else onError(ev);
      });
    }

    // attempt gets a fresh frontdoor URL and hands it to Lightning Out (mounting first if
    // needed). Every path out of it either waits for an lo.* event, schedules a retry,
    // or shows a final state.
    async function attempt() {
      if (st.stopped || st.inflight) return;
      st.inflight = true;
      try {
        var lib = ensureLibrary(boot, nonce);
        lib.catch(function () {}); // handled below; avoid an unhandled rejection meanwhile
        var r = await mint();
        if (st.stopped) return;
        if (r.kind === 'signed-out') {
          signedOut();
          return;
        }
        if (r.kind === 'rate-limited') {
          failure(r.waitMs === null ? 0 : r.waitMs);
          return;
        }
        if (r.kind === 'error') {
          warn(r.reason);
          failure(0);
          return;
        }
        try {
          await lib;
        } catch (e) {
          warn('could not load ' + (boot.mode === 'sdk' ? 'the ACC SDK bundle' : 'the Lightning Out script') + ': ' + e.message);
          failure(0);
          return;
        }
        if (st.stopped) return;
        try {
          if (!st.mounted) {
            st.mounted = true;
            st.replace = false;
            if (boot.mode === 'sdk') await mountSDK(r.url);
            else mountNative(r.url);
          } else {
            st.app.setAttribute('frontdoor-url', r.url);
          }
          armReadyWatch();
        } catch (e) {
          warn('Lightning Out refused the frontdoor URL or the mount failed');
          if (boot.mode === 'sdk' && !st.app) {
            st.mounted = false;
            container.textContent = '';
          }
          failure(0);
        }
        r = null; // drop the single-use URL
      } finally {
        st.inflight = false;
      }
    }

    function retryNow() {
      if (st.stopped) return;
      clearTimers();
      st.failures = 0;
      st.recoveries = [];
      if (!st.mounted) {
        setState('connecting');
        attempt();
        return;
      }
      recover();
    }

    // A visitor back after longer than the org's session timeout (a background
    // tab, a sleeping laptop, a page restored from the back/forward cache) may
    // have a chat whose org session ended without a word: recover it.
    function checkStale(since) {
      if (!sessionTimeoutMs || !st.mounted || st.stopped) return;
      if (st.state === 'signed-out' || st.state === 'failed') return;
      var now = Date.now();
      if ((since && now - since > sessionTimeoutMs) || (st.lastAuthAt && now - st.lastAuthAt > sessionTimeoutMs)) {
        recover();
      }
    }
    if (mode === 'floating') {
      listen(global, 'resize', scheduleClearance);
      listen(global, 'scroll', scheduleClearance, true);
    }
    listen(doc, 'visibilitychange', function () {
      if (doc.visibilityState === 'hidden') {
        st.hiddenAt = Date.now();
        return;
      }
      checkStale(st.hiddenAt);
      st.hiddenAt = 0;
    });
    listen(doc, 'freeze', function () {
      if (!st.hiddenAt) st.hiddenAt = Date.now();
    });
    listen(doc, 'resume', function () {
      checkStale(st.hiddenAt);
    });
    listen(global, 'pageshow', function (ev) {
      if (ev.persisted) checkStale(st.hiddenAt);
    });

    var isFramed = framedPage();

    function signedInNow() {
      if (typeof opts.onSignedIn === 'function') opts.onSignedIn();
      else global.location.reload(); // the embed page: render it signed in
    }

    // redeem trades the popup's hand-off code for a session cookie, set by the
    // answer in this page's own cookie partition.
    function redeem(code, state) {
      var url = resolveEndpoint(boot.handoffEndpoint, base);
      return global
        .fetch(url, {
          method: 'POST',
          credentials: credentialsFor(url, pageOrigin),
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify({ code: code, state: state }),
          cache: 'no-store'
        })
        .then(function (res) {
          return res.ok;
        })
        .catch(function () {
          return false;
        });
    }

    function signinFailed(message) {
      setState('signed-out');
      if (ui.signinPanel) {
        var note = doc.getElementById('lo-signin-note');
        if (note) note.textContent = message;
      }
      if (global.console && global.console.warn) global.console.warn('logateway: ' + message);
    }

    function popupFlow() {
      var gatewayOrigin = opts.gatewayOrigin || pageOrigin;
      var bytes = new Uint8Array(24);
      global.crypto.getRandomValues(bytes);
      var state = popupState(bytes);
      // The callback page posts the code to this page's exact origin (checked
      // against trusted_domains), and it is redeemable only with state.
      var popupURL = popupLoginURL(loginHref, base, state, pageOrigin, gatewayOrigin);
      popupSignIn(popupURL, gatewayOrigin).then(function (msg) {
        if (msg === null) {
          // Navigating instead works only on the gateway's own site: elsewhere the
          // cookie would land in the gateway's partition, not this page's.
          if (isFramed || pageOrigin !== gatewayOrigin) {
            signinFailed('Your browser blocked the sign-in window. Allow pop-ups for this site and click Sign in again.');
          } else {
            global.location.assign(loginHref);
          }
          return;
        }
        if (!msg.ok) return;
        if (!msg.code) {
          signedInNow(); // an older gateway set the cookie itself
          return;
        }
        setState('connecting');
        redeem(msg.code, state).then(function (ok) {
          if (ok) signedInNow();
          else signinFailed('The sign-in could not be finished here. Click Sign in to try again.');
        });
      });
    }

    // storageAccessFlow asks for the gateway's own (unpartitioned) cookie: a
    // visitor already signed in at the gateway's site needs no new sign-in. A
    // refusal, or no session there, falls back to the popup.
    function storageAccessFlow() {
      var sessionURL = resolveEndpoint(boot.sessionEndpoint, base);
      doc
        .requestStorageAccess()
        .then(function () {
          return global.fetch(sessionURL, { credentials: 'same-origin', headers: { Accept: 'application/json' }, cache: 'no-store' });
        })
        .then(function (res) {
          return res.ok ? res.json() : null;
        })
        .then(function (body) {
          if (body && body.signedIn === true) signedInNow();
          else popupFlow();
        })
        .catch(function () {
          popupFlow();
        });
    }

    var storageAccessTried = false;

    function onSigninClick(ev) {
      // Storage access is asked once: a popup opened after its answer may be
      // blocked, and the next click must open the popup straight away.
      var saa = !storageAccessTried && typeof doc.requestStorageAccess === 'function';
      var mode = signinMode(isFramed, !!opts.popup, boot.cookiePartitioned, saa);
      if (mode === 'navigate') return; // plain link: the browser navigates to the sign-in URL
      ev.preventDefault();
      if (mode === 'storage-access') {
        storageAccessTried = true;
        storageAccessFlow();
      } else {
        popupFlow();
      }
    }

    function stop() {
      st.stopped = true;
      clearTimers();
      st.listeners.forEach(function (l) {
        l[0].removeEventListener(l[1], l[2], l[3]);
      });
      st.listeners = [];
      unwatchComps();
    }

    // Sign-out ends the Salesforce UI session the frontdoor URL opened inside
    // Lightning Out's frame, too: clearing frontdoor-url makes the library load
    // the org's logout page in its hidden iframe. (The gateway then ends the
    // org's own session through its end-session endpoint; a browser that
    // partitions third-party cookies keeps the frame's session apart from it.)
    // The form is submitted once that request had time to go.
    function onSignoutSubmit(ev) {
      if (!st.app || st.signingOut) return;
      ev.preventDefault();
      st.signingOut = true;
      var form = ev.currentTarget;
      var done = false;
      function go() {
        if (done) return;
        done = true;
        form.submit();
      }
      try {
        st.app.addEventListener('lo.application.logout', go);
        st.app.setAttribute('frontdoor-url', '');
      } catch (e) {
        go();
        return;
      }
      setTimeout(go, SIGNOUT_WAIT_MS);
    }
    Array.prototype.forEach.call(doc.querySelectorAll('form[data-lo-signout]'), function (f) {
      listen(f, 'submit', onSignoutSubmit);
    });

    ui.signin.setAttribute('href', loginHref);
    listen(ui.signin, 'click', onSigninClick);
    Array.prototype.forEach.call(doc.querySelectorAll('a[data-lo-signin]'), function (a) {
      listen(a, 'click', onSigninClick);
    });
    if (ui.retry) listen(ui.retry, 'click', retryNow);

    if (!boot.signedIn) {
      setState('signed-out');
      // Inside a frame the visitor clicks: a popup needs a click, and the org
      // refuses to be framed.
      if (boot.autoStart && !opts.floating && !isFramed) global.location.assign(loginHref);
    } else {
      setState('connecting');
      attempt();
    }

    return {
      stop: stop,
      retry: retryNow,
      state: function () {
        return st.state;
      }
    };
  }

  global.logateway = { start: start, helpers: helpers };

  // Self-start on the embed page.
  function autostart() {
    var el = doc.getElementById('lo-boot');
    if (!el) return;
    var status = doc.getElementById('lo-status');
    try {
      var boot = parseBoot(el.textContent);
      var container = doc.getElementById(boot.containerId);
      if (!container) throw new Error('no element with id "' + boot.containerId + '" (boot containerId)');
      global.logateway.controller = start(boot, container, {});
    } catch (e) {
      if (global.console) global.console.error(e.message);
      if (status) {
        status.setAttribute('data-state', 'failed');
        status.textContent = STATUS_TEXT.failed;
      }
      var failureBox = doc.getElementById('lo-failure');
      var msg = doc.getElementById('lo-failure-message');
      if (msg) msg.textContent = 'This page is not configured correctly. The site administrator can find the reason in the browser console.';
      if (failureBox) failureBox.hidden = false;
      var retry = doc.getElementById('lo-retry');
      if (retry) retry.hidden = true; // a broken config does not heal by retrying
    }
  }

  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', autostart);
  else autostart();
})(typeof window !== 'undefined' ? window : this);
