package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway/salesforce"
)

// tokenProbe posts one grant and returns the org's OAuth error, or a
// description of an answer that is not one.
func (d *siteDoctor) tokenProbe(ctx context.Context, form url.Values) (oauthError, string) {
	a, err := d.do(ctx, d.noRed, http.MethodPost, d.tokenEndpoint(), form, http.Header{"Accept": {"application/json"}})
	if err != nil {
		return oauthError{}, fmt.Sprintf("the token endpoint does not answer: %v", err)
	}
	var e oauthError
	if json.Unmarshal(a.body, &e) != nil || e.Error == "" {
		if a.status == http.StatusOK {
			return oauthError{}, "the token endpoint accepted a made-up credential (HTTP 200)"
		}
		return oauthError{}, fmt.Sprintf("the token endpoint answered HTTP %d without an OAuth error", a.status)
	}
	return e, ""
}

// unknownClient reports the org not knowing the consumer key on a token
// check: a failure of its own unless the consumer_key check already failed.
func (d *siteDoctor) unknownClient(check string, e oauthError) {
	if d.failed(CheckConsumerKey) {
		d.skip(check, "the org does not know the consumer key (see consumer_key)")
		return
	}
	d.fail(check, "the token endpoint does not know the consumer key: "+e.String(),
		fmt.Sprintf("%s → Consumer Key (Manage Consumer Details): copy it into %s (now %s)", eca, d.key("eca.client_id"), d.s.ECA.ClientID))
}

// checkConsumerSecret sends a refresh-token grant with a refresh token nobody
// issued. The org authenticates the client first: invalid_grant means the
// secret was right and only the made-up token was refused; invalid_client
// means the secret is wrong.
func (d *siteDoctor) checkConsumerSecret(ctx context.Context) {
	if d.s.ECA.Secret == "" {
		d.skip(CheckConsumerSecret, "no consumer secret configured (eca.client_secret_env / client_secret_file)")
		return
	}
	if !d.orgReachable {
		d.skip(CheckConsumerSecret, "My Domain unreachable (see my_domain)")
		return
	}
	e, odd := d.tokenProbe(ctx, url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {randomToken("logateway-doctor-not-a-token-")},
		"client_id":     {d.s.ECA.ClientID},
		"client_secret": {d.s.ECA.Secret},
	})
	secretFix := fmt.Sprintf("%s → Consumer Key and Secret (Manage Consumer Details): copy the Consumer Secret into %s", eca, d.secretSource())
	switch {
	case odd != "":
		d.fail(CheckConsumerSecret, odd, "check "+d.key("org.login_url"))
	case e.Error == "invalid_grant":
		d.ok(CheckConsumerSecret, "the client authenticated; the org refused only the made-up refresh token: "+e.String())
	case e.Error == "invalid_client":
		d.fail(CheckConsumerSecret, "wrong consumer secret: "+e.String(), secretFix)
	case e.Error == "invalid_client_id":
		d.unknownClient(CheckConsumerSecret, e)
	default:
		d.fail(CheckConsumerSecret, "the refresh-token grant was refused: "+e.String(),
			eca+" → Flow Enablement and Security (Require secret for Refresh Token Flow): compare with `logateway check`")
	}
}

func (d *siteDoctor) secretSource() string {
	switch {
	case d.s.ECA.ClientSecretEnv != "":
		return "the environment variable " + d.s.ECA.ClientSecretEnv + " (" + d.key("eca.client_secret_env") + ")"
	case d.s.ECA.ClientSecretFile != "":
		return "the file " + d.s.ECA.ClientSecretFile + " (" + d.key("eca.client_secret_file") + ")"
	}
	return d.key("eca.client_secret")
}

// usesJWTBearer reports whether the site signs JWT bearer assertions: for
// sign-in, or for an api_relay service identity.
func (d *siteDoctor) usesJWTBearer() bool {
	if d.s.Signin.Flow == "jwt-bearer" {
		return true
	}
	for _, r := range d.s.APIRelay {
		if r.Identity == "service" && r.ServiceFlow == "jwt-bearer" {
			return true
		}
	}
	return false
}

// The JWT bearer words doctor tells apart (Salesforce checks the client and
// the signature before it looks at the user).
const (
	jwtUserNotApproved  = "user hasn't approved this consumer"
	jwtInvalidAssertion = "invalid assertion"
	jwtBadAudience      = "audience is invalid"
	jwtBadAudienceDoc   = "Audience validation failed"
	jwtExpired          = "expired authorization code"
)

// checkJWTCertificate signs an assertion for a user that cannot exist (the
// .invalid top-level domain is reserved). An org that verified the signature
// with the uploaded certificate goes on to the user and refuses it; one that
// could not says "invalid assertion".
func (d *siteDoctor) checkJWTCertificate(ctx context.Context) {
	if !d.usesJWTBearer() {
		d.skip(CheckJWTCertificate, "the site uses no JWT bearer flow")
		return
	}
	if !d.orgReachable {
		d.skip(CheckJWTCertificate, "My Domain unreachable (see my_domain)")
		return
	}
	key := d.s.Signin.JWT.Key
	if key == nil && d.s.Signin.JWT.KeyFile != "" {
		// A config built in code has the file name only; Load would have read it.
		k, _, problems := config.LoadJWTKey(d.s.Signin.JWT.KeyFile, "", d.opts.Now())
		if len(problems) == 0 {
			key = k
		}
	}
	if key == nil {
		d.fail(CheckJWTCertificate, "no private key to sign assertions", d.key("signin.jwt.key_file")+": the key made by `logateway keygen`")
		return
	}
	assertion, err := salesforce.SignAssertion(key, salesforce.Assertion{
		ClientID: d.s.ECA.ClientID,
		Username: randomToken("doctor-") + "@logateway-doctor.invalid",
		Audience: d.s.Signin.JWT.Audience,
	}, d.opts.Now())
	if err != nil {
		d.fail(CheckJWTCertificate, err.Error(), d.key("signin.jwt"))
		return
	}
	e, odd := d.tokenProbe(ctx, url.Values{
		"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"},
		"assertion":  {assertion},
	})
	certFix := eca + " → Flow Enablement → Enable JWT Bearer Flow: upload the certificate of " + d.key("signin.jwt.key_file") +
		" (" + certName(d.s.Signin.JWT.CertFile) + ")"
	switch {
	case odd != "":
		d.fail(CheckJWTCertificate, odd, "check "+d.key("org.login_url"))
	case e.Error == "invalid_client_id":
		d.unknownClient(CheckJWTCertificate, e)
	case e.Error == "invalid_grant" && e.Description == jwtUserNotApproved,
		e.Error == "invalid_app_access", e.Error == "inactive_user":
		d.ok(CheckJWTCertificate, "the org verified the assertion with the uploaded certificate and refused only the made-up user: "+e.String())
	case e.Error == "invalid_grant" && e.Description == jwtInvalidAssertion:
		d.fail(CheckJWTCertificate, "the org could not verify the assertion (certificate unknown): "+e.String(), certFix)
	case e.Error == "invalid_grant" && (e.Description == jwtBadAudience || e.Description == jwtBadAudienceDoc):
		d.fail(CheckJWTCertificate, "the org refused the assertion's audience "+d.s.Signin.JWT.Audience+": "+e.String(),
			d.key("signin.jwt.audience")+": https://login.salesforce.com (production), https://test.salesforce.com (sandbox) or the My Domain URL")
	case e.Error == "invalid_grant" && e.Description == jwtExpired:
		d.fail(CheckJWTCertificate, "the org found the assertion expired: "+e.String(), "this machine's clock: the assertion is valid for 2 minutes from now")
	default:
		d.fail(CheckJWTCertificate, "the JWT bearer grant was refused: "+e.String(), eca+" → Flow Enablement → Enable JWT Bearer Flow: checked, with the certificate uploaded")
	}
}

func certName(file string) string {
	if file != "" {
		return file
	}
	return "signin.jwt.cert_file, or `logateway keygen` output"
}
