package devorg

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"time"

	"crypto/rand"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// signingKey signs id_tokens; its public half is served at /id/keys.
type signingKey struct {
	kid  string
	priv *rsa.PrivateKey
}

func newSigningKey() (*signingKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return &signingKey{kid: base64.RawURLEncoding.EncodeToString(randomBytes(9)), priv: priv}, nil
}

// RotateKeys adds a new signing key and signs with it from now on; older keys stay in
// the JWKS so tokens already issued still verify.
func (o *Org) RotateKeys() error {
	k, err := newSigningKey()
	if err != nil {
		return fmt.Errorf("devorg: RotateKeys: %w", err)
	}
	o.mu.Lock()
	o.keys = append(o.keys, k)
	o.mu.Unlock()
	return nil
}

func (o *Org) jwks() jose.JSONWebKeySet {
	o.mu.Lock()
	defer o.mu.Unlock()
	var set jose.JSONWebKeySet
	for _, k := range o.keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: string(jose.RS256), Use: "sig"})
	}
	return set
}

func (o *Org) handleKeys(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	writeJSON(w, http.StatusOK, o.jwks())
}

// signJWT signs claims with the current key (RS256, kid in the header).
func (o *Org) signJWT(claims map[string]any) (string, error) {
	o.mu.Lock()
	k := o.keys[len(o.keys)-1]
	o.mu.Unlock()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: k.priv, KeyID: k.kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	return jwt.Signed(signer).Claims(claims).Serialize()
}

// idToken builds the OIDC id_token of 1.12.
func (o *Org) idToken(app *App, u *User, accessToken, nonce, issuer string) (string, error) {
	now := o.now()
	sum := sha256.Sum256([]byte(accessToken))
	first, last := splitName(u.Name)
	claims := map[string]any{
		"iss":                issuer,
		"sub":                o.identityURL(u.ID),
		"aud":                app.ClientID,
		"exp":                now.Add(o.cfg.Assumptions.IDTokenLifetime).Unix(),
		"iat":                now.Unix(),
		"auth_time":          now.Unix(),
		"at_hash":            base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2]),
		"name":               u.Name,
		"given_name":         first,
		"family_name":        last,
		"email":              u.Email,
		"email_verified":     true,
		"preferred_username": u.Username,
		"nickname":           nickname(u),
		"zoneinfo":           "Europe/London",
		"updated_at":         now.UTC().Format(time.RFC3339),
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	return o.signJWT(claims)
}

// parseCertificate reads the ECA's uploaded certificate (PEM) and returns its RSA key.
func parseCertificate(pemText string) (*rsa.PublicKey, error) {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return nil, errors.New("expected a PEM CERTIFICATE block, found no PEM data")
	}
	if block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("expected a PEM CERTIFICATE block, found %q", block.Type)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing the certificate: %w", err)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("expected an RSA certificate, found %T", cert.PublicKey)
	}
	return pub, nil
}
