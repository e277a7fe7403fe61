package gateway_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway/devorg"
	"github.com/logateway/logateway/gateway/session"
	"github.com/logateway/logateway/internal/harness"
	"github.com/logateway/logateway/internal/redistest"
)

// The replicas below run with session.redis.local_cache_ttl on: each serves
// repeated reads of a session from its own memory, so these tests check that
// a write at one replica still decides what the other answers.

// cacheTTL is long enough that only an invalidation, never the expiry,
// could make a replica see another's write within these tests' bounds.
const cacheTTL = 10 * time.Second

func startCachedReplicas(t *testing.T, o harness.Options) *harness.Replicas {
	t.Helper()
	return harness.StartReplicas(t, 2, o, redisStores(t, redistest.Addr(t), session.RedisOptions{LocalCacheTTL: cacheTTL}))
}

func TestCachedReplicasSignOutAtOneIsSeenAtTheOther(t *testing.T) {
	r := startCachedReplicas(t, harness.Options{})
	c := harness.Client()
	a, b := r.Via(c, 0), r.Via(c, 1)
	if _, err := r.SignInVia(0, c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
		t.Fatalf("sign-in through replica A: %v", err)
	}
	cookie := cookieValue(c, r.URL, "lo_session")
	// Both replicas now hold the session in their caches.
	for range 3 {
		if si := getSession(t, a, r.URL); !si.SignedIn {
			t.Fatal("not signed in at A right after signing in there")
		}
		if si := getSession(t, b, r.URL); !si.SignedIn {
			t.Fatal("replica B does not see the session made at A")
		}
	}

	signOutVia(t, b, r.URL)
	stale := harness.Client()
	u, _ := url.Parse(r.URL)
	stale.Jar.SetCookies(u, []*http.Cookie{{Name: "lo_session", Value: cookie, Path: "/"}})
	start := time.Now()
	for getSession(t, r.Via(stale, 0), r.URL).SignedIn {
		if time.Since(start) > time.Second {
			t.Fatalf("replica A still honours the cookie %v after the sign-out at B, want signed out within 1s", time.Since(start))
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("replica A saw the sign-out at B after %v", time.Since(start))
	if code, body, err := postFrontdoor(r.Via(stale, 0), r.URL); err != nil || code != http.StatusUnauthorized {
		t.Fatalf("frontdoor via A after sign-out at B: status %d (%v) err %v, want 401", code, body["error"], err)
	}
}

// An operator ends every session with redis-cli (DEL of the records): no
// replica wrote anything, so only Redis's own invalidations can tell the
// replicas, and both must sign the visitor out at once.
func TestCachedReplicasSeeAnOperatorsDeleteAtOnce(t *testing.T) {
	addr, prefix := redistest.Addr(t), redistest.Prefix(t)
	t.Cleanup(func() { redistest.FlushPrefix(t, addr, prefix) })
	r := harness.StartReplicas(t, 2, harness.Options{}, redisStores(t, addr, session.RedisOptions{KeyPrefix: prefix, LocalCacheTTL: cacheTTL}))
	c := harness.Client()
	if _, err := r.SignInVia(0, c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
		t.Fatalf("sign-in through replica A: %v", err)
	}
	for range 3 { // both replicas now answer from their caches
		for i := range 2 {
			if si := getSession(t, r.Via(c, i), r.URL); !si.SignedIn {
				t.Fatalf("replica %d: not signed in right after the sign-in", i)
			}
		}
	}
	if cookieValue(c, r.URL, "lo_session") == "" {
		t.Fatal("no session cookie after the sign-in")
	}
	admin := redistest.NewAdmin(t, addr)
	keys, err := admin.Do("KEYS", prefix+"s:*").AsStrSlice()
	if err != nil || len(keys) != 1 {
		t.Fatalf("want the one session record under %q, got %v (err %v)", prefix, keys, err)
	}
	if err := admin.Do("DEL", keys[0]).Error(); err != nil {
		t.Fatal(err)
	}
	// Each replica is asked with the cookie as it was: an answer that
	// clears it must not make the other replica's check trivial.
	cookie := cookieValue(c, r.URL, "lo_session")
	u, _ := url.Parse(r.URL)
	start := time.Now()
	for i := range 2 {
		stale := harness.Client()
		stale.Jar.SetCookies(u, []*http.Cookie{{Name: "lo_session", Value: cookie, Path: "/"}})
		for getSession(t, r.Via(stale, i), r.URL).SignedIn {
			if time.Since(start) > time.Second {
				t.Fatalf("replica %d still honours the session %v after the operator's DEL, want signed out within 1s", i, time.Since(start))
			}
			time.Sleep(time.Millisecond)
		}
	}
	t.Logf("both replicas saw the operator's DEL within %v", time.Since(start))
}

func TestCachedReplicasRefreshAnExpiredTokenOnceFor200Requests(t *testing.T) {
	for _, tc := range []struct {
		name string
		org  func(*devorg.Config)
	}{
		{name: "when the org ended every access token"},
		{name: "when the org rotates refresh tokens", org: func(c *devorg.Config) { c.Apps[0].RefreshTokenRotation = true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := startCachedReplicas(t, harness.Options{Config: func(c *config.Config) { highFrontdoorLimit(c) }, OrgConfig: tc.org})
			c := harness.Client()
			if _, err := r.SignInVia(0, c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
				t.Fatal(err)
			}
			// Warm both caches with the tokens that are about to die.
			for i := range 2 {
				if code, _, err := postFrontdoor(r.Via(c, i), r.URL); err != nil || code != http.StatusOK {
					t.Fatalf("frontdoor via replica %d before the expiry: %d %v", i, code, err)
				}
			}
			before := sessionRecord(t, r.Env, cookieValue(c, r.URL, "lo_session")).Tokens.AccessToken
			r.Org.ExpireSessions()
			r.Org.ResetCounts()

			const n = 200
			if byCode := frontdoorBurst(t, r, c, n); byCode[http.StatusOK] != n {
				t.Errorf("frontdoor answers by status = %v, want all %d to be 200", byCode, n)
			}
			if got := r.Org.Count("token:refresh_token"); got != 1 {
				t.Fatalf("refresh calls at the org = %d, want exactly 1 for %d requests over 2 caching replicas", got, n)
			}
			if after := sessionRecord(t, r.Env, cookieValue(c, r.URL, "lo_session")).Tokens.AccessToken; after == before {
				t.Fatal("the stored access token did not change after the refresh")
			}
			// The next expiry, met at the other replica, refreshes once more
			// with the refresh token that replica learnt through Redis.
			r.Org.ExpireSessions()
			if code, body, err := postFrontdoor(r.Via(c, 1), r.URL); err != nil || code != http.StatusOK {
				t.Fatalf("frontdoor after a second expiry: status %d (%v) err %v, want 200", code, body["error"], err)
			}
			if got := r.Org.Count("token:refresh_token"); got != 2 {
				t.Fatalf("refresh calls at the org after a second expiry = %d, want 2", got)
			}
		})
	}
}
