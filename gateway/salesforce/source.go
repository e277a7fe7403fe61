package salesforce

import (
	"context"
	"crypto/rsa"
	"sync"
	"time"
)

// ServiceTokens gives a valid service token (client-credentials or JWT bearer for a
// named integration user), minting one when needed. Unlike oauth2.TokenSource it takes
// the caller's context, so a cancelled request stops waiting for a mint.
type ServiceTokens interface {
	Token(ctx context.Context) (Token, error)
}

// DefaultServiceTokenTTL is how long a service token is reused when the caller
// gives no lifetime: Salesforce's default two-hour session less a margin.
const DefaultServiceTokenTTL = 2*time.Hour - 5*time.Minute

// mintTimeout bounds one mint that no caller is waiting for any more: the mint
// runs detached from the caller that started it, so that a cancelled first
// caller does not fail everyone who joined the same mint.
const mintTimeout = 30 * time.Second

// CachedSource implements ServiceTokens: it reuses a token for a fixed lifetime and
// lets one mint run at a time: callers that arrive during a mint wait for it
// and share its result. Failed mints are not cached.
type CachedSource struct {
	mint func(ctx context.Context) (Token, error)
	ttl  time.Duration
	now  func() time.Time // a test clock

	mu      sync.Mutex
	tok     Token
	expires time.Time
	gen     uint64 // bumps on Invalidate so a mint started before it is not cached
	flight  *mintCall
}

type mintCall struct {
	done chan struct{}
	tok  Token
	err  error
}

// NewJWTSource mints service tokens with the JWT bearer grant, signing a fresh
// assertion for each mint. ttl is the cache life: the org's session timeout
// minus a margin (org.session_timeout - org.refresh_margin); 0 means
// DefaultServiceTokenTTL. Call Invalidate after the org answers Bad_OAuth_Token.
func NewJWTSource(c *Client, key *rsa.PrivateKey, a Assertion, ttl time.Duration) *CachedSource {
	s := newCachedSource(ttl)
	s.mint = func(ctx context.Context) (Token, error) {
		assertion, err := SignAssertion(key, a, s.now())
		if err != nil {
			return Token{}, err
		}
		return c.JWTBearer(ctx, assertion)
	}
	return s
}

// NewClientCredentialsSource mints service tokens with the client credentials
// grant (docs/salesforce.md §1.7); ttl as for NewJWTSource.
func NewClientCredentialsSource(c *Client, scope string, ttl time.Duration) *CachedSource {
	s := newCachedSource(ttl)
	s.mint = func(ctx context.Context) (Token, error) { return c.ClientCredentials(ctx, scope) }
	return s
}

func newCachedSource(ttl time.Duration) *CachedSource {
	if ttl <= 0 {
		ttl = DefaultServiceTokenTTL
	}
	return &CachedSource{ttl: ttl, now: time.Now}
}

// Token returns the cached token while it is younger than the lifetime, and
// otherwise joins or starts a mint.
func (s *CachedSource) Token(ctx context.Context) (Token, error) {
	s.mu.Lock()
	if s.tok.AccessToken != "" && s.now().Before(s.expires) {
		tok := s.tok
		s.mu.Unlock()
		return tok, nil
	}
	call := s.flight
	if call == nil {
		call = &mintCall{done: make(chan struct{})}
		s.flight = call
		go s.run(context.WithoutCancel(ctx), call, s.gen)
	}
	s.mu.Unlock()

	select {
	case <-call.done:
		return call.tok, call.err
	case <-ctx.Done():
		return Token{}, ctx.Err()
	}
}

func (s *CachedSource) run(ctx context.Context, call *mintCall, gen uint64) {
	ctx, cancel := context.WithTimeout(ctx, mintTimeout)
	defer cancel()
	// Count the lifetime from before the request: the org's session clock
	// starts no earlier than that, so the cache never outlives the token.
	started := s.now()
	call.tok, call.err = s.mint(ctx)

	s.mu.Lock()
	if call.err == nil && gen == s.gen {
		s.tok = call.tok
		s.expires = started.Add(s.ttl)
	}
	s.flight = nil
	s.mu.Unlock()
	close(call.done)
}

// Invalidate drops the cached token so the next Token call mints a new one;
// call it when the org answers Bad_OAuth_Token (IsBadToken) for this token.
func (s *CachedSource) Invalidate() {
	s.mu.Lock()
	s.tok = Token{}
	s.expires = time.Time{}
	s.gen++
	s.mu.Unlock()
}
