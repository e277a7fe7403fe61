/*
 * Agentforce Conversation Client Web SDK stand-in (logateway devorg), appended
 * at serve time to its own copy of the Lightning Out 2.0 stand-in, as the real
 * SDK bundles the library (docs/salesforce.md §4.1). Exposes window.embedAgentforceClient
 * with the options, validation messages, markup and events of docs/salesforce.md §4.2.
 */
(function () {
  'use strict';

  var PREFIX = 'Agentforce Conversation Client: ';
  var WRAPPER = 'runtime_copilot/accSdkWrapper';
  var WRAPPER_TAG = 'runtime_copilot-acc-sdk-wrapper';
  var STYLE_ID = 'agentforce-client-injected-styles';

  // The SDK's own stylesheet: floating frames are pinned bottom-right with
  // !important sizes (they must beat the inline width/height:100% Lightning Out
  // puts on the element); inline frames fill the container, whose height the
  // SDK hands over as --agentic-chat-container-height.
  var CSS = [
    '.acc-container{position:relative}',
    '.acc-frame{transition:opacity .2s ease}',
    '.acc-frame.inline{display:block!important;width:100%!important;height:var(--agentic-chat-container-height,100%)!important;min-height:320px}',
    '.acc-frame.floating{position:fixed!important;right:16px;bottom:16px;z-index:2147483000}',
    '.acc-frame.floating.initial,.acc-frame.floating.minimize{width:80px!important;height:80px!important}',
    '.acc-frame.floating.maximize{width:min(400px,calc(100vw - 32px))!important;height:min(640px,calc(100vh - 32px))!important}',
    '@media (max-width:640px){.acc-frame.floating.maximize{right:0;bottom:0;width:100vw!important;height:100vh!important}}'
  ].join('\n');

  // injectStyles adds the SDK's <style> WITHOUT a nonce, as the real SDK does,
  // unless the page already has an element with its id: a page with a strict
  // CSP provides that element itself.
  function injectStyles() {
    if (document.getElementById(STYLE_ID)) { return; }
    var s = document.createElement('style');
    s.id = STYLE_ID;
    s.textContent = CSS;
    document.head.appendChild(s);
  }

  function size(v) {
    if (typeof v === 'number' && isFinite(v)) { return v + 'px'; }
    if (typeof v === 'string' && v.trim()) { return v.trim(); }
    return '';
  }

  function plain(v) {
    try { return JSON.parse(JSON.stringify(v || {})); } catch (e) { return {}; }
  }

  function embedAgentforceClient(options) {
    options = options || {};
    if (!options.container) { throw new Error(PREFIX + 'container is required'); }
    if (!options.salesforceOrigin && !options.frontdoorUrl) {
      throw new Error(PREFIX + 'salesforceOrigin or frontdoorUrl is required');
    }
    var container = options.container;
    if (typeof container === 'string') {
      var sel = container;
      container = document.querySelector(sel);
      if (!container) { throw new Error(PREFIX + 'container not found: ' + sel); }
    }
    var config = plain(options.agentforceClientConfig);
    var rendering = config.renderingConfig || {};
    var mode = rendering.mode === 'inline' ? 'inline' : 'floating';

    container.classList.add('acc-container');
    injectStyles();

    var loApp = document.createElement('lightning-out-application');
    loApp.setAttribute('components', WRAPPER);
    loApp.setAttribute('data-lo', 'acc');
    if (options.appId) { loApp.setAttribute('app-id', options.appId); }
    if (options.sitePrefix) { loApp.setAttribute('site-prefix', options.sitePrefix); }
    // Both options reach the library when both are given; it throws, as the
    // real bundle does (docs/salesforce.md §4.2).
    if (options.frontdoorUrl) { loApp.setAttribute('frontdoor-url', options.frontdoorUrl); }
    if (options.salesforceOrigin) { loApp.setAttribute('org-url', options.salesforceOrigin); }
    loApp.style.opacity = '0';

    loApp.addEventListener('lo.application.ready', function () { console.info('[ACC] lo.application.ready'); });
    loApp.addEventListener('lo.application.error', function (e) {
      console.error('[ACC] lo.application.error', e.detail);
      if (typeof options.onError === 'function') { options.onError(e.detail); }
    });
    loApp.addEventListener('lo.iframe.error', function (e) { console.error('[ACC] lo.iframe.error', e.detail); });

    container.appendChild(loApp);

    var wrapper = document.createElement(WRAPPER_TAG);
    wrapper.className = 'acc-frame ' + (mode === 'inline' ? 'inline' : 'floating initial');
    wrapper.style.opacity = '0';
    if (mode === 'inline') {
      var w = size(rendering.width), h = size(rendering.height);
      if (w) { wrapper.style.setProperty('--acc-width', w); }
      if (h) { wrapper.style.setProperty('--acc-height', h); }
      container.style.setProperty('--agentic-chat-container-height', h || '100%');
    }
    wrapper.configuration = config;
    wrapper.addEventListener('accready', function () {
      wrapper.style.opacity = '1';
      loApp.style.opacity = '1';
      if (typeof options.onReady === 'function') { options.onReady({ loApp: loApp, chatClientComponent: wrapper }); }
    });
    wrapper.addEventListener('accmaximize', function () {
      wrapper.classList.remove('initial', 'minimize');
      wrapper.classList.add('maximize');
    });
    wrapper.addEventListener('accminimize', function () {
      wrapper.classList.remove('initial', 'maximize');
      wrapper.classList.add('minimize');
    });
    wrapper.addEventListener('lo.component.error', function (e) {
      console.error('[ACC] lo.component.error', e.detail);
      if (typeof options.onError === 'function') { options.onError(e.detail); }
    });
    container.appendChild(wrapper);

    return { loApp: loApp, chatClientComponent: wrapper };
  }

  window.embedAgentforceClient = embedAgentforceClient;
})();
