// Package proxy is the path every site request takes to the upstream: a tuned
// httputil.ReverseProxy (Rewrite, not Director) that decides nothing about
// sessions itself but gives the gateway what it needs to decide — path rules
// judged on a cleaned path that fails closed — and then forwards the request with
// the gateway's cookies and every spoofed identity or forwarding header removed,
// identity headers set for signed-in visitors, WebSockets and streams passed
// through unbuffered, and, optionally, the launcher tag injected into upstream
// HTML pages.
//
// Rules are judged on every plausible reading of the raw request target an
// upstream might make (decoded or not, dot segments resolved or not, ";"
// parameters and trailing dots stripped or not, case folded or not, a leading
// "//x" read as a host the way WHATWG URL parsers and net/url's Parse do, a
// decoded "?" read as the start of a query): a path is public only when every
// reading is public, so a trick that one upstream stack resolves differently
// from another cannot turn a protected path into a public one.
// Rules.MatchTarget is that judgement for a whole request target, in origin or
// absolute form; forward-auth mode uses it for the URI a front proxy reports.
package proxy
