package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Frontdoor trades the user's access token for a single-use frontdoor URL
// through the UI Bridge API (docs/salesforce.md §2.1, 2.2).
//
// With lightningOutAppID == "" it POSTs {instanceURL}/services/oauth2/singleaccess
// with the token in the Authorization header and, if redirectPath is set, a
// relative redirect_uri in the form body. Otherwise it POSTs
// /services/oauth2/lightningoutsingleaccess with access_token and
// lightning_out_app_id in the form body (and redirect_uri when given; whether
// that endpoint honours it is unconfirmed).
//
// The returned URL is a secret (it opens a session): never log it. It is
// checked to be https (http only for an http instance, i.e. the emulated org)
// on the instance's own host. Refusals come back as *Error with the
// Salesforce word as Code: Bad_OAuth_Token, Missing_OAuth_Token, Invalid_Scope,
// Invalid_Param, No_Access, Wrong_Org.
func (c *Client) Frontdoor(ctx context.Context, instanceURL, accessToken, lightningOutAppID, redirectPath string) (string, error) {
	if err := c.check(); err != nil {
		return "", err
	}
	inst, err := url.Parse(instanceURL)
	if err != nil || inst.Host == "" || (inst.Scheme != "https" && inst.Scheme != "http") {
		return "", fmt.Errorf("salesforce frontdoor: instance_url %q is not an absolute https URL", instanceURL)
	}
	if redirectPath != "" {
		if err := checkRelativePath(redirectPath); err != nil {
			return "", err
		}
	}
	endpoint, path := "singleaccess", PathSingleAccess
	form := url.Values{}
	bearer := accessToken
	if lightningOutAppID != "" {
		endpoint, path = "lightningoutsingleaccess", PathLightningOutSingleAccess
		form.Set("access_token", accessToken)
		form.Set("lightning_out_app_id", lightningOutAppID)
		bearer = ""
	}
	if redirectPath != "" {
		form.Set("redirect_uri", redirectPath)
	}
	if accessToken == "" {
		return "", &Error{Endpoint: endpoint, Code: "Missing_OAuth_Token", Description: "no access token to send"}
	}
	target, _ := endpointURL(instanceURL, path, "instance_url")
	resp, err := c.postForm(ctx, endpoint, target, form, bearer)
	if err != nil {
		return "", err
	}
	if resp.status != http.StatusOK {
		return "", parseError(endpoint, resp.status, resp.contentType, resp.body, accessToken)
	}
	var a struct {
		FrontdoorURI string `json:"frontdoor_uri"`
	}
	if err := json.Unmarshal(resp.body, &a); err != nil {
		// A 200 with a bare word has been seen from proxies; treat it as the word.
		if e := parseError(endpoint, resp.status, resp.contentType, resp.body, accessToken); e.Code != "" {
			return "", e
		}
		return "", fmt.Errorf("salesforce %s: HTTP 200 but the body is not JSON (%s)", endpoint, resp.contentType)
	}
	if a.FrontdoorURI == "" {
		return "", fmt.Errorf("salesforce %s: HTTP 200 without frontdoor_uri", endpoint)
	}
	if err := checkFrontdoorURL(a.FrontdoorURI, inst); err != nil {
		return "", fmt.Errorf("salesforce %s: %w", endpoint, err)
	}
	return a.FrontdoorURI, nil
}

// checkRelativePath refuses absolute and scheme-relative landing paths, which
// Salesforce answers with Invalid_Param and which would let a crafted path send
// the user off-site. A path without its leading slash (lightning/setup/...) is
// relative to the org and accepted, as Salesforce accepts it.
func checkRelativePath(p string) error {
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(p, "//") || strings.Contains(p, `\`) {
		return fmt.Errorf("salesforce frontdoor: landing path %q must be a path on the org (lightning/... or /lightning/...), never an absolute URL", p)
	}
	return nil
}

// checkFrontdoorURL makes sure the URL we will hand the browser points at the
// org itself; its text never goes into the error, only the hosts.
func checkFrontdoorURL(raw string, inst *url.URL) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("frontdoor_uri does not parse as a URL")
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && inst.Scheme == "http") {
		return fmt.Errorf("frontdoor_uri scheme is %q; want https (instance_url scheme is %q)", u.Scheme, inst.Scheme)
	}
	if !strings.EqualFold(u.Host, inst.Host) {
		return fmt.Errorf("frontdoor_uri host %q differs from the instance host %q", u.Host, inst.Host)
	}
	if u.User != nil {
		return errors.New("frontdoor_uri carries user info")
	}
	return nil
}
