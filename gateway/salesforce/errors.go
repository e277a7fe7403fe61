package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/oauth2"
)

// Grant names for Error.Grant; they let Hint tell a JWT assertion's expiry from
// a reused authorization code, which Salesforce reports with the same words.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantJWTBearer         = "jwt-bearer"
	GrantClientCredentials = "client_credentials"
)

// Error is an answer from the org that refused a call. It carries no token:
// only the endpoint, the HTTP status and Salesforce's own code and description.
type Error struct {
	Endpoint    string // "token", "revoke", "introspect", "userinfo", "singleaccess", "lightningoutsingleaccess"
	Status      int    // HTTP status
	Code        string // Salesforce's error word, e.g. invalid_grant, Bad_OAuth_Token
	Description string // error_description or message, verbatim
	Grant       string // for the token endpoint when known: one of the Grant* constants
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("salesforce ")
	b.WriteString(e.Endpoint)
	if e.Grant != "" {
		b.WriteString(" (" + e.Grant + ")")
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Code != "" {
		b.WriteString(": " + e.Code)
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	return b.String()
}

// AsError finds a *Error in err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// IsInvalidGrant reports a grant Salesforce will never accept again — for a
// refresh token that means it was revoked or expired, and the session must end.
func IsInvalidGrant(err error) bool {
	e, ok := AsError(err)
	return ok && strings.EqualFold(e.Code, "invalid_grant")
}

// IsBadToken reports an access token the org no longer accepts (expired,
// revoked, or not an OAuth token): refresh once and retry. Salesforce's own
// webapp plugin treats a bare 401 the same way, and at the UI Bridge API it
// treats any 401 or 403 so: an expired token there gets 403 whose body need not
// name Bad_OAuth_Token. Only the words that name another refusal (scope,
// access, parameter, org) are not a bad token, as a new token would not help.
func IsBadToken(err error) bool {
	e, ok := AsError(err)
	if !ok {
		return false
	}
	switch strings.ToLower(e.Code) {
	case "bad_oauth_token", "invalid_session_id":
		return true
	}
	if e.Endpoint == "singleaccess" || e.Endpoint == "lightningoutsingleaccess" {
		if e.Status != http.StatusUnauthorized && e.Status != http.StatusForbidden {
			return false
		}
		switch strings.ToLower(e.Code) {
		case "invalid_scope", "no_access", "invalid_param", "wrong_org":
			return false
		}
		return true
	}
	return e.Code == "" && e.Status == http.StatusUnauthorized
}

// IsTransient reports a failure worth retrying later: no answer at all, a
// timeout, 429 or 5xx, or one of Salesforce's "try again" words. A cancelled
// context is the caller's decision, not a transient failure.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	if e, ok := AsError(err); ok {
		if e.Status == http.StatusTooManyRequests || e.Status >= 500 {
			return true
		}
		switch strings.ToLower(e.Code) {
		case "server_error", "service_unavailable", "system_down", "slow_down", "temporarily_unavailable", "unknown_error":
			return true
		}
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var te *transportError
	if errors.As(err, &te) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// ErrorFromOAuth2 turns an *oauth2.RetrieveError from the code exchange or a
// refresh into an *Error (Endpoint "token"); any other error comes back as it was.
func ErrorFromOAuth2(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return err
	}
	status := 0
	ctype := ""
	if re.Response != nil {
		status = re.Response.StatusCode
		ctype = re.Response.Header.Get("Content-Type")
	}
	if re.ErrorCode != "" {
		return &Error{Endpoint: "token", Status: status, Code: re.ErrorCode, Description: re.ErrorDescription}
	}
	return parseError("token", status, ctype, re.Body)
}

var bareWord = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// parseError reads every error shape the org is known to use: OAuth JSON
// {"error","error_description"}, the REST API's [{"errorCode","message"}], and
// the identity / UI Bridge endpoints' bare word (Bad_OAuth_Token). The values
// in secrets (the token or assertion that was sent) are cut out of anything
// quoted back, so an echoing server cannot put a token into an error string.
func parseError(endpoint string, status int, contentType string, body []byte, secrets ...string) *Error {
	e := &Error{Endpoint: endpoint, Status: status}
	text := strings.TrimSpace(string(body))
	var oauthErr struct {
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
		ErrorCode        string `json:"errorCode"`
		Message          string `json:"message"`
	}
	var restErrs []struct {
		ErrorCode string `json:"errorCode"`
		Message   string `json:"message"`
	}
	switch {
	case strings.HasPrefix(text, "{") && json.Unmarshal([]byte(text), &oauthErr) == nil:
		e.Code, e.Description = oauthErr.Error, oauthErr.ErrorDescription
		if e.Code == "" {
			e.Code, e.Description = oauthErr.ErrorCode, oauthErr.Message
		}
	case strings.HasPrefix(text, "[") && json.Unmarshal([]byte(text), &restErrs) == nil && len(restErrs) > 0:
		e.Code, e.Description = restErrs[0].ErrorCode, restErrs[0].Message
	case bareWord.MatchString(text):
		e.Code = text
	case text != "":
		// Something else answered (an HTML error page, a proxy): keep a short,
		// single-line excerpt so the admin can see what it was.
		e.Description = excerpt(text, contentType)
	}
	e.Code = redact(e.Code, secrets)
	e.Description = redact(e.Description, secrets)
	return e
}

func excerpt(text, contentType string) string {
	text = strings.Join(strings.Fields(text), " ")
	const limit = 160
	if len(text) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut] + "…"
	}
	if contentType != "" {
		return fmt.Sprintf("unexpected %s body: %s", contentType, text)
	}
	return "unexpected body: " + text
}

func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) >= 8 {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}
