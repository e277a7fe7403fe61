// Package obs holds the gateway's observability plumbing: the structured logger with
// secret redaction, the buffered access log, request ids and the Prometheus metrics
// for the gateway's own routes. It is built once at start-up and shared by every
// handler, so nothing here is constructed per request.
package obs
