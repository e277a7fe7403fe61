package session

import (
	"encoding/json"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/logateway/logateway/internal/redistest"
)

// fakeClock is a settable Now for timeouts without sleeping.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// sampleRecord is shaped like a real Salesforce session: a 112-character
// access token, an 87-character refresh token, realistic identity fields.
func sampleRecord(i int) *Record {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	return &Record{
		Site: "https://www.example.com",
		Identity: Identity{
			UserID:            fmt.Sprintf("005Hs00000%08dAA", i),
			OrgID:             "00DHs000000abcdEAA",
			Username:          fmt.Sprintf("visitor%d@example.com.acme", i),
			PreferredUsername: fmt.Sprintf("visitor%d@example.com.acme", i),
			Email:             fmt.Sprintf("visitor%d@example.com", i),
			Name:              fmt.Sprintf("Visitor Number %d", i),
			IdentityURL:       fmt.Sprintf("https://login.salesforce.com/id/00DHs000000abcdEAA/005Hs00000%08dAA", i),
		},
		Tokens: Tokens{
			AccessToken:  fmt.Sprintf("00DHs000000abcd!AQ4AQ%091d", i),
			RefreshToken: fmt.Sprintf("5Aep861TSESvWeug_x%069d", i),
			InstanceURL:  "https://acme.my.salesforce.com",
			Scope:        "web openid refresh_token",
			IssuedAt:     now,
			ExpiresAt:    now.Add(2 * time.Hour),
			Flow:         "web-server",
		},
		CSRF:      fmt.Sprintf("csrf-%038d", i),
		CreatedAt: now,
		LastSeen:  now,
		Version:   1,
	}
}

// newTestRedisStore returns a RedisStore on the test Redis under a prefix of
// its own, cleaned up afterwards.
func newTestRedisStore(t testing.TB) (*RedisStore, string, string) {
	t.Helper()
	addr := redistest.Addr(t)
	prefix := redistest.Prefix(t)
	s, err := NewRedisStore(RedisOptions{Addrs: []string{addr}, KeyPrefix: prefix})
	if err != nil {
		t.Fatalf("NewRedisStore: %v", err)
	}
	t.Cleanup(func() {
		redistest.FlushPrefix(t, addr, prefix)
		_ = s.Close()
	})
	return s, addr, prefix
}

// closedPort returns a local address nothing listens on.
func closedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// testID is a store id with the entropy the Manager gives ids.
func testID(t testing.TB) string {
	t.Helper()
	return fmt.Sprintf("id-%s-%d", t.Name(), time.Now().UnixNano())
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json: %v", err)
	}
	return b
}
