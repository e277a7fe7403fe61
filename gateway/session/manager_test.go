package session

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var (
	keyOld = bytes.Repeat([]byte("o"), 32)
	keyNew = bytes.Repeat([]byte("n"), 32)
)

func newTestManager(t testing.TB, store Store, clock *fakeClock, keys ...[]byte) *Manager {
	t.Helper()
	if len(keys) == 0 {
		keys = [][]byte{keyOld}
	}
	m, err := NewManager(store, Options{
		Keys: keys, IdleTimeout: time.Hour, AbsoluteTimeout: 12 * time.Hour,
		TouchInterval: time.Minute, Now: clock.Now,
	})
	if err != nil {
		t.Fatalf("NewManager: %v", err)
	}
	return m
}

// create runs Create and returns the session and its Set-Cookie.
func create(t testing.TB, m *Manager, rec *Record) (*Session, *http.Cookie) {
	t.Helper()
	w := httptest.NewRecorder()
	s, err := m.Create(context.Background(), w, rec)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("Create: want one Set-Cookie, got %d", len(cookies))
	}
	return s, cookies[0]
}

func requestWith(c *http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if c != nil {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	return r
}

func TestManager(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) (*Manager, *MemoryStore, *fakeClock) {
		clock := newFakeClock()
		store := NewMemoryStore(MemoryOptions{Now: clock.Now})
		t.Cleanup(func() { _ = store.Close() })
		return newTestManager(t, store, clock), store, clock
	}

	t.Run("a created session loads back from its cookie", func(t *testing.T) {
		m, _, _ := setup(t)
		s, c := create(t, m, sampleRecord(1))
		got, err := m.Load(ctx, requestWith(c))
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if got.ID != s.ID || got.Record.Tokens.AccessToken != sampleRecord(1).Tokens.AccessToken {
			t.Fatalf("want session %s with the stored token, got %s / %q", s.ID, got.ID, got.Record.Tokens.AccessToken)
		}
		if got.Record.CSRF == "" {
			t.Fatal("want a CSRF token kept from Create, got none")
		}
	})
	t.Run("every Create makes a new id even with a session cookie present", func(t *testing.T) {
		m, _, _ := setup(t)
		seen := map[string]bool{}
		var prev *http.Cookie
		for range 20 {
			w := httptest.NewRecorder()
			// A fixation attempt: the request already carries a cookie.
			_ = requestWith(prev)
			s, err := m.Create(ctx, w, sampleRecord(1))
			if err != nil {
				t.Fatal(err)
			}
			if seen[s.ID] || seen[s.storeID] {
				t.Fatalf("Create reused an id: %s", s.ID)
			}
			seen[s.ID], seen[s.storeID] = true, true
			prev = w.Result().Cookies()[0]
		}
		if len(seen) != 40 {
			t.Fatalf("want 20 distinct ids and secrets, got %d values", len(seen))
		}
	})
	t.Run("the cookie carries the configured attributes", func(t *testing.T) {
		clock := newFakeClock()
		store := NewMemoryStore(MemoryOptions{})
		defer store.Close()
		m, err := NewManager(store, Options{Keys: [][]byte{keyOld}, Secure: true, SameSite: http.SameSiteNoneMode, Partitioned: true, AbsoluteTimeout: 8 * time.Hour, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		if _, err := m.Create(ctx, w, sampleRecord(1)); err != nil {
			t.Fatal(err)
		}
		header := w.Header().Get("Set-Cookie")
		for _, want := range []string{"__Host-logateway=", "Path=/", "Max-Age=28800", "HttpOnly", "Secure", "SameSite=None", "Partitioned"} {
			if !strings.Contains(header, want) {
				t.Errorf("Set-Cookie: want %q in %q", want, header)
			}
		}
		if strings.Contains(header, "Domain=") {
			t.Errorf("Set-Cookie: want no Domain (host-only cookie), got %q", header)
		}
	})
	t.Run("the default cookie is HttpOnly and SameSite=Lax", func(t *testing.T) {
		m, _, _ := setup(t)
		w := httptest.NewRecorder()
		_, _ = m.Create(ctx, w, sampleRecord(1))
		header := w.Header().Get("Set-Cookie")
		for _, want := range []string{"HttpOnly", "SameSite=Lax", "Max-Age=43200"} {
			if !strings.Contains(header, want) {
				t.Errorf("Set-Cookie: want %q in %q", want, header)
			}
		}
	})
	t.Run("no cookie is ErrNoSession", func(t *testing.T) {
		m, _, _ := setup(t)
		if _, err := m.Load(ctx, requestWith(nil)); !errors.Is(err, ErrNoSession) {
			t.Fatalf("want ErrNoSession, got %v", err)
		}
	})
	t.Run("a tampered cookie is ErrNoSession", func(t *testing.T) {
		m, _, _ := setup(t)
		_, c := create(t, m, sampleRecord(1))
		for _, bad := range []string{
			c.Value[:len(c.Value)-2] + "AA",
			"A" + c.Value[1:],
			c.Value[:len(c.Value)/2],
			"not-a-cookie",
		} {
			if _, err := m.Load(ctx, requestWith(&http.Cookie{Name: c.Name, Value: bad})); !errors.Is(err, ErrNoSession) {
				t.Errorf("Load(%q): want ErrNoSession, got %v", bad, err)
			}
		}
	})
	t.Run("a cookie whose record is gone is ErrNoSession", func(t *testing.T) {
		m, store, _ := setup(t)
		s, c := create(t, m, sampleRecord(1))
		_ = store.Delete(ctx, s.storeID)
		if _, err := m.Load(ctx, requestWith(c)); !errors.Is(err, ErrNoSession) {
			t.Fatalf("want ErrNoSession, got %v", err)
		}
	})
	t.Run("the idle timeout signs out a quiet visitor", func(t *testing.T) {
		m, _, clock := setup(t)
		_, c := create(t, m, sampleRecord(1))
		clock.Advance(time.Hour + time.Second)
		if _, err := m.Load(ctx, requestWith(c)); !errors.Is(err, ErrNoSession) {
			t.Fatalf("after 1h idle: want ErrNoSession, got %v", err)
		}
	})
	t.Run("activity keeps the session past the idle timeout", func(t *testing.T) {
		m, _, clock := setup(t)
		_, c := create(t, m, sampleRecord(1))
		for i := range 4 {
			clock.Advance(40 * time.Minute)
			if _, err := m.Load(ctx, requestWith(c)); err != nil {
				t.Fatalf("load %d, 40m after the last: want the session, got %v", i+1, err)
			}
		}
	})
	t.Run("the absolute timeout ends even an active session", func(t *testing.T) {
		m, _, clock := setup(t)
		_, c := create(t, m, sampleRecord(1))
		var err error
		for elapsed := time.Duration(0); elapsed <= 12*time.Hour; elapsed += 30 * time.Minute {
			clock.Advance(30 * time.Minute)
			if _, err = m.Load(ctx, requestWith(c)); err != nil {
				break
			}
		}
		if !errors.Is(err, ErrNoSession) {
			t.Fatalf("after 12h of activity: want ErrNoSession, got %v", err)
		}
	})
	t.Run("loads within the touch interval do not write", func(t *testing.T) {
		m, store, clock := setup(t)
		s, c := create(t, m, sampleRecord(1))
		clock.Advance(30 * time.Second)
		_, _ = m.Load(ctx, requestWith(c))
		rec, _ := store.Get(ctx, s.storeID)
		if !rec.LastSeen.Equal(s.Record.LastSeen) {
			t.Fatalf("want LastSeen unchanged at %v, got %v", s.Record.LastSeen, rec.LastSeen)
		}
		clock.Advance(time.Minute)
		_, _ = m.Load(ctx, requestWith(c))
		rec, _ = store.Get(ctx, s.storeID)
		if want := clock.Now(); !rec.LastSeen.Equal(want) {
			t.Fatalf("after the touch interval: want LastSeen %v, got %v", want, rec.LastSeen)
		}
	})
	t.Run("save keeps the absolute deadline and bumps the version", func(t *testing.T) {
		m, store, clock := setup(t)
		_, c := create(t, m, sampleRecord(1))
		clock.Advance(10 * time.Minute)
		s, _ := m.Load(ctx, requestWith(c))
		created := s.Record.CreatedAt
		s.Record.Tokens.AccessToken = "refreshed"
		s.Record.CreatedAt = clock.Now() // must not extend the session
		if err := m.Save(ctx, s); err != nil {
			t.Fatalf("Save: %v", err)
		}
		rec, _ := store.Get(ctx, s.storeID)
		if rec.Tokens.AccessToken != "refreshed" || !rec.CreatedAt.Equal(created) || rec.Version != 2 {
			t.Fatalf("want token refreshed, CreatedAt %v, version 2; got %q, %v, %d", created, rec.Tokens.AccessToken, rec.CreatedAt, rec.Version)
		}
	})
	t.Run("a save from a stale copy is ErrStale", func(t *testing.T) {
		m, _, _ := setup(t)
		_, c := create(t, m, sampleRecord(1))
		a, _ := m.Load(ctx, requestWith(c))
		b, _ := m.Load(ctx, requestWith(c))
		if err := m.Save(ctx, a); err != nil {
			t.Fatalf("first Save: %v", err)
		}
		b.Record.Version-- // b lags two versions behind a now
		if err := m.Save(ctx, b); !errors.Is(err, ErrStale) {
			t.Fatalf("want ErrStale, got %v", err)
		}
		if err := m.Reload(ctx, b); err != nil || b.Record.Version != 2 {
			t.Fatalf("Reload: want version 2, got %d (err %v)", b.Record.Version, err)
		}
	})
	t.Run("destroy deletes the record and expires the cookie", func(t *testing.T) {
		m, store, _ := setup(t)
		s, c := create(t, m, sampleRecord(1))
		w := httptest.NewRecorder()
		if err := m.Destroy(ctx, w, s); err != nil {
			t.Fatalf("Destroy: %v", err)
		}
		if _, err := store.Get(ctx, s.storeID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("record after Destroy: want ErrNotFound, got %v", err)
		}
		cleared := w.Result().Cookies()
		if len(cleared) != 1 || cleared[0].MaxAge >= 0 || cleared[0].Value != "" {
			t.Fatalf("want an expired empty cookie, got %+v", cleared)
		}
		if _, err := m.Load(ctx, requestWith(c)); !errors.Is(err, ErrNoSession) {
			t.Fatalf("old cookie after Destroy: want ErrNoSession, got %v", err)
		}
	})
}

func TestManagerKeyRotation(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock()
	store := NewMemoryStore(MemoryOptions{Now: clock.Now})
	defer store.Close()
	before := newTestManager(t, store, clock, keyOld)
	rotated := newTestManager(t, store, clock, keyNew, keyOld)
	newOnly := newTestManager(t, store, clock, keyNew)

	_, oldCookie := create(t, before, sampleRecord(1))
	t.Run("a cookie written with the old key reads after rotation", func(t *testing.T) {
		if _, err := rotated.Load(ctx, requestWith(oldCookie)); err != nil {
			t.Fatalf("want the session, got %v", err)
		}
	})
	_, newCookie := create(t, rotated, sampleRecord(2))
	t.Run("new cookies are written with the new key", func(t *testing.T) {
		if _, err := newOnly.Load(ctx, requestWith(newCookie)); err != nil {
			t.Fatalf("with only the new key: want the session, got %v", err)
		}
		if _, err := before.Load(ctx, requestWith(newCookie)); !errors.Is(err, ErrNoSession) {
			t.Fatalf("with only the old key: want ErrNoSession, got %v", err)
		}
	})
	t.Run("a cookie is unreadable once its key is dropped", func(t *testing.T) {
		if _, err := newOnly.Load(ctx, requestWith(oldCookie)); !errors.Is(err, ErrNoSession) {
			t.Fatalf("want ErrNoSession, got %v", err)
		}
	})
}

func TestManagerStoreDown(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock()
	up, _, _ := newTestRedisStore(t)
	_, c := create(t, newTestManager(t, up, clock), sampleRecord(1))

	// A server that accepts connections and never answers: the read timeout
	// must bound the wait. And a port with nothing listening.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	for _, tc := range []struct{ name, addr string }{
		{"a closed port", closedPort(t)},
		{"a server that never answers", l.Addr().String()},
	} {
		t.Run("Load against "+tc.name+" is ErrUnavailable, not signed out", func(t *testing.T) {
			down, err := NewRedisStore(RedisOptions{Addrs: []string{tc.addr}, DialTimeout: 200 * time.Millisecond, ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer down.Close()
			m := newTestManager(t, down, clock)
			start := time.Now()
			_, err = m.Load(ctx, requestWith(c))
			if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrNoSession) {
				t.Fatalf("want ErrUnavailable (and not ErrNoSession), got %v", err)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Fatalf("want an answer within 2s, took %v", took)
			}
			t.Logf("Load answered ErrUnavailable in %v", time.Since(start).Round(time.Millisecond))
		})
	}
}

func TestManagerOnRedis(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock()
	store, _, _ := newTestRedisStore(t)
	m := newTestManager(t, store, clock)
	s, c := create(t, m, sampleRecord(1))
	clock.Advance(2 * time.Minute)
	got, err := m.Load(ctx, requestWith(c))
	if err != nil || got.ID != s.ID || !got.Record.LastSeen.Equal(clock.Now()) {
		t.Fatalf("want session %s touched at %v, got %+v (err %v)", s.ID, clock.Now(), got, err)
	}
	got.Record.Tokens.AccessToken = "refreshed"
	if err := m.Save(ctx, got); err != nil {
		t.Fatalf("Save: %v", err)
	}
	again, err := m.Load(ctx, requestWith(c))
	if err != nil || again.Record.Tokens.AccessToken != "refreshed" || again.Record.Version != 2 {
		t.Fatalf("want the refreshed token at version 2, got %+v (err %v)", again, err)
	}
}

func TestNewManagerRejectsBadOptions(t *testing.T) {
	store := NewMemoryStore(MemoryOptions{})
	defer store.Close()
	for _, tc := range []struct {
		name  string
		store Store
		opts  Options
		want  string
	}{
		{"a nil store", nil, Options{Keys: [][]byte{keyOld}}, "store is nil"},
		{"no keys", store, Options{}, "no cookie keys"},
		{"a short key", store, Options{Keys: [][]byte{keyOld, []byte("short")}}, "key 2 is 5 bytes"},
		{"a __Host- cookie without Secure", store, Options{Keys: [][]byte{keyOld}, CookieName: "__Host-x"}, "needs Secure"},
		{"SameSite=None without Secure", store, Options{Keys: [][]byte{keyOld}, SameSite: http.SameSiteNoneMode}, "SameSite=None needs a Secure"},
		{"Partitioned without Secure", store, Options{Keys: [][]byte{keyOld}, Partitioned: true}, "Partitioned cookie must be Secure"},
	} {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			_, err := NewManager(tc.store, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error containing %q, got %v", tc.want, err)
			}
		})
	}
}
