package session

import (
	"bytes"
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// ErrNoSession: the request carries no usable session (no cookie, a cookie
// that does not verify, a record that is gone, or a timeout passed). The
// visitor is signed out. A failing store is ErrUnavailable instead.
var ErrNoSession = errors.New("session: no valid session")

// Options configures the Manager.
type Options struct {
	// CookieName defaults to "__Host-logateway" when Secure, else "logateway".
	CookieName  string
	Secure      bool
	SameSite    http.SameSite // default Lax
	Partitioned bool
	Path        string // default "/"
	// Keys sign and encrypt the cookie; each at least 32 bytes. The first
	// writes, all read, so a new key is put first and an old one dropped once
	// the cookies it wrote have expired (AbsoluteTimeout).
	Keys            [][]byte
	IdleTimeout     time.Duration // default 1h
	AbsoluteTimeout time.Duration // default 12h
	// TouchInterval: LastSeen is written at most this often (default 1m), so
	// most requests only read the store.
	TouchInterval time.Duration
	Now           func() time.Time
}

// Manager ties the cookie to the store.
type Manager struct {
	store  Store
	opts   Options
	codecs []securecookie.Codec
	ids    idCache
	// touches holds when this process last began writing a session's
	// LastSeen, by store id: the requests that arrive while that write is
	// under way (a busy page's parallel loads) do not each write it again.
	touches boundedMap[time.Time]
	touchMu sync.Mutex // makes claimTouch's read and write one step
}

// touchGap is how long after beginning a touch this process leaves that
// session's LastSeen alone.
const touchGap = time.Second

// toucher is a Store with a cheaper write for a record whose only change is
// LastSeen (RedisStore.Touch).
type toucher interface {
	Touch(ctx context.Context, id string, rec *Record, ttl time.Duration) error
}

// claimTouch reports whether this request should write the session's
// LastSeen: no other request of this process began to within touchGap.
func (m *Manager) claimTouch(storeID string, now time.Time) bool {
	m.touchMu.Lock() // only when a touch is due: once a minute per session
	defer m.touchMu.Unlock()
	if last, ok := m.touches.get(storeID); ok && now.Sub(last) < touchGap && !now.Before(last) {
		return false
	}
	m.touches.put(storeID, now)
	return true
}

func (m *Manager) touch(ctx context.Context, storeID string, rec *Record, ttl time.Duration) error {
	if t, ok := m.store.(toucher); ok {
		return t.Touch(ctx, storeID, rec, ttl)
	}
	return m.store.Update(ctx, storeID, rec, ttl)
}

// Session is one loaded or created session. ID is a public handle (128
// random bits, not the cookie's secret): fine for lock keys and correlating
// log lines. Record is the caller's copy; change it and call Save.
type Session struct {
	ID     string
	Record *Record

	storeID   string // the cookie's secret, base64url; the store's id
	createdAt time.Time
}

// secretLen is the cookie payload: 256 random bits that are both the store id
// and (RedisStore) the source of the record's encryption key.
const secretLen = 32

// NewManager checks opts and builds the cookie codecs.
func NewManager(store Store, opts Options) (*Manager, error) {
	if store == nil {
		return nil, errors.New("session: NewManager: store is nil")
	}
	if len(opts.Keys) == 0 {
		return nil, errors.New("session: no cookie keys; set session.keys_env or session.keys_file (each key at least 32 bytes)")
	}
	if opts.Path == "" {
		opts.Path = "/"
	}
	if opts.SameSite == 0 || opts.SameSite == http.SameSiteDefaultMode {
		opts.SameSite = http.SameSiteLaxMode
	}
	if opts.CookieName == "" {
		opts.CookieName = "logateway"
		if opts.Secure {
			opts.CookieName = "__Host-logateway"
		}
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = time.Hour
	}
	if opts.AbsoluteTimeout <= 0 {
		opts.AbsoluteTimeout = 12 * time.Hour
	}
	if opts.TouchInterval <= 0 {
		opts.TouchInterval = time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if strings.HasPrefix(opts.CookieName, "__Host-") && (!opts.Secure || opts.Path != "/") {
		return nil, fmt.Errorf("session: cookie %q needs Secure and Path \"/\" (browsers drop it otherwise), got secure=%v path=%q", opts.CookieName, opts.Secure, opts.Path)
	}
	if opts.SameSite == http.SameSiteNoneMode && !opts.Secure {
		return nil, errors.New("session: SameSite=None needs a Secure cookie (browsers reject it otherwise); serve over https or use SameSite=Lax")
	}
	if opts.Partitioned && !opts.Secure {
		return nil, errors.New("session: a Partitioned cookie must be Secure; serve over https or turn partitioned off")
	}
	maxAge := int(opts.AbsoluteTimeout / time.Second)
	codecs := make([]securecookie.Codec, 0, len(opts.Keys))
	for i, k := range opts.Keys {
		if len(k) < 32 {
			return nil, fmt.Errorf("session: key %d is %d bytes, want at least 32", i+1, len(k))
		}
		// One configured key gives independent HMAC and AES keys.
		hashKey, err := hkdf.Key(sha256.New, k, nil, "logateway/session/cookie-hmac/v1", 32)
		if err != nil {
			return nil, err
		}
		blockKey, err := hkdf.Key(sha256.New, k, nil, "logateway/session/cookie-aes/v1", 32)
		if err != nil {
			return nil, err
		}
		// NopEncoder: the payload is raw bytes, so decoding is base64 + HMAC +
		// AES-CTR with no gob or JSON reflection on every request.
		sc := securecookie.New(hashKey, blockKey).SetSerializer(securecookie.NopEncoder{}).MaxAge(maxAge)
		codecs = append(codecs, sc)
	}
	return &Manager{store: store, opts: opts, codecs: codecs}, nil
}

// Store returns the store the Manager uses.
func (m *Manager) Store() Store { return m.store }

// CookieName is the session cookie's name.
func (m *Manager) CookieName() string { return m.opts.CookieName }

// Load returns the request's session. ErrNoSession means signed out;
// ErrUnavailable means the store failed (answer 503, do not sign out).
func (m *Manager) Load(ctx context.Context, r *http.Request) (*Session, error) {
	value, ok := cookieValue(r.Header, m.opts.CookieName)
	if !ok || value == "" {
		return nil, ErrNoSession
	}
	s := &Session{}
	if ids, ok := m.ids.get(value); ok {
		s.ID, s.storeID = ids.public, ids.store
	} else {
		var raw []byte
		if err := decodeCookie(m, value, &raw); err != nil {
			return nil, fmt.Errorf("%w: cookie does not verify under any configured key", ErrNoSession)
		}
		if len(raw) != secretLen {
			return nil, fmt.Errorf("%w: cookie payload is %d bytes, want %d", ErrNoSession, len(raw), secretLen)
		}
		s.ID, s.storeID = publicID(raw), base64.RawURLEncoding.EncodeToString(raw)
		m.ids.put(value, cookieIDs{public: s.ID, store: s.storeID})
	}
	rec, err := m.get(ctx, s.storeID)
	if err != nil {
		return nil, err
	}
	now := m.opts.Now()
	if _, ok := m.deadline(rec, now); !ok {
		// Best effort: the record would expire by TTL anyway.
		_ = m.store.Delete(ctx, s.storeID)
		return nil, fmt.Errorf("%w: idle or absolute timeout passed", ErrNoSession)
	}
	if now.Sub(rec.LastSeen) >= m.opts.TouchInterval && m.claimTouch(s.storeID, now) {
		touched := *rec
		touched.LastSeen = now
		ttl, _ := m.deadline(&touched, now)
		switch err := m.touch(ctx, s.storeID, &touched, ttl); {
		case err == nil:
			rec = &touched
		case errors.Is(err, ErrStale):
			// Another request saved newer tokens meanwhile; use those.
			if rec, err = m.getFresh(ctx, s.storeID); err != nil {
				return nil, err
			}
		case errors.Is(err, ErrNotFound):
			return nil, fmt.Errorf("%w: record removed while loading", ErrNoSession)
		default:
			m.touches.put(s.storeID, time.Time{}) // the next request tries again
			return nil, asUnavailable(err)
		}
	}
	s.Record, s.createdAt = rec, rec.CreatedAt
	return s, nil
}

// cookieValue is r.Cookie(name).Value without building a Cookie for it: the
// first cookie of that name whose value net/http would accept, read by the
// same rules (lines and parts trimmed, surrounding double quotes removed, only
// RFC 6265 value bytes). It runs on every signed-in request, where r.Cookie's
// allocations showed in the profile. Unlike r.Cookie it does not give up on a
// header of more than 3000 cookies: it only scans, allocating nothing, and the
// server's header size limit bounds the scan.
func cookieValue(h http.Header, name string) (string, bool) {
	for _, line := range h["Cookie"] {
		for len(line) > 0 {
			var part string
			part, line, _ = strings.Cut(line, ";")
			part = textproto.TrimString(part)
			n, v, _ := strings.Cut(part, "=")
			if textproto.TrimString(n) != name {
				continue
			}
			if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if validCookieValue(v) {
				return v, true
			}
		}
	}
	return "", false
}

func validCookieValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < 0x20 || b >= 0x7f || b == '"' || b == ';' || b == '\\' {
			return false
		}
	}
	return true
}

// Create stores rec under a new random id and sets the cookie. It always
// makes a new id (no fixation); the caller destroys any earlier session.
// CreatedAt and LastSeen are set to now; an empty CSRF gets a random token.
func (m *Manager) Create(ctx context.Context, w http.ResponseWriter, rec *Record) (*Session, error) {
	raw := make([]byte, secretLen)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("session: reading random id: %w", err)
	}
	now := m.opts.Now()
	cp := *rec
	cp.CreatedAt, cp.LastSeen = now, now
	if cp.Version < 1 {
		cp.Version = 1
	}
	if cp.CSRF == "" {
		var b [32]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("session: reading random csrf token: %w", err)
		}
		cp.CSRF = base64.RawURLEncoding.EncodeToString(b[:])
	}
	// securecookie encrypts a NopEncoder payload in place: hand it a copy.
	value, err := securecookie.EncodeMulti(m.opts.CookieName, bytes.Clone(raw), m.codecs...)
	if err != nil {
		return nil, fmt.Errorf("session: encoding cookie: %w", err)
	}
	s := &Session{ID: publicID(raw), storeID: base64.RawURLEncoding.EncodeToString(raw), createdAt: now}
	ttl, _ := m.deadline(&cp, now)
	if err := m.store.Put(ctx, s.storeID, &cp, ttl); err != nil {
		return nil, asUnavailable(err)
	}
	http.SetCookie(w, m.cookie(value, int(m.opts.AbsoluteTimeout/time.Second)))
	s.Record = &cp
	return s, nil
}

// Save writes s.Record back (after a token refresh), bumping its Version and
// LastSeen. The absolute deadline stays where Create put it. ErrStale means
// someone saved a newer record meanwhile: Reload and decide again.
func (m *Manager) Save(ctx context.Context, s *Session) error {
	now := m.opts.Now()
	rec := *s.Record
	rec.CreatedAt = s.createdAt
	rec.LastSeen = now
	rec.Version++
	ttl, ok := m.deadline(&rec, now)
	if !ok {
		return fmt.Errorf("%w: absolute timeout passed", ErrNoSession)
	}
	switch err := m.store.Update(ctx, s.storeID, &rec, ttl); {
	case err == nil:
	case errors.Is(err, ErrStale):
		return fmt.Errorf("session: save: %w; reload the session and retry", ErrStale)
	case errors.Is(err, ErrNotFound):
		return fmt.Errorf("%w: record removed before save", ErrNoSession)
	default:
		return asUnavailable(err)
	}
	*s.Record = rec
	return nil
}

// Reload re-reads s.Record from the store, e.g. after taking the refresh
// lock, to see whether another replica already refreshed the tokens. It
// bypasses any local cache in the store (FreshGetter).
func (m *Manager) Reload(ctx context.Context, s *Session) error {
	rec, err := m.getFresh(ctx, s.storeID)
	if err != nil {
		return err
	}
	s.Record = rec
	return nil
}

// Destroy deletes the record and expires the cookie. When the store fails
// the cookie is left alone, so the visitor can retry a sign-out that has
// not yet taken effect server-side.
func (m *Manager) Destroy(ctx context.Context, w http.ResponseWriter, s *Session) error {
	if err := m.store.Delete(ctx, s.storeID); err != nil {
		return asUnavailable(err)
	}
	m.ClearCookie(w)
	return nil
}

// ClearCookie expires the session cookie in the browser.
func (m *Manager) ClearCookie(w http.ResponseWriter) {
	http.SetCookie(w, m.cookie("", -1))
}

func (m *Manager) cookie(value string, maxAge int) *http.Cookie {
	return sessions.NewCookie(m.opts.CookieName, value, &sessions.Options{
		Path:        m.opts.Path,
		MaxAge:      maxAge,
		Secure:      m.opts.Secure,
		HttpOnly:    true,
		SameSite:    m.opts.SameSite,
		Partitioned: m.opts.Partitioned,
	})
}

// FreshGetter is a Store that may answer Get from a local cache
// (RedisStore with LocalCacheTTL) and can also read past it.
type FreshGetter interface {
	GetFresh(ctx context.Context, id string) (*Record, error)
}

func (m *Manager) get(ctx context.Context, storeID string) (*Record, error) {
	return storeResult(m.store.Get(ctx, storeID))
}

// getFresh reads past the store's local cache, when it has one.
func (m *Manager) getFresh(ctx context.Context, storeID string) (*Record, error) {
	if f, ok := m.store.(FreshGetter); ok {
		return storeResult(f.GetFresh(ctx, storeID))
	}
	return m.get(ctx, storeID)
}

func storeResult(rec *Record, err error) (*Record, error) {
	switch {
	case err == nil:
		return rec, nil
	case errors.Is(err, ErrNotFound):
		return nil, fmt.Errorf("%w: %w", ErrNoSession, err)
	default:
		return nil, asUnavailable(err)
	}
}

// deadline returns how long rec may live from now: the earlier of the idle
// and absolute deadlines. ok is false once either has passed.
func (m *Manager) deadline(rec *Record, now time.Time) (time.Duration, bool) {
	end := rec.LastSeen.Add(m.opts.IdleTimeout)
	if abs := rec.CreatedAt.Add(m.opts.AbsoluteTimeout); abs.Before(end) {
		end = abs
	}
	left := end.Sub(now)
	return left, left > 0
}

// publicID derives the loggable session handle from the cookie secret; the
// hash is one-way, so the handle does not reveal the secret.
func publicID(secret []byte) string {
	h := sha256.New()
	h.Write([]byte("logateway/session/public-id\x00"))
	h.Write(secret)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:16])
}

func asUnavailable(err error) error {
	if errors.Is(err, ErrUnavailable) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

func decodeCookie(m *Manager, value string, raw *[]byte) error {
	return securecookie.DecodeMulti(m.opts.CookieName, value, raw, m.codecs...)
}
