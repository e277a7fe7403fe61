package forwardauth

import (
	"strings"
	"testing"
)

func TestRenderFillsInTheSite(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			out, err := Render(name, Values{SiteHost: "shop.example.org", Gateway: "10.0.0.5:8080", Backend: "10.0.0.6:80", CallbackPath: "/oauth/cb",
				Identity: map[string]string{"X-Forwarded-User": "X-Remote-User", "X-Forwarded-Name": "-"}})
			if err != nil {
				t.Fatal(err)
			}
			for _, gone := range []string{DocSiteHost, DocGateway, DocBackend, DocCallback} {
				if strings.Contains(out, gone) {
					t.Errorf("%s still mentions %s", name, gone)
				}
			}
			for _, want := range []string{"shop.example.org", "10.0.0.5:8080", "10.0.0.6:80", "/oauth/cb", "X-Remote-User", "X-Forwarded-User-Id", "X-Forwarded-Name"} {
				if !strings.Contains(out, want) {
					t.Errorf("%s lacks %s", name, want)
				}
			}
			if strings.Contains(out, "X-Forwarded-User ") || strings.Contains(out, "X-Remote-User-Id") {
				t.Errorf("%s renamed X-Forwarded-User wrongly:\n%s", name, out)
			}
			if name == "nginx.conf" && (!strings.Contains(out, "$upstream_http_x_remote_user;") || !strings.Contains(out, "$upstream_http_x_forwarded_user_id;")) {
				t.Errorf("nginx variables not renamed with the header:\n%s", out)
			}
		})
	}
	if _, err := Render("traefik.yml", Values{}); err == nil {
		t.Error("an unknown file rendered without error")
	}
}
