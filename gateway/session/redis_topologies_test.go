package session

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/logateway/logateway/internal/redistest"
)

// These tests start their own redis-server processes (a Sentinel setup and a
// three-node Cluster) on free ports under t.TempDir(), because RedisStore
// goes through rueidis's Sentinel and Cluster clients and the topology changes
// how commands are routed: a write and the PTTL behind it, and Lua, must stay
// within one slot, and an invalidation must reach a client that read the key
// from whichever node holds it. The
// shared Redis on 6379 is never touched. Only redis-server is needed.

// requireRedisServer returns the path of redis-server, or skips the test
// when it is missing — unless CI=true or LOGATEWAY_REQUIRE_REDIS=1, where
// testing less must fail (the convention of internal/redistest).
func requireRedisServer(t *testing.T) string {
	t.Helper()
	server, err := exec.LookPath("redis-server")
	if err != nil {
		msg := fmt.Sprintf("redis-server is needed on PATH to test the Sentinel and Cluster topologies: %v", err)
		if os.Getenv("CI") == "true" || os.Getenv("LOGATEWAY_REQUIRE_REDIS") == "1" {
			t.Fatalf("%s (required because CI=true or LOGATEWAY_REQUIRE_REDIS=1)", msg)
		}
		t.Skipf("%s; set LOGATEWAY_REQUIRE_REDIS=1 to make this a failure", msg)
	}
	return server
}

// freePorts returns n distinct ports that were free a moment ago. All
// listeners stay open until every port is chosen, so the n are distinct.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("finding a free port: %v", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

func localAddr(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

// startRedisProcess runs redis-server in the foreground (so the test holds
// its pid) with args, waits until addr answers PING, and stops it in
// t.Cleanup: SHUTDOWN NOSAVE first, then a kill if it is still running.
func startRedisProcess(t *testing.T, server, dir, addr string, args ...string) {
	t.Helper()
	name := strings.ReplaceAll(addr, ":", "_")
	logPath := filepath.Join(dir, name+".log")
	cmd := exec.Command(server, append(args, "--logfile", logPath)...)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s %v: %v", server, args, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		shutdownRedis(addr)
		select {
		case <-exited:
		case <-time.After(2 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(3 * time.Second)
	for {
		err := pingAddr(addr)
		if err == nil {
			return
		}
		select {
		case werr := <-exited:
			exited <- werr // let the cleanup see it too
			logText, _ := os.ReadFile(logPath)
			t.Fatalf("redis-server %v exited before answering PING (%v); its log:\n%s", args, werr, logText)
		default:
		}
		if time.Now().After(deadline) {
			logText, _ := os.ReadFile(logPath)
			t.Fatalf("redis-server at %s did not answer PING within 3s (last error %v); its log:\n%s", addr, err, logText)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sentinelSetup is a master plus one Sentinel monitoring it as "mymaster".
type sentinelSetup struct {
	master, sentinel string
}

func startSentinel(t *testing.T) sentinelSetup {
	t.Helper()
	server := requireRedisServer(t)
	start := time.Now()
	dir := t.TempDir()
	ports := freePorts(t, 2)
	master, sentinel := localAddr(ports[0]), localAddr(ports[1])
	startRedisProcess(t, server, dir, master,
		"--port", strconv.Itoa(ports[0]), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir)

	// Sentinel rewrites its config file, so it lives in the temp dir.
	conf := filepath.Join(dir, "sentinel.conf")
	body := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nsentinel monitor mymaster 127.0.0.1 %d 1\nsentinel down-after-milliseconds mymaster 5000\n",
		ports[1], dir, ports[0])
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatalf("writing %s: %v", conf, err)
	}
	startRedisProcess(t, server, dir, sentinel, conf, "--sentinel")

	// The Sentinel answers PING before it has looked at the master; wait
	// until it names the master, which is what the client asks it first.
	c := redistest.NewAdmin(t, sentinel)
	deadline := time.Now().Add(3 * time.Second)
	for {
		got, err := c.Do("SENTINEL", "get-master-addr-by-name", "mymaster").AsStrSlice()
		if err == nil && len(got) == 2 && net.JoinHostPort(got[0], got[1]) == master {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Sentinel %s: get-master-addr-by-name mymaster = %v (err %v), want %s within 3s", sentinel, got, err, master)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("Sentinel setup (master %s, sentinel %s) ready in %v", master, sentinel, time.Since(start).Round(time.Millisecond))
	return sentinelSetup{master: master, sentinel: sentinel}
}

// startCluster starts three masters with cluster mode on, gives each a
// third of the slots, joins them and waits for cluster_state:ok on every
// node. It does by hand what redis-cli --cluster create does because that
// tool polls for the join once a second and took from 1 to 7 seconds here;
// this way setup is bounded by the server's own 2s writable delay after
// start. Each node gets a distinct config epoch (as redis-cli does) so no
// epoch collision has to be resolved before the slots settle.
func startCluster(t *testing.T) []string {
	t.Helper()
	server := requireRedisServer(t)
	start := time.Now()
	dir := t.TempDir()
	ports := freePorts(t, 3)
	addrs := make([]string, len(ports))
	for i, p := range ports {
		addrs[i] = localAddr(p)
		startRedisProcess(t, server, dir, addrs[i],
			"--port", strconv.Itoa(p), "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-config-file", fmt.Sprintf("nodes-%d.conf", p),
			"--cluster-node-timeout", "5000",
			"--save", "", "--appendonly", "no", "--dir", dir)
	}
	clients := make([]*redistest.Admin, len(addrs))
	for i, addr := range addrs {
		clients[i] = redistest.NewAdmin(t, addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	const slots = 16384
	for i, c := range clients {
		lo, hi := i*slots/len(clients), (i+1)*slots/len(clients)-1
		if err := c.Do("CLUSTER", "ADDSLOTSRANGE", strconv.Itoa(lo), strconv.Itoa(hi)).Error(); err != nil {
			t.Fatalf("node %s: CLUSTER ADDSLOTSRANGE %d %d: %v", addrs[i], lo, hi, err)
		}
		if err := c.Do("CLUSTER", "SET-CONFIG-EPOCH", strconv.Itoa(i+1)).Error(); err != nil {
			t.Fatalf("node %s: CLUSTER SET-CONFIG-EPOCH %d: %v", addrs[i], i+1, err)
		}
	}
	// Every node meets every other: learning of a third node through gossip
	// alone takes a second or more.
	for i, c := range clients {
		for j, p := range ports {
			if i == j {
				continue
			}
			if err := c.Do("CLUSTER", "MEET", "127.0.0.1", strconv.Itoa(p)).Error(); err != nil {
				t.Fatalf("node %s: CLUSTER MEET 127.0.0.1 %d: %v", addrs[i], p, err)
			}
		}
	}
	for i, c := range clients {
		for {
			info, err := c.Do("CLUSTER", "INFO").ToString()
			if err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_known_nodes:3") {
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("cluster node %s: want cluster_state:ok and 3 known nodes within 5s of start, got %q (err %v)", addrs[i], info, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	t.Logf("Cluster %v ready in %v", addrs, time.Since(start).Round(time.Millisecond))
	return addrs
}

// topologyStore opens a RedisStore with opts, closed in t.Cleanup. Short
// timeouts: every server is local, and a wrong route should fail fast.
func topologyStore(t *testing.T, opts RedisOptions) *RedisStore {
	t.Helper()
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = 500*time.Millisecond, 500*time.Millisecond, 500*time.Millisecond
	s, err := NewRedisStore(opts)
	if err != nil {
		t.Fatalf("NewRedisStore(%v, master %q): %v", opts.Addrs, opts.MasterName, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// exerciseStoreOnTopology runs the Store contract checks that depend on how
// commands are routed. base carries Addrs and MasterName; each subtest gets
// a KeyPrefix of its own.
func exerciseStoreOnTopology(t *testing.T, base RedisOptions) {
	ctx := context.Background()
	withPrefix := func(t *testing.T, cacheTTL time.Duration) RedisOptions {
		o := base
		o.KeyPrefix = redistest.Prefix(t)
		o.LocalCacheTTL = cacheTTL
		return o
	}

	t.Run("a record survives Put, Get, Update and is gone after Delete", func(t *testing.T) {
		s := topologyStore(t, withPrefix(t, 0))
		id := testID(t)
		rec := sampleRecord(1)
		if err := s.Put(ctx, id, rec, time.Minute); err != nil {
			t.Fatalf("Put: want nil, got %v", err)
		}
		got, err := s.Get(ctx, id)
		if err != nil || got.Tokens.AccessToken != rec.Tokens.AccessToken || got.Version != 1 {
			t.Fatalf("Get after Put: want version 1 with the stored token, got %+v, %v", got, err)
		}
		next := sampleRecord(1)
		next.Version = 2
		next.Tokens.AccessToken = "00DHs000000abcd!refreshed"
		if err := s.Update(ctx, id, next, time.Minute); err != nil {
			t.Fatalf("Update to version 2: want nil, got %v", err)
		}
		got, err = s.Get(ctx, id)
		if err != nil || got.Version != 2 || got.Tokens.AccessToken != next.Tokens.AccessToken {
			t.Fatalf("Get after Update: want version 2 with the refreshed token, got %+v, %v", got, err)
		}
		if err := s.Delete(ctx, id); err != nil {
			t.Fatalf("Delete: want nil, got %v", err)
		}
		if got, err := s.Get(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get after Delete: want ErrNotFound, got %+v, %v", got, err)
		}
		if err := s.Update(ctx, id, next, time.Minute); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Update after Delete: want ErrNotFound (no resurrection), got %v", err)
		}
	})

	t.Run("Put and Update set the key's ttl in Redis", func(t *testing.T) {
		s := topologyStore(t, withPrefix(t, 0))
		id := testID(t)
		if err := s.Put(ctx, id, sampleRecord(2), time.Minute); err != nil {
			t.Fatalf("Put: %v", err)
		}
		ttl, err := s.pttl(ctx, id)
		if err != nil || ttl <= 50*time.Second || ttl > time.Minute {
			t.Fatalf("PTTL after Put for 1m: want just under 1m, got %v (err %v)", ttl, err)
		}
		rec := sampleRecord(2)
		rec.Version = 2
		if err := s.Update(ctx, id, rec, 20*time.Second); err != nil {
			t.Fatalf("Update: %v", err)
		}
		ttl, err = s.pttl(ctx, id)
		if err != nil || ttl <= 10*time.Second || ttl > 20*time.Second {
			t.Fatalf("PTTL after Update for 20s: want just under 20s, got %v (err %v)", ttl, err)
		}
	})

	t.Run("a lock is exclusive between two stores until released", func(t *testing.T) {
		opts := withPrefix(t, 0)
		a, b := topologyStore(t, opts), topologyStore(t, opts)
		key := "refresh:" + testID(t)
		unlockA, err := a.Lock(ctx, key, 10*time.Second, 0)
		if err != nil {
			t.Fatalf("A.Lock(%q): want the lock, got %v", key, err)
		}
		if _, err := b.Lock(ctx, key, 10*time.Second, 100*time.Millisecond); !errors.Is(err, ErrLockTimeout) {
			t.Fatalf("B.Lock while A holds it: want ErrLockTimeout, got %v", err)
		}
		unlockA()
		unlockB, err := b.Lock(ctx, key, 10*time.Second, 100*time.Millisecond)
		if err != nil {
			t.Fatalf("B.Lock after A released: want the lock, got %v", err)
		}
		unlockB()
	})

	t.Run("Update with an older version is ErrStale and keeps the newer record", func(t *testing.T) {
		s := topologyStore(t, withPrefix(t, 0))
		id := testID(t)
		rec := sampleRecord(3)
		rec.Version = 5
		if err := s.Put(ctx, id, rec, time.Minute); err != nil {
			t.Fatalf("Put: %v", err)
		}
		old := sampleRecord(3)
		old.Version = 4
		old.Tokens.AccessToken = "00DHs000000abcd!old"
		if err := s.Update(ctx, id, old, time.Minute); !errors.Is(err, ErrStale) {
			t.Fatalf("Update with version 4 over 5: want ErrStale, got %v", err)
		}
		got, err := s.Get(ctx, id)
		if err != nil || got.Version != 5 || got.Tokens.AccessToken != rec.Tokens.AccessToken {
			t.Fatalf("Get after a stale Update: want version 5 unchanged, got %+v, %v", got, err)
		}
	})

	t.Run("with the local cache a write through one store reaches the other's cache within 500ms", func(t *testing.T) {
		// A cache TTL far above the 500ms bound: only the invalidation
		// message can make B see the change in time.
		opts := withPrefix(t, 30*time.Second)
		a := topologyStore(t, opts)
		bGets := &getCounter{}
		opts.Hooks = []Hook{bGets}
		b := topologyStore(t, opts)
		id := testID(t)
		if err := a.Put(ctx, id, sampleRecord(4), time.Minute); err != nil {
			t.Fatalf("A.Put: %v", err)
		}
		// warmB reads through B until a Get is answered from B's cache (it
		// sends no GET), so the checks below prove the invalidation.
		warmB := func(want int64) {
			t.Helper()
			deadline := time.Now().Add(time.Second)
			for {
				before := bGets.n.Load()
				got, err := b.Get(ctx, id)
				if err != nil || got.Version != want {
					t.Fatalf("B.Get: want version %d, got %+v, %v", want, got, err)
				}
				if bGets.n.Load() == before {
					return
				}
				if time.Now().After(deadline) {
					t.Fatal("B.Get did not fill B's local cache within 1s; the invalidation checks would prove nothing")
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		warmB(1)

		next := sampleRecord(4)
		next.Version = 2
		if err := a.Update(ctx, id, next, time.Minute); err != nil {
			t.Fatalf("A.Update: %v", err)
		}
		took := pollGet(t, 500*time.Millisecond, "B.Get to show A's Update (version 2)",
			func() (*Record, error) { return b.Get(ctx, id) },
			func(r *Record, err error) bool { return err == nil && r.Version == 2 })
		t.Logf("B saw A's Update after %v", took)

		warmB(2)
		if err := a.Delete(ctx, id); err != nil {
			t.Fatalf("A.Delete: %v", err)
		}
		took = pollGet(t, 500*time.Millisecond, "B.Get to report A's Delete as ErrNotFound",
			func() (*Record, error) { return b.Get(ctx, id) },
			func(_ *Record, err error) bool { return errors.Is(err, ErrNotFound) })
		t.Logf("B saw A's Delete after %v", took)
	})
}

func TestRedisStoreOnSentinel(t *testing.T) {
	setup := startSentinel(t)
	base := RedisOptions{Addrs: []string{setup.sentinel}, MasterName: "mymaster"}
	exerciseStoreOnTopology(t, base)

	t.Run("a Manager creates and loads a session through the Sentinel-discovered master", func(t *testing.T) {
		ctx := context.Background()
		opts := base
		opts.KeyPrefix = redistest.Prefix(t)
		store := topologyStore(t, opts)
		m := newTestManager(t, store, newFakeClock())
		s, c := create(t, m, sampleRecord(5))
		got, err := m.Load(ctx, requestWith(c))
		if err != nil || got.ID != s.ID || got.Record.Tokens.AccessToken != sampleRecord(5).Tokens.AccessToken {
			t.Fatalf("Load: want session %s with the stored token, got %+v, %v", s.ID, got, err)
		}
		// The record must be on the master Sentinel named, not anywhere else.
		raw := redistest.NewAdmin(t, setup.master)
		keys, err := raw.Do("KEYS", opts.KeyPrefix+"s:*").AsStrSlice()
		if err != nil || len(keys) != 1 {
			t.Fatalf("keys under %q on the master %s: want exactly one record, got %v (err %v)", opts.KeyPrefix, setup.master, keys, err)
		}
	})
}

func TestRedisStoreOnCluster(t *testing.T) {
	addrs := startCluster(t)
	exerciseStoreOnTopology(t, RedisOptions{Addrs: addrs})

	t.Run("records of different sessions spread over several nodes", func(t *testing.T) {
		// Without this the cluster tests could pass with every key on one
		// node, never exercising cross-node routing and invalidation.
		ctx := context.Background()
		opts := RedisOptions{Addrs: addrs, KeyPrefix: redistest.Prefix(t)}
		s := topologyStore(t, opts)
		for i := range 30 {
			if err := s.Put(ctx, fmt.Sprintf("%s-%d", testID(t), i), sampleRecord(i), time.Minute); err != nil {
				t.Fatalf("Put %d: %v", i, err)
			}
		}
		holding := 0
		for _, addr := range addrs {
			keys, err := redistest.NewAdmin(t, addr).Do("KEYS", opts.KeyPrefix+"s:*").AsStrSlice()
			if err != nil {
				t.Fatalf("KEYS on node %s: %v", addr, err)
			}
			if len(keys) > 0 {
				holding++
			}
		}
		if holding < 2 {
			t.Fatalf("30 records landed on %d of 3 nodes, want at least 2", holding)
		}
	})
}
