/*
 * Lightning Out 2.0 stand-in, served by the logateway emulated org (devorg).
 * Not Salesforce code: it reproduces, point by point, what Salesforce's shipped
 * library does (docs/salesforce.md, section 3), so a host page tested against it fails where it would fail with
 * the real one. In particular:
 *  - setting frontdoor-url again logs in again but leaves ready components as
 *    they are (their iframes are never reloaded);
 *  - component elements get an inline display:block;width:100%;height:100%;
 *  - attribute changes are applied by a MutationObserver a moment later, and
 *    every error becomes an event (nothing is thrown from setAttribute);
 *  - every lo.* event and every relayed component event is non-bubbling;
 *  - listeners added to a component before it is ready are queued until lo.ready;
 *  - a frame that does not answer within 60 s gets lo.iframe.error and
 *    lo.application.error, and a visible one then shows lightning.out.message.html;
 *  - clearing frontdoor-url or removing the application element loads
 *    /secur/logout.jsp;
 *  - it logs at debug level, the frontdoor URL included.
 * Plain JavaScript, no eval; its own styles live in constructable stylesheets
 * inside closed shadow roots, and inline sizes are set through the CSSOM, so a
 * strict host CSP (nonces, no 'unsafe-inline') does not block it.
 */
(function () {
  'use strict';

  var APP_TAG = 'lightning-out-application';
  var AUTH_TIMEOUT_MS = 60000; // @lo-auth-timeout-ms
  var AUTH_PAGE_LAST_MOD = 1762330051;
  var LOGOUT_DELAY_MS = 3000;
  var DEFAULT_LWR_APP = 'lightningout/container';
  var FRAME_NAME = 'lightning_af';
  var MESSAGE_PAGE = '/lightning/lightning.out.message.html';
  var SANDBOX = 'allow-downloads allow-forms allow-popups allow-same-origin allow-scripts allow-top-navigation-by-user-activation';
  var APP_ATTRIBUTES = ['frontdoor-url', 'org-url', 'app-id', 'components', 'site-prefix', 'lwr-application', 'lang'];

  if (!window.customElements) {
    throw new Error('Lightning Out: this browser does not support custom elements');
  }
  // Defining the element twice throws in the real library too; say why, since
  // the usual cause is loading both the org library and the ACC SDK.
  if (window.customElements.get(APP_TAG)) {
    throw new Error('Lightning Out: "' + APP_TAG + '" is already defined on this page. Load only one copy of ' +
      'the Lightning Out 2.0 library: the Agentforce Conversation Client SDK bundles its own, so do not also ' +
      'load lightning.out.latest/index.iife.prod.js.');
  }

  // The real library logs at debug level by default, the frontdoor URL (and so
  // its otp) included.
  function debug() {
    if (window.console && typeof window.console.debug === 'function') {
      window.console.debug.apply(window.console, ['[LightningOut]'].concat(Array.prototype.slice.call(arguments)));
    }
  }

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') {
      try { return window.crypto.randomUUID(); } catch (e) { /* insecure context: fall through */ }
    }
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  var sheets = {};
  function sheet(name, css) {
    if (!sheets[name]) {
      var s = new CSSStyleSheet();
      s.replaceSync(css);
      sheets[name] = s;
    }
    return sheets[name];
  }

  var nativeDispatch = HTMLElement.prototype.dispatchEvent;
  var nativeAdd = HTMLElement.prototype.addEventListener;
  var nativeRemove = HTMLElement.prototype.removeEventListener;

  // fire dispatches a plain, non-bubbling CustomEvent on the element (lo.* and
  // relayed component events alike).
  function fire(el, type, detail) {
    nativeDispatch.call(el, new CustomEvent(type, { detail: detail, bubbles: false, composed: false }));
  }

  function errorDetail(message) {
    var err = new Error(message);
    return { message: message, originalError: err };
  }

  function describe(value) {
    var s = String(value);
    return JSON.stringify(s.length > 80 ? s.slice(0, 80) + '...' : s);
  }

  function parseHttpURL(value, attr) {
    var u = null;
    try { u = new URL(value); } catch (e) { u = null; }
    if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) {
      throw new Error('Invalid ' + attr + ': ' + describe(value) + ' is not an absolute http(s) URL');
    }
    return u;
  }

  function camel(s) { return s.replace(/[-_]([a-z0-9])/g, function (_, c) { return c.toUpperCase(); }); }
  function kebab(s) { return s.replace(/[A-Z]/g, function (c) { return '-' + c.toLowerCase(); }); }
  function snake(s) { return s.replace(/[A-Z]/g, function (c) { return '_' + c.toLowerCase(); }); }

  var TAG_RE = /^[a-z][a-z0-9_.]*-[a-z0-9_.-]*$/;

  // parseComponents reads the components attribute: "c-my-comp", "c/myComp",
  // optionally "<name> as <tag>", comma separated. A namespace maps to the tag
  // camel -> snake: myNs/fooBar -> my_ns-foo-bar.
  function parseComponents(value) {
    var out = [];
    String(value || '').split(',').forEach(function (raw) {
      var item = raw.trim();
      if (!item) { return; }
      var m = item.match(/^(\S+)(?:\s+as\s+(\S+))?$/i);
      if (!m) {
        throw new Error('Lightning Out: invalid components entry ' + describe(item) +
          '; expected "c-my-comp", "c/myComp" or "<name> as <tag>"');
      }
      var name = m[1], alias = m[2], ns, local;
      if (name.indexOf(':') >= 0) {
        throw new Error('Lightning Out: Aura components are not supported (' + describe(name) +
          '); list Lightning web components as "c-my-comp" or "c/myComp"');
      }
      if (name.indexOf('/') >= 0) {
        var parts = name.split('/');
        if (parts.length !== 2 || !parts[0] || !parts[1]) {
          throw new Error('Lightning Out: invalid component name ' + describe(name) + '; expected "namespace/componentName"');
        }
        ns = parts[0];
        local = parts[1];
      } else {
        var i = name.indexOf('-');
        if (i <= 0 || i === name.length - 1) {
          throw new Error('Lightning Out: invalid component tag ' + describe(name) + '; expected "namespace-component-name"');
        }
        ns = name.slice(0, i);
        local = name.slice(i + 1).replace(/-([a-z0-9])/g, function (_, c) { return c.toUpperCase(); });
      }
      var tag = (alias || (snake(ns) + '-' + kebab(local))).toLowerCase();
      if (!TAG_RE.test(tag)) {
        throw new Error('Lightning Out: ' + describe(tag) + ' is not a valid custom element name');
      }
      out.push({ componentName: ns + '/' + local, tag: tag });
    });
    return out;
  }

  // newFrame is an iframe as the library makes them: the auth iframe and every
  // component iframe share the name lightning_af and the sandbox.
  function newFrame(title) {
    var f = document.createElement('iframe');
    f.name = FRAME_NAME;
    f.title = title;
    f.setAttribute('sandbox', SANDBOX);
    return f;
  }

  // owners maps a component tag to the one application element allowed to
  // render it on this page (docs/salesforce.md §3.3).
  var owners = new Map();
  // elements maps an element's id (its parentElementId) to the element; the
  // window listener routes every message on data.id alone.
  var elements = new Map();
  var state = new WeakMap();

  window.addEventListener('message', function (e) {
    var d = e.data;
    if (!d || typeof d !== 'object' || typeof d.id !== 'string' || typeof d.type !== 'string') { return; }
    var el = elements.get(d.id);
    if (el) { el._loMessage(e); }
  });

  function cloneable(v) {
    if (v === undefined) { return undefined; }
    try { return structuredClone(v); } catch (e) {
      try { return JSON.parse(JSON.stringify(v)); } catch (e2) { return undefined; }
    }
  }

  // customPropertiesText is what travels as props.style: the element's CSS
  // custom properties only, as a declaration string.
  function customPropertiesText(el) {
    var out = [];
    for (var i = 0; i < el.style.length; i++) {
      var n = el.style[i];
      if (n.indexOf('--') === 0) { out.push(n + ': ' + el.style.getPropertyValue(n).trim()); }
    }
    return out.join('; ');
  }

  // Attributes that are not component properties (docs/salesforce.md §3.3): standard
  // HTML attributes, event handlers, data-* and aria-*. title, lang and dir
  // are mirrored under their own names; style travels as custom properties.
  var NOT_PROPS = ['class', 'id', 'style', 'slot', 'part', 'exportparts', 'tabindex', 'nonce', 'is', 'hidden',
    'accesskey', 'autofocus', 'autocapitalize', 'contenteditable', 'draggable', 'enterkeyhint', 'inert',
    'inputmode', 'spellcheck', 'translate', 'popover', 'role'];
  function propForAttribute(attr) {
    attr = attr.toLowerCase();
    if (attr === 'title' || attr === 'lang' || attr === 'dir') { return attr; }
    if (NOT_PROPS.indexOf(attr) >= 0 || attr.indexOf('on') === 0 || attr.indexOf('data-') === 0 || attr.indexOf('aria-') === 0) {
      return null;
    }
    return camel(attr);
  }

  // watchFrame starts the frame timeout once the iframe has loaded: without the
  // frame's lo.loaded within AUTH_TIMEOUT_MS the application hears
  // lo.iframe.error then lo.application.error, and a visible frame is pointed
  // at the org's message page.
  function watchFrame(f, app, isAnswered, visible) {
    var timer = 0;
    f.addEventListener('load', function () {
      if (timer || isAnswered() || !f.isConnected) { return; }
      timer = setTimeout(function () {
        if (isAnswered() || !f.isConnected) { return; }
        var detail = errorDetail('Lightning Out: Error: Unknown error, unable to load the iframe.');
        debug('iframe did not answer within', AUTH_TIMEOUT_MS, 'ms', f.src);
        fire(app, 'lo.iframe.error', detail);
        fire(app, 'lo.application.error', detail);
        if (visible) {
          try {
            f.src = new URL(f.src).origin + MESSAGE_PAGE;
          } catch (e) { /* not a URL: leave the frame */ }
        }
      }, AUTH_TIMEOUT_MS);
    });
    return function () { clearTimeout(timer); };
  }

  class LightningOutApplication extends HTMLElement {
    constructor() {
      super();
      this._root = this.attachShadow({ mode: 'closed' });
      this._root.adoptedStyleSheets = [sheet('app', ':host{display:none}iframe{display:none;border:0;width:0;height:0}')];
      this._connected = false;
      this._ready = false;
      this._origin = '';
      this._lastOrigin = '';
      this._authFrame = null;
      this._authId = '';
      this._authAnswered = false;
      this._stopWatch = null;
      this._logoutTimer = 0;
      this._components = new Set();
      this._onMessage = this._onMessage.bind(this);
      var app = this;
      // Attribute changes are observed and applied a moment later (a
      // MutationObserver callback), never from inside setAttribute.
      this._observer = new MutationObserver(function (records) {
        var names = {};
        records.forEach(function (r) { names[r.attributeName] = true; });
        app._apply(Object.keys(names));
      });
    }

    _error(message) {
      debug('error', message);
      fire(this, 'lo.application.error', errorDetail(message));
    }

    connectedCallback() {
      if (this._connected) { return; }
      this._connected = true;
      window.addEventListener('message', this._onMessage);
      this._observer.observe(this, { attributes: true, attributeFilter: APP_ATTRIBUTES });
      var app = this;
      // The components named at connect time are defined right away, so
      // component elements created next are upgraded (and queue their
      // listeners); everything else is applied a moment later.
      try {
        this._registerComponents();
      } catch (e) {
        queueMicrotask(function () { app._error(e.message); });
      }
      queueMicrotask(function () {
        if (!app._connected) { return; }
        // The first pass reads every attribute as it is now, so changes made
        // since the connect are already covered.
        app._observer.takeRecords();
        if (app.childNodes.length) {
          app._error('Lightning Out: <' + APP_TAG + '> must not have child nodes; place component elements next to it');
          return;
        }
        app._apply(['frontdoor-url', 'org-url'], true);
      });
    }

    // disconnectedCallback: removing the element ends the org UI session it
    // opened, as the real library does (it loads /secur/logout.jsp).
    disconnectedCallback() {
      this._connected = false;
      this._observer.disconnect();
      window.removeEventListener('message', this._onMessage);
      var origin = this._origin || this._lastOrigin;
      this._ready = false;
      this._clearAuth();
      clearTimeout(this._logoutTimer);
      if (origin) {
        debug('application removed: logging out of', origin);
        var f = newFrame('Lightning Out logout');
        f.tabIndex = -1;
        f.setAttribute('aria-hidden', 'true');
        f.style.setProperty('display', 'none');
        f.src = origin + '/secur/logout.jsp';
        (document.body || document.documentElement).appendChild(f);
        setTimeout(function () { f.remove(); }, LOGOUT_DELAY_MS);
      }
    }

    // _apply handles changed attributes; a value that did not change (an
    // attribute set again to the same string) still re-runs a login, as
    // setting frontdoor-url again does in the real library.
    _apply(names, initial) {
      if (!this._connected) { return; }
      var has = function (n) { return names.indexOf(n) >= 0; };
      if (has('components')) {
        try {
          this._registerComponents();
        } catch (e) {
          this._error(e.message);
        }
      }
      if (has('frontdoor-url') || has('org-url')) {
        if (this.hasAttribute('frontdoor-url') && this.hasAttribute('org-url')) {
          this._error('Lightning Out: frontdoor-url and org-url are mutually exclusive; set only one of them');
          return;
        }
        var fd = this.getAttribute('frontdoor-url');
        if (fd === '') {
          if (!initial) { this._logout(); }
          return;
        }
        try {
          this._authenticate();
        } catch (e) {
          this._error(e.message);
        }
      }
    }

    _registerComponents() {
      var app = this;
      parseComponents(this.getAttribute('components')).forEach(function (c) {
        var owner = owners.get(c.tag);
        if (owner && owner.app !== app && owner.app.isConnected) {
          throw new Error('"' + c.tag + '" is already registered to another App');
        }
        var existing = window.customElements.get(c.tag);
        if (existing && !(existing.prototype instanceof LightningOutComponent)) {
          throw new Error('Lightning Out: "' + c.tag + '" is already defined on this page by other code');
        }
        owners.set(c.tag, { app: app, componentName: c.componentName });
        if (!existing) {
          window.customElements.define(c.tag, class extends LightningOutComponent {});
        }
        // Elements already in the page (upgraded earlier, or just now) join.
        document.querySelectorAll(c.tag).forEach(function (el) {
          if (el instanceof LightningOutComponent) { el._loJoin(); }
        });
      });
    }

    _authURL(origin, id) {
      var a = new URL('/lightning/lightning.out.auth.html', origin);
      a.searchParams.set('parentElementId', id);
      a.searchParams.set('loAppOrigin', window.location.origin);
      a.searchParams.set('appId', this.getAttribute('app-id') || '');
      a.searchParams.set('lo_auth_page_last_mod', String(AUTH_PAGE_LAST_MOD));
      return a;
    }

    // _authenticate follows docs/salesforce.md §3.2 steps 1-3: the auth page URL goes
    // into the frontdoor URL as startURL (otp form) or retURL (otherwise).
    _authenticate() {
      var fd = this.getAttribute('frontdoor-url');
      var org = this.getAttribute('org-url');
      var id = uuid();
      var src;
      if (fd) {
        var u = parseHttpURL(fd, 'frontdoor-url');
        var a = this._authURL(u.origin, id);
        u.searchParams.set(u.searchParams.has('otp') ? 'startURL' : 'retURL', a.pathname + a.search);
        this._lastOrigin = u.origin;
        src = u.href;
      } else if (org) {
        var o = parseHttpURL(org, 'org-url');
        this._lastOrigin = o.origin;
        src = this._authURL(o.origin, id).href;
      } else {
        return;
      }
      debug('authenticating with', src);
      clearTimeout(this._logoutTimer);
      this._ready = false;
      this._loadHidden(id, src, true);
    }

    _clearAuth() {
      if (this._stopWatch) { this._stopWatch(); }
      this._stopWatch = null;
      if (this._authFrame) { this._authFrame.remove(); }
      this._authFrame = null;
      this._authId = '';
    }

    _loadHidden(id, src, waitForLoaded) {
      this._clearAuth();
      this._authAnswered = false;
      this._authId = id;
      var f = newFrame('Lightning Out');
      f.tabIndex = -1;
      f.setAttribute('aria-hidden', 'true');
      var app = this;
      if (waitForLoaded) {
        this._stopWatch = watchFrame(f, this, function () { return app._authFrame !== f || app._authAnswered; }, false);
      }
      f.src = src;
      this._authFrame = f;
      this._root.appendChild(f);
    }

    _onMessage(e) {
      var d = e.data;
      if (!d || typeof d !== 'object' || d.type !== 'lo.loaded' || !this._authFrame) { return; }
      if (d.id !== this._authId || this._authAnswered) { return; }
      this._authAnswered = true;
      if (this._stopWatch) { this._stopWatch(); }
      this._origin = e.origin;
      this._ready = true;
      debug('application ready on', e.origin);
      fire(this, 'lo.iframe.load', e.origin);
      fire(this, 'lo.application.ready');
      // The library calls init on every component; init does nothing for a
      // component that is already ready, so its iframe is NOT reloaded.
      this._components.forEach(function (c) { c._loInit(); });
    }

    _logout() {
      var origin = this._origin || this._lastOrigin;
      this._ready = false;
      this._clearAuth();
      debug('logging out of', origin);
      if (origin) { this._loadHidden(uuid(), origin + '/secur/logout.jsp', false); }
      var app = this;
      clearTimeout(this._logoutTimer);
      this._logoutTimer = setTimeout(function () { fire(app, 'lo.application.logout'); }, LOGOUT_DELAY_MS);
    }

    _attach(component) {
      this._components.add(component);
      if (this._ready) { component._loInit(); }
    }

    _detach(component) { this._components.delete(component); }
  }

  function S(el) {
    var st = state.get(el);
    if (!st) {
      st = {
        props: {}, frame: null, id: uuid(), sent: false, ready: false, app: null, componentName: '',
        observer: null, root: null, queued: [], stopWatch: null, keys: new Map()
      };
      state.set(el, st);
    }
    return st;
  }

  class LightningOutComponent extends HTMLElement {
    constructor() {
      super();
      var st = S(this);
      st.root = this.attachShadow({ mode: 'closed' });
      st.root.adoptedStyleSheets = [sheet('component',
        'iframe{display:block;border:0;width:100%;height:100%;background:transparent;color-scheme:normal}')];
    }

    connectedCallback() {
      var st = S(this);
      var el = this;
      // Inline, so it beats any host stylesheet rule without !important.
      this.style.setProperty('display', 'block');
      this.style.setProperty('width', '100%');
      this.style.setProperty('height', '100%');
      elements.set(st.id, this);
      // Properties set before the tag was defined are own data properties;
      // turn them into observed accessors.
      Object.keys(this).forEach(function (k) {
        var v = el[k];
        delete el[k];
        observeProperty(el, k);
        el[k] = v;
      });
      for (var i = 0; i < this.attributes.length; i++) {
        var p = propForAttribute(this.attributes[i].name);
        if (p) { st.props[p] = this.attributes[i].value; }
      }
      if (!st.observer) {
        st.observer = new MutationObserver(function (records) {
          records.forEach(function (r) {
            if (r.attributeName === 'style') {
              var text = customPropertiesText(el);
              if (text !== (st.props.style || '')) { el._loSetProp('style', text); }
              return;
            }
            var p = propForAttribute(r.attributeName);
            if (p) {
              var v = el.getAttribute(r.attributeName);
              el._loSetProp(p, v === null ? undefined : v);
            }
          });
        });
      }
      st.observer.observe(this, { attributes: true });
      st.props.style = customPropertiesText(this);
      this._loJoin();
    }

    _loJoin() {
      var st = S(this);
      if (!this.isConnected || st.app) { return; }
      var owner = owners.get(this.localName);
      if (!owner) { return; }
      if (this.childNodes.length) {
        fire(owner.app, 'lo.application.error', errorDetail('Lightning Out: <' + this.localName + '> must be empty'));
        return;
      }
      st.app = owner.app;
      st.componentName = owner.componentName;
      owner.app._attach(this);
    }

    disconnectedCallback() {
      var st = S(this);
      if (st.observer) { st.observer.disconnect(); }
      if (st.app) { st.app._detach(this); }
      st.app = null;
      elements.delete(st.id);
      this._loStop();
    }

    addEventListener(type, fn, options) {
      var st = S(this);
      if (!st.ready) {
        // Queued until the component is ready (lo.ready), as the real library does.
        st.queued.push([type, fn, options]);
        return;
      }
      nativeAdd.call(this, type, fn, options);
      this._loForward('lo.addEventListener', type, fn, options);
    }

    removeEventListener(type, fn, options) {
      var st = S(this);
      st.queued = st.queued.filter(function (q) { return !(q[0] === type && q[1] === fn); });
      nativeRemove.call(this, type, fn, options);
      if (st.ready) { this._loForward('lo.removeEventListener', type, fn, options); }
    }

    // dispatchEvent also hands a host event to the component in its frame.
    dispatchEvent(ev) {
      var st = S(this);
      if (st.ready && ev && typeof ev.type === 'string' && ev.type.indexOf('lo.') !== 0) {
        this._loSend({ type: 'lo.dispatchEvent', name: ev.type, detail: cloneable(ev.detail) });
      }
      return nativeDispatch.call(this, ev);
    }

    _loForward(kind, type, fn, options) {
      if (typeof type !== 'string' || type.indexOf('lo.') === 0) { return; }
      var st = S(this);
      var key = st.keys.get(fn);
      if (!key) {
        key = uuid();
        st.keys.set(fn, key);
      }
      this._loSend({ type: kind, name: type, options: cloneable(options), listenerKey: key });
    }

    _loSetProp(name, value) {
      var st = S(this);
      st.props[name] = value;
      if (st.sent) {
        var changed = {};
        changed[name] = cloneable(value);
        this._loSend({ type: 'lo.setComponentProps', componentProps: changed });
      }
    }

    _loStop() {
      var st = S(this);
      if (st.stopWatch) { st.stopWatch(); }
      st.stopWatch = null;
      if (st.frame) { st.frame.remove(); }
      st.frame = null;
      st.sent = false;
      st.ready = false;
    }

    // _loInit renders the component in an iframe on the origin that answered
    // the application's lo.loaded (docs/salesforce.md §3.3). A component that has a frame
    // (ready or still loading) is left alone: a new login does not reload it.
    _loInit() {
      var st = S(this);
      var app = st.app;
      if (!app || !app._origin || st.ready || st.frame) { return; }
      var lang = app.getAttribute('lang');
      var prefix = app.getAttribute('site-prefix');
      var lwrApp = app.getAttribute('lwr-application') || DEFAULT_LWR_APP;
      var base;
      if (prefix) {
        base = app._origin + '/' + prefix.replace(/^\/+|\/+$/g, '') + '/lightning-out';
      } else {
        base = app._origin + '/lwr/application/amd/0/' + (lang ? 'l/' + encodeURIComponent(lang) + '/' : '') +
          'ai/' + encodeURIComponent(lwrApp);
      }
      var q = [
        ['componentName', st.componentName],
        ['parentElementId', st.id],
        ['loAppOrigin', window.location.origin],
        ['appId', app.getAttribute('app-id') || '']
      ].map(function (kv) { return kv[0] + '=' + encodeURIComponent(kv[1]).replace(/%2F/g, '/'); }).join('&');
      var f = newFrame(this.getAttribute('title') || st.componentName);
      f.setAttribute('allow', 'clipboard-write');
      st.loaded = false;
      st.stopWatch = watchFrame(f, app, function () { return st.frame !== f || st.loaded; }, true);
      f.src = base + '?' + q;
      st.frame = f;
      debug('loading component', st.componentName, f.src);
      st.root.appendChild(f);
    }

    _loSend(msg) {
      var st = S(this);
      if (!st.frame || !st.frame.contentWindow || !st.app) { return; }
      try {
        st.frame.contentWindow.postMessage(msg, st.app._origin);
      } catch (err) {
        fire(st.app, 'lo.iframe.error', errorDetail('Lightning Out: could not send ' + msg.type + ' to the component: ' + err.message));
      }
    }

    // _loMessage handles a message whose data.id is this element's id; the
    // library matches on that alone.
    _loMessage(e) {
      var st = S(this);
      var d = e.data;
      if (!st.app) { return; }
      switch (d.type) {
        case 'lo.loaded':
          st.loaded = true;
          if (st.stopWatch) { st.stopWatch(); }
          fire(this, 'lo.iframe.load', e.origin);
          break;
        case 'lo.getComponentData':
          st.sent = true;
          st.props.style = customPropertiesText(this);
          this._loSend({
            type: 'lo.setComponentData',
            componentData: { id: st.id, name: st.componentName, props: cloneable(st.props) || {} }
          });
          break;
        case 'lo.ready': {
          if (st.ready) { break; }
          st.ready = true;
          var queued = st.queued;
          st.queued = [];
          var el = this;
          queued.forEach(function (q) { el.addEventListener(q[0], q[1], q[2]); });
          fire(this, 'lo.component.ready');
          break;
        }
        case 'lo.error': {
          var err = d.error || {};
          fire(this, 'lo.component.error', { message: String(err.message || err || 'Unknown component error'), originalError: err });
          break;
        }
        case 'lo.dispatchEvent':
          if (typeof d.name === 'string' && d.name && d.name.indexOf('lo.') !== 0) {
            fire(this, d.name, d.detail);
          }
          break;
        // lo.height-change and anything else: ignored.
      }
    }
  }

  function observeProperty(el, name) {
    Object.defineProperty(el, name, {
      configurable: true,
      enumerable: true,
      get: function () { return S(el).props[name]; },
      set: function (v) { el._loSetProp(name, v); }
    });
  }

  // configuration is how the ACC SDK hands its options to the wrapper; other
  // properties set after upgrade reach the component through attributes.
  Object.defineProperty(LightningOutComponent.prototype, 'configuration', {
    configurable: true,
    get: function () { return S(this).props.configuration; },
    set: function (v) { this._loSetProp('configuration', v); }
  });

  window.customElements.define(APP_TAG, LightningOutApplication);
})();
