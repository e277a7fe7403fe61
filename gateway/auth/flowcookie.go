package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/gorilla/securecookie"
)

// FlowState is what the gateway remembers between /__lo/login and the callback.
type FlowState struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Redirect string `json:"r"`           // validated target after sign-in
	Popup    bool   `json:"p,omitempty"` // callback posts to window.opener and closes
	Opener   string `json:"o,omitempty"` // exact origin of the opener (popup mode)
	// Handoff is the opener's popup state: the callback hands the opener a
	// code bound to it instead of setting a cookie in the popup (handoff.go).
	Handoff string `json:"h,omitempty"`
	Created int64  `json:"c"`
}

// FlowLifetime bounds how long a sign-in may take.
const FlowLifetime = 10 * time.Minute

// ErrNoFlow means the callback's state matches no live flow cookie: replayed,
// expired, forged, or opened in another browser.
var ErrNoFlow = errors.New("no sign-in in progress for this state (replayed, expired or forged callback)")

// FlowCookies reads and writes flow cookies.
type FlowCookies struct {
	prefix string
	secure bool
	codecs []securecookie.Codec
}

// NewFlowCookies derives the flow-cookie keys from the session keys (first writes,
// all read). secure selects the __Host- prefix and the Secure attribute.
func NewFlowCookies(keys [][]byte, secure bool) (*FlowCookies, error) {
	if len(keys) == 0 {
		return nil, errors.New("auth: no session keys to protect flow cookies")
	}
	f := &FlowCookies{prefix: "lo-flow-", secure: secure, codecs: DerivedCodecs(keys, "flow-cookie", FlowLifetime)}
	if secure {
		f.prefix = "__Host-lo-flow-"
	}
	return f, nil
}

// DerivedCodecs makes one securecookie codec (JSON, signed and encrypted) per
// session key, with hash and block keys derived from it for one purpose, so
// cookies of different purposes never decode as each other. The first codec
// writes; all of them read (key rotation).
func DerivedCodecs(keys [][]byte, purpose string, maxAge time.Duration) []securecookie.Codec {
	out := make([]securecookie.Codec, 0, len(keys))
	for _, k := range keys {
		h := sha256.Sum256(append([]byte("logateway "+purpose+" hash\x00"), k...))
		b := sha256.Sum256(append([]byte("logateway "+purpose+" block\x00"), k...))
		c := securecookie.New(h[:], b[:])
		c.MaxAge(int(maxAge / time.Second))
		c.SetSerializer(securecookie.JSONEncoder{})
		out = append(out, c)
	}
	return out
}

// Prefix is the name prefix of every flow cookie (the proxy strips them upstream).
func (f *FlowCookies) Prefix() string { return f.prefix }

func (f *FlowCookies) name(state string) string {
	sum := sha256.Sum256([]byte(state))
	return f.prefix + base64.RawURLEncoding.EncodeToString(sum[:9])
}

// Write stores fs in its own cookie.
func (f *FlowCookies) Write(w http.ResponseWriter, fs FlowState) error {
	name := f.name(fs.State)
	v, err := securecookie.EncodeMulti(name, fs, f.codecs[0])
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: v, Path: "/", MaxAge: int(FlowLifetime / time.Second),
		HttpOnly: true, Secure: f.secure, SameSite: http.SameSiteLaxMode,
	})
	return nil
}

// MaxFlows is how many sign-ins a browser may have in progress at once (one
// flow cookie each). Without a cap, every start adds a cookie: a hostile page
// that starts a few hundred sign-ins in the background would make the
// browser's Cookie header too large for the site (431) until they expired.
const MaxFlows = 4

// Prune clears the request's flow cookies beyond the newest MaxFlows-1, oldest
// first (those it cannot read count as oldest), so that the flow about to be
// written makes at most MaxFlows.
func (f *FlowCookies) Prune(w http.ResponseWriter, r *http.Request) {
	type flow struct {
		name    string
		created int64
	}
	var flows []flow
	seen := map[string]bool{}
	for _, c := range r.Cookies() {
		if !strings.HasPrefix(c.Name, f.prefix) || seen[c.Name] {
			continue
		}
		seen[c.Name] = true
		var fs FlowState
		created := int64(0) // unreadable: cleared first
		if securecookie.DecodeMulti(c.Name, c.Value, &fs, f.codecs...) == nil {
			created = fs.Created
		}
		flows = append(flows, flow{c.Name, created})
	}
	if len(flows) < MaxFlows {
		return
	}
	sort.SliceStable(flows, func(i, j int) bool { return flows[i].created < flows[j].created })
	for _, fl := range flows[:len(flows)-(MaxFlows-1)] {
		f.clear(w, fl.name)
	}
}

// Take reads the flow cookie for state, checks it, and clears it (single use).
func (f *FlowCookies) Take(w http.ResponseWriter, r *http.Request, state string) (FlowState, error) {
	if state == "" || len(state) > 256 {
		return FlowState{}, ErrNoFlow
	}
	name := f.name(state)
	c, err := r.Cookie(name)
	if err != nil {
		return FlowState{}, ErrNoFlow
	}
	f.clear(w, name)
	var fs FlowState
	if err := securecookie.DecodeMulti(name, c.Value, &fs, f.codecs...); err != nil {
		return FlowState{}, ErrNoFlow
	}
	if subtle.ConstantTimeCompare([]byte(fs.State), []byte(state)) != 1 {
		return FlowState{}, ErrNoFlow
	}
	if time.Since(time.Unix(fs.Created, 0)) > FlowLifetime {
		return FlowState{}, ErrNoFlow
	}
	return fs, nil
}

func (f *FlowCookies) clear(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: f.secure, SameSite: http.SameSiteLaxMode,
	})
}
