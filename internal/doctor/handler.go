package doctor

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// DefaultMaxAge is how long the admin listener's /doctor reuses one run.
const DefaultMaxAge = 5 * time.Minute

// Runner performs one doctor run (the admin listener passes one bound to the
// config in force).
type Runner func(ctx context.Context) (*Report, error)

// Handler serves GET /doctor on the admin listener. It runs the checks at most
// once per maxAge however often it is asked (a dashboard scraping every 15s
// costs the org a handful of requests every few minutes) and answers from the
// last run in between; concurrent requests wait for the same run. The default
// answer is Prometheus text; ?format=json and ?format=text give the report.
func Handler(run Runner, maxAge time.Duration) http.Handler {
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	c := &cachedRun{run: run, maxAge: maxAge, now: time.Now}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		rep, err := c.get(r.Context())
		if err != nil {
			http.Error(w, "doctor: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		switch r.URL.Query().Get("format") {
		case "json":
			w.Header().Set("Content-Type", "application/json")
			_ = rep.WriteJSON(w)
		case "text":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_ = rep.WriteText(w)
		default:
			rep.metricsHandler().ServeHTTP(w, r)
		}
	})
}

// cachedRun keeps the last report and runs again only once it is maxAge old.
type cachedRun struct {
	run    Runner
	maxAge time.Duration
	now    func() time.Time

	mu   sync.Mutex // held for a whole run: one run at a time
	last *Report
	at   time.Time
	err  error
}

func (c *cachedRun) get(ctx context.Context) (*Report, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && c.now().Sub(c.at) < c.maxAge {
		return c.last, c.err
	}
	// The run belongs to every waiting request, not to the one that started
	// it: a scraper hanging up must not leave a half-run report cached.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	c.last, c.err = c.run(rctx)
	c.at = c.now()
	return c.last, c.err
}
