package salesforce

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

// Endpoint paths, relative to the org host (docs/salesforce.md §1.1, 2.1, 2.2).
const (
	PathToken                    = "/services/oauth2/token"
	PathRevoke                   = "/services/oauth2/revoke"
	PathIntrospect               = "/services/oauth2/introspect"
	PathUserInfo                 = "/services/oauth2/userinfo"
	PathSingleAccess             = "/services/oauth2/singleaccess"
	PathLightningOutSingleAccess = "/services/oauth2/lightningoutsingleaccess"
)

// maxBody bounds what we read from the org: every answer we expect is a small
// JSON document or a single word, and a huge body means something else answered.
const maxBody = 1 << 20

// Client calls the org's OAuth endpoints. The zero value is not usable: HTTP
// and BaseURL are required, so that timeouts and test transports are always the
// caller's choice and never http.DefaultClient's.
type Client struct {
	HTTP         *http.Client // required
	BaseURL      string       // token/revoke/introspect host: My Domain or login URL, e.g. https://acme.my.salesforce.com
	ClientID     string       // ECA consumer key
	ClientSecret string       `json:"-"` // ECA consumer secret; may be ""; never printed
}

// String keeps the client secret out of %v, %s and %+v.
func (c Client) String() string {
	return fmt.Sprintf("salesforce.Client{BaseURL:%q ClientID:%q ClientSecret:%s}", c.BaseURL, c.ClientID, redactedIfSet(c.ClientSecret))
}

// GoString keeps the client secret out of %#v.
func (c Client) GoString() string { return c.String() }

// LogValue keeps the client secret out of slog records.
func (c Client) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", c.BaseURL),
		slog.String("client_id", c.ClientID),
		slog.String("client_secret", redactedIfSet(c.ClientSecret)),
	)
}

func redactedIfSet(s string) string {
	if s == "" {
		return "(empty)"
	}
	return "[redacted]"
}

// check reports a client that cannot make calls, naming the field to set.
func (c *Client) check() error {
	if c == nil {
		return errors.New("salesforce: nil *Client")
	}
	if c.HTTP == nil {
		return errors.New("salesforce: Client.HTTP is nil; set an *http.Client with a timeout (org.timeout)")
	}
	return nil
}

// endpointURL joins an org base URL and an endpoint path, refusing anything
// that is not an absolute http(s) URL so a config typo fails with its name.
func endpointURL(base, path, setting string) (string, error) {
	if base == "" {
		return "", fmt.Errorf("salesforce: %s is empty; want the org URL, e.g. https://acme.my.salesforce.com", setting)
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("salesforce: %s %q is not an absolute https URL", setting, base)
	}
	return strings.TrimRight(base, "/") + path, nil
}

// response is what one round trip to the org gave.
type response struct {
	status      int
	contentType string
	body        []byte
}

// do sends req and reads at most maxBody bytes of the answer. Transport
// failures are wrapped with the endpoint name so IsTransient can see through them.
func (c *Client) do(req *http.Request, endpoint string) (response, error) {
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return response{}, &transportError{endpoint: endpoint, err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return response{}, &transportError{endpoint: endpoint, err: err}
	}
	return response{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: body}, nil
}

// postForm POSTs an application/x-www-form-urlencoded body.
func (c *Client) postForm(ctx context.Context, endpoint, target string, form url.Values, bearer string) (response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return response{}, fmt.Errorf("salesforce %s: building request: %w", endpoint, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return c.do(req, endpoint)
}

// transportError is a failure to get any answer from the org.
type transportError struct {
	endpoint string
	err      error
}

func (e *transportError) Error() string {
	return fmt.Sprintf("salesforce %s: no answer from the org: %v", e.endpoint, e.err)
}

func (e *transportError) Unwrap() error { return e.err }
