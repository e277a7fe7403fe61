package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// target is one thing the load generator drives: a URL, the Host header the
// site is known by, an optional session cookie, the status every answer must
// have, and the process whose CPU and memory it costs.
type target struct {
	name   string
	url    string
	host   string
	cookie string
	want   int
	proc   *proc
}

// result accumulates one target's rounds.
type result struct {
	name     string
	requests int64
	errors   int64
	elapsed  time.Duration
	cpu      time.Duration
	lat      []uint32 // microseconds, every request of every round
	peakRSS  int64
	// One entry per round (per drive call): the round's requests/s and p99,
	// for ratios paired with the bare proxy's same round.
	roundRPS []float64
	roundP99 []time.Duration
}

func (r *result) rps() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.requests) / r.elapsed.Seconds()
}

// cpuPerReq is the process's CPU per request in microseconds.
func (r *result) cpuPerReq() float64 {
	if r.requests == 0 {
		return 0
	}
	return float64(r.cpu.Microseconds()) / float64(r.requests)
}

func (r *result) percentile(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	slices.Sort(r.lat)
	i := int(p * float64(len(r.lat)-1))
	return time.Duration(r.lat[i]) * time.Microsecond
}

// loadClient is the generator's HTTP client: one kept-alive connection per
// worker, no redirects followed (the unauthenticated run expects the 302), no
// compression, no cookie jar (the cookie is a fixed header).
func loadClient(conc int) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conc * 2,
		MaxIdleConnsPerHost: conc * 2,
		MaxConnsPerHost:     conc,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// drive runs conc workers against t for d, each sending one request after the
// other on its own connection, and adds what it saw to res. The target's CPU
// time is read before and after from /proc.
func drive(ctx context.Context, client *http.Client, t target, conc int, d time.Duration, res *result) error {
	var cpu0 time.Duration
	if t.proc != nil {
		var err error
		if cpu0, err = cpuTime(t.proc.pid()); err != nil {
			return fmt.Errorf("%s: read CPU time: %w", t.name, err)
		}
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		callLat  []uint32
		requests atomic.Int64
		errs     atomic.Int64
		firstErr atomic.Value
	)
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	began := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]uint32, 0, 1<<14)
			req, _ := http.NewRequest(http.MethodGet, t.url, nil)
			req.Host = t.host
			req.Header.Set("User-Agent", "logateway-bench/1")
			req.Header.Set("Accept", "text/html,application/xhtml+xml")
			if t.cookie != "" {
				req.Header.Set("Cookie", t.cookie)
			}
			for ctx.Err() == nil {
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						errs.Add(1)
						firstErr.CompareAndSwap(nil, err.Error())
					}
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				el := time.Since(t0)
				if resp.StatusCode != t.want {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("status %d, want %d", resp.StatusCode, t.want))
					continue
				}
				requests.Add(1)
				lat = append(lat, uint32(el/time.Microsecond))
			}
			mu.Lock()
			callLat = append(callLat, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(began)
	round := &result{lat: callLat}
	res.roundRPS = append(res.roundRPS, float64(requests.Load())/elapsed.Seconds())
	res.roundP99 = append(res.roundP99, round.percentile(0.99))
	res.lat = append(res.lat, callLat...)
	res.requests += requests.Load()
	res.errors += errs.Load()
	res.elapsed += elapsed
	if t.proc != nil {
		cpu1, err := cpuTime(t.proc.pid())
		if err != nil {
			return fmt.Errorf("%s: read CPU time: %w (did it die? its log says:\n%s)", t.name, err, t.proc.tail())
		}
		res.cpu += cpu1 - cpu0
	}
	if n := errs.Load(); n > 0 && requests.Load() == 0 {
		return fmt.Errorf("%s: every request failed (%d), first: %v", t.name, n, firstErr.Load())
	}
	if n := errs.Load(); n > 0 {
		logf("  %s: %d failed requests this round, first: %v", t.name, n, firstErr.Load())
	}
	return nil
}

// pairedRatio is the median over rounds of a/b of the same round, with the
// smallest and largest: a drift of the machine between rounds moves both
// sides of a pair, so it cancels, where a ratio of totals would keep it.
func pairedRatio(a, b []float64) (median, lo, hi float64) {
	n := min(len(a), len(b))
	if n == 0 {
		return 0, 0, 0
	}
	rs := make([]float64, n)
	for i := range n {
		rs[i] = ratio(a[i], b[i])
	}
	slices.Sort(rs)
	median = rs[n/2]
	if n%2 == 0 {
		median = (rs[n/2-1] + rs[n/2]) / 2
	}
	return median, rs[0], rs[n-1]
}

// p99s is a result's per-round p99s as floats, for pairedRatio.
func (r *result) p99s() []float64 {
	out := make([]float64, len(r.roundP99))
	for i, d := range r.roundP99 {
		out[i] = float64(d)
	}
	return out
}
