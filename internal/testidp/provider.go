// Package testidp starts a real OpenID Connect provider for tests: it stands
// in for the company's own IdP (Okta, Entra ID, Keycloak) in the JWT bearer
// sign-in flow. It is deliberately not our code — the protocol side is
// github.com/zitadel/oidc/v3's op package with the in-memory storage from its
// example server — so gateway tests meet an independent implementation of
// discovery, PKCE, nonce, id_token signing and userinfo, not our own
// assumptions mirrored back. Only the username/password form is ours.
//
// Start it with Start; drive its login page from Go with Provider.Login, or
// from a browser with the form fields named in LoginForm*.
package testidp

import (
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// Client is a relying party registered at the provider. With a Secret it is a
// confidential web client (client_secret_basic or _post, PKCE optional);
// without one a public client that must use PKCE.
type Client struct {
	ID, Secret   string
	RedirectURIs []string
}

// User is an account that can sign in on the login form. The id_token and
// userinfo carry sub (an opaque id, "user-1", "user-2", … in list order),
// email and email_verified (scope email), and name and preferred_username
// (scope profile; PreferredUsername defaults to Username).
type User struct {
	Username, Password, Email, PreferredUsername, Name string
}

// Provider is a running test IdP.
type Provider struct {
	Issuer string // http://127.0.0.1:<port>, also the discovery base

	srv   *httptest.Server
	users []User
}

// Start runs a provider on 127.0.0.1 until the test ends.
func Start(t testing.TB, clients []Client, users []User) *Provider {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()

	regs := make(map[string]*storage.Client, len(clients))
	for _, c := range clients {
		if c.ID == "" || len(c.RedirectURIs) == 0 {
			t.Fatalf("testidp: client %q needs an ID and at least one redirect URI", c.ID)
		}
		if c.Secret == "" {
			regs[c.ID] = storage.NativeClient(c.ID, c.RedirectURIs...)
		} else {
			regs[c.ID] = storage.WebClient(c.ID, c.Secret, c.RedirectURIs...)
		}
	}
	store := newStore(users)
	st := &idpStorage{Storage: storage.NewStorageWithClients(store, regs), users: store}

	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil {
		t.Fatalf("testidp: random key: %v", err)
	}
	provider, err := op.NewProvider(&op.Config{
		CryptoKey:                key,
		DefaultLogoutRedirectURI: "/logged-out",
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		GrantTypeRefreshToken:    true,
		SupportedUILocales:       []language.Tag{language.English},
	}, st, op.StaticIssuer(issuer),
		op.WithAllowInsecure(), // the httptest issuer is http://127.0.0.1
		op.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
	)
	if err != nil {
		t.Fatalf("testidp: starting the OpenID provider: %v", err)
	}

	mux := http.NewServeMux()
	interceptor := op.NewIssuerInterceptor(provider.IssuerFromRequest)
	login := &loginForm{check: st.CheckUsernamePassword, callback: op.AuthCallbackURL(provider)}
	mux.HandleFunc("GET "+LoginPath, login.show)
	mux.Handle("POST "+LoginPath, interceptor.HandlerFunc(login.submit))
	mux.HandleFunc("GET /logged-out", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "signed out") })
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		// Browsers ask every origin for an icon; the browser suite fails on any 404.
		w.Header().Set("Content-Type", "image/svg+xml")
		io.WriteString(w, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#734"/></svg>`)
	})
	mux.Handle("/", provider)
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	return &Provider{Issuer: issuer, srv: srv, users: users}
}

// Client returns an *http.Client for talking to the provider.
func (p *Provider) Client() *http.Client { return p.srv.Client() }

// Login signs the first user in (see LoginAs).
func (p *Provider) Login(t testing.TB, jar http.CookieJar, authorizeURL string) (callbackURL string) {
	t.Helper()
	if len(p.users) == 0 {
		t.Fatal("testidp: Login needs at least one user passed to Start")
	}
	return p.LoginAs(t, jar, authorizeURL, p.users[0].Username, p.users[0].Password)
}

// LoginAs follows authorizeURL (the client's authorization request) through
// the provider's login form as a browser would, submits username and
// password, and returns the redirect to the client's callback — with code and
// state, or with error — without following it. jar may be nil.
func (p *Provider) LoginAs(t testing.TB, jar http.CookieJar, authorizeURL, username, password string) (callbackURL string) {
	t.Helper()
	hc := &http.Client{
		Jar:       jar,
		Transport: p.srv.Client().Transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if !p.own(req.URL.Host) {
				return http.ErrUseLastResponse // the client's callback: stop here
			}
			if len(via) > 10 {
				return fmt.Errorf("testidp: more than 10 redirects")
			}
			return nil
		},
	}
	resp, err := hc.Get(authorizeURL)
	if err != nil {
		t.Fatalf("testidp: GET authorize URL: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode/100 == 3 && loc != "" {
		return loc // an error redirect straight from authorize
	}
	id := hiddenID(string(body))
	if resp.StatusCode != http.StatusOK || id == "" {
		t.Fatalf("testidp: wanted the login form after authorize, got HTTP %d at %s: %.300s", resp.StatusCode, resp.Request.URL, body)
	}
	resp, err = hc.PostForm(p.Issuer+LoginPath, map[string][]string{
		LoginFormID: {id}, LoginFormUsername: {username}, LoginFormPassword: {password},
	})
	if err != nil {
		t.Fatalf("testidp: POST login form: %v", err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode/100 != 3 || loc == "" {
		t.Fatalf("testidp: wanted a redirect to the client after signing in as %q, got HTTP %d: %.300s", username, resp.StatusCode, body)
	}
	return loc
}

func (p *Provider) own(host string) bool {
	return strings.EqualFold(host, strings.TrimPrefix(p.Issuer, "http://"))
}

// hiddenID finds the auth request id in the login form.
func hiddenID(page string) string {
	const marker = `name="` + LoginFormID + `" value="`
	i := strings.Index(page, marker)
	if i < 0 {
		return ""
	}
	rest := page[i+len(marker):]
	if j := strings.IndexByte(rest, '"'); j >= 0 {
		return rest[:j]
	}
	return ""
}
