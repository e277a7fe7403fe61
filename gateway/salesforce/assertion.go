package salesforce

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Assertion lifetimes (docs/salesforce.md §5.3): Salesforce accepts exp at most three
// minutes ahead; two leaves room for clock skew.
const (
	DefaultAssertionTTL = 2 * time.Minute
	MaxAssertionTTL     = 3 * time.Minute
)

// Assertion is what a JWT bearer assertion says.
type Assertion struct {
	ClientID string        // iss: the ECA consumer key (eca.client_id)
	Username string        // sub: the Salesforce username to act as (not the email)
	Audience string        // aud: signin.jwt.audience, e.g. https://login.salesforce.com
	TTL      time.Duration // exp - now; 0 means DefaultAssertionTTL; at most MaxAssertionTTL
}

// assertionClaims fixes the claim set and its JSON shape: aud a single
// string and exp/iat NumericDate seconds, as Salesforce requires.
type assertionClaims struct {
	Iss string `json:"iss"`
	Sub string `json:"sub"`
	Aud string `json:"aud"`
	Exp int64  `json:"exp"`
	Iat int64  `json:"iat"`
	Jti string `json:"jti"`
}

// SignAssertion signs a JWT bearer assertion with RS256. The header is
// {"alg":"RS256"} only (no kid, no typ), as in Salesforce's examples; claims
// are iss, sub, aud, exp and iat in seconds, and a random jti.
func SignAssertion(key *rsa.PrivateKey, a Assertion, now time.Time) (string, error) {
	if key == nil {
		return "", errors.New("salesforce assertion: no private key (signin.jwt.key_file)")
	}
	if bits := key.N.BitLen(); bits < 2048 {
		return "", fmt.Errorf("salesforce assertion: RSA key has %d bits; want at least 2048 (signin.jwt.key_file)", bits)
	}
	if a.ClientID == "" {
		return "", errors.New("salesforce assertion: empty iss; set eca.client_id to the ECA consumer key")
	}
	if a.Username == "" {
		return "", errors.New("salesforce assertion: empty sub; want the Salesforce username to act as")
	}
	if err := checkAudience(a.Audience); err != nil {
		return "", err
	}
	ttl := a.TTL
	switch {
	case ttl == 0:
		ttl = DefaultAssertionTTL
	case ttl < 0 || ttl > MaxAssertionTTL:
		return "", fmt.Errorf("salesforce assertion: lifetime %s; want more than 0 and at most %s (Salesforce refuses a later exp)", ttl, MaxAssertionTTL)
	}
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", fmt.Errorf("salesforce assertion: reading random jti: %w", err)
	}
	claims, err := json.Marshal(assertionClaims{
		Iss: a.ClientID,
		Sub: a.Username,
		Aud: a.Audience,
		Exp: now.Add(ttl).Unix(),
		Iat: now.Unix(),
		Jti: base64.RawURLEncoding.EncodeToString(jti),
	})
	if err != nil {
		return "", fmt.Errorf("salesforce assertion: encoding claims: %w", err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, nil)
	if err != nil {
		return "", fmt.Errorf("salesforce assertion: %w", err)
	}
	jws, err := signer.Sign(claims)
	if err != nil {
		return "", fmt.Errorf("salesforce assertion: signing: %w", err)
	}
	return jws.CompactSerialize()
}

// checkAudience refuses the classic mistake of using the token endpoint URL
// as aud (docs/salesforce.md §5.3).
func checkAudience(aud string) error {
	if aud == "" {
		return errors.New("salesforce assertion: empty aud; set signin.jwt.audience (default https://login.salesforce.com)")
	}
	u, err := url.Parse(aud)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("salesforce assertion: signin.jwt.audience %q is not an absolute https URL", aud)
	}
	if strings.Contains(u.Path, "/services/oauth2") {
		return fmt.Errorf("salesforce assertion: signin.jwt.audience %q is an OAuth endpoint; want https://login.salesforce.com, https://test.salesforce.com, the site URL or the My Domain URL", aud)
	}
	return nil
}
