/*
 * logateway bootstrap: signs the page into the org through a single-use frontdoor URL
 * and mounts the Agentforce Conversation Client (or plain Lightning Out 2.0 components).
 *
 * Runs in two places:
 *  - the gateway's embed page, which carries the boot config (static.Boot in Go) in
 *    <script type="application/json" id="lo-boot">; this file starts itself there;
 *  - any page through launcher.js, which loads this file and calls
 *    window.logateway.start(boot, container, options).
 *
 * One file, served as is, made of small units. Each unit is a function run once that
 * adds what it defines to the one global this file owns, window.logateway:
 *  - pure units (Node runs their tests, bootstrap.test.js): constants, retry policy,
 *    boot config, components and ACC config, URLs and sign-in helpers, and the
 *    connection state machine (connecting / ready / reconnecting / failed / signed-out);
 *  - browser units: the library loader, the UI (status, sign-in link, failure box,
 *    notices, clearance), the Lightning Out adapter (native and SDK mounting,
 *    frontdoor-url, component replacement), sign-in flows, the controller that wires
 *    them, and the embed page's self-start.
 * Units reach each other through logateway.helpers (pure, exported to Node) and
 * logateway.units (browser; internal, not an API).
 *
 * Frontdoor URLs are secrets for their short life: they are never logged, never written
 * to a URL or storage, and dropped as soon as they have been handed to Lightning Out.
 */
var logateway = typeof window !== 'undefined' && window.logateway ? window.logateway : {};
// unit runs one unit of this file as body(lo, helpers, units): browser units not under
// Node, and none at all when the file was loaded before (the first copy is kept).
logateway.unit =
  logateway.unit ||
  function (browserOnly, body) {
    if (logateway.loaded || (browserOnly && typeof document === 'undefined')) return;
    body(logateway, logateway.helpers, logateway.units);
  };

// ---------------------------------------------------------------- unit: constants
logateway.unit(false, function (lo, h, u) {
  'use strict';
  lo.units = {};
  // The gateway sends the values that matter to both sides in the boot config
  // (static.Boot: maxRetries, readyTimeoutMs, …); the defaults here are fallbacks
  // for a boot config written by hand.
  lo.helpers = {
    BOOT_VERSION: 1,
    BACKOFF_BASE_MS: 1000,
    BACKOFF_CAP_MS: 30000,
    MIN_REMINT_MS: 10000,
    RETRY_AFTER_CAP_MS: 5 * 60 * 1000,
    DEFAULT_MAX_RETRIES: 5,
    // How long a (re)connect may take before the page treats the chat as broken:
    // Lightning Out's own frame timeout (60 s) plus a margin.
    DEFAULT_READY_TIMEOUT_MS: 75000,
    // A component that fails on every render would otherwise loop forever, because
    // each successful re-login (lo.application.ready) resets the failure counter.
    RECOVERY_WINDOW_MS: 5 * 60 * 1000,
    ACC_COMPONENT: 'runtime_copilot/accSdkWrapper',
    // The id the ACC Web SDK looks for before it injects its own <style> (which has
    // no nonce, so a strict CSP would refuse it): the page provides it first.
    SDK_STYLE_ID: 'agentforce-client-injected-styles',
    // How long sign-out waits for Lightning Out to start the org logout.
    SIGNOUT_WAIT_MS: 1500,
    // After a recovery the status says this for a few seconds.
    RECONNECTED_TEXT: 'Reconnected',
    RECONNECTED_OPEN_TEXT: 'Reconnected \u2013 open the chat to continue',
    RECONNECTED_NOTICE_MS: 4000,
    STATUS_TEXT: {
      'signed-out': 'Sign in to chat',
      connecting: 'Connecting\u2026',
      ready: 'Connected',
      reconnecting: 'Reconnecting\u2026',
      failed: 'Could not connect'
    }
  };
});

// ---------------------------------------------------------------- unit: retry policy
logateway.unit(false, function (lo, h, u) {
  'use strict';

  // backoffDelay is the wait before retry number `failures` (1-based): 1s, 2s, 4s, … capped.
  function backoffDelay(failures, baseMs, capMs) {
    var base = baseMs === undefined ? h.BACKOFF_BASE_MS : baseMs;
    var cap = capMs === undefined ? h.BACKOFF_CAP_MS : capMs;
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
    return Math.min(ms, h.RETRY_AFTER_CAP_MS);
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

  Object.assign(h, {
    backoffDelay: backoffDelay,
    nextStep: nextStep,
    recoveryBudgetExceeded: recoveryBudgetExceeded,
    parseRetryAfter: parseRetryAfter,
    classifyFrontdoorResponse: classifyFrontdoorResponse
  });
});

// ---------------------------------------------------------------- unit: boot config fields
logateway.unit(false, function (lo, h, u) {
  'use strict';

  function isObject(v) {
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  }

  function bootError(msg) {
    return new Error('logateway boot config: ' + msg);
  }

  // fieldReader reads the typed fields of a raw boot config; its errors name the field.
  function fieldReader(raw) {
    return {
      str: function (name, def) {
        var v = raw[name];
        if (v === undefined || v === null) return def;
        if (typeof v !== 'string') throw bootError(name + ' must be a string, got ' + typeof v);
        return v;
      },
      bool: function (name) {
        var v = raw[name];
        if (v === undefined || v === null) return false;
        if (typeof v !== 'boolean') throw bootError(name + ' must be true or false, got ' + JSON.stringify(v));
        return v;
      },
      nonNegInt: function (name, def) {
        var v = raw[name];
        if (v === undefined || v === null) return def;
        if (typeof v !== 'number' || !isFinite(v) || v < 0 || Math.floor(v) !== v) {
          throw bootError(name + ' must be a whole number >= 0, got ' + JSON.stringify(v));
        }
        return v;
      }
    };
  }

  function normalizeComponents(raw) {
    var comps = raw.components === undefined || raw.components === null ? [] : raw.components;
    if (!Array.isArray(comps)) throw bootError('components must be a list of component names');
    return comps.map(function (c, i) {
      if (typeof c !== 'string' || c.trim() === '') throw bootError('components[' + i + '] must be a non-empty string');
      return c.trim();
    });
  }

  function normalizeACC(acc) {
    if (acc === undefined || acc === null) return null;
    if (!isObject(acc)) throw bootError('acc must be an object or null');
    if (typeof acc.agentId !== 'string' || acc.agentId === '') throw bootError('acc.agentId is required');
    if (acc.renderingConfig !== undefined && acc.renderingConfig !== null && !isObject(acc.renderingConfig)) {
      throw bootError('acc.renderingConfig must be an object');
    }
    if (acc.styleTokens !== undefined && acc.styleTokens !== null && !isObject(acc.styleTokens)) {
      throw bootError('acc.styleTokens must be an object of strings');
    }
    return acc;
  }

  Object.assign(lo.helpers, {
    isObject: isObject,
    bootError: bootError,
    fieldReader: fieldReader,
    normalizeComponents: normalizeComponents,
    normalizeACC: normalizeACC
  });
});

// ---------------------------------------------------------------- unit: boot config
logateway.unit(false, function (lo, h, u) {
  'use strict';

  // normalizeBoot validates the boot config and fills defaults. It throws an Error that
  // names the offending field.
  function normalizeBoot(raw) {
    if (!h.isObject(raw)) throw h.bootError('want a JSON object, got ' + (raw === null ? 'null' : typeof raw));
    var f = h.fieldReader(raw);
    var b = { mode: raw.mode === undefined || raw.mode === '' ? 'native' : raw.mode };
    if (b.mode !== 'native' && b.mode !== 'sdk') {
      throw h.bootError('mode must be "native" or "sdk", got ' + JSON.stringify(raw.mode));
    }
    // A newer gateway may add fields this script ignores; the version is kept for tests.
    b.version = f.nonNegInt('version', h.BOOT_VERSION);
    b.orgOrigin = f.str('orgOrigin', '');
    b.scriptURL = f.str('scriptURL', '');
    b.appId = f.str('appId', '');
    b.sitePrefix = f.str('sitePrefix', '');
    b.frontdoorEndpoint = f.str('frontdoorEndpoint', '') || '/__lo/frontdoor';
    b.sessionEndpoint = f.str('sessionEndpoint', '') || '/__lo/session';
    b.loginURL = f.str('loginURL', '') || '/__lo/login';
    b.handoffEndpoint = f.str('handoffEndpoint', '') || '/__lo/handoff';
    b.cookiePartitioned = f.bool('cookiePartitioned');
    b.containerId = f.str('containerId', '') || 'lo-container';
    b.signedIn = f.bool('signedIn');
    b.autoStart = f.bool('autoStart');
    b.maxRetries = f.nonNegInt('maxRetries', h.DEFAULT_MAX_RETRIES);
    b.remintIntervalMs = f.nonNegInt('remintIntervalMs', 0);
    if (b.remintIntervalMs > 0 && b.remintIntervalMs < h.MIN_REMINT_MS) b.remintIntervalMs = h.MIN_REMINT_MS;
    b.sessionTimeoutMs = f.nonNegInt('sessionTimeoutMs', 0);
    b.readyTimeoutMs = f.nonNegInt('readyTimeoutMs', h.DEFAULT_READY_TIMEOUT_MS) || h.DEFAULT_READY_TIMEOUT_MS;
    b.components = h.normalizeComponents(raw);
    b.acc = h.normalizeACC(raw.acc);
    if (b.mode === 'native' && b.acc === null && b.components.length === 0) {
      throw h.bootError('nothing to render: set acc (the ACC) or components (plain Lightning Out components)');
    }
    if (b.mode === 'sdk' && b.acc === null) {
      throw h.bootError('mode "sdk" needs acc: the ACC Web SDK only embeds the ACC');
    }
    if (b.signedIn && b.scriptURL === '') {
      throw h.bootError('scriptURL is required (the Lightning Out script or the ACC SDK bundle)');
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
      throw h.bootError('not valid JSON (' + e.message + ')');
    }
    return normalizeBoot(raw);
  }

  Object.assign(h, { normalizeBoot: normalizeBoot, sessionTimeoutFor: sessionTimeoutFor, parseBoot: parseBoot });
});

// ---------------------------------------------------------------- unit: component tags
logateway.unit(false, function (lo, h, u) {
  'use strict';

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
    if (boot.acc) return h.ACC_COMPONENT;
    return boot.components.join(',');
  }

  function componentTags(boot) {
    if (boot.acc) return [tagForComponent(h.ACC_COMPONENT)];
    return boot.components.map(tagForComponent);
  }

  Object.assign(h, { tagForComponent: tagForComponent, componentsAttr: componentsAttr, componentTags: componentTags });
});

// ---------------------------------------------------------------- unit: ACC config
logateway.unit(false, function (lo, h, u) {
  'use strict';

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
    if (acc && h.isObject(acc.renderingConfig) && acc.renderingConfig.mode === 'inline') return 'inline';
    return 'floating';
  }

  // accClientConfig is the agentforceClientConfig handed to the ACC (as the wrapper's
  // `configuration` property in native mode, or to embedAgentforceClient in sdk mode).
  function accClientConfig(acc) {
    var out = { agentId: acc.agentId };
    if (typeof acc.agentLabel === 'string' && acc.agentLabel !== '') out.agentLabel = acc.agentLabel;
    var rc = {};
    var src = h.isObject(acc.renderingConfig) ? acc.renderingConfig : {};
    Object.keys(src).forEach(function (k) {
      var v = src[k];
      if (v === undefined || v === null || v === '') return;
      rc[k] = k === 'width' || k === 'height' ? sizeValue(v) : v;
    });
    if (!rc.mode) rc.mode = 'floating';
    out.renderingConfig = rc;
    var tokens = {};
    if (h.isObject(acc.styleTokens)) {
      Object.keys(acc.styleTokens).forEach(function (k) {
        var v = acc.styleTokens[k];
        if (typeof v === 'string' && v !== '') tokens[k] = v;
      });
    }
    if (Object.keys(tokens).length > 0) out.styleTokens = tokens;
    return out;
  }

  Object.assign(h, { sizeValue: sizeValue, cssSize: cssSize, renderMode: renderMode, accClientConfig: accClientConfig });
});

// ---------------------------------------------------------------- unit: URLs
logateway.unit(false, function (lo, h, u) {
  'use strict';

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

  Object.assign(lo.helpers, {
    originOf: originOf,
    resolveEndpoint: resolveEndpoint,
    credentialsFor: credentialsFor,
    rdFor: rdFor,
    loginURLFor: loginURLFor
  });
});

// ---------------------------------------------------------------- unit: sign-in helpers
logateway.unit(false, function (lo, h, u) {
  'use strict';

  // isSigninMessage checks a postMessage from the sign-in popup; a hand-off code,
  // when present, is a 43-character base64url string.
  function isSigninMessage(origin, data, gatewayOrigin) {
    return (
      origin === gatewayOrigin &&
      h.isObject(data) &&
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
    var u = new URL(h.loginURLFor(loginURL, base, '', true));
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

  Object.assign(h, {
    isSigninMessage: isSigninMessage,
    popupState: popupState,
    popupLoginURL: popupLoginURL,
    signinMode: signinMode
  });
});

// ---------------------------------------------------------------- unit: connection state machine
logateway.unit(false, function (lo, h, u) {
  'use strict';

  // NEXT lists the states each state may move to ('' is before the first). A late
  // "ready" after giving up is taken: the chat did come up after all.
  var NEXT = {
    '': ['connecting', 'signed-out', 'failed'],
    connecting: ['connecting', 'ready', 'failed', 'signed-out'],
    ready: ['reconnecting', 'failed', 'signed-out'],
    reconnecting: ['reconnecting', 'ready', 'failed', 'signed-out'],
    failed: ['connecting', 'reconnecting', 'ready', 'failed', 'signed-out'],
    'signed-out': ['connecting', 'signed-out']
  };

  // Connection is the page's connection to the chat as a state machine: it decides
  // what a failure, a ready chat or a sign-out means, and the controller acts on it.
  // No DOM, no timers: the caller passes the time.
  function Connection(maxRetries) {
    this.maxRetries = maxRetries;
    this.state = '';
    this.failures = 0; // consecutive failures since the chat was last ready
    this.recoveries = []; // start times of the recoveries inside RECOVERY_WINDOW_MS
    this.everReady = false;
  }

  // to moves to state s when NEXT allows it, and says whether it did.
  Connection.prototype.to = function (s) {
    if (NEXT[this.state].indexOf(s) < 0) return false;
    this.state = s;
    return true;
  };

  h.Connection = Connection;
  h.CONNECTION_NEXT = NEXT;
});

// ---------------------------------------------------------------- unit: connection transitions
logateway.unit(false, function (lo, h, u) {
  'use strict';
  var Connection = h.Connection;

  // ended: nothing happens until the visitor acts (signs in, clicks Reconnect).
  Connection.prototype.ended = function () {
    return this.state === 'signed-out' || this.state === 'failed';
  };

  // recovering is the state while the page connects again: "reconnecting" once the
  // chat has been ready, "connecting" before.
  Connection.prototype.recovering = function () {
    return this.to(this.everReady ? 'reconnecting' : 'connecting');
  };

  // fail counts one consecutive failure: {retryMs} to try again after, or {giveUp}
  // with the message for the visitor (state "failed"); {ignored} once signed out.
  Connection.prototype.fail = function (nowMs) {
    if (this.state === 'signed-out') return { ignored: true }; // only a new sign-in connects
    this.failures++;
    var step = h.nextStep(this.failures, this.maxRetries);
    if (step.giveUp) return this.giveUp('The chat could not connect after ' + this.failures + ' attempts.');
    this.recoveries.push(nowMs);
    this.recoveries = this.recoveries.filter(function (t) {
      return nowMs - t < h.RECOVERY_WINDOW_MS;
    });
    if (h.recoveryBudgetExceeded(this.recoveries, nowMs, h.RECOVERY_WINDOW_MS, 2 * (this.maxRetries + 1))) {
      return this.giveUp('The chat keeps failing; it stopped reconnecting to spare your connection.');
    }
    this.recovering();
    return { retryMs: step.delayMs };
  };

  Connection.prototype.giveUp = function (message) {
    this.to('failed');
    return { giveUp: message };
  };

  // ready: the application and every component are ready. recovered says this ends a
  // recovery (the page says "Reconnected"); changed, that the state changed.
  Connection.prototype.ready = function () {
    this.failures = 0;
    var recovered = this.everReady && this.state !== 'ready';
    this.everReady = true;
    var changed = this.state !== 'ready' && this.to('ready');
    return { changed: changed, recovered: recovered };
  };

  // retryByHand: the visitor's Reconnect starts with a clean slate.
  Connection.prototype.retryByHand = function () {
    this.failures = 0;
    this.recoveries = [];
  };
});

// ---------------------------------------------------------------- unit: library loader (browser)
logateway.unit(true, function (lo, h, u) {
  'use strict';
  var doc = document;
  // The nonce is only readable while this script runs (currentScript is null later).
  u.scriptNonce = doc.currentScript ? doc.currentScript.nonce || '' : '';

  u.warn = function (msg) {
    // Fixed messages only: an error object from Lightning Out may quote the frontdoor URL.
    if (window.console && window.console.warn) window.console.warn('logateway: ' + msg);
  };

  var libraryPromise = null;

  function libraryPresent(boot) {
    if (boot.mode === 'sdk') return typeof window.embedAgentforceClient === 'function';
    return !!(window.customElements && window.customElements.get('lightning-out-application'));
  }

  // ensureLibrary loads the LO script (native) or the SDK bundle (sdk) once per page. The
  // SDK bundles its own Lightning Out, so a page never gets both (docs/salesforce.md §3.1, 4.1).
  u.ensureLibrary = function (boot, nonce) {
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
  };

  // ensureSDKStylesheet gives the page an element with the id the ACC Web SDK
  // checks, so the SDK skips its nonce-less <style> (no CSP violation without
  // 'unsafe-inline'). It is the gateway's own stylesheet, which styles the SDK's
  // frame classes; loaded with the page's nonce, from the gateway.
  u.ensureSDKStylesheet = function (base, nonce) {
    if (doc.getElementById(h.SDK_STYLE_ID)) return;
    var href = '';
    var links = doc.querySelectorAll('link[rel="stylesheet"]');
    for (var i = 0; i < links.length; i++) {
      if (/\/logateway\.css(\?|$)/.test(links[i].href)) href = links[i].href;
    }
    var l = doc.createElement('link');
    l.id = h.SDK_STYLE_ID;
    l.rel = 'stylesheet';
    l.href = href || h.resolveEndpoint('/__lo/static/logateway.css', base);
    if (nonce) l.nonce = nonce;
    (doc.head || doc.documentElement).appendChild(l);
  };
});

// ---------------------------------------------------------------- unit: UI elements (browser)
logateway.unit(true, function (lo, h, u) {
  'use strict';
  var doc = document;

  function findOrCreate(id, tag, parent, setup) {
    var el = doc.getElementById(id);
    if (el) return el;
    el = doc.createElement(tag);
    el.id = id;
    if (setup) setup(el);
    parent.appendChild(el);
    return el;
  }

  function failureBox(el) {
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
  }

  // UI is the page's side of the chat: the status line (a polite live region), the
  // sign-in link, the failure box with Reconnect, and the notices. The embed page
  // has them in its markup; the launcher gets them created.
  function UI(uiRoot, container, mode, opts) {
    this.opts = opts;
    this.container = container;
    this.mode = mode;
    this.state = '';
    this.noticeTimer = null;
    this.clearanceFrame = 0;
    this.status = findOrCreate('lo-status', 'p', uiRoot, function (el) {
      el.className = 'lo-status';
      el.setAttribute('role', 'status');
      el.setAttribute('aria-live', 'polite');
    });
    this.signin = findOrCreate('lo-signin', 'a', uiRoot, function (el) {
      el.className = 'lo-btn';
      el.textContent = opts.floating ? 'Chat \u2014 sign in' : 'Sign in to chat';
      el.hidden = true;
    });
    this.failure = findOrCreate('lo-failure', 'div', uiRoot, failureBox);
    // Optional: the embed page wraps the sign-in button in a panel with some text.
    this.signinPanel = doc.getElementById('lo-signin-panel');
    this.failureMessage = doc.getElementById('lo-failure-message') || this.failure;
    this.retry = doc.getElementById('lo-retry');
  }

  lo.units.UI = UI;
});

// ---------------------------------------------------------------- unit: UI status and notices (browser)
logateway.unit(true, function (lo, h, u) {
  'use strict';
  var doc = document;
  var UI = lo.units.UI;

  // show renders state s: the status text, which of sign-in and failure box shows,
  // and data-state/aria-busy for the page's stylesheet and assistive technology.
  UI.prototype.show = function (s, message) {
    this.state = s;
    this.status.setAttribute('data-state', s);
    this.status.textContent = h.STATUS_TEXT[s];
    this.signin.hidden = s !== 'signed-out';
    if (this.signinPanel) this.signinPanel.hidden = s !== 'signed-out';
    this.failure.hidden = s !== 'failed';
    if (s === 'failed') this.failureMessage.textContent = message || 'The chat could not connect.';
    if (this.opts.uiRoot) this.opts.uiRoot.setAttribute('data-state', s);
    this.container.setAttribute('data-state', s);
    this.container.setAttribute('aria-busy', s === 'connecting' || s === 'reconnecting' ? 'true' : 'false');
    if (typeof this.opts.onState === 'function') this.opts.onState(s);
    this.scheduleClearance();
  };

  // reconnected says so, briefly and politely (the status is a polite live
  // region), after a recovery; then the status reads "Connected" again. A
  // floating chat comes back closed (no API opens it), so the notice says
  // how to go on when it had been open.
  UI.prototype.reconnected = function (wasOpen) {
    var self = this;
    if (this.noticeTimer) clearTimeout(this.noticeTimer);
    this.status.textContent = wasOpen ? h.RECONNECTED_OPEN_TEXT : h.RECONNECTED_TEXT;
    this.status.setAttribute('data-notice', 'reconnected');
    this.noticeTimer = setTimeout(function () {
      self.noticeTimer = null;
      self.status.removeAttribute('data-notice');
      if (self.state === 'ready') self.status.textContent = h.STATUS_TEXT.ready;
    }, h.RECONNECTED_NOTICE_MS);
  };

  // signinFailed shows why a sign-in did not finish, next to the sign-in button.
  UI.prototype.signinFailed = function (message) {
    if (!this.signinPanel) return;
    var note = doc.getElementById('lo-signin-note');
    if (note) note.textContent = message;
  };
});

// ---------------------------------------------------------------- unit: UI clearance (browser)
logateway.unit(true, function (lo, h, u) {
  'use strict';
  var doc = document;
  var UI = lo.units.UI;

  // updateClearance keeps a floating chat under the page's own status and
  // sign-out: --lo-chat-top is the lowest bottom edge of those that sit in
  // the top half of the viewport (the stylesheet caps the chat's height with it).
  UI.prototype.updateClearance = function () {
    this.clearanceFrame = 0;
    if (this.mode !== 'floating') return;
    var container = this.container;
    var vh = window.innerHeight || doc.documentElement.clientHeight;
    var top = 0;
    var keep = [this.status].concat(Array.prototype.slice.call(doc.querySelectorAll('form[data-lo-signout], [data-lo-keep-visible]')));
    keep.forEach(function (el) {
      if (!el || container.contains(el)) return;
      var r = el.getBoundingClientRect();
      if ((r.width === 0 && r.height === 0) || r.bottom <= 0 || r.top >= vh / 2) return;
      top = Math.max(top, r.bottom);
    });
    // At least a typical site header's height, for pages that mark nothing.
    container.style.setProperty('--lo-chat-top', Math.ceil(Math.max(top + 12, 72)) + 'px');
  };

  UI.prototype.scheduleClearance = function () {
    if (!this.clearanceFrame) this.clearanceFrame = window.requestAnimationFrame(this.updateClearance.bind(this));
  };
});

// ---------------------------------------------------------------- unit: Lightning Out adapter (browser)
logateway.unit(true, function (lo, h, u) {
  'use strict';

  // Adapter owns the Lightning Out elements in the container: the application, the
  // component elements, their events, and the floating chat's size classes. The
  // controller gives it the event handlers and tells it when to mount, log in,
  // replace the components or log out.
  //   on: {appReady(ev), compReady(ev), error(ev)}; state(): the connection state.
  function Adapter(boot, container, mode, on, state) {
    this.boot = boot;
    this.container = container;
    this.mode = mode; // 'floating', 'inline' or 'components'
    this.on = on;
    this.state = state;
    this.app = null;
    this.comps = [];
    this.readyComps = [];
    this.appReady = false;
    this.mounted = false;
    // replace: the next lo.application.ready replaces the component elements.
    // Lightning Out never reloads a ready component after a new login, so a
    // component whose session ended only renders again as a new element.
    this.replace = false;
    // wasOpen: a floating chat was open when a recovery closed it.
    this.wasOpen = false;
    this.appListeners = [];
    this.compListeners = [];
    sizeContainer(boot, container, mode);
  }
  lo.units.Adapter = Adapter;

  function sizeContainer(boot, container, mode) {
    container.classList.add('acc-container', 'acc-mode-' + mode);
    if (boot.acc && h.isObject(boot.acc.renderingConfig)) {
      // CSSOM writes are allowed under style-src without 'unsafe-inline'.
      var w = h.cssSize(boot.acc.renderingConfig.width);
      var ht = h.cssSize(boot.acc.renderingConfig.height);
      if (w) container.style.setProperty('--acc-width', w);
      if (ht) container.style.setProperty('--acc-height', ht);
    }
  }

  // holder is a box the page's stylesheet sizes and places; the component
  // element inside fills it (Lightning Out gives it an inline 100% size that
  // no stylesheet rule on the element itself would beat).
  Adapter.prototype.holder = function () {
    var d = document.createElement('div');
    d.className = 'lo-frame';
    this.container.appendChild(d);
    return d;
  };
});

// ---------------------------------------------------------------- unit: adapter readiness (browser)
logateway.unit(true, function (lo, h, u) {
  'use strict';
  var Adapter = lo.units.Adapter;

  // expectReplace: the session under the components is in doubt; they are
  // replaced once the application is logged in again.
  Adapter.prototype.expectReplace = function () {
    this.replace = true;
    this.appReady = false;
  };

  Adapter.prototype.allReady = function () {
    if (!this.appReady || this.comps.length === 0) return false;
    for (var i = 0; i < this.comps.length; i++) {
      if (this.readyComps.indexOf(this.comps[i]) < 0) return false;
    }
    return true;
  };

  // markReady records a ready component; false when it is not one of ours.
  Adapter.prototype.markReady = function (el) {
    if (this.comps.indexOf(el) < 0) return false;
    if (this.readyComps.indexOf(el) < 0) this.readyComps.push(el);
    return true;
  };

  Adapter.prototype.isApp = function (target) {
    if (!target) return false;
    if (this.app) return target === this.app;
    // sdk mode before embedAgentforceClient returned: the app is in our container.
    return this.container.contains(target) && target.localName === 'lightning-out-application';
  };

  Adapter.prototype.owns = function (target) {
    return this.isApp(target) || this.comps.indexOf(target) >= 0;
  };
});

// ---------------------------------------------------------------- unit: adapter events (browser)
logateway.unit(true, function (lo, h, u) {
  'use strict';
  var Adapter = lo.units.Adapter;

  function listenOn(list, el, type, fn) {
    el.addEventListener(type, fn);
    list.push([el, type, fn]);
  }

  function unlisten(list) {
    list.forEach(function (l) {
      l[0].removeEventListener(l[1], l[2]);
    });
    return [];
  }

  Adapter.prototype.watchApp = function (app) {
    listenOn(this.appListeners, app, 'lo.application.ready', this.on.appReady);
    listenOn(this.appListeners, app, 'lo.application.error', this.on.error);
    listenOn(this.appListeners, app, 'lo.iframe.error', this.on.error);
  };

  // watchComp listens to one component element. Lightning Out queues these
  // listeners until the component is ready, and every event is non-bubbling,
  // so they go on the element itself.
  Adapter.prototype.watchComp = function (el) {
    var self = this;
    listenOn(this.compListeners, el, 'lo.component.ready', this.on.compReady);
    listenOn(this.compListeners, el, 'lo.component.error', this.on.error);
    if (!this.boot.acc || this.mode !== 'floating') return;
    listenOn(this.compListeners, el, 'accready', function () {
      self.setFloating(false);
    });
    listenOn(this.compListeners, el, 'accminimize', function () {
      self.setFloating(false);
      if (self.boot.mode === 'sdk') sdkFrameClass(el, 'minimize');
    });
    listenOn(this.compListeners, el, 'accmaximize', function () {
      self.setFloating(true);
      if (self.boot.mode === 'sdk') sdkFrameClass(el, 'maximize');
    });
  };

  Adapter.prototype.unwatchComps = function () {
    this.compListeners = unlisten(this.compListeners);
  };

  Adapter.prototype.stop = function () {
    this.appListeners = unlisten(this.appListeners);
    this.unwatchComps();
  };

  // setFloating mirrors the floating ACC's open (maximized) or closed state in the
  // container's classes, which size the frame: a closed chat must not cover the page.
  Adapter.prototype.setFloating = function (maximized) {
    var c = this.container;
    // A recovery closes a floating chat; remember that it was open.
    if (!maximized && this.state() !== 'ready' && c.classList.contains('acc-maximized')) this.wasOpen = true;
    c.classList.toggle('acc-maximized', maximized);
    c.classList.toggle('acc-minimized', !maximized);
  };

  // sdkFrameClass keeps the SDK's own state classes on a wrapper the SDK did
  // not create (a replacement), as the SDK does on its own.
  function sdkFrameClass(el, state) {
    el.classList.remove('initial', 'maximize', 'minimize');
    el.classList.add(state);
  }
  Adapter.sdkFrameClass = sdkFrameClass;
});

// ---------------------------------------------------------------- unit: native mount and replacement (browser)
logateway.unit(true, function (lo, h, u) {
  'use strict';
  var Adapter = lo.units.Adapter;
  var doc = document;

  Adapter.prototype.mountNative = function (url) {
    var self = this;
    var boot = this.boot;
    var app = doc.createElement('lightning-out-application');
    app.setAttribute('components', h.componentsAttr(boot));
    app.setAttribute('data-lo', boot.acc ? 'acc' : 'components');
    if (boot.appId) app.setAttribute('app-id', boot.appId);
    // An Experience Cloud site: components load from <site origin><prefix>/lightning-out.
    if (boot.sitePrefix) app.setAttribute('site-prefix', boot.sitePrefix);
    this.app = app;
    this.watchApp(app);
    // Connected first: the library defines the component tags when it sees
    // the application, so the elements below are upgraded at creation.
    this.container.appendChild(app);
    this.comps = h.componentTags(boot).map(function (tag) {
      var el = doc.createElement(tag);
      if (boot.acc) {
        el.className = 'acc-frame';
        // A property, not an attribute: Lightning Out mirrors own properties into the LWC.
        el.configuration = h.accClientConfig(boot.acc);
      }
      self.watchComp(el);
      self.holder().appendChild(el);
      return el;
    });
    // A floating ACC renders minimized to its button; until it says otherwise
    // the frame must not cover the page under it.
    if (boot.acc && this.mode === 'floating') this.setFloating(false);
    app.setAttribute('frontdoor-url', url);
  };

  // replacement is a new element, with old's configuration, for a component element.
  function replacement(old, boot, mode) {
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
      el.configuration = h.accClientConfig(boot.acc);
      if (boot.mode === 'sdk' && mode === 'floating') Adapter.sdkFrameClass(el, 'initial');
    }
    return el;
  }

  // replaceComponents puts a new element, with the same configuration, in
  // place of each component element: the library renders it in a new frame
  // on the session it just established. A floating chat comes back closed.
  Adapter.prototype.replaceComponents = function () {
    var self = this;
    this.unwatchComps();
    var next = this.comps.map(function (old) {
      var el = replacement(old, self.boot, self.mode);
      self.watchComp(el);
      return el;
    });
    this.comps.forEach(function (old, i) {
      old.replaceWith(next[i]);
    });
    this.comps = next;
    this.readyComps = [];
    if (this.boot.acc && this.mode === 'floating') this.setFloating(false);
  };
});

// ---------------------------------------------------------------- unit: adapter login and logout (browser)
logateway.unit(true, function (lo, h, u) {
  'use strict';
  var Adapter = lo.units.Adapter;

  // authenticate hands a frontdoor URL to Lightning Out: the first mounts the
  // application, later ones log it in again (ready components stay as they are).
  Adapter.prototype.authenticate = async function (url, base, nonce) {
    if (this.mounted) {
      this.app.setAttribute('frontdoor-url', url);
      return;
    }
    this.mounted = true;
    this.replace = false;
    if (this.boot.mode === 'sdk') await this.mountSDK(url, base, nonce);
    else this.mountNative(url);
  };

  // mountFailed undoes an SDK mount that never produced an application, so the next
  // attempt mounts afresh.
  Adapter.prototype.mountFailed = function () {
    if (this.boot.mode === 'sdk' && !this.app) {
      this.mounted = false;
      this.container.textContent = '';
    }
  };

  // logout clears frontdoor-url, which makes the library load the org's logout
  // page in its hidden frame; false when there is no application.
  Adapter.prototype.logout = function () {
    if (!this.app) return false;
    try {
      this.app.setAttribute('frontdoor-url', '');
    } catch (e) {
      /* nothing to log */
    }
    return true;
  };
});

// ---------------------------------------------------------------- unit: SDK mount (browser)
logateway.unit(true, function (lo, h, u) {
  'use strict';
  var Adapter = lo.units.Adapter;
  var doc = document;
  var LO_EVENTS = ['lo.application.ready', 'lo.application.error', 'lo.iframe.error', 'lo.component.error', 'lo.component.ready'];

  Adapter.prototype.mountSDK = async function (url, base, nonce) {
    var self = this;
    lo.units.ensureSDKStylesheet(base, nonce);
    // Until embedAgentforceClient hands back loApp, catch the non-bubbling lo.* events
    // in the capture phase so an early ready/error is not missed.
    var early = [];
    function capture(ev) {
      if (!self.app) early.push(ev);
    }
    LO_EVENTS.forEach(function (t) {
      doc.addEventListener(t, capture, true);
    });
    var box = this.holder();
    if (this.mode === 'floating') this.setFloating(false);
    var res;
    try {
      res = await window.embedAgentforceClient({
        container: box,
        frontdoorUrl: url,
        appId: this.boot.appId || undefined,
        sitePrefix: this.boot.sitePrefix || undefined,
        agentforceClientConfig: h.accClientConfig(this.boot.acc)
      });
    } finally {
      LO_EVENTS.forEach(function (t) {
        doc.removeEventListener(t, capture, true);
      });
    }
    var app = (res && res.loApp) || box.querySelector('lightning-out-application');
    if (!app) throw new Error('embedAgentforceClient returned no Lightning Out application');
    var comp = (res && res.chatClientComponent) || box.querySelector('.acc-frame');
    this.app = app;
    this.comps = comp ? [comp] : [];
    this.watchApp(app);
    this.comps.forEach(this.watchComp.bind(this));
    early.forEach(function (ev) {
      if (ev.type === 'lo.application.ready') self.on.appReady(ev);
      else if (ev.type === 'lo.component.ready') self.on.compReady(ev);
      else self.on.error(ev);
    });
  };
});

// ---------------------------------------------------------------- unit: controller (browser)
logateway.unit(true, function (lo, h, u) {
  'use strict';

  // Controller wires the connection state machine, the Lightning Out adapter and the
  // UI for one container: it mints frontdoor URLs, keeps the timers and turns
  // Lightning Out's events into transitions. Every field it uses is declared here.
  function Controller(boot, container, opts) {
    var self = this;
    this.boot = boot;
    this.container = container;
    this.opts = opts;
    this.pageOrigin = window.location.origin;
    this.base = opts.gatewayOrigin ? opts.gatewayOrigin + '/' : window.location.href;
    this.nonce = opts.nonce || u.scriptNonce;
    this.frontdoorURL = h.resolveEndpoint(boot.frontdoorEndpoint, this.base);
    this.creds = h.credentialsFor(this.frontdoorURL, this.pageOrigin);
    this.loginHref = opts.loginURL || h.resolveEndpoint(boot.loginURL, this.base);
    this.sessionTimeoutMs = h.sessionTimeoutFor(boot);
    this.mode = boot.acc ? h.renderMode(boot.acc) : 'components';
    this.conn = new h.Connection(boot.maxRetries);
    this.ui = new u.UI(opts.uiRoot || container.parentNode || document.body, container, this.mode, opts);
    this.adapter = new u.Adapter(boot, container, this.mode, {
      appReady: this.onAppReady.bind(this),
      compReady: this.onCompReady.bind(this),
      error: this.onError.bind(this)
    }, function () {
      return self.conn.state;
    });
    this.timer = null; // the next attempt after a failure
    this.remintTimer = null; // the next proactive re-mint
    this.readyTimer = null; // the deadline of a (re)connect
    this.inflight = false; // an attempt is under way
    this.stopped = false;
    this.lastAuthAt = 0; // when Lightning Out last logged in
    this.hiddenAt = 0; // when the page was last hidden or frozen
    this.signingOut = false; // the sign-out form waits for the org logout
    this.listeners = [];
  }

  // setState moves the connection to s and shows it; false when s may not follow.
  Controller.prototype.setState = function (s, message) {
    if (!this.conn.to(s)) return false;
    this.ui.show(s, message);
    return true;
  };

  Controller.prototype.listen = function (el, type, fn, capture) {
    el.addEventListener(type, fn, !!capture);
    this.listeners.push([el, type, fn, !!capture]);
  };

  Controller.prototype.clearTimers = function () {
    if (this.timer) clearTimeout(this.timer);
    if (this.remintTimer) clearTimeout(this.remintTimer);
    if (this.readyTimer) clearTimeout(this.readyTimer);
    this.timer = null;
    this.remintTimer = null;
    this.readyTimer = null;
  };

  Controller.prototype.schedule = function (ms) {
    var self = this;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(function () {
      self.timer = null;
      self.attempt();
    }, ms);
  };

  u.Controller = Controller;
});

// ---------------------------------------------------------------- unit: controller attempts (browser)
logateway.unit(true, function (lo, h, u) {
  'use strict';
  var Controller = u.Controller;

  Controller.prototype.mint = async function () {
    var res;
    try {
      res = await window.fetch(this.frontdoorURL, {
        method: 'POST',
        headers: { 'X-LO-CSRF': '1', Accept: 'application/json' },
        credentials: this.creds,
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
    return h.classifyFrontdoorResponse(res.status, body, res.headers.get('Retry-After'), Date.now());
  };

  // attempt gets a fresh frontdoor URL and hands it to Lightning Out (mounting first if
  // needed). Every path out of it either waits for an lo.* event, schedules a retry,
  // or shows a final state.
  Controller.prototype.attempt = async function () {
    if (this.stopped || this.inflight) return;
    this.inflight = true;
    try {
      var lib = u.ensureLibrary(this.boot, this.nonce);
      lib.catch(function () {}); // handled in deliver; avoid an unhandled rejection meanwhile
      var r = await this.mint();
      if (this.stopped) return;
      if (r.kind === 'signed-out') {
        this.signedOut();
      } else if (r.kind === 'rate-limited') {
        this.failure(r.waitMs === null ? 0 : r.waitMs);
      } else if (r.kind === 'error') {
        u.warn(r.reason);
        this.failure(0);
      } else {
        await this.deliver(r.url, lib);
      }
      r = null; // drop the single-use URL
    } finally {
      this.inflight = false;
    }
  };

  // deliver waits for the library and hands it the frontdoor URL.
  Controller.prototype.deliver = async function (url, lib) {
    try {
      await lib;
    } catch (e) {
      u.warn('could not load ' + (this.boot.mode === 'sdk' ? 'the ACC SDK bundle' : 'the Lightning Out script') + ': ' + e.message);
      this.failure(0);
      return;
    }
    if (this.stopped) return;
    try {
      await this.adapter.authenticate(url, this.base, this.nonce);
      this.armReadyWatch();
    } catch (e) {
      u.warn('Lightning Out refused the frontdoor URL or the mount failed');
      this.adapter.mountFailed();
      this.failure(0);
    }
  };
});

// ---------------------------------------------------------------- unit: controller timers (browser)
logateway.unit(true, function (lo, h, u) {
  'use strict';
  var Controller = lo.units.Controller;

  // armRemint keeps the org UI session alive: a fresh frontdoor URL before
  // the org's session timeout logs Lightning Out in again, which ready
  // components do not notice (they are not reloaded: an open chat stays open,
  // with what the visitor was typing) but keep using.
  Controller.prototype.armRemint = function () {
    var self = this;
    if (this.remintTimer) clearTimeout(this.remintTimer);
    this.remintTimer = null;
    if (this.boot.remintIntervalMs > 0) {
      this.remintTimer = setTimeout(function () {
        self.remintTimer = null;
        self.attempt();
      }, this.boot.remintIntervalMs);
    }
  };

  // armReadyWatch: Lightning Out reports a frame that never answers only after
  // its own timeout, and a component may die without a word; a chat that is
  // not fully ready in time is recovered like one that reported an error.
  Controller.prototype.armReadyWatch = function () {
    var self = this;
    if (this.readyTimer) clearTimeout(this.readyTimer);
    this.readyTimer = setTimeout(function () {
      self.readyTimer = null;
      if (self.stopped || self.adapter.allReady() || self.inflight || self.timer) return;
      if (self.conn.ended()) return;
      self.failure(0);
    }, this.boot.readyTimeoutMs);
  };
});

// ---------------------------------------------------------------- unit: controller transitions (browser)
logateway.unit(true, function (lo, h, u) {
  'use strict';
  var Controller = lo.units.Controller;

  // failure counts one consecutive failure and retries with backoff (with new
  // component elements), or gives up and shows the Reconnect button.
  Controller.prototype.failure = function (minWaitMs) {
    if (this.stopped) return;
    this.adapter.expectReplace();
    var r = this.conn.fail(Date.now());
    if (r.ignored) return;
    if (r.giveUp) {
      this.clearTimers();
      this.ui.show(this.conn.state, r.giveUp);
      return;
    }
    this.ui.show(this.conn.state);
    if (this.remintTimer) clearTimeout(this.remintTimer);
    this.remintTimer = null;
    this.schedule(Math.max(r.retryMs, minWaitMs || 0));
  };

  // recover signs Lightning Out in again now and then replaces the component
  // elements: after an error, a long absence, or the visitor's Reconnect.
  Controller.prototype.recover = function () {
    if (this.stopped || !this.adapter.mounted || this.conn.state === 'signed-out') return;
    this.adapter.expectReplace();
    // A fresh start for the staleness check: the visibilitychange and resume
    // that follow one return must not recover twice.
    this.lastAuthAt = Date.now();
    this.hiddenAt = 0;
    if (this.inflight) return; // the attempt under way replaces them when it lands
    this.clearTimers();
    if (this.conn.recovering()) this.ui.show(this.conn.state);
    this.attempt();
  };

  // signedOut: the gateway session is gone; end the Salesforce UI session too.
  Controller.prototype.signedOut = function () {
    this.clearTimers();
    this.adapter.logout();
    this.setState('signed-out');
  };
});

// ---------------------------------------------------------------- unit: controller readiness (browser)
logateway.unit(true, function (lo, h, u) {
  'use strict';
  var Controller = lo.units.Controller;

  // checkReady says "Connected" only once the application AND every
  // component are ready: a logged-in application with a dead chat is not.
  Controller.prototype.checkReady = function () {
    if (this.stopped || this.conn.state === 'signed-out' || !this.adapter.allReady()) return;
    if (this.readyTimer) clearTimeout(this.readyTimer);
    this.readyTimer = null;
    var r = this.conn.ready();
    if (r.changed) this.ui.show(this.conn.state);
    if (r.recovered) this.ui.reconnected(this.adapter.wasOpen && this.mode === 'floating');
    this.adapter.wasOpen = false;
  };

  Controller.prototype.onAppReady = function (ev) {
    if (!this.adapter.isApp(ev.target) || this.stopped || this.conn.state === 'signed-out') return;
    this.adapter.appReady = true;
    this.lastAuthAt = Date.now();
    this.armRemint();
    if (this.adapter.replace) {
      this.adapter.replace = false;
      this.adapter.replaceComponents();
      this.armReadyWatch();
    }
    this.checkReady();
  };

  Controller.prototype.onCompReady = function (ev) {
    if (this.adapter.markReady(ev.target)) this.checkReady();
  };

  Controller.prototype.onError = function (ev) {
    if (this.stopped || this.conn.ended()) return;
    if (!this.adapter.owns(ev.target)) return;
    // One broken session often reports on the application and the component: a retry
    // already pending or running covers both.
    if (this.inflight || this.timer) {
      this.adapter.replace = true;
      return;
    }
    this.failure(0);
  };

  Controller.prototype.retryNow = function () {
    if (this.stopped) return;
    this.clearTimers();
    this.conn.retryByHand();
    if (!this.adapter.mounted) {
      this.setState('connecting');
      this.attempt();
      return;
    }
    this.recover();
  };

  // checkStale: a visitor back after longer than the org's session timeout (a
  // background tab, a sleeping laptop, a page restored from the back/forward cache)
  // may have a chat whose org session ended without a word: recover it.
  Controller.prototype.checkStale = function (since) {
    var limit = this.sessionTimeoutMs;
    if (!limit || !this.adapter.mounted || this.stopped || this.conn.ended()) return;
    var now = Date.now();
    if ((since && now - since > limit) || (this.lastAuthAt && now - this.lastAuthAt > limit)) this.recover();
  };
});

// ---------------------------------------------------------------- unit: page lifecycle (browser)
logateway.unit(true, function (lo, h, u) {
  'use strict';
  var Controller = lo.units.Controller;
  var doc = document;

  // watchLifecycle recovers a chat the visitor comes back to after the org session
  // may have ended, and keeps a floating chat clear of the page's controls.
  Controller.prototype.watchLifecycle = function () {
    var self = this;
    var clearance = this.ui.scheduleClearance.bind(this.ui);
    if (this.mode === 'floating') {
      this.listen(window, 'resize', clearance);
      this.listen(window, 'scroll', clearance, true);
    }
    this.listen(doc, 'visibilitychange', function () {
      if (doc.visibilityState === 'hidden') {
        self.hiddenAt = Date.now();
        return;
      }
      self.checkStale(self.hiddenAt);
      self.hiddenAt = 0;
    });
    this.listen(doc, 'freeze', function () {
      if (!self.hiddenAt) self.hiddenAt = Date.now();
    });
    this.listen(doc, 'resume', function () {
      self.checkStale(self.hiddenAt);
    });
    this.listen(window, 'pageshow', function (ev) {
      if (ev.persisted) self.checkStale(self.hiddenAt);
    });
  };
});

// ---------------------------------------------------------------- unit: sign-out and page controls (browser)
logateway.unit(true, function (lo, h, u) {
  'use strict';
  var Controller = lo.units.Controller;
  var doc = document;

  // Sign-out ends the Salesforce UI session the frontdoor URL opened inside
  // Lightning Out's frame, too: clearing frontdoor-url makes the library load
  // the org's logout page in its hidden iframe. (The gateway then ends the
  // org's own session through its end-session endpoint; a browser that
  // partitions third-party cookies keeps the frame's session apart from it.)
  // The form is submitted once that request had time to go.
  Controller.prototype.onSignoutSubmit = function (ev) {
    var app = this.adapter.app;
    if (!app || this.signingOut) return;
    ev.preventDefault();
    this.signingOut = true;
    var form = ev.currentTarget;
    var done = false;
    function go() {
      if (done) return;
      done = true;
      form.submit();
    }
    try {
      app.addEventListener('lo.application.logout', go);
      app.setAttribute('frontdoor-url', '');
    } catch (e) {
      go();
      return;
    }
    setTimeout(go, h.SIGNOUT_WAIT_MS);
  };

  // stop ends this controller: no timer, no listener, no event handled.
  Controller.prototype.stop = function () {
    this.stopped = true;
    this.clearTimers();
    this.listeners.forEach(function (l) {
      l[0].removeEventListener(l[1], l[2], l[3]);
    });
    this.listeners = [];
    this.adapter.stop();
  };

  // watchControls connects the page's sign-out forms, sign-in links and Reconnect.
  Controller.prototype.watchControls = function (signin) {
    var self = this;
    var onSignin = signin.click.bind(signin);
    Array.prototype.forEach.call(doc.querySelectorAll('form[data-lo-signout]'), function (f) {
      self.listen(f, 'submit', self.onSignoutSubmit.bind(self));
    });
    this.ui.signin.setAttribute('href', this.loginHref);
    this.listen(this.ui.signin, 'click', onSignin);
    Array.prototype.forEach.call(doc.querySelectorAll('a[data-lo-signin]'), function (a) {
      self.listen(a, 'click', onSignin);
    });
    if (this.ui.retry) this.listen(this.ui.retry, 'click', this.retryNow.bind(this));
  };
});

// ---------------------------------------------------------------- unit: popup sign-in (browser)
logateway.unit(true, function (lo, h, u) {
  'use strict';

  function framedPage() {
    try {
      return window.top !== window.self;
    } catch (e) {
      return true;
    }
  }

  // popupSignIn opens the sign-in popup and resolves with its message, {ok: false}
  // when the visitor closed it, or null when the browser blocked it.
  function popupSignIn(url, gatewayOrigin) {
    return new Promise(function (resolve) {
      var w = window.open(url, 'logateway-signin', 'popup=yes,width=520,height=680');
      if (!w) {
        resolve(null); // blocked: the caller navigates instead
        return;
      }
      var done = false;
      function finish(v) {
        if (done) return;
        done = true;
        window.removeEventListener('message', onMessage);
        clearInterval(poll);
        resolve(v);
      }
      function onMessage(ev) {
        if (ev.source !== w) return;
        if (!h.isSigninMessage(ev.origin, ev.data, gatewayOrigin)) return;
        finish(ev.data);
      }
      window.addEventListener('message', onMessage);
      // The visitor may close the popup without finishing.
      var poll = setInterval(function () {
        if (w.closed) finish({ ok: false });
      }, 500);
    });
  }

  // redeem trades the popup's hand-off code for a session cookie, set by the
  // answer in this page's own cookie partition.
  function redeem(url, pageOrigin, code, state) {
    return window
      .fetch(url, {
        method: 'POST',
        credentials: h.credentialsFor(url, pageOrigin),
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

  Object.assign(lo.units, { framedPage: framedPage, popupSignIn: popupSignIn, redeem: redeem });
});

// ---------------------------------------------------------------- unit: sign-in flows (browser)
logateway.unit(true, function (lo, h, u) {
  'use strict';

  // SignIn decides what a click on "Sign in" does for one controller: follow the
  // link, open the popup, or first ask for storage access.
  function SignIn(ctl) {
    this.ctl = ctl;
    this.isFramed = u.framedPage();
    this.storageAccessTried = false;
  }
  u.SignIn = SignIn;

  SignIn.prototype.signedInNow = function () {
    if (typeof this.ctl.opts.onSignedIn === 'function') this.ctl.opts.onSignedIn();
    else window.location.reload(); // the embed page: render it signed in
  };

  SignIn.prototype.failed = function (message) {
    this.ctl.setState('signed-out');
    this.ctl.ui.signinFailed(message);
    if (window.console && window.console.warn) window.console.warn('logateway: ' + message);
  };
});

// ---------------------------------------------------------------- unit: popup sign-in flow (browser)
logateway.unit(true, function (lo, h, u) {
  'use strict';
  var SignIn = u.SignIn;
  var doc = document;

  SignIn.prototype.popupFlow = function () {
    var self = this;
    var ctl = this.ctl;
    var gatewayOrigin = ctl.opts.gatewayOrigin || ctl.pageOrigin;
    var bytes = new Uint8Array(24);
    window.crypto.getRandomValues(bytes);
    var state = h.popupState(bytes);
    // The callback page posts the code to this page's exact origin (checked
    // against trusted_domains), and it is redeemable only with state.
    var popupURL = h.popupLoginURL(ctl.loginHref, ctl.base, state, ctl.pageOrigin, gatewayOrigin);
    u.popupSignIn(popupURL, gatewayOrigin).then(function (msg) {
      if (msg === null) {
        // Navigating instead works only on the gateway's own site: elsewhere the
        // cookie would land in the gateway's partition, not this page's.
        if (self.isFramed || ctl.pageOrigin !== gatewayOrigin) {
          self.failed('Your browser blocked the sign-in window. Allow pop-ups for this site and click Sign in again.');
        } else {
          window.location.assign(ctl.loginHref);
        }
        return;
      }
      if (!msg.ok) return;
      if (!msg.code) {
        self.signedInNow(); // an older gateway set the cookie itself
        return;
      }
      ctl.setState('connecting');
      u.redeem(h.resolveEndpoint(ctl.boot.handoffEndpoint, ctl.base), ctl.pageOrigin, msg.code, state).then(function (ok) {
        if (ok) self.signedInNow();
        else self.failed('The sign-in could not be finished here. Click Sign in to try again.');
      });
    });
  };

  // storageAccessFlow asks for the gateway's own (unpartitioned) cookie: a
  // visitor already signed in at the gateway's site needs no new sign-in. A
  // refusal, or no session there, falls back to the popup.
  SignIn.prototype.storageAccessFlow = function () {
    var self = this;
    var sessionURL = h.resolveEndpoint(this.ctl.boot.sessionEndpoint, this.ctl.base);
    doc
      .requestStorageAccess()
      .then(function () {
        return window.fetch(sessionURL, { credentials: 'same-origin', headers: { Accept: 'application/json' }, cache: 'no-store' });
      })
      .then(function (res) {
        return res.ok ? res.json() : null;
      })
      .then(function (body) {
        if (body && body.signedIn === true) self.signedInNow();
        else self.popupFlow();
      })
      .catch(function () {
        self.popupFlow();
      });
  };

  SignIn.prototype.click = function (ev) {
    // Storage access is asked once: a popup opened after its answer may be
    // blocked, and the next click must open the popup straight away.
    var saa = !this.storageAccessTried && typeof doc.requestStorageAccess === 'function';
    var mode = h.signinMode(this.isFramed, !!this.ctl.opts.popup, this.ctl.boot.cookiePartitioned, saa);
    if (mode === 'navigate') return; // plain link: the browser navigates to the sign-in URL
    ev.preventDefault();
    if (mode === 'storage-access') {
      this.storageAccessTried = true;
      this.storageAccessFlow();
    } else {
      this.popupFlow();
    }
  };
});

// ---------------------------------------------------------------- unit: start and self-start (browser)
logateway.unit(true, function (lo, h, u) {
  'use strict';
  var doc = document;

  // start runs the chat in container with the boot config; the launcher calls it
  // with options {floating, popup, gatewayOrigin, loginURL, uiRoot, nonce, onState,
  // onSignedIn}. It returns the controller's small API.
  lo.start = function (rawBoot, container, options) {
    var ctl = new u.Controller(h.normalizeBoot(rawBoot), container, options || {});
    var signin = new u.SignIn(ctl);
    ctl.watchLifecycle();
    ctl.watchControls(signin);
    if (!ctl.boot.signedIn) {
      ctl.setState('signed-out');
      // Inside a frame the visitor clicks: a popup needs a click, and the org
      // refuses to be framed.
      if (ctl.boot.autoStart && !ctl.opts.floating && !signin.isFramed) window.location.assign(ctl.loginHref);
    } else {
      ctl.setState('connecting');
      ctl.attempt();
    }
    return {
      stop: ctl.stop.bind(ctl),
      retry: ctl.retryNow.bind(ctl),
      state: function () {
        return ctl.conn.state;
      }
    };
  };

  // configFailed shows a broken boot config as a failure that retrying cannot heal.
  function configFailed(e) {
    if (window.console) window.console.error(e.message);
    var status = doc.getElementById('lo-status');
    if (status) {
      status.setAttribute('data-state', 'failed');
      status.textContent = h.STATUS_TEXT.failed;
    }
    var failureBox = doc.getElementById('lo-failure');
    var msg = doc.getElementById('lo-failure-message');
    if (msg) msg.textContent = 'This page is not configured correctly. The site administrator can find the reason in the browser console.';
    if (failureBox) failureBox.hidden = false;
    var retry = doc.getElementById('lo-retry');
    if (retry) retry.hidden = true; // a broken config does not heal by retrying
  }

  // autostart starts the chat on the embed page, which carries its boot config.
  function autostart() {
    var el = doc.getElementById('lo-boot');
    if (!el) return;
    try {
      var boot = h.parseBoot(el.textContent);
      var container = doc.getElementById(boot.containerId);
      if (!container) throw new Error('no element with id "' + boot.containerId + '" (boot containerId)');
      lo.controller = lo.start(boot, container, {});
    } catch (e) {
      configFailed(e);
    }
  }

  lo.loaded = true;
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', autostart);
  else autostart();
});

// Node (bootstrap.test.js) gets the pure helpers and the state machine.
if (typeof module !== 'undefined' && module.exports) module.exports = logateway.helpers;
