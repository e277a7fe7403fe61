// Package e2e is the browser suite: it drives Debian's Chromium (e2e/browser)
// through every visitor journey against the real gateway and the emulated org
// (internal/harness), on two loopback sites so third-party cookie, CORS and CSP
// rules apply for real. Run it with `make e2e`; it runs only when LOGATEWAY_E2E=1
// or CI=true, and screenshots of each journey's final state land in build/e2e/.
package e2e
