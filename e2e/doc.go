// Package e2e is the browser suite: it drives Debian's Chromium (e2e/browser)
// through every visitor journey against the real gateway and the emulated org
// (internal/harness), on two loopback sites (gateway on localhost, org on
// 127.0.0.1, an untrusted framer on 127.0.0.2) so third-party cookie, CORS and
// CSP rules apply for real. Every journey ends with the same checks: no CSP
// violation and no uncaught error on any page, popup or iframe; cookie flags;
// no code, token or frontdoor URL in any URL or in document.cookie; and a
// screenshot of the final state in build/e2e/ (a CI artifact).
//
// Run it with `make e2e` (CI does, once; `make test` leaves this package out). It
// runs only when LOGATEWAY_E2E=1 or CI=true, so `go test ./...` stays fast elsewhere. Other switches: LOGATEWAY_CHROMIUM (the
// browser binary; default /usr/bin/chromium), LOGATEWAY_REQUIRE_CHROMIUM=1 (a
// missing browser fails instead of skipping; CI=true implies it),
// LOGATEWAY_E2E_ARTIFACTS (screenshot directory), LOGATEWAY_E2E_CONSOLE=1 (log
// every console line of every journey).
package e2e
