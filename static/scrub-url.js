// scrub-url.js drops the query from the address bar of a gateway error page that
// was reached with one (the OAuth callback's ?code=…&state=…), so a spent code
// does not linger in the visible URL or in the history entry. It never navigates.
(function () {
  'use strict';
  if (window.history && typeof window.history.replaceState === 'function' && window.location.search) {
    window.history.replaceState(null, '', window.location.pathname);
  }
})();
