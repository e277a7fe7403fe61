package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Revoke revokes an access or refresh token (docs/salesforce.md §1.8). Revoking a
// refresh token also ends every access token issued from it.
func (c *Client) Revoke(ctx context.Context, token string) error {
	if err := c.check(); err != nil {
		return err
	}
	if token == "" {
		return errors.New("salesforce revoke: empty token")
	}
	target, err := endpointURL(c.BaseURL, PathRevoke, "org.login_url")
	if err != nil {
		return err
	}
	resp, err := c.postForm(ctx, "revoke", target, url.Values{"token": {token}}, "")
	if err != nil {
		return err
	}
	if resp.status != http.StatusOK {
		return parseError("revoke", resp.status, resp.contentType, resp.body, token)
	}
	return nil
}

// Introspection is the introspection endpoint's answer (docs/salesforce.md §1.9).
type Introspection struct {
	Active    bool
	Exp, Iat  time.Time // zero when absent
	Scope     string
	Username  string
	Sub       string // identity URL
	ClientID  string
	TokenType string // access_token or refresh_token
}

// Introspect asks the org whether a token is active and when it expires — the
// only way to learn an access token's expiry, since the token answer has none.
// hint is "access_token", "refresh_token" or "".
func (c *Client) Introspect(ctx context.Context, token, hint string) (Introspection, error) {
	if err := c.check(); err != nil {
		return Introspection{}, err
	}
	if token == "" {
		return Introspection{}, errors.New("salesforce introspect: empty token")
	}
	target, err := endpointURL(c.BaseURL, PathIntrospect, "org.login_url")
	if err != nil {
		return Introspection{}, err
	}
	form := url.Values{"token": {token}, "client_id": {c.ClientID}}
	if c.ClientSecret != "" {
		form.Set("client_secret", c.ClientSecret)
	}
	if hint != "" {
		form.Set("token_type_hint", hint)
	}
	resp, err := c.postForm(ctx, "introspect", target, form, "")
	if err != nil {
		return Introspection{}, err
	}
	if resp.status != http.StatusOK {
		return Introspection{}, parseError("introspect", resp.status, resp.contentType, resp.body, token, c.ClientSecret)
	}
	var a struct {
		Active    bool    `json:"active"`
		Exp       float64 `json:"exp"`
		Iat       float64 `json:"iat"`
		Scope     string  `json:"scope"`
		Username  string  `json:"username"`
		Sub       string  `json:"sub"`
		ClientID  string  `json:"client_id"`
		TokenType string  `json:"token_type"`
	}
	if err := json.Unmarshal(resp.body, &a); err != nil {
		return Introspection{}, fmt.Errorf("salesforce introspect: HTTP 200 but the body is not JSON (%s)", resp.contentType)
	}
	in := Introspection{Active: a.Active, Scope: a.Scope, Username: a.Username, Sub: a.Sub, ClientID: a.ClientID, TokenType: a.TokenType}
	// exp and iat are NumericDate seconds (docs/salesforce.md §1.9).
	if a.Exp > 0 {
		in.Exp = time.Unix(int64(a.Exp), 0)
	}
	if a.Iat > 0 {
		in.Iat = time.Unix(int64(a.Iat), 0)
	}
	return in, nil
}

// UserInfo is the part of the OIDC UserInfo answer the gateway uses (docs/salesforce.md §1.10).
type UserInfo struct {
	Sub               string `json:"sub"` // identity URL
	UserID            string `json:"user_id"`
	OrgID             string `json:"organization_id"`
	PreferredUsername string `json:"preferred_username"` // the Salesforce username
	Name              string `json:"name"`
	Email             string `json:"email"`
	Nickname          string `json:"nickname"`
}

// UserInfo reads the token's own user from {instanceOrBase}/services/oauth2/userinfo;
// instanceOrBase "" means c.BaseURL. An expired or revoked token gives
// *Error{Code: "Bad_OAuth_Token"} (Salesforce answers 403 with that bare word).
func (c *Client) UserInfo(ctx context.Context, instanceOrBase, accessToken string) (UserInfo, error) {
	if err := c.check(); err != nil {
		return UserInfo{}, err
	}
	if accessToken == "" {
		return UserInfo{}, &Error{Endpoint: "userinfo", Code: "Missing_OAuth_Token", Description: "no access token to send"}
	}
	base, setting := instanceOrBase, "instance_url"
	if base == "" {
		base, setting = c.BaseURL, "org.login_url"
	}
	target, err := endpointURL(base, PathUserInfo, setting)
	if err != nil {
		return UserInfo{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return UserInfo{}, fmt.Errorf("salesforce userinfo: building request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := c.do(req, "userinfo")
	if err != nil {
		return UserInfo{}, err
	}
	if resp.status != http.StatusOK {
		return UserInfo{}, parseError("userinfo", resp.status, resp.contentType, resp.body, accessToken)
	}
	var ui UserInfo
	if err := json.Unmarshal(resp.body, &ui); err != nil {
		return UserInfo{}, fmt.Errorf("salesforce userinfo: HTTP 200 but the body is not JSON (%s)", resp.contentType)
	}
	if ui.Sub == "" && ui.UserID == "" {
		return UserInfo{}, errors.New("salesforce userinfo: answer has neither sub nor user_id")
	}
	return ui, nil
}
