package gateway

import (
	"crypto/rsa"
	"errors"
	"net/http"
	"strings"

	"golang.org/x/oauth2"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway/auth"
	"github.com/logateway/logateway/gateway/salesforce"
)

func newJWTBearerSignin(sc config.Site, client *http.Client, loginURL, redirectURL string) (*auth.JWTBearer, error) {
	key, err := jwtKey(sc)
	if err != nil {
		return nil, err
	}
	scopes := sc.Signin.IdP.Scopes
	if len(scopes) == 0 {
		scopes = []string{"openid", "email", "profile"}
	}
	idp := oauth2.Config{ClientID: sc.Signin.IdP.ClientID, ClientSecret: sc.Signin.IdP.Secret, RedirectURL: redirectURL, Scopes: scopes}
	org := &salesforce.Client{HTTP: client, BaseURL: strings.TrimRight(loginURL, "/"), ClientID: sc.ECA.ClientID, ClientSecret: sc.ECA.Secret}
	aud := firstNonEmpty(sc.Signin.JWT.Audience, config.DefaultJWTAudience)
	claim := firstNonEmpty(sc.Signin.IdP.UsernameClaim, "email")
	return auth.NewJWTBearer(client, sc.Signin.IdP.Issuer, idp, org, key, aud, claim, sc.Signin.IdP.UsernameTemplate, sc.Signin.IdP.UsernameMap, sc.Org.SessionTimeout.D()), nil
}

// jwtKey is the assertion signing key: the one config.Load already read and
// checked, or key_file read now (configs built in code, tests).
func jwtKey(sc config.Site) (*rsa.PrivateKey, error) {
	if sc.Signin.JWT.Key != nil {
		return sc.Signin.JWT.Key, nil
	}
	if sc.Signin.JWT.KeyFile == "" {
		return nil, errors.New("signin.jwt.key_file is not set; jwt-bearer assertions are signed with it (`logateway keygen` makes one)")
	}
	return salesforce.LoadPrivateKey(sc.Signin.JWT.KeyFile)
}

// notAllowed is what a visitor sees when the org will not let their user use
// the app; the admin's fix goes to the log only.
var notAllowed = failure{Reason: "app_access_denied", Heading: "You are not allowed to use this app",
	Message: "Your account is not permitted to use this app. Ask your administrator for access, and quote the request id below."}

// signinRefusal sorts the sign-in failures that are about who the visitor is
// (not pre-authorized, unknown to the org, inactive, no usable username claim)
// or a spent IdP code from failures of the org itself. ok=false: let
// orgFailure decide.
func signinRefusal(err error) (status int, f failure, ok bool) {
	var um *auth.UnmappedUser
	if errors.As(err, &um) {
		f = notAllowed
		f.Reason = "unmapped_user"
		f.Hint = um.Error()
		f.Err = err
		return http.StatusForbidden, f, true
	}
	var ie *auth.IdPError
	if errors.As(err, &ie) {
		if ie.Code == "invalid_grant" {
			return http.StatusBadRequest, failure{Reason: "code_expired", Heading: "This sign-in link has expired or was already used",
				Message: "Start again to sign in.", Hint: ie.Hint(), Err: err}, true
		}
		return http.StatusBadGateway, failure{Reason: "idp_error", Heading: "Sign-in is not set up correctly",
			Message: "The sign-in service refused this site, so you were not signed in. Its administrator can find what to fix in the gateway's log under the request ID below.", Hint: ie.Hint(), Err: err}, true
	}
	se, isSF := salesforce.AsError(err)
	if !isSF {
		return 0, failure{}, false
	}
	desc := strings.ToLower(se.Description)
	switch {
	case se.Code == "invalid_app_access", se.Code == "OAUTH_APP_ACCESS_DENIED",
		se.Code == "invalid_grant" && strings.Contains(desc, "hasn't approved this consumer"):
		f = notAllowed
	case se.Code == "inactive_user":
		f = failure{Reason: "inactive_user", Heading: "Your user is inactive",
			Message: "Your Salesforce user is deactivated or frozen. Ask your administrator, and quote the request id below."}
	default:
		return 0, failure{}, false
	}
	f.Hint = se.Hint()
	f.Err = err
	return http.StatusForbidden, f, true
}
