package devorg

import (
	"encoding/json"
	"net/http"
	"time"
)

type knobState struct {
	latency time.Duration
	down    bool
	fail    map[string]failure // by route name
}

type failure struct {
	remaining int
	status    int
}

// ExpireSessions ends every org browser session and every access token now; refresh
// tokens stay valid, as when the org's session timeout passes.
func (o *Org) ExpireSessions() {
	o.mu.Lock()
	defer o.mu.Unlock()
	clear(o.sessions)
	clear(o.access)
}

// SetSessionTimeout changes the org's session timeout; it applies to sessions and
// access tokens already issued too (their age is compared with it when checked).
func (o *Org) SetSessionTimeout(d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sessionTimeout = d
}

// SetLatency delays every answer (knob endpoints excepted) by d.
func (o *Org) SetLatency(d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.knobs.latency = d
}

// FailNext makes the next n requests to endpoint (a counter name such as "token",
// "singleaccess", "authorize", "revoke") answer status with a JSON server_error body.
// n <= 0 clears it.
func (o *Org) FailNext(endpoint string, n int, status int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.knobs.fail == nil {
		o.knobs.fail = map[string]failure{}
	}
	if n <= 0 {
		delete(o.knobs.fail, endpoint)
		return
	}
	o.knobs.fail[endpoint] = failure{remaining: n, status: status}
}

// SetDown makes every endpoint (knob endpoints excepted) answer 503.
func (o *Org) SetDown(down bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.knobs.down = down
}

// Count is how many requests reached an endpoint since the last ResetCounts. Names:
// discovery, keys, authorize, token, token:authorization_code, token:refresh_token,
// token:jwt_bearer, token:client_credentials, token:unsupported, revoke, introspect,
// userinfo, identity, singleaccess, lightningoutsingleaccess, frontdoor, logout, endsession,
// favicon, home, lightning, remoteaccesserror. Failed and injected-failure requests count too.
func (o *Org) Count(name string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.counts[name]
}

// Counts returns a copy of every counter.
func (o *Org) Counts() map[string]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	m := make(map[string]int, len(o.counts))
	for k, v := range o.counts {
		m[k] = v
	}
	return m
}

// ResetCounts sets every counter to zero.
func (o *Org) ResetCounts() {
	o.mu.Lock()
	defer o.mu.Unlock()
	clear(o.counts)
}

func (o *Org) count(name string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.counts[name]++
}

// knobsFor reads the knobs for one request and consumes one injected failure.
func (o *Org) knobsFor(name string) (latency time.Duration, down bool, failStatus int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if f, ok := o.knobs.fail[name]; ok && f.remaining > 0 {
		failStatus = f.status
		f.remaining--
		if f.remaining == 0 {
			delete(o.knobs.fail, name)
		} else {
			o.knobs.fail[name] = f
		}
	}
	return o.knobs.latency, o.knobs.down, failStatus
}

// knobsHandler serves the knobs over HTTP (Config.Knobs). Every answer is JSON.
//
//	POST /__devorg/expire-sessions
//	POST /__devorg/session-timeout   {"timeout":"30s"}
//	POST /__devorg/latency           {"latency":"250ms"}
//	POST /__devorg/fail-next         {"endpoint":"token","n":1,"status":503}
//	POST /__devorg/down              {"down":true}
//	POST /__devorg/rotate-keys
//	GET  /__devorg/counts            → {"token":2,...}
//	POST /__devorg/counts/reset
func (o *Org) knobsHandler() http.Handler {
	mux := http.NewServeMux()
	ok := func(w http.ResponseWriter) { writeJSON(w, http.StatusOK, map[string]bool{"ok": true}) }
	bad := func(w http.ResponseWriter, msg string) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": msg})
	}
	duration := func(w http.ResponseWriter, r *http.Request, field string) (time.Duration, bool) {
		var body map[string]string
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			bad(w, `expected a JSON object like {"`+field+`":"30s"}: `+err.Error())
			return 0, false
		}
		d, err := time.ParseDuration(body[field])
		if err != nil {
			bad(w, `expected "`+field+`" to be a Go duration such as "30s": `+err.Error())
			return 0, false
		}
		return d, true
	}
	mux.HandleFunc("POST /__devorg/expire-sessions", func(w http.ResponseWriter, r *http.Request) {
		o.ExpireSessions()
		ok(w)
	})
	mux.HandleFunc("POST /__devorg/session-timeout", func(w http.ResponseWriter, r *http.Request) {
		if d, good := duration(w, r, "timeout"); good {
			o.SetSessionTimeout(d)
			ok(w)
		}
	})
	mux.HandleFunc("POST /__devorg/latency", func(w http.ResponseWriter, r *http.Request) {
		if d, good := duration(w, r, "latency"); good {
			o.SetLatency(d)
			ok(w)
		}
	})
	mux.HandleFunc("POST /__devorg/fail-next", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Endpoint string `json:"endpoint"`
			N        int    `json:"n"`
			Status   int    `json:"status"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Endpoint == "" || body.Status < 100 || body.Status > 599 {
			bad(w, `expected {"endpoint":"token","n":1,"status":503} with a status between 100 and 599`)
			return
		}
		o.FailNext(body.Endpoint, body.N, body.Status)
		ok(w)
	})
	mux.HandleFunc("POST /__devorg/down", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Down *bool `json:"down"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Down == nil {
			bad(w, `expected {"down":true} or {"down":false}`)
			return
		}
		o.SetDown(*body.Down)
		ok(w)
	})
	mux.HandleFunc("POST /__devorg/rotate-keys", func(w http.ResponseWriter, r *http.Request) {
		if err := o.RotateKeys(); err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
			return
		}
		ok(w)
	})
	mux.HandleFunc("GET /__devorg/counts", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, o.Counts())
	})
	mux.HandleFunc("POST /__devorg/counts/reset", func(w http.ResponseWriter, r *http.Request) {
		o.ResetCounts()
		ok(w)
	})
	mux.HandleFunc("/__devorg/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such knob " + r.Method + " " + r.URL.Path + "; see the devorg package documentation of knobsHandler"})
	})
	return mux
}
