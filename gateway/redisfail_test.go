//go:build unix

package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway/devorg"
	"github.com/logateway/logateway/gateway/session"
	"github.com/logateway/logateway/internal/harness"
)

// ownRedis is a redis-server this test starts, stops and restarts on a port
// of its own: the machine's shared Redis on 6379 serves other tests and must
// never be paused or killed.
type ownRedis struct {
	t    *testing.T
	bin  string
	addr string
	port string
	dir  string
	up   bool
}

func startOwnRedis(t *testing.T) *ownRedis {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" || os.Getenv("LOGATEWAY_REQUIRE_REDIS") == "1" {
			t.Fatalf("redis-server is not on PATH, and CI=true or LOGATEWAY_REQUIRE_REDIS=1 requires the Redis outage tests: install redis-server")
		}
		t.Skip("redis-server is not on PATH: the outage tests start, kill and restart a Redis of their own; install redis-server (LOGATEWAY_REQUIRE_REDIS=1 turns this skip into a failure)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	r := &ownRedis{t: t, bin: bin, addr: addr, port: port, dir: t.TempDir()}
	r.start()
	t.Cleanup(func() {
		if r.up {
			r.stop(false)
		}
	})
	return r
}

// start runs redis-server on r.port. It loads dump.rdb from r.dir when a
// previous stop(true) left one there.
func (r *ownRedis) start() {
	r.t.Helper()
	out, err := exec.Command(r.bin, "--port", r.port, "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "yes",
		"--dir", r.dir, "--dbfilename", "dump.rdb",
		"--pidfile", filepath.Join(r.dir, "redis.pid"), "--logfile", filepath.Join(r.dir, "redis.log"),
	).CombinedOutput()
	if err != nil {
		r.t.Fatalf("starting redis-server on port %s: %v: %s", r.port, err, out)
	}
	c := r.client()
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Do(ctx, c.B().Ping().Build()).Error()
		cancel()
		if err == nil {
			r.up = true
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(r.dir, "redis.log"))
			r.t.Fatalf("redis-server on port %s did not answer PING within 10s: %v; its log:\n%s", r.port, err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop shuts the server down. With save it writes its data to dump.rdb first
// (a restart brings the sessions back); without, the next start is empty.
func (r *ownRedis) stop(save bool) {
	r.t.Helper()
	c := r.client()
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if save {
		_ = c.Do(ctx, c.B().Arbitrary("SHUTDOWN", "SAVE").Build()).Error() // the server closes the connection: an error is expected
	} else {
		_ = c.Do(ctx, c.B().Arbitrary("SHUTDOWN", "NOSAVE").Build()).Error()
		_ = os.Remove(filepath.Join(r.dir, "dump.rdb"))
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		conn, err := net.DialTimeout("tcp", r.addr, 100*time.Millisecond)
		if err != nil {
			break
		}
		conn.Close()
		if time.Now().After(deadline) {
			r.t.Fatalf("redis-server on port %s still accepts connections 5s after SHUTDOWN", r.port)
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.up = false
}

// signal sends sig to the redis-server this test started (by its pid file).
func (r *ownRedis) signal(sig syscall.Signal) {
	r.t.Helper()
	raw, err := os.ReadFile(filepath.Join(r.dir, "redis.pid"))
	if err != nil {
		r.t.Fatalf("reading the pid of the test's redis-server: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil || pid <= 1 {
		r.t.Fatalf("pid file of the test's redis-server holds %q, want a process id", raw)
	}
	if err := syscall.Kill(pid, sig); err != nil {
		r.t.Fatalf("sending %v to redis-server (pid %d): %v", sig, pid, err)
	}
}

// client is a plain client that dials again on each command while the
// server is down (no cache, no retries).
func (r *ownRedis) client() rueidis.Client {
	c, _ := rueidis.NewClient(rueidis.ClientOption{
		InitAddress: []string{r.addr}, ForceSingleClient: true, DisableCache: true, DisableRetry: true,
		Dialer: net.Dialer{Timeout: 200 * time.Millisecond}, ClientSetInfo: rueidis.DisableClientSetInfo,
	})
	return c
}

// redisTimeout is each of the store's dial, read and write timeouts in these
// tests; a command gives up after their sum (session.RedisStore).
const redisTimeout = 250 * time.Millisecond

// maxStoreWait bounds how long any answer may take while Redis is down or
// hung: Load is one store command, a touch a second one, plus slack for -race.
const maxStoreWait = 2*3*redisTimeout + time.Second

// outageEnv is two replicas on an own Redis, with an upstream whose /app/
// pages are protected.
type outageEnv struct {
	*harness.Replicas
	redis *ownRedis
	logs  *harness.LogBuffer
}

func startOutageEnv(t *testing.T, edit ...func(*harness.Options)) *outageEnv {
	t.Helper()
	rs := startOwnRedis(t)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><title>app</title><p>upstream page %s</p>", r.URL.Path)
	}))
	t.Cleanup(up.Close)
	logs := &harness.LogBuffer{}
	o := harness.Options{
		Upstream: up.URL,
		Logger:   slog.New(slog.NewTextHandler(logs, nil)),
		Config: func(c *config.Config) {
			highFrontdoorLimit(c)
			c.Sites[0].Access = []config.AccessRule{{Path: "/app/", Access: "protected"}}
		},
	}
	for _, f := range edit {
		f(&o)
	}
	reps := harness.StartReplicas(t, 2, o, redisStores(t, rs.addr, session.RedisOptions{
		KeyPrefix:   "logateway-outage:",
		DialTimeout: redisTimeout, ReadTimeout: redisTimeout, WriteTimeout: redisTimeout,
		LocalCacheTTL: outageCacheTTL,
	}))
	return &outageEnv{Replicas: reps, redis: rs, logs: logs}
}

// outageCacheTTL is session.redis.local_cache_ttl for startOutageEnv's
// replicas: on (the default), long enough that only Redis's invalidations
// keep the replicas right, and 0 while TestRedisOutagesWithoutTheLocalCache
// runs the tests again (tests here are not parallel, so the switch is seen
// by exactly those runs). A replica's cache of sessions must not change what
// a visitor gets during an outage: 503 and readiness false.
var outageCacheTTL = 10 * time.Second

// The outage tests with session.redis.local_cache_ttl off.
func TestRedisOutagesWithoutTheLocalCache(t *testing.T) {
	outageCacheTTL = 0
	defer func() { outageCacheTTL = 10 * time.Second }()
	for _, tc := range []struct {
		name string
		test func(*testing.T)
	}{
		{"Redis down answers 503 and comes back without restart", TestRedisDownAnswers503AndComesBackWithoutRestart},
		{"Redis hung answers 503 within the timeout", TestRedisHungAnswers503WithinTheTimeout},
		{"Redis restarted empty asks visitors to sign in again", TestRedisRestartedEmptyAsksVisitorsToSignInAgain},
		{"a sign-in during an outage writes no session", TestSignInDuringAnOutageWritesNoSession},
		{"Redis down during a refresh keeps the visitor signed in", TestRedisDownDuringARefreshKeepsTheVisitorSignedIn},
	} {
		t.Run(tc.name, tc.test)
	}
}

// probe is one request a signed-in visitor's page makes.
type probe struct {
	name string
	json bool
	req  func(base string) *http.Request
}

var visitorProbes = []probe{
	{"GET /__lo/session", true, func(base string) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, base+"/__lo/session", nil)
		return r
	}},
	{"POST /__lo/frontdoor", true, func(base string) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, base+"/__lo/frontdoor", nil)
		r.Header.Set("Origin", base)
		return r
	}},
	{"the embed page", false, func(base string) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, base+"/__lo/embed", nil)
		r.Header.Set("Accept", "text/html")
		return r
	}},
	{"a protected upstream page", false, func(base string) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, base+"/app/home", nil)
		r.Header.Set("Accept", "text/html")
		return r
	}},
}

// answer is what one request got.
type answer struct {
	status     int
	dur        time.Duration
	body       []byte
	header     http.Header
	clearsSess bool // a Set-Cookie that removes lo_session
	err        error
}

// send makes req with only the visitor's session cookie, through replica i,
// without following redirects, and reads the whole answer.
func (e *outageEnv) send(i int, cookie string, req *http.Request) answer {
	req.AddCookie(&http.Cookie{Name: "lo_session", Value: cookie})
	c := &http.Client{Transport: e.Transport(i), Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return answer{dur: time.Since(start), err: err}
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	a := answer{status: resp.StatusCode, dur: time.Since(start), body: body, header: resp.Header, err: err}
	for _, ck := range resp.Cookies() {
		if ck.Name == "lo_session" && (ck.MaxAge < 0 || ck.Value == "" || (!ck.Expires.IsZero() && ck.Expires.Before(time.Now()))) {
			a.clearsSess = true
		}
	}
	return a
}

func (e *outageEnv) signIn(t *testing.T, n int) []string {
	t.Helper()
	cookies := make([]string, n)
	for v := range cookies {
		c := harness.Client()
		if _, err := e.SignInVia(v%2, c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
			t.Fatalf("visitor %d: sign-in: %v", v, err)
		}
		if cookies[v] = cookieValue(c, e.URL, "lo_session"); cookies[v] == "" {
			t.Fatalf("visitor %d: no session cookie after sign-in", v)
		}
	}
	return cookies
}

// waitReady polls /__lo/readyz on every replica until it answers want, and
// returns how long that took.
func (e *outageEnv) waitReady(t *testing.T, want int, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for i := range e.Addrs {
		for {
			req, _ := http.NewRequest(http.MethodGet, e.URL+"/__lo/readyz", nil)
			a := e.send(i, "", req)
			if a.status == want {
				break
			}
			if time.Since(start) > within {
				t.Fatalf("replica %d: /__lo/readyz answered %d (%v) after %v, want %d", i, a.status, a.err, within, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return time.Since(start)
}

// checkStoreDown asserts the answer a signed-in visitor must get while the
// store cannot answer: 503 with Retry-After, a readable reason, and the cookie
// left alone.
func checkStoreDown(t *testing.T, p probe, replica int, a answer) {
	t.Helper()
	where := fmt.Sprintf("%s via replica %d", p.name, replica)
	if a.err != nil {
		t.Errorf("%s: request failed: %v", where, a.err)
		return
	}
	if a.status != http.StatusServiceUnavailable {
		t.Errorf("%s: status %d, want 503 while Redis is down; body: %.200s", where, a.status, a.body)
		return
	}
	if a.header.Get("Retry-After") == "" {
		t.Errorf("%s: 503 without Retry-After", where)
	}
	if a.clearsSess {
		t.Errorf("%s: the 503 clears the session cookie; a store outage must not sign the visitor out", where)
	}
	if a.dur > maxStoreWait {
		t.Errorf("%s: answered after %v, want within %v", where, a.dur, maxStoreWait)
	}
	ct := a.header.Get("Content-Type")
	if p.json {
		var body map[string]any
		if err := json.Unmarshal(a.body, &body); err != nil || body["error"] != "session_store_unavailable" || body["message"] == "" {
			t.Errorf("%s: JSON %s, want error session_store_unavailable with a message", where, a.body)
		}
		return
	}
	if !strings.HasPrefix(ct, "text/html") || !bytes.Contains(a.body, []byte("still signed in")) {
		t.Errorf("%s: Content-Type %q, body %.300s; want an HTML page saying the visitor is still signed in", where, ct, a.body)
	}
}

func TestRedisDownAnswers503AndComesBackWithoutRestart(t *testing.T) {
	e := startOutageEnv(t)
	cookies := e.signIn(t, 4)

	const (
		phaseUp = iota
		phaseDown
		phaseBack
	)
	var phase atomic.Int32
	var mu sync.Mutex
	type result struct {
		answer
		phase int32
		probe string
	}
	var results []result
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := w; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				p := visitorProbes[n%len(visitorProbes)]
				ph := phase.Load()
				a := e.send(n%2, cookies[n%len(cookies)], p.req(e.URL))
				a.body = nil
				mu.Lock()
				results = append(results, result{a, ph, p.name})
				mu.Unlock()
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)

	killed := time.Now()
	phase.Store(phaseDown)
	e.redis.stop(true)
	notReady := e.waitReady(t, http.StatusServiceUnavailable, 5*time.Second)
	t.Logf("readyz answered 503 on both replicas %v after Redis stopped", notReady)

	t.Run("while Redis is down each visitor request is a 503 that keeps the visitor signed in", func(t *testing.T) {
		for _, p := range visitorProbes {
			for i := range 2 {
				checkStoreDown(t, p, i, e.send(i, cookies[0], p.req(e.URL)))
			}
		}
		if !strings.Contains(e.logs.String(), "reason=session_store_unavailable") {
			t.Error("no log line with reason=session_store_unavailable while Redis is down")
		}
	})
	time.Sleep(500 * time.Millisecond) // the load keeps going against the dead store

	e.redis.start()
	back := e.waitReady(t, http.StatusOK, 5*time.Second)
	t.Logf("outage lasted %v; readyz answered 200 on both replicas %v after Redis came back", time.Since(killed), back)

	t.Run("after Redis returns the same cookies work on both replicas", func(t *testing.T) {
		for v, ck := range cookies {
			for i := range 2 {
				for _, p := range visitorProbes {
					if a := e.send(i, ck, p.req(e.URL)); a.status != http.StatusOK {
						t.Errorf("visitor %d, %s via replica %d: status %d (%v), want 200", v, p.name, i, a.status, a.err)
					}
				}
			}
		}
	})
	phase.Store(phaseBack)
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()

	t.Run("under load every answer was 200 or 503 within the timeout", func(t *testing.T) {
		count := map[string]int{}
		var down []time.Duration
		for _, r := range results {
			switch {
			case r.err != nil:
				t.Errorf("%s (phase %d): request failed after %v: %v", r.probe, r.phase, r.dur, r.err)
			case r.status != http.StatusOK && r.status != http.StatusServiceUnavailable:
				t.Errorf("%s (phase %d): status %d, want 200 or 503", r.probe, r.phase, r.status)
			case r.phase == phaseBack && r.status != http.StatusOK:
				t.Errorf("%s after Redis came back and readyz was 200: status %d, want 200", r.probe, r.status)
			case r.clearsSess:
				t.Errorf("%s (phase %d): status %d cleared the session cookie", r.probe, r.phase, r.status)
			case r.dur > maxStoreWait:
				t.Errorf("%s (phase %d): status %d after %v, want within %v", r.probe, r.phase, r.status, r.dur, maxStoreWait)
			}
			count[fmt.Sprintf("phase%d/%d", r.phase, r.status)]++
			if r.status == http.StatusServiceUnavailable {
				down = append(down, r.dur)
			}
		}
		if count[fmt.Sprintf("phase%d/503", phaseDown)] == 0 {
			t.Errorf("no 503 under load while Redis was down (answers %v): the load did not reach the outage", count)
		}
		slices.Sort(down)
		if len(down) > 0 {
			t.Logf("answers by phase/status: %v; 503 latency p50 %v, p99 %v, max %v", count,
				down[len(down)/2], down[len(down)*99/100], down[len(down)-1])
		}
	})
	if strings.Contains(e.logs.String(), "panic") {
		t.Error("the gateway logged a panic during the outage")
	}
}

func TestRedisHungAnswers503WithinTheTimeout(t *testing.T) {
	e := startOutageEnv(t)
	cookies := e.signIn(t, 1)
	// SIGSTOP freezes the server with its sockets open: connections are
	// accepted by the kernel and commands are never answered, like a Redis
	// stuck on a slow disk or a long script. CLIENT PAUSE would be gentler
	// but also holds the UNPAUSE sent on a new connection.
	e.redis.signal(syscall.SIGSTOP)
	resumed := false
	defer func() {
		if !resumed {
			e.redis.signal(syscall.SIGCONT)
		}
	}()
	paused := time.Now()
	for _, p := range visitorProbes {
		a := e.send(1, cookies[0], p.req(e.URL))
		t.Logf("%s while Redis hangs: %d after %v", p.name, a.status, a.dur)
		checkStoreDown(t, p, 1, a)
	}
	req, _ := http.NewRequest(http.MethodGet, e.URL+"/__lo/readyz", nil)
	if a := e.send(0, "", req); a.status != http.StatusServiceUnavailable || a.dur > maxStoreWait {
		t.Errorf("readyz while Redis hangs: %d after %v, want 503 within %v", a.status, a.dur, maxStoreWait)
	}
	t.Logf("4 requests and a readiness probe answered in %v while Redis hung", time.Since(paused))
	e.redis.signal(syscall.SIGCONT)
	resumed = true
	e.waitReady(t, http.StatusOK, 5*time.Second)
	for _, p := range visitorProbes {
		if a := e.send(0, cookies[0], p.req(e.URL)); a.status != http.StatusOK {
			t.Errorf("%s after Redis recovered: status %d, want 200", p.name, a.status)
		}
	}
}

func TestRedisRestartedEmptyAsksVisitorsToSignInAgain(t *testing.T) {
	e := startOutageEnv(t)
	cookies := e.signIn(t, 2)
	e.redis.stop(false)
	e.redis.start()
	e.waitReady(t, http.StatusOK, 5*time.Second)

	want := map[string]func(a answer) error{
		"GET /__lo/session": func(a answer) error {
			var si sessionInfo
			if a.status != http.StatusOK || json.Unmarshal(a.body, &si) != nil || si.SignedIn {
				return fmt.Errorf("status %d body %.200s, want 200 signedIn:false", a.status, a.body)
			}
			return nil
		},
		"POST /__lo/frontdoor": func(a answer) error {
			var body map[string]any
			if a.status != http.StatusUnauthorized || json.Unmarshal(a.body, &body) != nil || body["loginUrl"] == nil {
				return fmt.Errorf("status %d body %.200s, want 401 JSON with a loginUrl", a.status, a.body)
			}
			return nil
		},
		"the embed page": func(a answer) error {
			if a.status != http.StatusOK || !bytes.Contains(a.body, []byte("/__lo/login")) {
				return fmt.Errorf("status %d, want 200 with a sign-in link", a.status)
			}
			return nil
		},
		"a protected upstream page": func(a answer) error {
			if a.status != http.StatusFound || !strings.HasPrefix(a.header.Get("Location"), "/__lo/login?rd=") {
				return fmt.Errorf("status %d Location %q, want 302 to /__lo/login?rd=…", a.status, a.header.Get("Location"))
			}
			return nil
		},
	}
	for _, p := range visitorProbes {
		t.Run(p.name+" signs the visitor out cleanly", func(t *testing.T) {
			for v, ck := range cookies {
				for i := range 2 {
					if err := want[p.name](e.send(i, ck, p.req(e.URL))); err != nil {
						t.Errorf("visitor %d via replica %d: %v", v, i, err)
					}
				}
			}
		})
	}
	t.Run("the visitor can sign in again", func(t *testing.T) {
		c := harness.Client()
		if _, err := e.SignInVia(1, c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
			t.Fatal(err)
		}
		if si := getSession(t, e.Via(c, 0), e.URL); !si.SignedIn {
			t.Fatal("not signed in at replica A after signing in again at B")
		}
	})
}

func TestSignInDuringAnOutageWritesNoSession(t *testing.T) {
	e := startOutageEnv(t)
	c := harness.Client()
	var callback string
	c.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if req.URL.Path == "/callback.html" {
			callback = req.URL.String()
			return http.ErrUseLastResponse
		}
		return nil
	}
	_, _ = e.SignInVia(0, c, harness.AliceUser, harness.AlicePass, "/")
	if callback == "" {
		t.Fatal("the org never redirected to the callback")
	}
	c.CheckRedirect = nil

	e.redis.stop(true)
	resp, err := noFollow(e.Via(c, 1)).Get(callback)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !bytes.Contains(body, []byte("right back")) {
		t.Fatalf("callback while Redis is down: status %d, want 503 with the store page; body %.300s", resp.StatusCode, body)
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == "lo_session" {
			t.Fatalf("the failed callback set a session cookie (value %d bytes): a session the store never saved", len(ck.Value))
		}
	}

	e.redis.start()
	rc := e.redis.client()
	defer rc.Close()
	n, err := rc.Do(context.Background(), rc.B().Dbsize().Build()).AsInt64()
	if err != nil || n != 0 {
		t.Fatalf("keys in Redis after the failed sign-in = %d (%v), want 0: nothing may be half-written", n, err)
	}
	if si := getSession(t, e.Via(c, 0), e.URL); si.SignedIn {
		t.Fatal("signed in although the sign-in failed")
	}
	if _, err := e.SignInVia(1, c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
		t.Fatalf("signing in again after Redis came back: %v", err)
	}
	if si := getSession(t, e.Via(c, 0), e.URL); !si.SignedIn {
		t.Fatal("not signed in after signing in again once Redis came back")
	}
}

// With refresh token rotation the org kills the old refresh token the moment
// it issues a new one; if Redis dies between that answer and the save, the
// new tokens must still reach the store once it is back, or the visitor is
// signed out by an outage (and the next replica spends a dead token).
func TestRedisDownDuringARefreshKeepsTheVisitorSignedIn(t *testing.T) {
	e := startOutageEnv(t, func(o *harness.Options) {
		base := o.Config
		o.Config = func(c *config.Config) {
			base(c)
			c.Sites[0].Org.SessionTimeout = config.Duration(2 * time.Second)
			c.Sites[0].Org.RefreshMargin = config.Duration(time.Second)
			c.Sites[0].LightningOut.RemintInterval = config.Duration(time.Second)
		}
		o.OrgConfig = func(c *devorg.Config) { c.Apps[0].RefreshTokenRotation = true }
	})
	cookies := e.signIn(t, 1)
	time.Sleep(1200 * time.Millisecond) // the token is now within the refresh margin
	e.Org.ResetCounts()
	e.Org.SetLatency(800 * time.Millisecond)

	first := make(chan answer, 1)
	go func() { first <- e.send(0, cookies[0], visitorProbes[1].req(e.URL)) }()
	time.Sleep(300 * time.Millisecond) // the refresh is now in flight at the org
	e.redis.stop(true)
	a := <-first
	e.Org.SetLatency(0)
	if a.status != http.StatusServiceUnavailable || a.clearsSess {
		t.Fatalf("frontdoor whose refresh could not be saved: status %d, clears cookie %v; want 503 keeping the cookie", a.status, a.clearsSess)
	}
	if n := e.Org.Count("token:refresh_token"); n != 1 {
		t.Fatalf("refresh calls at the org while Redis died = %d, want 1 (the test did not hit the window)", n)
	}

	e.redis.start()
	e.waitReady(t, http.StatusOK, 5*time.Second)
	for i := range 2 {
		if b := e.send(1-i, cookies[0], visitorProbes[1].req(e.URL)); b.status != http.StatusOK {
			t.Errorf("frontdoor via replica %d after Redis came back: status %d body %.200s, want 200 with the tokens refreshed during the outage", 1-i, b.status, b.body)
		}
	}
	if n := e.Org.Count("token:refresh_token"); n != 1 {
		t.Errorf("refresh calls at the org = %d, want 1: the rotated refresh token was spent again", n)
	}
}
