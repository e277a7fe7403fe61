// Package devorg is an emulated Salesforce org: an http.Handler that behaves like an
// org's My Domain for everything logateway touches — OIDC discovery and keys, the
// authorize endpoint with a small sign-in and consent page, the token endpoint for the
// authorization-code (PKCE), refresh-token, client-credentials and JWT-bearer grants,
// revoke, introspect, userinfo, the identity URL, the UI Bridge API, frontdoor.jsp, the
// logout page and the OpenID Connect end-session endpoint.
//
// It follows Salesforce's behaviour as docs/salesforce.md records it, errors included:
// every error status and body comes from one table (Replies) so tests can assert the
// exact Salesforce strings. Facts nobody could confirm are options in
// Config.Assumptions, defaulting to the best guess, so they can be changed the day a
// real org says otherwise.
//
// devorg deliberately imports nothing of the gateway: it stands in for Salesforce and
// must not share the gateway's assumptions. The Lightning Out 2.0 stand-in lives in
// devorg/lo and is mounted under lo.Prefixes.
//
// Test knobs (ExpireSessions, SetSessionTimeout, SetLatency, FailNext, SetDown,
// RotateKeys) and request counters (Count) let gateway tests provoke and observe the
// org's behaviour; with Config.Knobs they are also reachable over HTTP under /__devorg/.
package devorg
