package devorg

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

var (
	orgIDPattern   = regexp.MustCompile(`^00D[A-Za-z0-9]{15}$`)
	userIDPattern  = regexp.MustCompile(`^005[A-Za-z0-9]{15}$`)
	loAppIDPattern = regexp.MustCompile(`^1Us[A-Za-z0-9]{15}$`)
	// A site prefix is one path segment; "services", "secur", "id" and the Lightning
	// paths would shadow the org's own routes.
	sitePrefixPattern = regexp.MustCompile(`^/(?:[a-z0-9][a-z0-9_-]*)$`)
)

func validateOrigin(origin string) error {
	if origin == "" {
		return nil // SetOrigin will provide it
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return fmt.Errorf("devorg: Origin must be scheme://host[:port], got %q", origin)
	}
	return nil
}

func (c Config) validate() error {
	var errs []error
	if err := validateOrigin(c.Origin); err != nil {
		errs = append(errs, err)
	}
	switch c.OrgType {
	case "", OrgProduction, OrgSandbox:
	default:
		errs = append(errs, fmt.Errorf("devorg: OrgType must be %q or %q, got %q", OrgProduction, OrgSandbox, c.OrgType))
	}
	if c.LoginHost != "" {
		if err := validateOrigin(c.LoginHost); err != nil {
			errs = append(errs, fmt.Errorf("devorg: LoginHost: %w", err))
		}
	}
	if !orgIDPattern.MatchString(c.OrgID) {
		errs = append(errs, fmt.Errorf("devorg: OrgID must be 18 characters starting with 00D, got %q", c.OrgID))
	}
	for _, u := range c.Users {
		if err := u.validate(); err != nil {
			errs = append(errs, err)
		}
	}
	for _, a := range c.Apps {
		if err := a.validate(); err != nil {
			errs = append(errs, err)
		}
	}
	for _, s := range c.Sites {
		if !sitePrefixPattern.MatchString(s.Prefix) {
			errs = append(errs, fmt.Errorf("devorg: Sites Prefix must look like /support (one path segment), got %q", s.Prefix))
		}
	}
	for _, l := range c.LOApps {
		if !loAppIDPattern.MatchString(l.ID) {
			errs = append(errs, fmt.Errorf("devorg: LOApps ID must be 18 characters starting with 1Us, got %q", l.ID))
		}
	}
	return errors.Join(errs...)
}

func (u User) validate() error {
	if !userIDPattern.MatchString(u.ID) {
		return fmt.Errorf("devorg: user %q: ID must be 18 characters starting with 005, got %q", u.Username, u.ID)
	}
	if u.Username == "" || !strings.Contains(u.Username, "@") {
		return fmt.Errorf("devorg: user %s: Username must look like an email address, got %q", u.ID, u.Username)
	}
	return nil
}

func (a App) validate() error {
	if a.ClientID == "" {
		return fmt.Errorf("devorg: app %q: ClientID is empty", a.Name)
	}
	switch a.PermittedUsers {
	case "", AllSelfAuthorize, AdminApproved:
	default:
		return fmt.Errorf("devorg: app %q: PermittedUsers must be %q or %q, got %q", a.Name, AllSelfAuthorize, AdminApproved, a.PermittedUsers)
	}
	if a.JWTBearer {
		if _, err := parseCertificate(a.CertificatePEM); err != nil {
			return fmt.Errorf("devorg: app %q: JWTBearer needs CertificatePEM: %w", a.Name, err)
		}
	}
	return nil
}
