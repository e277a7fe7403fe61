/*
 * LWR container stand-in (logateway devorg): renders one Lightning Out 2.0
 * component inside its iframe and speaks the host<->iframe protocol of
 * docs/salesforce.md §3.3. runtime_copilot/accSdkWrapper becomes a working chat with the
 * canned agent; any other component renders a small card.
 */
(function () {
  'use strict';

  var boot = JSON.parse(document.getElementById('lo-boot').textContent);
  var AGENT_ID_RE = /^0Xx[a-zA-Z0-9]{15}$/;
  var ACC = 'runtime_copilot/accSdkWrapper';

  function post(msg) {
    // Only a trusted host origin reaches the page (the server blanks others),
    // and messages go to that exact origin.
    if (!boot.loAppOrigin || window.parent === window) { return; }
    msg.id = boot.parentElementId;
    window.parent.postMessage(msg, boot.loAppOrigin);
  }
  // The component's events reach the host only for names the host listens to
  // (lo.addEventListener); one the component fired before the host's listener
  // arrived is handed over when it does, as a component that renders after the
  // host wired its listeners would.
  var listened = {};
  var pending = {};
  function relay(name, detail) {
    if (listened[name]) {
      post({ type: 'lo.dispatchEvent', name: name, detail: detail });
    } else {
      pending[name] = { detail: detail };
    }
  }
  function reportError(message) { post({ type: 'lo.error', error: { message: message } }); }
  // Whether a real component posts lo.error when its org session ends is
  // unknown (the devorg knob LOComponentReportsSessionEnd, default off).
  function reportSessionEnd(message) {
    if (boot.reportSessionEnd) { reportError(message); }
  }

  function el(tag, attrs, children) {
    var n = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) { return; }
      if (k === 'text') { n.textContent = v; } else if (k === 'className') { n.className = v; } else { n.setAttribute(k, v === true ? '' : v); }
    });
    (children || []).forEach(function (c) { if (c) { n.appendChild(c); } });
    return n;
  }

  function kebab(s) { return s.replace(/[A-Z]/g, function (c) { return '-' + c.toLowerCase(); }); }
  function httpURL(v) {
    if (typeof v !== 'string') { return ''; }
    try { var u = new URL(v, window.location.href); return (u.protocol === 'https:' || u.protocol === 'http:') ? u.href : ''; } catch (e) { return ''; }
  }
  // applyStyle takes props.style, the host element's CSS custom properties as
  // a declaration string ("--a: 1; --b: red").
  function applyStyle(text) {
    if (typeof text !== 'string') { return; }
    text.split(';').forEach(function (decl) {
      var i = decl.indexOf(':');
      if (i < 0) { return; }
      var k = decl.slice(0, i).trim(), v = decl.slice(i + 1).trim();
      if (k.indexOf('--') === 0) { document.documentElement.style.setProperty(k, v); }
    });
  }

  var root = el('div', { id: 'lo-root', className: 'lo-root' });
  document.body.appendChild(root);
  if (boot.devBanner) {
    document.body.appendChild(el('p', { className: 'lo-devbanner', text: 'Emulated Salesforce org (logateway devorg) - not a real org' }));
  }

  function sessionEnded() {
    var msg = 'Your Salesforce session ended. Sign in again to keep using ' + (boot.componentName || 'this component') + '.';
    root.replaceChildren(el('div', { id: 'lo-session-ended', className: 'lo-card lo-card--error', role: 'alert' }, [
      el('h1', { className: 'lo-card__title', text: 'Session ended' }),
      el('p', { text: msg })
    ]));
    reportSessionEnd(msg);
  }

  if (!boot.signedIn) {
    // Without an org session a real container page never gets to say
    // lo.loaded (the org answers with its login page instead), so the host
    // only hears of it through its frame timeout, unless the knob says the
    // component reports it.
    if (boot.reportSessionEnd) { post({ type: 'lo.loaded' }); }
    sessionEnded();
    return;
  }
  post({ type: 'lo.loaded' });

  var received = window.__loReceived = [];
  var started = false;
  var current = null;
  window.addEventListener('message', function (e) {
    if (e.source !== window.parent || e.origin !== boot.loAppOrigin) { return; }
    var d = e.data;
    if (!d || typeof d !== 'object') { return; }
    // What the host sent, for tests that check the library's messages.
    received.push(d);
    if (d.type === 'lo.setComponentData' && !started && d.componentData) {
      started = true;
      current = d.componentData.props || {};
      applyStyle(current.style);
      render(current);
    } else if (d.type === 'lo.addEventListener' && typeof d.name === 'string') {
      listened[d.name] = true;
      if (pending[d.name]) {
        var p = pending[d.name];
        delete pending[d.name];
        post({ type: 'lo.dispatchEvent', name: d.name, detail: p.detail });
      }
    } else if (d.type === 'lo.removeEventListener' && typeof d.name === 'string') {
      delete listened[d.name];
    } else if (d.type === 'lo.setComponentProps' && started) {
      var changed = d.componentProps || {};
      if (typeof changed.style === 'string') { applyStyle(changed.style); }
      Object.keys(changed).forEach(function (k) { current[k] = changed[k]; });
      if (Object.keys(changed).length && view && view.update) { view.update(current); }
    }
  });
  post({ type: 'lo.getComponentData' });

  var view = null;
  function render(props) {
    if (boot.componentName === ACC) {
      view = renderACC(props);
    } else {
      view = renderCard(props);
    }
  }

  // ---- generic component -------------------------------------------------

  function renderCard(props) {
    var list = el('dl', { className: 'lo-card__props' });
    function fill(p) {
      list.replaceChildren();
      Object.keys(p).sort().forEach(function (k) {
        list.appendChild(el('dt', { text: k }));
        list.appendChild(el('dd', { text: typeof p[k] === 'string' ? p[k] : JSON.stringify(p[k]) }));
      });
    }
    fill(props);
    var card = el('article', { id: 'lo-component', className: 'lo-card', 'data-component': boot.componentName }, [
      el('h1', { className: 'lo-card__title', text: 'component ' + boot.componentName + ' rendered for ' + boot.userName }),
      list
    ]);
    root.replaceChildren(card);
    function height() { post({ type: 'lo.height-change', height: document.documentElement.scrollHeight }); }
    post({ type: 'lo.ready' });
    height();
    return { update: function (p) { fill(p); height(); } };
  }

  // ---- Agentforce Conversation Client ------------------------------------

  function renderACC(props) {
    var cfg = props.configuration || {};
    var rc = cfg.renderingConfig || {};
    var agentId = cfg.agentId;
    if (typeof agentId !== 'string' || !AGENT_ID_RE.test(agentId)) {
      var why = agentId ? 'agentId ' + JSON.stringify(String(agentId)) + ' is not a valid agent id' : 'agentId is missing';
      var msg = 'Agentforce Conversation Client: ' + why + '; set agentforceClientConfig.agentId to the 18-character id of an Employee Agent (pattern ^0Xx[a-zA-Z0-9]{15}$).';
      root.replaceChildren(el('div', { id: 'acc-error', className: 'lo-card lo-card--error', role: 'alert' }, [
        el('h1', { className: 'lo-card__title', text: 'The agent could not be loaded' }),
        el('p', { text: msg })
      ]));
      reportError(msg);
      return null;
    }

    var floating = rc.mode !== 'inline';
    var label = typeof cfg.agentLabel === 'string' && cfg.agentLabel ? cfg.agentLabel : 'Agentforce';
    var showAvatar = rc.showAvatar !== false;
    var showHeader = floating || rc.headerEnabled === true;
    var showHeaderIcon = rc.showHeaderIcon !== false;
    var tokens = {};
    [rc.styleTokens, cfg.styleTokens].forEach(function (t) {
      Object.keys(t || {}).forEach(function (k) { if (typeof t[k] === 'string') { tokens[k] = t[k]; } });
    });
    Object.keys(tokens).forEach(function (k) { document.documentElement.style.setProperty('--acc-' + kebab(k), tokens[k]); });
    var avatarURL = httpURL(cfg.agentAvatarUrl || rc.agentAvatarUrl);
    var avatarAlt = cfg.agentAvatarAltText || rc.agentAvatarAltText || label;
    var headerImg = httpURL(cfg.headerImageUrl || rc.headerImageUrl);
    var headerAlt = cfg.headerImageAlt || rc.headerImageAlt || '';

    document.body.classList.add('acc-body', floating ? 'acc-mode-floating' : 'acc-mode-inline');

    function avatar() {
      if (!showAvatar) { return null; }
      if (avatarURL) { return el('img', { className: 'acc-avatar', src: avatarURL, alt: avatarAlt }); }
      return el('span', { className: 'acc-avatar acc-avatar--default', 'aria-hidden': 'true', text: label.charAt(0).toUpperCase() });
    }

    var messages = el('ol', { id: 'acc-messages', className: 'acc-messages', 'aria-live': 'polite', 'aria-label': 'Conversation with ' + label });
    var input = el('textarea', { id: 'acc-input', className: 'acc-input', rows: '1', placeholder: 'Type your message...', 'aria-label': 'Message ' + label, maxlength: '2000' });
    var send = el('button', { id: 'acc-send', className: 'acc-send', type: 'submit', 'aria-label': 'Send message', text: 'Send' });
    var composer = el('form', { id: 'acc-composer', className: 'acc-composer' }, [input, send]);
    var ended = el('div', { id: 'acc-session-ended', className: 'acc-alert', role: 'alert', hidden: true }, [
      el('strong', { text: 'Your Salesforce session ended.' }),
      el('span', { text: ' The chat reconnects when the page signs you in again.' })
    ]);

    var header = null, minimize = null;
    if (showHeader) {
      var icon = null;
      if (showHeaderIcon) {
        icon = headerImg ? el('img', { className: 'acc-header__icon', src: headerImg, alt: headerAlt })
          : el('span', { className: 'acc-header__icon acc-header__icon--default', 'aria-hidden': 'true', text: '\u2726' });
      }
      if (floating) {
        minimize = el('button', { id: 'acc-minimize', className: 'acc-header__button', type: 'button', 'aria-label': 'Minimize chat', text: '\u2013' });
      }
      header = el('header', { id: 'acc-header', className: 'acc-header' }, [
        icon, el('h1', { id: 'acc-title', className: 'acc-header__title', text: label }), minimize
      ]);
    }
    var panel = el('section', { id: 'acc-panel', className: 'acc-panel', 'aria-label': label }, [header, ended, messages, composer]);
    var fab = null;
    if (floating) {
      fab = el('button', { id: 'acc-fab', className: 'acc-fab', type: 'button', 'aria-label': 'Chat with ' + label, 'aria-expanded': 'false' }, [
        el('span', { className: 'acc-fab__icon', 'aria-hidden': 'true', text: '\u2709' })
      ]);
    }
    var acc = el('div', { id: 'acc-root', className: 'acc ' + (floating ? 'acc--floating acc--minimized' : 'acc--inline'), 'data-agent-id': agentId }, [fab, panel]);
    root.replaceChildren(acc);

    function setMaximized(on) {
      acc.classList.toggle('acc--minimized', !on);
      acc.classList.toggle('acc--maximized', on);
      if (fab) { fab.setAttribute('aria-expanded', String(on)); }
      relay(on ? 'accmaximize' : 'accminimize', null);
      if (on) { input.focus({ preventScroll: true }); }
    }
    if (fab) { fab.addEventListener('click', function () { setMaximized(true); }); }
    if (minimize) { minimize.addEventListener('click', function () { setMaximized(false); }); }

    var count = 0;
    function addMessage(role, text) {
      count++;
      var li = el('li', { className: 'acc-message acc-message--' + role, 'data-role': role, 'data-index': String(count) }, [
        role === 'agent' ? avatar() : null,
        el('div', { className: 'acc-message__bubble' }, [el('p', { className: 'acc-message__text', text: text })])
      ]);
      messages.appendChild(li);
      messages.scrollTop = messages.scrollHeight;
      return li;
    }

    addMessage('agent', 'Hi ' + boot.userName + ", I'm " + label + '. How can I help you today?');

    var busy = false;
    function setBusy(on) {
      busy = on;
      messages.setAttribute('aria-busy', String(on));
      send.disabled = on;
    }
    function showEnded() {
      ended.hidden = false;
      acc.classList.add('acc--session-ended');
      input.disabled = true;
      send.disabled = true;
      reportSessionEnd('Your Salesforce session ended.');
    }

    composer.addEventListener('submit', function (e) {
      e.preventDefault();
      var text = input.value.trim();
      if (!text || busy) { return; }
      input.value = '';
      addMessage('user', text);
      var typing = el('li', { id: 'acc-typing', className: 'acc-message acc-message--typing', 'aria-label': label + ' is typing' }, [
        avatar(), el('div', { className: 'acc-message__bubble' }, [el('span', { className: 'acc-dots', text: '\u2022\u2022\u2022' })])
      ]);
      messages.appendChild(typing);
      setBusy(true);
      fetch(boot.messagesUrl, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ text: text, agentId: agentId })
      }).then(function (r) {
        if (r.status === 401) { return { ended: true }; }
        return r.json().then(function (b) {
          if (!r.ok) { throw new Error(b && b.message ? b.message : 'HTTP ' + r.status); }
          return b;
        });
      }).then(function (b) {
        typing.remove();
        if (b.ended) { showEnded(); return; }
        addMessage('agent', b.reply);
      }).catch(function (err) {
        typing.remove();
        addMessage('error', 'Sorry, something went wrong: ' + err.message);
      }).then(function () { setBusy(false); if (!input.disabled) { input.focus({ preventScroll: true }); } });
    });
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); composer.requestSubmit(); }
    });

    post({ type: 'lo.ready' });
    relay('accready', { agentId: agentId, mode: floating ? 'floating' : 'inline' });
    return { update: function () { /* the real client ignores later configuration changes too */ } };
  }
})();
