package gateway

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/logateway/logateway/gateway/auth"
	"github.com/logateway/logateway/gateway/session"
	"github.com/logateway/logateway/gateway/trust"
	"github.com/logateway/logateway/templates"
)

// maxHandoffBody bounds POST /__lo/handoff: a code and a popup state.
const maxHandoffBody = 1 << 10

// handOff ends a popup sign-in that an opener will redeem: no cookie is set in
// the popup's window; its page posts a single-use code to the opener's exact
// origin and closes.
func (g *Gateway) handOff(c *gin.Context, s *site, rec *session.Record, fs auth.FlowState) {
	rec.Site = s.name
	code, err := s.handoffs.Mint(c.Request.Context(), rec, fs.Opener, fs.Handoff)
	if err != nil {
		g.storeFailure(c, s, err)
		return
	}
	g.deps.Metrics.Signin(s.flow, "handed_off")
	g.deps.Logger.Info("signed in; hand-off code sent to the opener", "rid", info(c).rid, "site", s.name, "user", rec.Identity.UserID, "opener", fs.Opener)
	nonce := trust.NewNonce()
	noFrame(c.Writer.Header(), s, nonce)
	g.render(c, http.StatusOK, "callback", templates.CallbackData{
		Page: g.page(c, s, nonce, "Signed in"), Popup: true, OpenerOrigin: fs.Opener, OK: true, HandoffCode: code,
	})
}

// redeemHandoff is POST /__lo/handoff: the page that opened the sign-in popup
// trades the code for a session cookie set in its own cookie partition. The
// caller's Origin must be the one the code was issued to (this site, or a
// trusted domain running the launcher); the CORS grant alone would not say so.
func (g *Gateway) redeemHandoff(c *gin.Context) {
	s := info(c).site
	c.Header("Cache-Control", "no-store")
	if stop := g.cors(c, s); stop {
		return
	}
	origins := c.Request.Header.Values("Origin")
	if len(origins) != 1 || (origins[0] != s.origin && !s.policy.IsTrusted(origins[0])) {
		g.fail(c, s, originNotTrusted("A sign-in can be finished only by the page that started it.", ""))
		return
	}
	origin := strings.ToLower(origins[0])
	if ct := c.GetHeader("Content-Type"); !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		g.fail(c, s, badRequest(http.StatusUnsupportedMediaType, "Send the code as JSON.", nil))
		return
	}
	var body struct {
		Code  string `json:"code"`
		State string `json:"state"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, maxHandoffBody))
	if err := dec.Decode(&body); err != nil && !errors.Is(err, io.EOF) {
		g.fail(c, s, badRequest(http.StatusBadRequest, "Send {\"code\",\"state\"} as JSON.", err))
		return
	}
	ctx := c.Request.Context()
	rec, err := s.handoffs.Redeem(ctx, body.Code, origin, body.State)
	switch {
	case errors.Is(err, auth.ErrHandoff):
		g.deps.Metrics.Signin("handoff", "refused")
		g.fail(c, s, &failure{Status: http.StatusBadRequest, Code: codeHandoffInvalid, Heading: "Sign-in expired",
			Message: "This sign-in expired or was already used. Sign in again.", LoginURL: pathLogin})
		return
	case err != nil:
		g.storeFailure(c, s, err)
		return
	}
	if !g.startSession(c, s, rec) {
		return
	}
	g.deps.Metrics.Signin("handoff", "ok")
	g.deps.Logger.Info("signed in through a popup hand-off", "rid", info(c).rid, "site", s.name, "user", rec.Identity.UserID, "origin", origin)
	writeJSON(c, http.StatusOK, map[string]any{"signedIn": true, "displayName": displayName(rec)})
}
