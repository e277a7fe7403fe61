package gateway

import (
	"strings"

	"golang.org/x/oauth2"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway/auth"
	"github.com/logateway/logateway/gateway/salesforce"
)

func newJWTBearerSignin(sc config.Site, d *Deps, loginURL, redirectURL string) (*auth.JWTBearer, error) {
	key, err := salesforce.LoadPrivateKey(sc.Signin.JWT.KeyFile)
	if err != nil {
		return nil, err
	}
	scopes := sc.Signin.IdP.Scopes
	if len(scopes) == 0 {
		scopes = []string{"openid", "email", "profile"}
	}
	idp := oauth2.Config{ClientID: sc.Signin.IdP.ClientID, ClientSecret: sc.Signin.IdP.Secret, RedirectURL: redirectURL, Scopes: scopes}
	org := &salesforce.Client{HTTP: d.OrgHTTP, BaseURL: strings.TrimRight(loginURL, "/"), ClientID: sc.ECA.ClientID, ClientSecret: sc.ECA.Secret}
	aud := firstNonEmpty(sc.Signin.JWT.Audience, "https://login.salesforce.com")
	claim := firstNonEmpty(sc.Signin.IdP.UsernameClaim, "email")
	return auth.NewJWTBearer(d.OrgHTTP, sc.Signin.IdP.Issuer, idp, org, key, aud, claim, sc.Signin.IdP.UsernameTemplate, sc.Signin.IdP.UsernameMap, sc.Org.SessionTimeout.D()), nil
}
