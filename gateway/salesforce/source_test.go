package salesforce

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// jwtOrg counts JWT bearer mints, checks each assertion's signature, and hands
// out numbered access tokens. release, when set, holds every answer until closed.
type jwtOrg struct {
	*org
	mints   atomic.Int32
	release chan struct{}
	fail    atomic.Bool
}

func newJWTOrg(t *testing.T) *jwtOrg {
	j := &jwtOrg{org: newOrg(t)}
	j.handle("POST "+PathToken, func(w http.ResponseWriter, r *http.Request) {
		n := j.mints.Add(1)
		if j.release != nil {
			<-j.release
		}
		jws, err := jose.ParseSignedCompact(r.Form.Get("assertion"), []jose.SignatureAlgorithm{jose.RS256})
		if err == nil {
			_, err = jws.Verify(&sharedKey(t).PublicKey)
		}
		if err != nil || j.fail.Load() {
			jsonAnswer(400, `{"error":"invalid_grant","error_description":"invalid assertion"}`)(w, r)
			return
		}
		jsonAnswer(200, `{"access_token":"00D!token-`+string(rune('A'+n-1))+`","scope":"api","instance_url":"`+j.srv.URL+`","id":"`+j.identityURL()+`","token_type":"Bearer"}`)(w, r)
	})
	return j
}

func (j *jwtOrg) source(ttl time.Duration) *CachedSource {
	return NewJWTSource(j.client(), sharedKey(j.t), Assertion{ClientID: testClientID, Username: "svc@acme.com", Audience: "https://login.salesforce.com"}, ttl)
}

func TestJWTSourceConcurrentCallersShareOneMint(t *testing.T) {
	j := newJWTOrg(t)
	j.release = make(chan struct{})
	s := j.source(time.Hour)
	var wg sync.WaitGroup
	tokens := make([]string, 50)
	errs := make([]error, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := s.Token(context.Background())
			tokens[i], errs[i] = tok.AccessToken, err
		}()
	}
	// Let the first mint reach the org, give the others time to pile up, then answer.
	for j.mints.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	close(j.release)
	wg.Wait()
	if n := j.mints.Load(); n != 1 {
		t.Errorf("50 concurrent Token calls: wanted 1 mint, got %d", n)
	}
	for i := range 50 {
		if errs[i] != nil || tokens[i] != "00D!token-A" {
			t.Fatalf("caller %d: wanted 00D!token-A, got %q %v", i, tokens[i], errs[i])
		}
	}
}

func TestJWTSourceMintsAgainAfterTheLifetimeAndAfterInvalidate(t *testing.T) {
	j := newJWTOrg(t)
	s := j.source(90 * time.Minute)
	clock := time.Now()
	var mu sync.Mutex
	s.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	ctx := context.Background()

	steps := []struct {
		name      string
		before    func()
		wantToken string
		wantMints int32
	}{
		{"the first call mints", func() {}, "00D!token-A", 1},
		{"a call within the lifetime reuses the token", func() { advance(89 * time.Minute) }, "00D!token-A", 1},
		{"a call past the lifetime mints again", func() { advance(2 * time.Minute) }, "00D!token-B", 2},
		{"a call after Invalidate mints again", s.Invalidate, "00D!token-C", 3},
		{"the next call reuses the new token", func() {}, "00D!token-C", 3},
	}
	for _, st := range steps {
		st.before()
		tok, err := s.Token(ctx)
		if err != nil || tok.AccessToken != st.wantToken || j.mints.Load() != st.wantMints {
			t.Fatalf("%s: wanted %s after %d mints, got %q after %d mints (%v)", st.name, st.wantToken, st.wantMints, tok.AccessToken, j.mints.Load(), err)
		}
	}
}

func TestJWTSourceDoesNotCacheFailures(t *testing.T) {
	j := newJWTOrg(t)
	s := j.source(time.Hour)
	j.fail.Store(true)
	_, err := s.Token(context.Background())
	if e, ok := AsError(err); !ok || e.Grant != GrantJWTBearer || e.Description != "invalid assertion" {
		t.Fatalf("wanted the org's invalid assertion error, got %v", err)
	}
	j.fail.Store(false)
	tok, err := s.Token(context.Background())
	if err != nil || tok.AccessToken != "00D!token-B" {
		t.Errorf("after a failed mint: wanted a fresh mint, got %q %v", tok.AccessToken, err)
	}
}

func TestJWTSourceCancelledCallerDoesNotFailOthers(t *testing.T) {
	j := newJWTOrg(t)
	j.release = make(chan struct{})
	s := j.source(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { _, err := s.Token(ctx); first <- err }()
	for j.mints.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	second := make(chan string, 1)
	go func() { tok, _ := s.Token(context.Background()); second <- tok.AccessToken }()
	cancel()
	if err := <-first; err != context.Canceled {
		t.Errorf("the cancelled caller: wanted context.Canceled, got %v", err)
	}
	close(j.release)
	if got := <-second; got != "00D!token-A" {
		t.Errorf("the caller that joined the mint: wanted 00D!token-A, got %q", got)
	}
}

func TestClientCredentialsSource(t *testing.T) {
	o := newOrg(t)
	var mints atomic.Int32
	o.handle("POST "+PathToken, func(w http.ResponseWriter, r *http.Request) {
		mints.Add(1)
		if r.Form.Get("grant_type") != "client_credentials" {
			jsonAnswer(400, `{"error":"unsupported_grant_type","error_description":"grant type not supported"}`)(w, r)
			return
		}
		jsonAnswer(200, `{"access_token":"`+testAccessToken+`","scope":"api","instance_url":"`+o.srv.URL+`","id":"`+o.identityURL()+`","token_type":"Bearer","issued_at":"`+testIssuedAt+`","signature":"x"}`)(w, r)
	})
	var s ServiceTokens = NewClientCredentialsSource(o.client(), "api", 0)
	for range 3 {
		if tok, err := s.Token(context.Background()); err != nil || !strings.HasPrefix(tok.AccessToken, "00D") {
			t.Fatalf("Token: %v", err)
		}
	}
	if mints.Load() != 1 {
		t.Errorf("three calls within the default lifetime: wanted 1 mint, got %d", mints.Load())
	}
}
