package session

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestRecordEncodingRoundTrips: what appendRecord writes, decodeRecord (and
// decodeStored, which the memory store calls on its string) reads back whole,
// and every truncation of it is an error, never a panic.
func TestRecordEncodingRoundTrips(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 3))
	str := func() string {
		return strings.Repeat("é", rng.IntN(3)) + fmt.Sprint(rng.Int64()) + strings.Repeat("x", rng.IntN(300))
	}
	tm := func() time.Time {
		switch rng.IntN(4) {
		case 0:
			return time.Time{}
		case 1:
			return time.Unix(0, math.MinInt64+1)
		}
		return time.Unix(0, rng.Int64N(math.MaxInt64)-rng.Int64N(math.MaxInt64))
	}
	for range 2000 {
		rec := &Record{Site: str(), CSRF: str(), CreatedAt: tm(), LastSeen: tm(), Version: rng.Int64() - rng.Int64(),
			Identity: Identity{UserID: str(), OrgID: str(), Username: str(), PreferredUsername: "", Email: str(), Name: str(), IdentityURL: str()},
			Tokens:   Tokens{AccessToken: str(), RefreshToken: str(), InstanceURL: str(), Scope: str(), IssuedAt: tm(), ExpiresAt: tm(), Flow: str()}}
		enc := appendRecord(nil, rec)
		got, err := decodeRecord(enc)
		if err != nil || !reflect.DeepEqual(got, rec) {
			t.Fatalf("decodeRecord(appendRecord(r)) = %+v, %v; want %+v", got, err, rec)
		}
		cut := rng.IntN(len(enc))
		if got, err := decodeRecord(enc[:cut]); err == nil {
			t.Fatalf("truncated at %d of %d bytes: decodeRecord = %+v, want an error", cut, len(enc), got)
		}
	}
}

func BenchmarkMemoryStoreGet(b *testing.B) {
	s := NewMemoryStore(MemoryOptions{})
	b.Cleanup(func() { _ = s.Close() })
	now := time.Now()
	rec := &Record{Site: "localhost:8080", CSRF: strings.Repeat("c", 43), CreatedAt: now, LastSeen: now,
		Identity: Identity{UserID: "005Hs00000ABCDEFAA", OrgID: "00DHs000000abcdEAA", Username: "ada@example.com.acme",
			PreferredUsername: "ada@example.com.acme", Email: "ada@example.com", Name: "Ada Lovelace",
			IdentityURL: "https://login.salesforce.com/id/00DHs000000abcdEAA/005Hs00000ABCDEFAA"},
		Tokens: Tokens{AccessToken: strings.Repeat("a", 112), RefreshToken: strings.Repeat("r", 87),
			InstanceURL: "https://acme.my.salesforce.com", Scope: "web api id openid refresh_token", IssuedAt: now, ExpiresAt: now.Add(time.Hour), Flow: "web-server"}}
	if err := s.Put(b.Context(), "id", rec, time.Hour); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Get(b.Context(), "id"); err != nil {
			b.Fatal(err)
		}
	}
}
