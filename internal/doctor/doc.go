// Package doctor tells an admin whether Salesforce Setup matches the gateway's
// config before a visitor finds out. For each site it probes the org the way an
// unauthenticated client can — OIDC discovery and keys, an authorize request
// that is read but never signed in to, token requests carrying a deliberately
// invalid refresh token or an assertion for a user that cannot exist, the
// Lightning Out 2.0 library — and reads Salesforce's refusals: each failing
// check names the Setup screen and field to change. Nothing is written in the
// org. It also checks the gateway side: the site's host resolves, the callback
// path is served by this config, the embed page's CSP allows the scripts it
// loads, and trusted domains are exact origins.
//
// Run returns a Report; the report prints as text, JSON or Prometheus metrics.
// No output carries a secret, a token, an assertion or an authorize URL.
package doctor
