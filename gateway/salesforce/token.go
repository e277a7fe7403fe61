package salesforce

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Token is a token endpoint answer with Salesforce's own fields (docs/salesforce.md
// §1.4). There is no expiry: Salesforce sends no expires_in, so callers count
// from IssuedAt with the org's session timeout.
type Token struct {
	AccessToken  string
	RefreshToken string // only from the authorization-code flow (and refresh with rotation)
	InstanceURL  string // the user's My Domain: the host for userinfo and frontdoor calls
	ID           string // identity URL https://<login host>/id/<orgId>/<userId>
	TokenType    string // "Bearer"
	Scope        string // space-separated granted scopes
	IDToken      string // when openid was granted
	Signature    string // Base64 HMAC-SHA256(client secret, ID + issued_at)
	IssuedAt     time.Time
}

// String keeps the tokens out of %v, %s and %+v.
func (t Token) String() string {
	return fmt.Sprintf("salesforce.Token{InstanceURL:%q ID:%q TokenType:%q Scope:%q IssuedAt:%s AccessToken:%s RefreshToken:%s IDToken:%s}",
		t.InstanceURL, t.ID, t.TokenType, t.Scope, t.IssuedAt.UTC().Format(time.RFC3339),
		redactedIfSet(t.AccessToken), redactedIfSet(t.RefreshToken), redactedIfSet(t.IDToken))
}

// GoString keeps the tokens out of %#v.
func (t Token) GoString() string { return t.String() }

// LogValue keeps the tokens out of slog records.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("instance_url", t.InstanceURL),
		slog.String("id", t.ID),
		slog.String("scope", t.Scope),
		slog.Time("issued_at", t.IssuedAt),
		slog.Bool("has_refresh_token", t.RefreshToken != ""),
	)
}

// HasScope reports whether the granted scope list contains s.
func (t Token) HasScope(s string) bool {
	for _, f := range strings.Fields(t.Scope) {
		if f == s {
			return true
		}
	}
	return false
}

// OrgAndUserID splits the identity URL into the 18-character org and user ids.
func (t Token) OrgAndUserID() (orgID, userID string, err error) {
	u, err := url.Parse(t.ID)
	if err != nil {
		return "", "", fmt.Errorf("salesforce: identity URL %q does not parse: %v", t.ID, err)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) < 3 || parts[len(parts)-3] != "id" {
		return "", "", fmt.Errorf("salesforce: identity URL %q is not of the form https://host/id/<orgId>/<userId>", t.ID)
	}
	return parts[len(parts)-2], parts[len(parts)-1], nil
}

// TokenFromOAuth2 reads Salesforce's extra fields from a token obtained with
// golang.org/x/oauth2 (code exchange or refresh).
func TokenFromOAuth2(t *oauth2.Token) (Token, error) {
	if t == nil {
		return Token{}, errors.New("salesforce: nil oauth2 token")
	}
	str := func(key string) string {
		switch v := t.Extra(key).(type) {
		case string:
			return v
		case json.Number:
			return v.String()
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
		return ""
	}
	tok := Token{
		AccessToken:  t.AccessToken,
		RefreshToken: t.RefreshToken,
		TokenType:    t.TokenType,
		InstanceURL:  str("instance_url"),
		ID:           str("id"),
		Scope:        str("scope"),
		IDToken:      str("id_token"),
		Signature:    str("signature"),
	}
	var err error
	if tok.IssuedAt, err = parseIssuedAt(str("issued_at")); err != nil {
		return Token{}, err
	}
	return tok, tok.validate()
}

// validate checks the fields every Salesforce token answer carries.
func (t Token) validate() error {
	if t.AccessToken == "" {
		return errors.New("salesforce token endpoint: answer has no access_token")
	}
	if t.InstanceURL == "" {
		return errors.New("salesforce token endpoint: answer has no instance_url; expected the org's My Domain URL (is org.login_url a Salesforce org?)")
	}
	if u, err := url.Parse(t.InstanceURL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("salesforce token endpoint: instance_url %q is not an absolute URL", t.InstanceURL)
	}
	return nil
}

// parseIssuedAt reads issued_at, a string of milliseconds since the epoch.
// Absent is allowed: JWT bearer answers may omit it (docs/salesforce.md §1.4).
func parseIssuedAt(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}, fmt.Errorf("salesforce token endpoint: issued_at %q is not milliseconds since the epoch", s)
	}
	return time.UnixMilli(ms), nil
}

// VerifySignature checks the token answer's signature: Base64 (standard,
// padded) HMAC-SHA256 keyed with the client secret over id + issued_at
// (docs/salesforce.md §1.4). A mismatch means the identity URL was altered in transit.
func VerifySignature(t Token, clientSecret string) error {
	if clientSecret == "" {
		return errors.New("salesforce: cannot verify the token signature without the client secret (eca.client_secret_env / eca.client_secret_file)")
	}
	if t.Signature == "" {
		return errors.New("salesforce: token answer has no signature to verify")
	}
	if t.IssuedAt.IsZero() {
		return errors.New("salesforce: token answer has a signature but no issued_at")
	}
	got, err := base64.StdEncoding.DecodeString(t.Signature)
	if err != nil {
		return errors.New("salesforce: token signature is not standard Base64")
	}
	mac := hmac.New(sha256.New, []byte(clientSecret))
	mac.Write([]byte(t.ID + strconv.FormatInt(t.IssuedAt.UnixMilli(), 10)))
	if !hmac.Equal(got, mac.Sum(nil)) {
		return errors.New("salesforce: token signature does not match HMAC-SHA256(client secret, id + issued_at): the answer was altered or eca.client_secret is not this app's secret")
	}
	return nil
}

// tokenAnswer is the token endpoint's JSON. issued_at is a string per the
// reference; a number is accepted too so a looser server does not break us.
type tokenAnswer struct {
	AccessToken  string          `json:"access_token"`
	RefreshToken string          `json:"refresh_token"`
	InstanceURL  string          `json:"instance_url"`
	ID           string          `json:"id"`
	TokenType    string          `json:"token_type"`
	Scope        string          `json:"scope"`
	IDToken      string          `json:"id_token"`
	Signature    string          `json:"signature"`
	IssuedAt     json.RawMessage `json:"issued_at"`
}

// tokenRequest posts a grant to the token endpoint and reads the answer.
func (c *Client) tokenRequest(ctx context.Context, grant string, form url.Values, secrets ...string) (Token, error) {
	if err := c.check(); err != nil {
		return Token{}, err
	}
	target, err := endpointURL(c.BaseURL, PathToken, "org.login_url")
	if err != nil {
		return Token{}, err
	}
	resp, err := c.postForm(ctx, "token", target, form, "")
	if err != nil {
		return Token{}, err
	}
	if resp.status != http.StatusOK {
		e := parseError("token", resp.status, resp.contentType, resp.body, secrets...)
		e.Grant = grant
		return Token{}, e
	}
	var a tokenAnswer
	if err := json.Unmarshal(resp.body, &a); err != nil {
		return Token{}, fmt.Errorf("salesforce token endpoint (%s): HTTP 200 but the body is not a JSON token answer (%s)", grant, resp.contentType)
	}
	tok := Token{
		AccessToken: a.AccessToken, RefreshToken: a.RefreshToken, InstanceURL: a.InstanceURL,
		ID: a.ID, TokenType: a.TokenType, Scope: a.Scope, IDToken: a.IDToken, Signature: a.Signature,
	}
	issued := strings.Trim(string(a.IssuedAt), `"`)
	if issued == "null" {
		issued = ""
	}
	if tok.IssuedAt, err = parseIssuedAt(issued); err != nil {
		return Token{}, err
	}
	return tok, tok.validate()
}

// JWTBearer trades a signed assertion (SignAssertion) for an access token
// (docs/salesforce.md §5.4). No client secret and no scope are sent; no refresh token
// comes back — sign a new assertion when the token expires.
func (c *Client) JWTBearer(ctx context.Context, assertion string) (Token, error) {
	if assertion == "" {
		return Token{}, errors.New("salesforce: empty JWT bearer assertion")
	}
	form := url.Values{
		"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"},
		"assertion":  {assertion},
	}
	return c.tokenRequest(ctx, GrantJWTBearer, form, assertion)
}

// ClientCredentials asks for a token for the ECA's Run As user (docs/salesforce.md
// §1.7). BaseURL must be the My Domain. Salesforce strips web from such tokens,
// so they cannot mint frontdoor URLs; they serve API calls only.
func (c *Client) ClientCredentials(ctx context.Context, scope string) (Token, error) {
	if err := c.check(); err != nil {
		return Token{}, err
	}
	if c.ClientSecret == "" {
		return Token{}, errors.New("salesforce: client credentials needs the ECA consumer secret (eca.client_secret_env / eca.client_secret_file)")
	}
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {c.ClientID},
		"client_secret": {c.ClientSecret},
	}
	if scope != "" {
		form.Set("scope", scope)
	}
	return c.tokenRequest(ctx, GrantClientCredentials, form, c.ClientSecret)
}
