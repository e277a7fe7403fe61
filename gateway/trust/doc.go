// Package trust is the one place where the gateway decides which origins it
// trusts. Every redirect target (rd, post-logout), every CORS answer on the
// gateway's JSON endpoints, every CSRF same-origin check, the CSP
// (frame-ancestors, per-response nonces) and every postMessage target origin
// come from a Policy built once at start-up from the site's public origin and
// its exact trusted origins. Matching is always exact on scheme, host and
// port — never by suffix, never by wildcard — so that "trusted.evil.com" or
// "https://trusted@evil" can never pass for "trusted".
//
// postMessage: post to Policy.Site().String() (never "*"), and accept a
// message only when Policy.IsTrusted(event.origin) holds.
package trust
