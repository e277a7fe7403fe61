// The frontdoorUrl path of docs/react-acc/Chat.jsx in plain JavaScript.
(function () {
  var el = document.getElementById('chat');
  var fail = function (msg) {
    var p = document.getElementById('chat-error');
    p.textContent = msg;
    p.hidden = false;
  };
  fetch('/__lo/frontdoor', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
    .then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (r.status === 401 && body.loginUrl) {
          location.assign(body.loginUrl + '?rd=' + encodeURIComponent(location.pathname + location.search));
          return;
        }
        if (!r.ok) throw new Error(body.message || 'frontdoor: HTTP ' + r.status);
        window.embedAgentforceClient({
          container: el,
          frontdoorUrl: body.frontdoorUrl,
          appId: el.dataset.appId,
          agentforceClientConfig: { agentId: el.dataset.agentId, renderingConfig: { mode: 'inline' } }
        });
      });
    })
    .catch(function (e) { fail(e.message); });
})();
