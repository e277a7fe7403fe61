// Command bench is logateway's performance harness (make bench). In one run on
// loopback it starts a 1 KiB upstream, a bare httputil.ReverseProxy with a tuned
// transport, the emulated org and the gateway twice (memory store, Redis store),
// each proxy in a process of its own so its CPU time and RSS can be read from
// /proc; signs a visitor in through the org's real pages; drives every target
// with the same load in interleaved rounds; then measures the gateway's CPU per
// complete sign-in and per frontdoor mint, heap per stored session and idle RSS.
// Then the scaling table (scale.go): gateways with 100,000 live sessions
// (memory, Redis), 50 sites, 200 access rules, 512 connections and 1 MiB
// responses, each against the bare proxy in the same rounds, and sign-ins and
// frontdoor mints per second.
// It prints the tables and the gateway/bare ratios and writes them to
// bench/results/latest.md. `go run ./bench -smoke` is the short run CI uses to
// prove the harness works; its numbers mean nothing.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type options struct {
	role, listen, upstream string
	smoke                  bool
	duration, warmup       time.Duration
	rounds, conc           int
	signins, frontdoors    int
	sessions               int
	redisAddr              string
	profile                time.Duration
	hold                   bool
	gatewayEnv             []string
	out                    string

	// The scaling table (scale.go).
	config                   string // -role=gateway: its config file
	prefill                  int    // -role=gateway: sessions stored before it listens
	scaleDuration            time.Duration
	scaleRounds              int
	scaleConc, scaleConcBig  int
	scaleSessions            int
	rateDuration             time.Duration
	signinWorkers, fdWorkers int
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.role, "role", "", "internal: bare runs the bare reverse proxy, gateway a scaling-table gateway (the harness starts them itself)")
	fs.StringVar(&o.config, "config", "", "internal: -role=gateway config file")
	fs.IntVar(&o.prefill, "prefill", 0, "internal: -role=gateway sessions stored before it listens")
	fs.DurationVar(&o.scaleDuration, "scale-duration", 2*time.Second, "scaling table: load per target per round")
	fs.IntVar(&o.scaleRounds, "scale-rounds", 2, "scaling table: interleaved rounds")
	fs.IntVar(&o.scaleConc, "scale-c", 64, "scaling table: connections of every row but the connections row's large side")
	fs.IntVar(&o.scaleConcBig, "scale-c-large", 512, "scaling table: connections of the connections row's large side")
	fs.IntVar(&o.scaleSessions, "scale-sessions", 100_000, "scaling table: live sessions of the sessions rows' large side")
	fs.DurationVar(&o.rateDuration, "rate-duration", 3*time.Second, "how long sign-ins and frontdoor mints per second are measured")
	fs.IntVar(&o.signinWorkers, "signin-workers", 8, "concurrent visitors signing in for sign-ins per second")
	fs.IntVar(&o.fdWorkers, "frontdoor-workers", 16, "concurrent callers for frontdoor mints per second")
	fs.StringVar(&o.listen, "listen", "", "internal: -role=bare listen address")
	fs.StringVar(&o.upstream, "upstream", "", "internal: -role=bare upstream URL")
	fs.BoolVar(&o.smoke, "smoke", false, "a short run that proves the harness works (CI); its numbers mean nothing")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "load per target per round")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured load per target before the rounds")
	fs.IntVar(&o.rounds, "rounds", 3, "interleaved rounds (bare, gateway memory, gateway Redis, unauthenticated)")
	fs.IntVar(&o.conc, "c", 32, "concurrent keep-alive connections")
	fs.IntVar(&o.signins, "signins", 300, "complete sign-ins to measure")
	fs.IntVar(&o.frontdoors, "frontdoors", 2000, "frontdoor mints to measure")
	fs.IntVar(&o.sessions, "sessions", 100_000, "sessions stored to measure heap bytes per session (memory store)")
	fs.StringVar(&o.redisAddr, "redis", "127.0.0.1:6379", "Redis for the Redis-store gateway")
	fs.DurationVar(&o.profile, "profile", 0, "after the rounds, take CPU profiles of both gateways under load for this long (bench/results/gateway-{memory,redis}.pprof)")
	fs.BoolVar(&o.hold, "hold", false, "start the rig, sign in, print a wrk command per target and wait for Ctrl-C: for profiling by hand (perf, pprof)")
	fs.Func("gateway-env", "NAME=value for the three logateway serve gateways only (repeatable), e.g. GOGC=400 against the scaling gateways' default under -hold", func(v string) error {
		if !strings.Contains(v, "=") {
			return fmt.Errorf("%q is not NAME=value", v)
		}
		o.gatewayEnv = append(o.gatewayEnv, v)
		return nil
	})
	fs.StringVar(&o.out, "out", "bench/results/latest.md", "where the results table is written (relative to the module root)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.smoke {
		o.duration, o.warmup, o.rounds, o.conc = 300*time.Millisecond, 100*time.Millisecond, 1, 4
		o.signins, o.frontdoors, o.sessions = 5, 20, 2000
		o.scaleDuration, o.scaleRounds, o.scaleConc, o.scaleConcBig, o.scaleSessions = 200*time.Millisecond, 1, 4, 16, 2000
		o.rateDuration, o.signinWorkers, o.fdWorkers = 300*time.Millisecond, 2, 2
		o.out = "bench/results/smoke.md"
	}
	return o, nil
}

// logf reports progress on stderr; the results go to stdout.
var logOut io.Writer = os.Stderr

func logf(format string, a ...any) { fmt.Fprintf(logOut, format+"\n", a...) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	logOut = stderr
	switch o.role {
	case "bare":
		return runBare(o.listen, o.upstream)
	case "gateway":
		return runGateway(o.config, o.prefill)
	case "":
	default:
		return fmt.Errorf("-role %q is not a role; use bare or gateway", o.role)
	}
	began := time.Now()
	r, err := newRig(ctx, o)
	if err != nil {
		return err
	}
	defer func() { err = r.close(err) }()
	if err := r.startAll(); err != nil {
		return err
	}
	if o.hold {
		return hold(ctx, stdout, r)
	}
	rep, err := measureAll(ctx, r)
	if err != nil {
		return err
	}
	rep.opts, rep.took, rep.cpus = o, time.Since(began), runtime.NumCPU()
	return writeReport(stdout, r.root, o.out, rep.String())
}

// measureAll runs every measurement in turn against the started rig: proxied
// throughput, the optional profiles, sign-in and frontdoor costs and rates, the
// scaling table and heap per session.
func measureAll(ctx context.Context, r *rig) (report, error) {
	o := r.o
	targets := r.targets()
	results, err := throughput(ctx, r.client, targets, o)
	if err != nil {
		return report{}, err
	}
	if o.profile > 0 {
		dir := filepath.Join(r.root, "bench/results")
		if err := profileUnderLoad(ctx, r.client, targets[1], r.ports["memAdmin"], o, filepath.Join(dir, "gateway-memory.pprof")); err != nil {
			return report{}, err
		}
		if err := profileUnderLoad(ctx, r.client, targets[2], r.ports["redisAdmin"], o, filepath.Join(dir, "gateway-redis.pprof")); err != nil {
			return report{}, err
		}
	}
	rep := report{results: results, sessions: o.sessions,
		idleMem: r.idle["gateway-memory"], idleRedis: r.idle["gateway-redis"],
		idleMemAnon: r.idleAnon["gateway-memory"], idleRedisAnon: r.idleAnon["gateway-redis"]}
	if rep.signin, rep.frontdoor, rep.rates, err = costsAndRates(ctx, r); err != nil {
		return report{}, err
	}
	if rep.scale, err = scaling(ctx, o, r.self, r.tmp, r.scaleGWs, r.ports, r.orgURL, r.upURL, r.prefix, targets[0], &r.procs); err != nil {
		return report{}, err
	}
	logf("storing %d sessions in a memory store…", o.sessions)
	if rep.heapPerSession, err = heapPerSession(o.sessions); err != nil {
		return report{}, err
	}
	return rep, nil
}

// throughput warms every target up, then drives them in interleaved rounds, and
// reads each process's peak RSS afterwards.
func throughput(ctx context.Context, client *http.Client, targets []target, o options) ([]*result, error) {
	logf("warming up (%v per target)…", o.warmup)
	for _, t := range targets {
		if err := drive(ctx, client, t, o.conc, o.warmup, &result{}); err != nil {
			return nil, err
		}
	}
	results := make([]*result, len(targets))
	for i, t := range targets {
		results[i] = &result{name: t.name}
	}
	for r := 1; r <= o.rounds; r++ {
		// Every other round runs the targets in reverse, so that no target
		// always comes last after the bare proxy.
		for k := range targets {
			i := k
			if r%2 == 0 {
				i = len(targets) - 1 - k
			}
			t := targets[i]
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			logf("round %d/%d: %s, %d connections, %v", r, o.rounds, t.name, o.conc, o.duration)
			if err := drive(ctx, client, t, o.conc, o.duration, results[i]); err != nil {
				return nil, err
			}
		}
	}
	for i, t := range targets {
		_, hwm, _, err := memStatus(t.proc.pid())
		if err != nil {
			return nil, err
		}
		results[i].peakRSS = hwm
	}
	return results, nil
}

// costsAndRates measures the CPU of complete sign-ins and frontdoor mints, then
// how many of each the memory-store gateway completes per second.
func costsAndRates(ctx context.Context, r *rig) (sc, fc cost, rates [2]opRate, err error) {
	o, gw := r.o, r.gws["gateway-memory"]
	logf("measuring %d complete sign-ins and %d frontdoor mints…", o.signins, o.frontdoors)
	if sc, err = signinCost(ctx, r.memURL, r.orgURL, gw, r.org, o.signins); err != nil {
		return
	}
	if fc, err = frontdoorCost(ctx, loop(r.ports["mem"]), hostOf(r.memURL), r.cookies["mem"], gw, r.org, o.frontdoors); err != nil {
		return
	}
	logf("sign-ins per second (%d visitors at once) and frontdoor mints per second (%d callers)…", o.signinWorkers, o.fdWorkers)
	signinTr := &http.Transport{MaxIdleConnsPerHost: 2 * o.signinWorkers, DisableCompression: true}
	defer signinTr.CloseIdleConnections()
	if rates[0].perSec, rates[0].p50, rates[0].p99, err = rate(ctx, o.signinWorkers, o.rateDuration, signinOp(r.memURL, r.orgURL, signinTr)); err != nil {
		err = fmt.Errorf("sign-ins per second: %w (gateway log:\n%s)", err, gw.tail())
		return
	}
	fdClient := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * o.fdWorkers}, Timeout: 10 * time.Second}
	if rates[1].perSec, rates[1].p50, rates[1].p99, err = rate(ctx, o.fdWorkers, o.rateDuration, frontdoorOp(ctx, loop(r.ports["mem"]), hostOf(r.memURL), r.cookies["mem"], fdClient)); err != nil {
		err = fmt.Errorf("frontdoor mints per second: %w (gateway log:\n%s)", err, gw.tail())
		return
	}
	rates[0].workers, rates[1].workers = o.signinWorkers, o.fdWorkers
	return
}

// writeReport prints the results and writes them to out (relative to the module root).
func writeReport(stdout io.Writer, root, out, text string) error {
	fmt.Fprint(stdout, text)
	if !filepath.IsAbs(out) {
		out = filepath.Join(root, out)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(out, []byte(text), 0o644); err != nil {
		return err
	}
	logf("written to %s", out)
	return nil
}

// profileUnderLoad drives t while fetching a CPU profile from the gateway's
// admin listener, and saves it for `go tool pprof`.
func profileUnderLoad(ctx context.Context, client *http.Client, t target, adminPort int, o options, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	logf("profiling %s for %v → %s", t.name, o.profile, path)
	errc := make(chan error, 1)
	go func() {
		c := &http.Client{Timeout: o.profile + 30*time.Second}
		resp, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/profile?seconds=%d", adminPort, int(o.profile.Seconds())))
		if err != nil {
			errc <- err
			return
		}
		defer resp.Body.Close()
		f, err := os.Create(path)
		if err != nil {
			errc <- err
			return
		}
		_, err = io.Copy(f, resp.Body)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		errc <- err
	}()
	if err := drive(ctx, client, t, o.conc, o.profile+500*time.Millisecond, &result{}); err != nil {
		return err
	}
	if err := <-errc; err != nil {
		return fmt.Errorf("CPU profile of %s: %w; its log says:\n%s", t.name, err, t.proc.tail())
	}
	return nil
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// hold prints how to load each target by hand (with its process id, for perf
// or pprof), the scaling table's small memory-store gateway and the ones with
// optional features off among them, and waits until the harness is
// interrupted.
func hold(ctx context.Context, stdout io.Writer, r *rig) error {
	targets := r.targets()
	var extra []scaleGateway
	for _, g := range r.scaleGWs {
		if g.name == "scale-memory" || g.noAccessLog || g.oneIdentityHeader {
			extra = append(extra, g)
		}
	}
	tg, err := startScaleGateways(r.o, r.self, r.tmp, extra, r.ports, r.orgURL, r.upURL, r.prefix, &r.procs)
	if err != nil {
		return err
	}
	for _, g := range extra {
		targets = append(targets, tg[g.name])
	}
	for _, t := range targets {
		fmt.Fprintf(stdout, "# %s (pid %d)\nwrk -t2 -c%d -d10s -H 'Host: %s'", t.name, t.proc.pid(), r.o.conc, t.host)
		if t.cookie != "" {
			fmt.Fprintf(stdout, " -H 'Cookie: %s'", t.cookie)
		}
		fmt.Fprintf(stdout, " %s\n", t.url)
	}
	fmt.Fprintln(stdout, "# Ctrl-C stops everything")
	<-ctx.Done()
	return nil
}
