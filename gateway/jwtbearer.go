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
