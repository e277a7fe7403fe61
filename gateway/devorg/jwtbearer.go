package devorg

import (
	"net/http"
	"slices"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// assertionClaims are the JWT-bearer claims of 5.3. exp is read as a plain number so a
// millisecond value (which Salesforce accepts) can be told from seconds.
type assertionClaims struct {
	Issuer   string       `json:"iss"`
	Subject  string       `json:"sub"`
	Audience jwt.Audience `json:"aud"`
	Expiry   *float64     `json:"exp"`
	ID       any          `json:"jti"`
}

// grantJWTBearer is the JWT bearer flow (docs/salesforce.md §5.3-5.5).
func (o *Org) grantJWTBearer(w http.ResponseWriter, r *http.Request) {
	tok, err := jwt.ParseSigned(r.PostForm.Get("assertion"), []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		o.writeJSONError(w, TokenInvalidAssertion)
		return
	}
	var unverified assertionClaims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		o.writeJSONError(w, TokenInvalidAssertion)
		return
	}
	app := o.app(unverified.Issuer)
	if app == nil {
		o.writeJSONError(w, TokenUnknownClient)
		return
	}
	if !app.JWTBearer {
		o.writeJSONError(w, TokenFlowDisabled)
		return
	}
	pub, err := parseCertificate(app.CertificatePEM)
	if err != nil {
		o.writeJSONError(w, TokenInvalidAssertion)
		return
	}
	var c assertionClaims
	if err := tok.Claims(pub, &c); err != nil {
		o.writeJSONError(w, TokenInvalidAssertion)
		return
	}
	if !o.audienceAccepted(c.Audience) {
		o.writeJSONError(w, TokenBadAudience)
		return
	}
	if c.Expiry == nil {
		o.writeJSONError(w, TokenAssertionExpired)
		return
	}
	exp := *c.Expiry
	if exp > millisecondExpiry {
		exp /= 1000 // Salesforce's own CLI sends exp in milliseconds, and Salesforce accepts it
	}
	now := o.now()
	if exp <= float64(now.Unix()) || exp > float64(now.Add(o.cfg.Assumptions.JWTMaxLifetime).Unix()) {
		o.writeJSONError(w, TokenAssertionExpired)
		return
	}
	if c.ID != nil {
		if jti, ok := c.ID.(string); !ok || jti == "" {
			o.writeJSONError(w, TokenInvalidAssertion) // bad_jti_claim wording UNCONFIRMED
			return
		}
	}
	u := o.userByName(c.Subject)
	if u == nil {
		o.writeJSONError(w, TokenUserNotApproved)
		return
	}
	if !u.Active {
		o.writeJSONError(w, TokenInactiveUser)
		return
	}
	if app.PermittedUsers == AdminApproved {
		if !app.assigned(u) {
			o.writeJSONError(w, TokenNotAdminApproved)
			return
		}
	} else {
		o.mu.Lock()
		approved := o.approvals[approval{u.ID, app.ClientID}]
		o.mu.Unlock()
		if !approved {
			o.writeJSONError(w, TokenUserNotApproved)
			return
		}
	}
	// Scopes are the app's; JWT bearer never yields a refresh token (5.4).
	access := o.issueAccess(app.ClientID, u.ID, append([]string(nil), app.Scopes...), "")
	o.writeTokenResponse(w, r, app, u, access, nil, "", false, o.cfg.Assumptions.JWTBearerSignsResponse)
}

// millisecondExpiry: an exp above this (year 5138 in seconds) is in milliseconds.
const millisecondExpiry = 1e11

// audienceAccepted: the login host of the org type (login. for production, test. for a
// sandbox; never the other), the org's site URLs, the extra Assumptions.JWTAudiences and,
// with JWTAcceptOriginAudience, the My Domain itself.
func (o *Org) audienceAccepted(aud jwt.Audience) bool {
	accepted := append([]string{o.cfg.LoginHost}, o.cfg.Assumptions.JWTAudiences...)
	for _, s := range o.cfg.Sites {
		accepted = append(accepted, o.Origin()+s.Prefix) // the site URL (5.3)
	}
	if o.cfg.Assumptions.JWTAcceptOriginAudience {
		accepted = append(accepted, o.Origin())
	}
	for _, a := range aud {
		if slices.Contains(accepted, a) {
			return true
		}
	}
	return false
}
