package gateway

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway/salesforce"
	"github.com/logateway/logateway/gateway/session"
)

// relay forwards a path prefix to the org's APIs with a token the browser never
// sees: the visitor's own, or a service identity's (JWT bearer or client
// credentials). The visitor's cookies, Authorization and the gateway's own
// headers never reach the org.
type relay struct {
	prefix  string
	strip   []string       // the site's identity header names (configurable, so not covered by prefix)
	target  *url.URL       // nil: the session's instance_url
	service *serviceTokens // nil: the visitor's token
	client  *http.Client
}

func buildRelays(sc config.Site, s *site, d *Deps) ([]*relay, error) {
	var out []*relay
	for _, rc := range sc.APIRelay {
		rl := &relay{prefix: rc.Prefix, client: &http.Client{Transport: s.orgHTTP.Transport, Timeout: 60 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
		rl.strip = s.identity.sent()
		if rc.Target != "" {
			u, err := url.Parse(rc.Target)
			if err != nil {
				return nil, err
			}
			rl.target = u
		}
		if rc.Identity == "service" {
			src, err := serviceTokenSource(sc, rc, s, d)
			if err != nil {
				return nil, err
			}
			rl.service = &serviceTokens{src: src, renewing: make(chan struct{}, 1)}
		}
		out = append(out, rl)
	}
	return out, nil
}

func serviceTokenSource(sc config.Site, rc config.APIRoute, s *site, d *Deps) (*salesforce.CachedSource, error) {
	ttl := sc.Org.SessionTimeout.D() - sc.Org.RefreshMargin.D()
	if ttl <= 0 {
		ttl = sc.Org.SessionTimeout.D() / 2
	}
	org := &salesforce.Client{HTTP: s.orgHTTP, BaseURL: strings.TrimRight(sc.Org.MyDomain, "/"), ClientID: sc.ECA.ClientID, ClientSecret: sc.ECA.Secret}
	switch rc.ServiceFlow {
	case "client-credentials":
		return salesforce.NewClientCredentialsSource(org, "", ttl), nil
	case "jwt-bearer":
		key, err := jwtKey(sc)
		if err != nil {
			return nil, err
		}
		aud := firstNonEmpty(sc.Signin.JWT.Audience, config.DefaultJWTAudience)
		tokenHost := strings.TrimRight(firstNonEmpty(sc.Org.LoginURL, sc.Org.MyDomain), "/")
		org.BaseURL = tokenHost
		return salesforce.NewJWTSource(org, key, salesforce.Assertion{ClientID: sc.ECA.ClientID, Username: rc.ServiceUsername, Audience: aud}, ttl), nil
	}
	return nil, errors.New("api_relay service_flow must be jwt-bearer or client-credentials")
}

// relayDrop never goes to the org: the visitor's credentials for our site
// (cookies, Authorization), hop-by-hop headers, and what identifies the
// visitor's page or network path. X-Forwarded-*, X-Real-Ip and the gateway's
// own X-Lo-* headers are dropped by prefix in forward.
var relayDrop = []string{"Cookie", "Authorization", "Proxy-Authorization", "Forwarded", "X-Real-Ip", "Via", "X-Request-Id",
	"Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade", "Origin", "Referer"}

// relayCSP sandboxes every relayed answer a browser might render as a page.
const relayCSP = "sandbox; default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// relayDropResponse never comes back from the org: its cookies are not for the
// visitor's browser on our site, and hop-by-hop headers belong to one connection.
var relayDropResponse = map[string]bool{"Set-Cookie": true, "Connection": true, "Keep-Alive": true, "Transfer-Encoding": true,
	"Trailer": true, "Upgrade": true, "Proxy-Authenticate": true, "Alt-Svc": true,
	// The org's HSTS is for the org's host; the site's is server.hsts.
	"Strict-Transport-Security": true}

func (rl *relay) serve(g *Gateway, c *gin.Context, s *site) {
	r := c.Request
	if stop := g.cors(c, s); stop {
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && !s.policy.SameOrigin(r) && !s.policy.IsTrusted(r.Header.Get("Origin")) {
		g.fail(c, s, &failure{Status: http.StatusForbidden, Code: codeCSRF, Heading: "Request refused", Message: "This API answers this site's own pages only."})
		return
	}
	if !cleanRelayPath(r.URL.Path) || !cleanRelayPath(relayRest(rl.prefix, r.URL.Path)) {
		g.fail(c, s, &failure{Status: http.StatusBadRequest, Code: codeBadPath, Heading: "Bad request", Message: "This API path is not allowed."})
		return
	}
	ctx := r.Context()
	var sess *session.Session
	token := func(force bool, stale string) (string, string, error) {
		if rl.service != nil {
			var t salesforce.Token
			var err error
			if force {
				t, err = rl.service.renew(ctx, stale)
			} else {
				t, err = rl.service.src.Token(ctx)
			}
			return t.AccessToken, t.InstanceURL, err
		}
		t, err := s.tokens.Valid(ctx, sess, force, stale)
		return t.AccessToken, t.InstanceURL, err
	}
	// A service route acts as an integration user; it still answers signed-in
	// visitors only, so the open internet cannot borrow that user's API access.
	var ok bool
	if sess, ok = g.loadSession(c, s); !ok {
		return
	}
	if sess == nil {
		g.needSignin(c, s)
		return
	}
	tok, instance, err := token(false, "")
	if err != nil {
		g.relayTokenFailure(c, s, err)
		return
	}
	replayable := r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0
	resp, err := rl.forward(ctx, r, tok, instance)
	if err == nil && replayable && tokenRefused(resp) {
		_ = resp.Body.Close()
		if tok, instance, err = token(true, tok); err != nil {
			g.relayTokenFailure(c, s, err)
			return
		}
		resp, err = rl.forward(ctx, r, tok, instance)
	}
	if err != nil {
		g.fail(c, s, &failure{Status: http.StatusBadGateway, Code: codeOrgUnavailable, Heading: "Salesforce is not answering", Message: "The API call could not reach Salesforce.", Err: err})
		return
	}
	defer resp.Body.Close()
	h := c.Writer.Header()
	for k, vs := range resp.Header {
		if relayDropResponse[k] || strings.HasPrefix(k, "Access-Control-") {
			continue // the CORS grant is the gateway's (g.cors above), never the org's
		}
		h[k] = vs
	}
	h.Set("Cache-Control", "no-store")
	// The answer is the org's but runs on the site's origin: org content that
	// renders as a page (a file download, HTML in a field) must not run script
	// there, where it could mint frontdoor URLs. fetch() ignores both headers.
	h.Set("Content-Security-Policy", relayCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	c.Writer.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(c.Writer, resp.Body)
}

func (rl *relay) forward(ctx context.Context, r *http.Request, token, instance string) (*http.Response, error) {
	base := rl.target
	if base == nil {
		u, err := url.Parse(instance)
		if err != nil || u.Host == "" {
			return nil, errors.New("session has no usable instance_url")
		}
		base = u
	}
	rest := relayRest(rl.prefix, r.URL.Path)
	out := &url.URL{Scheme: base.Scheme, Host: base.Host, Path: strings.TrimRight(base.Path, "/") + rest, RawQuery: r.URL.RawQuery}
	req, err := http.NewRequestWithContext(ctx, r.Method, out.String(), r.Body)
	if err != nil {
		return nil, err
	}
	req.ContentLength = r.ContentLength
	for k, vs := range r.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	// Headers the visitor's Connection header names are hop-by-hop too.
	for _, v := range r.Header.Values("Connection") {
		for _, name := range strings.Split(v, ",") {
			req.Header.Del(strings.TrimSpace(name))
		}
	}
	for _, k := range relayDrop {
		req.Header.Del(k)
	}
	for _, k := range rl.strip {
		req.Header.Del(k)
	}
	for k := range req.Header {
		l := strings.ToLower(strings.ReplaceAll(k, "_", "-"))
		if strings.HasPrefix(l, "x-forwarded-") || strings.HasPrefix(l, "x-lo-") {
			delete(req.Header, k)
		}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return rl.client.Do(req)
}

func (g *Gateway) relayTokenFailure(c *gin.Context, s *site, err error) {
	if !g.tokenFailure(c, s, err) {
		g.orgFailure(c, s, "relay_token", err, "")
	}
}

// relayRest is the part of path below prefix that is appended to the target
// path, always "/"-rooted. It is what must be checked for dot segments: with a
// prefix that does not end in "/", "/__lo/api../x" holds no ".." segment but
// forwards "/../x".
func relayRest(prefix, path string) string {
	rest := strings.TrimPrefix(path, prefix)
	if !strings.HasPrefix(rest, "/") {
		rest = "/" + rest
	}
	return rest
}

// cleanRelayPath refuses dot segments (decoded), so a relayed path cannot climb
// out of the route's target path on the org's host. A segment is judged without
// its ";" parameters too, because Java servlet containers read "..;x" as "..".
func cleanRelayPath(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		seg, _, _ = strings.Cut(seg, ";")
		if seg == "." || seg == ".." {
			return false
		}
	}
	return !strings.ContainsAny(p, "\\\x00")
}

// tokenRefused reports an org answer that means "this token is no longer
// good": 401 (the REST APIs' INVALID_SESSION_ID), or 403 with the identity
// endpoints' Bad_OAuth_Token word. A 403 body is peeked at and put back, so
// other 403s reach the caller unchanged.
func tokenRefused(resp *http.Response) bool {
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return true
	case http.StatusForbidden:
		const peek = 4 << 10
		head, _ := io.ReadAll(io.LimitReader(resp.Body, peek))
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
		word := strings.ToLower(string(head))
		return strings.Contains(word, "bad_oauth_token") || strings.Contains(word, "invalid_session_id")
	}
	return false
}

// relayFor is the relay route serving path p, or nil.
func (s *site) relayFor(p string) *relay {
	for _, rl := range s.relays {
		if strings.HasPrefix(p, rl.prefix) {
			return rl
		}
	}
	return nil
}

// serviceTokens is a route's cached service token. When the org refuses it,
// many requests learn so at once; renew lets the first one drop the token and
// mint, and hands the others the new token, so one dead token costs one mint.
type serviceTokens struct {
	src      *salesforce.CachedSource
	renewing chan struct{} // a lock a waiting request can give up on
}

func (st *serviceTokens) renew(ctx context.Context, stale string) (salesforce.Token, error) {
	select {
	case st.renewing <- struct{}{}:
	case <-ctx.Done():
		return salesforce.Token{}, ctx.Err()
	}
	defer func() { <-st.renewing }()
	t, err := st.src.Token(ctx)
	if err != nil || t.AccessToken != stale {
		return t, err // another request already replaced the refused token
	}
	st.src.Invalidate()
	return st.src.Token(ctx)
}
