package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html"
	"net/http"
)

// upstreamSite is the web team's own site behind the gateway: a public home page
// with its own CSP (the launcher is injected into it) and a protected account page
// that shows who the gateway says is signed in.
func upstreamSite() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /favicon.ico", siteFavicon)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		// The site's own policy; the gateway extends it for the injected launcher.
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; img-src 'self' data:; object-src 'none'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme Store</title></head>
<body><h1>Acme Store</h1><p>Welcome to the Acme store. The chat is in the corner.</p>
<p><a href="/account">Your account</a></p></body></html>`)
	})
	mux.HandleFunc("GET /account", accountPage)
	return mux
}

// accountPage shows who the gateway (or the front proxy, from the gateway's
// answer) says is signed in.
func accountPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Account</title></head>
<body><h1 id="account">Account of %s</h1></body></html>`, html.EscapeString(r.Header.Get("X-Forwarded-Email")))
}

// partnerSite is a page on another origin: with launch it carries the launcher
// tag (popup sign-in) under a strict nonce CSP of its own; with frame it frames
// the gateway's embed page.
func partnerSite(gatewayURL, orgURL string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /favicon.ico", siteFavicon)
	mux.HandleFunc("GET /launch", func(w http.ResponseWriter, r *http.Request) {
		n := nonce()
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'nonce-"+n+"' "+gatewayURL+" "+orgURL+
			"; style-src 'self' "+gatewayURL+"; frame-src "+orgURL+"; connect-src "+gatewayURL+"; img-src 'self' data: "+orgURL+"; object-src 'none'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Partner</title>
<script nonce="%s" src="%s/__lo/static/launcher.js" data-popup="true" async></script></head>
<body><h1>Partner portal</h1><p>Our partner's page, with the chat from the gateway.</p></body></html>`, n, gatewayURL)
	})
	mux.HandleFunc("GET /frame", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Framer</title></head>
<body><h1>A page that frames the chat</h1>
<iframe id="chat" title="chat" src="%s/__lo/embed" width="900" height="600"></iframe></body></html>`, gatewayURL)
	})
	return mux
}

// siteFavicon is the test sites' icon: browsers ask every origin for one, and a
// journey fails on any 404.
func siteFavicon(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "image/svg+xml")
	fmt.Fprint(w, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#6b4"/></svg>`)
}

func nonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
