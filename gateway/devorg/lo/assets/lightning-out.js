/*
 * Lightning Out 2.0 stand-in, served by the logateway emulated org (devorg).
 * Not Salesforce code: it reproduces the behaviour described in the project's
 * reference/salesforce.md section 3 so a host page and a gateway can be tested
 * without a real org. Plain JavaScript, no eval, no inline styles: styles live in
 * constructable stylesheets inside closed shadow roots, so a strict host CSP
 * (nonces, no 'unsafe-inline') does not block it.
 */
(function () {
  'use strict';

  var APP_TAG = 'lightning-out-application';
  var AUTH_TIMEOUT_MS = 60000; // @lo-auth-timeout-ms
  var AUTH_PAGE_LAST_MOD = 1762330051;
  var LOGOUT_DELAY_MS = 3000;
  var DEFAULT_LWR_APP = 'lightningout/container';
  var SANDBOX = 'allow-downloads allow-forms allow-popups allow-same-origin allow-scripts allow-top-navigation-by-user-activation';

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

  // lo.* events are plain, non-bubbling CustomEvents on the element (reference 3.4).
  function fire(el, type, detail) {
    el.dispatchEvent(new CustomEvent(type, { detail: detail, bubbles: false, composed: false }));
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

  function camel(s) { return s.replace(/-([a-z0-9])/g, function (_, c) { return c.toUpperCase(); }); }
  function kebab(s) { return s.replace(/[A-Z]/g, function (c) { return '-' + c.toLowerCase(); }); }

  var TAG_RE = /^[a-z][a-z0-9_.]*-[a-z0-9_.-]*$/;

  // parseComponents reads the components attribute: "c-my-comp", "c/myComp",
  // optionally "<name> as <tag>", comma separated.
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
        local = camel(name.slice(i + 1));
      }
      var tag = (alias || (ns + '-' + kebab(local))).toLowerCase();
      if (!TAG_RE.test(tag)) {
        throw new Error('Lightning Out: ' + describe(tag) + ' is not a valid custom element name');
      }
      out.push({ componentName: ns + '/' + local, tag: tag });
    });
    return out;
  }

  // owners maps a component tag to the one application element allowed to
  // render it on this page (reference 3.3).
  var owners = new Map();
  // frames maps a component iframe's parentElementId to its element.
  var frames = new Map();
  var state = new WeakMap();

  window.addEventListener('message', function (e) {
    var d = e.data;
    if (!d || typeof d !== 'object' || typeof d.id !== 'string') { return; }
    var el = frames.get(d.id);
    if (el) { el._loMessage(e); }
  });

  function cloneable(v) {
    if (v === undefined) { return undefined; }
    try { return structuredClone(v); } catch (e) {
      try { return JSON.parse(JSON.stringify(v)); } catch (e2) { return undefined; }
    }
  }

  function customProperties(el) {
    var out = {};
    for (var i = 0; i < el.style.length; i++) {
      var n = el.style[i];
      if (n.indexOf('--') === 0) { out[n] = el.style.getPropertyValue(n).trim(); }
    }
    return out;
  }

  // Attributes that are not component properties (reference 3.3): standard
  // HTML attributes, event handlers, data-* and aria-*. title, lang and dir
  // are mirrored under their own names.
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

  class LightningOutApplication extends HTMLElement {
    static get observedAttributes() {
      return ['frontdoor-url', 'org-url', 'app-id', 'components', 'site-prefix', 'lwr-application', 'lang'];
    }

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
      this._timer = 0;
      this._logoutTimer = 0;
      this._components = new Set();
      this._onMessage = this._onMessage.bind(this);
    }

    connectedCallback() {
      if (this._connected) { return; }
      this._connected = true;
      window.addEventListener('message', this._onMessage);
      if (this.childNodes.length) {
        throw new Error('Lightning Out: <' + APP_TAG + '> must not have child nodes; place component elements next to it');
      }
      this._checkExclusive();
      this._registerComponents();
      this._authenticate();
    }

    disconnectedCallback() {
      this._connected = false;
      this._ready = false;
      window.removeEventListener('message', this._onMessage);
      this._clearAuth();
      clearTimeout(this._logoutTimer);
    }

    attributeChangedCallback(name, oldValue, newValue) {
      if (!this._connected) { return; }
      switch (name) {
        case 'frontdoor-url':
          this._checkExclusive();
          if (newValue === '') { this._logout(); } else if (newValue !== null) { this._authenticate(); }
          break;
        case 'org-url':
          this._checkExclusive();
          if (newValue && newValue !== oldValue) { this._authenticate(); }
          break;
        case 'components':
          this._registerComponents();
          break;
      }
    }

    _checkExclusive() {
      if (this.hasAttribute('frontdoor-url') && this.hasAttribute('org-url')) {
        throw new Error('Lightning Out: frontdoor-url and org-url are mutually exclusive; set only one of them');
      }
    }

    _registerComponents() {
      var app = this;
      parseComponents(this.getAttribute('components')).forEach(function (c) {
        var owner = owners.get(c.tag);
        if (owner && owner.app !== app) {
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

    // _authenticate follows reference 3.2 steps 1-3: the auth page URL goes
    // into the frontdoor URL as startURL (otp form) or retURL (sid form).
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
      clearTimeout(this._logoutTimer);
      this._loadHidden(id, src, true);
    }

    _clearAuth() {
      clearTimeout(this._timer);
      if (this._authFrame) { this._authFrame.remove(); }
      this._authFrame = null;
      this._authId = '';
    }

    _loadHidden(id, src, waitForLoaded) {
      this._clearAuth();
      this._authAnswered = false;
      this._authId = id;
      var f = document.createElement('iframe');
      f.name = 'lightning_af';
      f.title = 'Lightning Out';
      f.tabIndex = -1;
      f.setAttribute('aria-hidden', 'true');
      f.setAttribute('sandbox', SANDBOX);
      var app = this;
      if (waitForLoaded) {
        // Step 5: once the iframe has loaded, lo.loaded must follow within the timeout.
        f.addEventListener('load', function () {
          if (app._authFrame !== f || app._authAnswered) { return; }
          clearTimeout(app._timer);
          app._timer = setTimeout(function () { app._authFailed(f); }, AUTH_TIMEOUT_MS);
        });
      }
      f.src = src;
      this._authFrame = f;
      this._root.appendChild(f);
    }

    _onMessage(e) {
      var d = e.data;
      if (!d || typeof d !== 'object' || d.type !== 'lo.loaded' || !this._authFrame) { return; }
      if (e.source !== this._authFrame.contentWindow || d.id !== this._authId || this._authAnswered) { return; }
      this._authAnswered = true;
      clearTimeout(this._timer);
      this._origin = e.origin;
      this._ready = true;
      fire(this, 'lo.iframe.load', e.origin);
      fire(this, 'lo.application.ready');
      // A new session: (re)load every component so its iframe uses it.
      this._components.forEach(function (c) { c._loStart(); });
    }

    _authFailed(f) {
      if (this._authFrame !== f || this._authAnswered) { return; }
      var err = new Error('Unknown error, unable to load the iframe.');
      var detail = {
        message: 'Lightning Out: the authentication iframe did not answer within ' + Math.round(AUTH_TIMEOUT_MS / 1000) +
          ' s. Error: Unknown error, unable to load the iframe.',
        originalError: err
      };
      this._ready = false;
      fire(this, 'lo.iframe.error', detail);
      fire(this, 'lo.application.error', detail);
    }

    _logout() {
      var origin = this._origin || this._lastOrigin;
      this._ready = false;
      this._clearAuth();
      if (origin) { this._loadHidden(uuid(), origin + '/secur/logout.jsp', false); }
      var app = this;
      clearTimeout(this._logoutTimer);
      this._logoutTimer = setTimeout(function () { fire(app, 'lo.application.logout'); }, LOGOUT_DELAY_MS);
    }

    _attach(component) {
      this._components.add(component);
      if (this._ready) { component._loStart(); }
    }

    _detach(component) { this._components.delete(component); }
  }

  function S(el) {
    var st = state.get(el);
    if (!st) {
      st = { props: {}, frame: null, id: '', sent: false, app: null, componentName: '', observer: null, root: null };
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
        ':host{display:block;width:100%;height:100%}' +
        'iframe{display:block;border:0;width:100%;height:100%;background:transparent;color-scheme:normal}')];
    }

    connectedCallback() {
      var st = S(this);
      var tag = this.localName;
      if (this.childNodes.length) {
        throw new Error('Lightning Out: <' + tag + '> must be empty');
      }
      // Properties set before the tag was defined are own data properties;
      // turn them into observed accessors.
      var el = this;
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
            if (r.attributeName === 'style') { el._loSend({ type: 'lo.setComponentProps', componentProps: {}, styles: customProperties(el) }); return; }
            var p = propForAttribute(r.attributeName);
            if (p) {
              var v = el.getAttribute(r.attributeName);
              el._loSetProp(p, v === null ? undefined : v);
            }
          });
        });
      }
      st.observer.observe(this, { attributes: true });
      var owner = owners.get(tag);
      if (!owner) { return; }
      st.app = owner.app;
      st.componentName = owner.componentName;
      owner.app._attach(this);
    }

    disconnectedCallback() {
      var st = S(this);
      if (st.observer) { st.observer.disconnect(); }
      if (st.app) { st.app._detach(this); }
      this._loStop();
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
      if (st.frame) { st.frame.remove(); }
      if (st.id) { frames.delete(st.id); }
      st.frame = null;
      st.id = '';
      st.sent = false;
    }

    // _loStart renders the component in a fresh iframe on the origin that
    // answered the application's lo.loaded (reference 3.3).
    _loStart() {
      var st = S(this);
      var app = st.app;
      if (!app || !app._origin) { return; }
      this._loStop();
      st.id = uuid();
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
      var f = document.createElement('iframe');
      f.title = this.getAttribute('title') || st.componentName;
      f.setAttribute('allow', 'clipboard-write');
      f.src = base + '?' + q;
      st.frame = f;
      frames.set(st.id, this);
      st.root.appendChild(f);
    }

    _loSend(msg) {
      var st = S(this);
      if (!st.frame || !st.frame.contentWindow || !st.sent || !st.app) { return; }
      try {
        st.frame.contentWindow.postMessage(msg, st.app._origin);
      } catch (err) {
        fire(this, 'lo.component.error', { message: 'Lightning Out: could not send ' + msg.type + ' to the component: ' + err.message, originalError: err });
      }
    }

    _loMessage(e) {
      var st = S(this);
      var d = e.data;
      if (!st.frame || e.source !== st.frame.contentWindow || !st.app || e.origin !== st.app._origin) { return; }
      switch (d.type) {
        case 'lo.loaded':
          fire(this, 'lo.iframe.load', e.origin);
          break;
        case 'lo.getComponentData':
          st.sent = true;
          this._loSend({
            type: 'lo.setComponentData',
            componentData: { id: st.id, name: st.componentName, props: cloneable(st.props) || {} },
            styles: customProperties(this)
          });
          break;
        case 'lo.ready':
          fire(this, 'lo.component.ready');
          break;
        case 'lo.error': {
          var err = d.error || {};
          fire(this, 'lo.component.error', { message: String(err.message || err || 'Unknown component error'), originalError: err });
          break;
        }
        case 'lo.dispatchEvent':
          if (typeof d.name === 'string' && d.name && d.name.indexOf('lo.') !== 0) {
            this.dispatchEvent(new CustomEvent(d.name, { detail: d.detail, bubbles: true, composed: true }));
          }
          break;
        case 'lo.height-change':
          if (typeof d.height === 'number' && d.height >= 0) { st.frame.style.height = Math.ceil(d.height) + 'px'; }
          break;
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
