package devorg

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// The org's HTML pages: sign-in, consent, Salesforce's remote-access error page, home,
// logged out. One template set, parsed once.
var pages = template.Must(template.New("layout").Parse(`
{{define "head"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Title}} | Salesforce</title>
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
<style>
body{margin:0;font-family:"Salesforce Sans",-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;background:#f3f2f2;color:#16325c}
.banner{background:#ffb75d;color:#080707;padding:6px 12px;font-size:13px;text-align:center}
.wrap{max-width:380px;margin:48px auto;padding:0 16px}
.logo{text-align:center;margin-bottom:24px;font-size:28px;font-weight:300;color:#0b5cab}
.logo b{display:inline-block;background:#0b5cab;color:#fff;border-radius:40px;padding:6px 18px;font-weight:600}
.card{background:#fff;border:1px solid #d8dde6;border-radius:4px;padding:20px}
label{display:block;font-size:13px;color:#54698d;margin:12px 0 4px}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:10px;border:1px solid #d8dde6;border-radius:4px;font-size:14px}
button{width:100%;margin-top:16px;padding:12px;border:0;border-radius:4px;background:#0070d2;color:#fff;font-size:15px;cursor:pointer}
button.secondary{background:#fff;color:#0070d2;border:1px solid #d8dde6}
.error{color:#c23934;background:#fdecea;border:1px solid #c23934;border-radius:4px;padding:10px;font-size:13px;margin-bottom:8px}
.users{margin-top:16px;font-size:12px;color:#54698d}.users code{color:#16325c}
ul.scopes{font-size:14px;padding-left:20px}
h1.title{font-weight:400;font-size:20px;margin:0 0 8px}
</style></head><body>
{{if .DevBanner}}<header class="banner">devorg: an emulated Salesforce org for development and tests. This is not Salesforce.</header>{{end}}
<main class="wrap"><div class="logo"><b>salesforce</b></div>{{end}}

{{define "foot"}}</main></body></html>{{end}}

{{define "login"}}{{template "head" .}}
<div class="card">
<h1 class="title">Log in to your org</h1>
{{if .Error}}<div class="error" role="alert">{{.Error}}</div>{{end}}
<form method="post" action="{{.Action}}" id="login_form">
{{range $k, $v := .Hidden}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}
<input type="hidden" name="devorg_action" value="login">
<label for="username">Username</label><input type="text" id="username" name="username" value="{{.Username}}" autocomplete="username" autofocus>
<label for="password">Password</label><input type="password" id="password" name="pw" autocomplete="current-password">
<button type="submit" id="Login">Log In</button>
</form>
{{if .Users}}<div class="users"><p>Test users of this emulated org:</p><ul>{{range .Users}}<li><code>{{.Username}}</code> / <code>{{.Password}}</code>{{if not .Active}} (inactive){{end}}{{if .APIOnly}} (API only){{end}}</li>{{end}}</ul></div>{{end}}
</div>
{{template "foot" .}}{{end}}

{{define "consent"}}{{template "head" .}}
<div class="card">
<h1 class="title">Allow Access?</h1>
<p><b>{{.AppName}}</b> is asking to:</p>
<ul class="scopes">{{range .Scopes}}<li>{{.}}</li>{{end}}</ul>
<p style="font-size:13px">You are signed in as {{.Username}}. Do you want to allow access?</p>
<form method="post" action="{{.Action}}">
{{range $k, $v := .Hidden}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}
<button type="submit" name="devorg_action" value="allow" id="oaapprove">Allow</button>
<button type="submit" name="devorg_action" value="deny" id="oadeny" class="secondary">Deny</button>
</form></div>
{{template "foot" .}}{{end}}

{{define "message"}}{{template "head" .}}
<div class="card"><h1 class="title">{{.Heading}}</h1>
{{range .Lines}}<p>{{.}}</p>{{end}}
{{if .Link}}<p><a href="{{.Link}}">{{.LinkText}}</a></p>{{end}}</div>
{{template "foot" .}}{{end}}
`))

type pageData struct {
	Title     string
	DevBanner bool
	// login / consent
	Action   string
	Hidden   map[string]string
	Error    string
	Username string
	Users    []User
	AppName  string
	Scopes   []string
	// message
	Heading  string
	Lines    []string
	Link     string
	LinkText string
}

func (o *Org) renderPage(w http.ResponseWriter, status int, name string, d pageData) {
	w.Header().Set("X-Frame-Options", "SAMEORIGIN")
	o.renderFramablePage(w, status, name, d)
}

// renderFramablePage renders without X-Frame-Options: the caller has set a CSP
// frame-ancestors that says who may frame it.
func (o *Org) renderFramablePage(w http.ResponseWriter, status int, name string, d pageData) {
	d.DevBanner = o.cfg.DevBanner
	h := w.Header()
	h.Set("Content-Type", "text/html;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	// Codes and otps must not leak through Referer from org pages.
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, d); err != nil {
		o.logger.Error("devorg: rendering page", "page", name, "err", err)
	}
}

// renderLogin shows the sign-in page; hidden carries the request it continues.
func (o *Org) renderLogin(w http.ResponseWriter, status int, action string, hidden map[string]string, username, errText string) {
	d := pageData{Title: "Login", Action: action, Hidden: hidden, Username: username, Error: errText}
	if o.cfg.DevBanner {
		o.mu.Lock()
		for _, u := range o.cfg.Users {
			if cur := o.usersByID[u.ID]; cur != nil {
				d.Users = append(d.Users, *cur)
			}
		}
		o.mu.Unlock()
	}
	o.renderPage(w, status, "login", d)
}

// scopeLabels are Setup's labels for the consent page.
var scopeLabels = map[string]string{
	"web":            "Manage user data via Web browsers (web)",
	"full":           "Full access (full)",
	"api":            "Manage user data via APIs (api)",
	"refresh_token":  "Perform requests at any time (refresh_token, offline_access)",
	"offline_access": "Perform requests at any time (refresh_token, offline_access)",
	"openid":         "Access unique user identifiers (openid)",
	"id":             "Access the identity URL service (id, profile, email, address, phone)",
	"profile":        "Access the identity URL service (id, profile, email, address, phone)",
	"email":          "Access the identity URL service (id, profile, email, address, phone)",
}

func consentLines(scopes []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range scopes {
		l := scopeLabels[s]
		if l == "" {
			l = s
		}
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// handleRemoteAccessError is Salesforce's page for authorize errors it will not send
// back to the client (1.3).
func (o *Org) handleRemoteAccessError(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	o.renderPage(w, http.StatusOK, "message", pageData{
		Title:   "Remote Access Error",
		Heading: "OAuth Error",
		Lines: []string{"We can't authorize you because of an OAuth error. For more information, contact your Salesforce administrator.",
			"error=" + q.Get("error"), "error_description=" + q.Get("error_description")},
	})
}

func (o *Org) handleLogout(w http.ResponseWriter, r *http.Request) {
	o.endSession(r)
	clearSessionCookie(w)
	// Lightning Out loads this page in its hidden iframe when the host clears
	// frontdoor-url, so it may be framed by the trusted Lightning Out domains
	// (and only by them), unlike the org's other pages.
	h := w.Header()
	h.Set("Content-Security-Policy", "frame-ancestors 'self'"+o.frameAncestorsSources())
	o.renderFramablePage(w, http.StatusOK, "message", pageData{Title: "Logout", Heading: "You are logged out",
		Lines: []string{"Your session has ended."}, Link: "/", LinkText: "Log In"})
}

func nickname(u *User) string {
	name, _, _ := strings.Cut(u.Username, "@")
	return name
}

func splitName(full string) (first, last string) {
	first, last, ok := strings.Cut(strings.TrimSpace(full), " ")
	if !ok {
		return "", first
	}
	return first, last
}

// hiddenFields flattens authorize parameters into the form's hidden inputs.
func hiddenFields(v url.Values, keys ...string) map[string]string {
	m := map[string]string{}
	for _, k := range keys {
		if val := v.Get(k); val != "" {
			m[k] = val
		}
	}
	return m
}

// frameAncestorsSources lists the trusted Lightning Out domains for a CSP
// frame-ancestors directive (each with a leading space), dropping any entry that
// could inject another directive.
func (o *Org) frameAncestorsSources() string {
	var b strings.Builder
	for _, d := range o.TrustedLODomains() {
		if d == "" || strings.ContainsAny(d, " ;,\t\r\n'\"") {
			continue
		}
		b.WriteString(" ")
		b.WriteString(d)
	}
	return b.String()
}
