// Package auth signs visitors in and keeps their org tokens usable.
//
// A Signin is one way of turning a visitor into a server-side session record: the
// web server flow (authorization code + PKCE against the org's External Client App)
// or the JWT bearer flow (authorization code against the company's own OIDC
// provider, then a signed assertion exchanged at the org). Both answer the same
// three questions — where to send the browser, how to finish, how to renew the
// access token — so the HTTP handlers never branch on the flow's name.
//
// The flow state (state, nonce, PKCE verifier, where to go after) lives in a
// short-lived, encrypted, single-use cookie named after the state, so several
// sign-ins in several tabs do not overwrite each other.
package auth
