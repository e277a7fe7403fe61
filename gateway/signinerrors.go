package gateway

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/logateway/logateway/gateway/auth"
	"github.com/logateway/logateway/gateway/salesforce"
)

// orgAuthErrors explains what the org said on the redirect, visitor first, admin
// second. Codes from docs/salesforce.md §1.3. A sign-in the site is not set up
// for is the admin's to fix (502); the rest are about the visitor (403).
var orgAuthErrors = map[string]failure{
	"access_denied": {Status: http.StatusForbidden, Code: codeAccessDenied, Heading: "Sign-in cancelled",
		Message: "You chose not to allow access, so you are not signed in. You can try again whenever you like."},
	"OAUTH_APP_ACCESS_DENIED": {Status: http.StatusForbidden, Code: codeAppAccessDenied, Heading: "You are not allowed to use this app",
		Message: "Your Salesforce user is not permitted to use this app. Ask your administrator for access.",
		Hint:    "ECA → Policies → Permitted Users is 'Admin approved users are pre-authorized': assign the user's profile or a permission set to the app"},
	"redirect_uri_mismatch": {Status: http.StatusBadGateway, Code: codeRedirectURIMismatch, Heading: "Sign-in is not set up correctly",
		Message: "The sign-in service refused this site's return address.",
		Hint:    "the ECA's Callback URL must be exactly the gateway's callback URL (see `logateway check`)"},
	"invalid_client_id": {Status: http.StatusBadGateway, Code: codeInvalidClient, Heading: "Sign-in is not set up correctly",
		Message: "The sign-in service does not know this site.",
		Hint:    "eca.client_id does not match the ECA's Consumer Key, or the ECA is not installed in this org"},
	"invalid_scope": {Status: http.StatusBadGateway, Code: codeInvalidScope, Heading: "Sign-in is not set up correctly",
		Message: "The sign-in service refused the access this site asked for.",
		Hint:    "every scope in eca.scopes must be selected in the ECA's OAuth scopes"},
	"immediate_unsuccessful": {Status: http.StatusForbidden, Code: codeLoginRequired, Heading: "Please sign in",
		Message: "You need to sign in to continue."},
	"inactive_user": {Status: http.StatusForbidden, Code: codeInactiveUser, Heading: "Your user is inactive",
		Message: "Your Salesforce user is deactivated. Ask your administrator."},
	"inactive_org": {Status: http.StatusForbidden, Code: codeInactiveOrg, Heading: "The organization is unavailable",
		Message: "The Salesforce organization is locked, closed or suspended."},
	"rate_limit_exceeded": {Status: http.StatusForbidden, Code: codeSigninRateLimited, Heading: "Too many sign-ins",
		Message: "Too many sign-ins in a short time. Wait a little and try again."},
}

// orgRedirectError is the failure for the error the org put on the callback
// redirect (error=code, error_description=desc).
func orgRedirectError(code, desc, retry string) *failure {
	f, ok := orgAuthErrors[code]
	if !ok {
		f = failure{Status: http.StatusForbidden, Code: codeSigninFailed, Heading: "Sign-in failed",
			Message: "The sign-in service reported a problem.", Hint: "the org answered error=" + code}
	}
	f.Retry = retry
	f.Err = errors.New("org redirect error " + code + ": " + clip(desc, 200))
	return &f
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// codeExpired: the org or IdP code of this sign-in was spent or too old.
func codeExpired(hint, retry string, err error) *failure {
	return &failure{Status: http.StatusBadRequest, Code: codeCodeExpired, Heading: "This sign-in link has expired or was already used",
		Message: "Start again to sign in.", Hint: hint, Retry: retry, Err: err}
}

// orgFailure reports a failure of the org or IdP on sign-in (what is
// "signin") or on minting a relay's token ("relay_token"), and counts it.
func (g *Gateway) orgFailure(c *gin.Context, s *site, what string, err error, retry string) {
	if what == "relay_token" {
		g.deps.Metrics.RelayToken("failed")
	} else {
		g.deps.Metrics.Signin(s.flow, "org_error")
	}
	g.fail(c, s, orgFailed(err, retry))
}

// orgFailed: 503 when the org or IdP is unreachable or failing, 502 when it
// answered with an error an admin must fix.
func orgFailed(err error, retry string) *failure {
	f := &failure{Status: http.StatusServiceUnavailable, Code: codeOrgUnavailable, Heading: "Salesforce is not answering",
		Message: "We could not reach the sign-in service. Please try again in a moment.", Retry: retry, Err: err}
	if se, ok := salesforce.AsError(err); ok && !salesforce.IsTransient(err) {
		f.Status, f.Code = http.StatusBadGateway, codeOrgError
		f.Heading = "Salesforce refused the request"
		f.Message = "Salesforce refused this site's request, so you were not signed in. The problem is on this site's side: its administrator can find what to fix in the gateway's log under the request ID below."
		f.Hint = se.Hint()
	} else if !salesforce.IsTransient(err) && !errors.As(err, new(*auth.OrgError)) {
		f.Status, f.Code = http.StatusBadGateway, codeOrgError
		f.Heading = "Sign-in failed"
		f.Message = "The answer from the sign-in service could not be trusted, so you were not signed in. Please try again."
		if ie := new(auth.IssuerError); errors.As(err, &ie) {
			f.Hint = "set " + ie.Setting + " to " + ie.Got
		}
	}
	return f
}

// notAllowed is what a visitor sees when the org will not let their user use
// the app; the admin's fix goes to the log only.
func notAllowed(code, hint string, err error) *failure {
	return &failure{Status: http.StatusForbidden, Code: code, Heading: "You are not allowed to use this app",
		Message: "Your account is not permitted to use this app. Ask your administrator for access, and quote the request id below.",
		Hint:    hint, Err: err}
}

// signinRefusal sorts the sign-in failures that are about who the visitor is
// (not pre-authorized, unknown to the org, inactive, no usable username claim)
// or a spent IdP code from failures of the org itself. nil: let orgFailure
// decide.
func signinRefusal(err error, retry string) *failure {
	var um *auth.UnmappedUser
	if errors.As(err, &um) {
		return notAllowed(codeUnmappedUser, um.Error(), err)
	}
	var ie *auth.IdPError
	if errors.As(err, &ie) {
		if ie.Code == "invalid_grant" {
			return codeExpired(ie.Hint(), retry, err)
		}
		return &failure{Status: http.StatusBadGateway, Code: codeIdPError, Heading: "Sign-in is not set up correctly",
			Message: "The sign-in service refused this site, so you were not signed in. Its administrator can find what to fix in the gateway's log under the request ID below.", Hint: ie.Hint(), Err: err}
	}
	se, isSF := salesforce.AsError(err)
	if !isSF {
		return nil
	}
	desc := strings.ToLower(se.Description)
	switch {
	case se.Code == "invalid_app_access", se.Code == "OAUTH_APP_ACCESS_DENIED",
		se.Code == "invalid_grant" && strings.Contains(desc, "hasn't approved this consumer"):
		return notAllowed(codeAppAccessDenied, se.Hint(), err)
	case se.Code == "inactive_user":
		return &failure{Status: http.StatusForbidden, Code: codeInactiveUser, Heading: "Your user is inactive",
			Message: "Your Salesforce user is deactivated or frozen. Ask your administrator, and quote the request id below.",
			Hint:    se.Hint(), Err: err}
	}
	return nil
}
