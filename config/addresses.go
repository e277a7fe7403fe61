package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

func checkListen(ps *problems, p, v string, offOK bool) {
	if offOK && v == "off" {
		return
	}
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		fix := "write host:port or :port, e.g. :8080"
		if offOK {
			fix = "write host:port (e.g. 127.0.0.1:9090) or off"
		}
		ps.add(p, fix, "%q is not a listen address", v)
	}
}

// checkOrigin checks a bare origin: scheme://host[:port], nothing else. allowHTTP says
// whether http is acceptable in dev mode (the org and site may be local then); loopback
// hosts may use http even outside dev mode, as Salesforce allows for localhost callbacks.
func checkOrigin(ps *problems, p, v string, dev, allowHTTPInDev bool, example string) bool {
	if v == "" {
		ps.add(p, "set it to "+example, "missing")
		return false
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		ps.add(p, "write it as "+example, "%q is not an origin (want https://host[:port])", v)
		return false
	}
	if u.Scheme == "http" && !(dev && allowHTTPInDev) && !isLoopback(u.Hostname()) {
		fix := "use https://" + u.Host
		ps.add(p, fix, "%q uses http:// outside dev mode; visitors' sessions and tokens would cross the network in clear text", v)
		return false
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		ps.add(p, fmt.Sprintf("use %s://%s without the path", u.Scheme, u.Host), "%q is not a bare origin; only scheme://host[:port] is allowed", v)
		return false
	}
	return true
}

// checkIssuerURL accepts an OIDC issuer: an https URL (http in dev or on loopback),
// possibly with a path (an Experience Cloud site's), never a query or fragment.
func checkIssuerURL(ps *problems, p, v string, dev bool) {
	checkURLWithPath(ps, p, v, dev, "write the issuer exactly as the org's id_tokens name it, e.g. https://login.salesforce.com",
		func(u *url.URL) bool { return strings.HasSuffix(u.Path, "/") },
		"has user info, a query, a fragment or a trailing slash; an issuer has none")
}

// checkSiteURL accepts an Experience Cloud site URL: https (http in dev or on loopback),
// a path prefix of plain segments or none, no query or fragment.
func checkSiteURL(ps *problems, p, v string, dev bool) {
	checkURLWithPath(ps, p, v, dev, "write the site URL with its path prefix, e.g. https://acme.my.site.com/support",
		func(u *url.URL) bool { return strings.Contains(u.Path, "//") || strings.ContainsAny(u.Path, " \\") },
		"has user info, a query, a fragment or an odd path; a site URL is origin plus path prefix")
}

// checkURLWithPath accepts an absolute http(s) URL (http in dev or on loopback) with no
// user info, query or fragment, and whose path oddPath does not refuse; oddMsg says
// what such a URL may not have.
func checkURLWithPath(ps *problems, p, v string, dev bool, fix string, oddPath func(*url.URL) bool, oddMsg string) {
	u, err := url.Parse(v)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		ps.add(p, fix, "%q is not an absolute URL", v)
	case u.Scheme == "http" && !dev && !isLoopback(u.Hostname()):
		ps.add(p, "use https://"+u.Host+u.Path, "%q uses http:// outside dev mode", v)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || oddPath(u):
		ps.add(p, fix, "%q "+oddMsg, v)
	}
}

func checkTrustedDomain(ps *problems, p, v string, dev bool) {
	if strings.Contains(v, "*") {
		ps.add(p, "list each origin exactly, e.g. https://partner.example.org; the gateway does not match wildcards", "%q contains a wildcard", v)
		return
	}
	if !strings.Contains(v, "://") {
		ps.add(p, fmt.Sprintf("use https://%s", strings.TrimSuffix(v, "/")), "%q has no scheme; trusted domains are exact origins", v)
		return
	}
	checkOrigin(ps, p, v, dev, true, "https://partner.example.org")
}

func checkHTTPURL(ps *problems, p, v string, dev bool, fix string) {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		ps.add(p, fix, "%q is not an http(s) URL with a host", v)
		return
	}
	if u.Scheme == "http" && !dev && !isLoopback(u.Hostname()) {
		ps.add(p, "use https://"+u.Host+u.EscapedPath(), "%q uses http:// outside dev mode", v)
	}
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}
