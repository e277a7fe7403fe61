package salesforce

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

const testLOAppID = "1Usxx0000004CmnCAE"

// frontdoorOrg answers both UI Bridge endpoints as docs/salesforce.md §2.1/2.2 describe.
func frontdoorOrg(t *testing.T) *org {
	o := newOrg(t)
	answer := func(w http.ResponseWriter, r *http.Request, token string) {
		switch {
		case token == "":
			textAnswer(401, "Missing_OAuth_Token")(w, r)
		case token == "no-web-scope-token":
			textAnswer(403, "Invalid_Scope")(w, r)
		case token != testAccessToken:
			textAnswer(403, "Bad_OAuth_Token")(w, r)
		case strings.HasPrefix(r.Form.Get("redirect_uri"), "http"):
			textAnswer(400, "Invalid_Param")(w, r)
		default:
			jsonAnswer(200, `{"frontdoor_uri":"`+o.srv.URL+`/secur/frontdoor.jsp?otp=secret-one-time"}`)(w, r)
		}
	}
	o.handle("POST "+PathSingleAccess, func(w http.ResponseWriter, r *http.Request) {
		answer(w, r, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	})
	o.handle("POST "+PathLightningOutSingleAccess, func(w http.ResponseWriter, r *http.Request) {
		if r.Form.Get("lightning_out_app_id") != testLOAppID {
			jsonAnswer(403, `{"error":"No_Access","error_description":"Lightning Out app not found"}`)(w, r)
			return
		}
		answer(w, r, r.Form.Get("access_token"))
	})
	return o
}

func TestFrontdoorStandardEndpoint(t *testing.T) {
	o := frontdoorOrg(t)
	c := o.client()
	c.BaseURL = "https://login.invalid" // the UI Bridge call goes to the instance
	u, err := c.Frontdoor(context.Background(), o.srv.URL, testAccessToken, "", "/lightning/r/Case/500xx/view")
	if err != nil {
		t.Fatalf("Frontdoor: %v", err)
	}
	if u != o.srv.URL+"/secur/frontdoor.jsp?otp=secret-one-time" {
		t.Errorf("Frontdoor: wanted the frontdoor_uri from the answer, got %q", u)
	}
	rq := o.requests()[0]
	if rq.Method != "POST" || rq.Path != PathSingleAccess || rq.Authorization != "Bearer "+testAccessToken || rq.ContentType != "application/x-www-form-urlencoded" {
		t.Errorf("request: wanted POST %s with Bearer and a form, got %+v", PathSingleAccess, rq)
	}
	if rq.Form.Get("redirect_uri") != "/lightning/r/Case/500xx/view" || rq.Form.Get("access_token") != "" {
		t.Errorf("form: wanted only redirect_uri, got %v", rq.Form)
	}
}

func TestFrontdoorLightningOutEndpoint(t *testing.T) {
	o := frontdoorOrg(t)
	u, err := o.client().Frontdoor(context.Background(), o.srv.URL, testAccessToken, testLOAppID, "")
	if err != nil {
		t.Fatalf("Frontdoor (Lightning Out): %v", err)
	}
	if !strings.HasPrefix(u, o.srv.URL+"/secur/frontdoor.jsp?otp=") {
		t.Errorf("wanted a frontdoor URL on the instance, got %q", u)
	}
	rq := o.requests()[0]
	if rq.Path != PathLightningOutSingleAccess || rq.Authorization != "" || rq.Form.Get("access_token") != testAccessToken || rq.Form.Get("lightning_out_app_id") != testLOAppID {
		t.Errorf("request: wanted POST %s with access_token and lightning_out_app_id in the form and no header, got %+v", PathLightningOutSingleAccess, rq)
	}
}

func TestFrontdoorRefusals(t *testing.T) {
	cases := []struct {
		name         string
		appID, token string
		path         string
		status       int
		code         string
		bad          bool
	}{
		{"an expired token on the standard endpoint is Bad_OAuth_Token", "", "expired-token-value", "", 403, "Bad_OAuth_Token", true},
		{"an expired token on the Lightning Out endpoint is Bad_OAuth_Token", testLOAppID, "expired-token-value", "", 403, "Bad_OAuth_Token", true},
		{"a token without web scope is Invalid_Scope", "", "no-web-scope-token", "", 403, "Invalid_Scope", false},
		{"a token without web scope on Lightning Out is Invalid_Scope", testLOAppID, "no-web-scope-token", "", 403, "Invalid_Scope", false},
		{"an unknown Lightning Out app is a JSON No_Access", "1Usxx0000000000AAA", testAccessToken, "", 403, "No_Access", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := frontdoorOrg(t)
			_, err := o.client().Frontdoor(context.Background(), o.srv.URL, c.token, c.appID, c.path)
			e, ok := AsError(err)
			if !ok || e.Status != c.status || e.Code != c.code {
				t.Fatalf("wanted *Error %d %s, got %#v", c.status, c.code, err)
			}
			if IsBadToken(err) != c.bad {
				t.Errorf("IsBadToken: wanted %v", c.bad)
			}
			assertNoSecret(t, "Frontdoor error", err.Error())
		})
	}
}

func TestFrontdoorChecksInputsAndTheReturnedURL(t *testing.T) {
	t.Run("an absolute landing path is refused before any call", func(t *testing.T) {
		o := frontdoorOrg(t)
		for _, p := range []string{"https://evil.example/x", "//evil.example/x", "javascript:alert(1)", `/\evil.example`} {
			if _, err := o.client().Frontdoor(context.Background(), o.srv.URL, testAccessToken, "", p); err == nil {
				t.Errorf("landing path %q: wanted an error", p)
			}
		}
		if n := len(o.requests()); n != 0 {
			t.Errorf("wanted no call to the org, got %d", n)
		}
	})
	t.Run("a landing path without its leading slash is sent as it is", func(t *testing.T) {
		o := frontdoorOrg(t)
		if _, err := o.client().Frontdoor(context.Background(), o.srv.URL, testAccessToken, "", "lightning/setup/SetupOneHome/home"); err != nil {
			t.Errorf("wanted lightning/setup/... accepted (Salesforce accepts it), got %v", err)
		}
	})
	t.Run("an empty token is Missing_OAuth_Token without a call", func(t *testing.T) {
		o := frontdoorOrg(t)
		_, err := o.client().Frontdoor(context.Background(), o.srv.URL, "", "", "")
		if e, ok := AsError(err); !ok || e.Code != "Missing_OAuth_Token" {
			t.Errorf("wanted Missing_OAuth_Token, got %v", err)
		}
	})
	bodies := []struct {
		name, body, want string
	}{
		{"a frontdoor URL on another host is refused", `{"frontdoor_uri":"https://evil.example/secur/frontdoor.jsp?otp=secret-one-time"}`, "differs from the instance host"},
		{"an https instance refuses an http frontdoor URL", `{"frontdoor_uri":"http://HOST/secur/frontdoor.jsp?otp=secret-one-time"}`, "want https"},
		{"an answer without frontdoor_uri is refused", `{"frontdoor_url":"https://HOST/x"}`, "without frontdoor_uri"},
		{"a bare word with HTTP 200 is read as the word", `Bad_OAuth_Token`, "Bad_OAuth_Token"},
	}
	for _, b := range bodies {
		t.Run(b.name, func(t *testing.T) {
			o := newOrg(t)
			// The instance URL says https; the stand-in is reached over plain http
			// through a transport that rewrites the scheme, so the scheme check sees
			// exactly what a real https org would send.
			host := strings.TrimPrefix(o.srv.URL, "http://")
			o.handle("POST "+PathSingleAccess, jsonAnswer(200, strings.ReplaceAll(b.body, "HOST", host)))
			c := o.client()
			c.HTTP = &http.Client{Transport: httpsToHTTP{o.srv.Client().Transport}}
			_, err := c.Frontdoor(context.Background(), "https://"+host, testAccessToken, "", "")
			if err == nil || !strings.Contains(err.Error(), b.want) {
				t.Fatalf("wanted an error containing %q, got %v", b.want, err)
			}
			if strings.Contains(err.Error(), "otp=") {
				t.Errorf("error shows the frontdoor URL: %q", err.Error())
			}
		})
	}
}

// httpsToHTTP sends https requests to the plain-http test server.
type httpsToHTTP struct{ next http.RoundTripper }

func (h httpsToHTTP) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme = "http"
	return h.next.RoundTrip(r)
}

func TestFrontdoorReadsEveryErrorWordInBothShapes(t *testing.T) {
	words := []string{"Bad_OAuth_Token", "Missing_OAuth_Token", "Invalid_Scope", "Invalid_Param", "No_Access", "Wrong_Org"}
	for _, appID := range []string{"", testLOAppID} {
		for _, word := range words {
			for _, shape := range []string{"bare", "json"} {
				endpoint := "singleaccess"
				if appID != "" {
					endpoint = "lightningoutsingleaccess"
				}
				t.Run(endpoint+" answering "+word+" as "+shape+" gives that code", func(t *testing.T) {
					o := newOrg(t)
					h := textAnswer(403, word)
					if shape == "json" {
						h = jsonAnswer(403, `{"error":"`+word+`","error_description":"described"}`)
					}
					o.handle("POST "+PathSingleAccess, h)
					o.handle("POST "+PathLightningOutSingleAccess, h)
					_, err := o.client().Frontdoor(context.Background(), o.srv.URL, testAccessToken, appID, "")
					e, ok := AsError(err)
					if !ok || e.Code != word || e.Endpoint != endpoint || e.Status != 403 {
						t.Fatalf("wanted *Error{%s 403 %s}, got %#v", endpoint, word, err)
					}
					if shape == "json" && e.Description != "described" {
						t.Errorf("wanted the description kept, got %q", e.Description)
					}
				})
			}
		}
	}
}
