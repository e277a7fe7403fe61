// Package gateway is the HTTP server: the gin engine, the middleware chain, the
// per-site runtime built from the config, and the handlers of the gateway's own
// routes (sign-in, callback, sign-out, frontdoor, session, embed page). Everything
// a request needs is built once per config version and swapped atomically on
// reload, so a request sees one consistent config from start to end.
package gateway
