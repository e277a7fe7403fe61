package salesforce

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

// sharedKey is generated once: 2048-bit RSA generation is slow under -race.
func sharedKey(t testing.TB) *rsa.PrivateKey {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		testKey = k
	})
	return testKey
}

func TestSignAssertionRoundTrip(t *testing.T) {
	key := sharedKey(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	a := Assertion{ClientID: testClientID, Username: "ada@acme.com", Audience: "https://login.salesforce.com"}
	jwt, err := SignAssertion(key, a, now)
	if err != nil {
		t.Fatalf("SignAssertion: %v", err)
	}
	parsed, err := jose.ParseSignedCompact(jwt, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("ParseSigned: %v", err)
	}
	payload, err := parsed.Verify(&key.PublicKey)
	if err != nil {
		t.Fatalf("verifying with the public key: %v", err)
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	if _, err := parsed.Verify(&other.PublicKey); err == nil {
		t.Error("verifying with another key: wanted a failure")
	}

	header, _ := base64.RawURLEncoding.DecodeString(strings.Split(jwt, ".")[0])
	if string(header) != `{"alg":"RS256"}` {
		t.Errorf("header: wanted {\"alg\":\"RS256\"}, got %s", header)
	}
	var claims map[string]any
	dec := json.NewDecoder(strings.NewReader(string(payload)))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"iss": testClientID, "sub": "ada@acme.com", "aud": "https://login.salesforce.com", "exp": "1772366520", "iat": "1772366400"}
	for k, v := range want {
		if got := claims[k]; got == nil || (func() string {
			if n, ok := got.(json.Number); ok {
				return n.String()
			}
			s, _ := got.(string)
			return s
		}()) != v {
			t.Errorf("claim %s: wanted %s (exp/iat in seconds, aud a single string), got %v", k, v, got)
		}
	}
	if jti, _ := claims["jti"].(string); len(jti) < 16 {
		t.Errorf("jti: wanted a random id, got %q", jti)
	}
	again, _ := SignAssertion(key, a, now)
	if again == jwt {
		t.Error("two assertions at the same instant are identical: wanted a fresh jti each time")
	}
}

func TestSignAssertionRefusesBadInput(t *testing.T) {
	key := sharedKey(t)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	good := Assertion{ClientID: testClientID, Username: "ada@acme.com", Audience: "https://login.salesforce.com"}
	with := func(f func(*Assertion)) Assertion { a := good; f(&a); return a }
	cases := []struct {
		name string
		key  *rsa.PrivateKey
		a    Assertion
		want string
	}{
		{"a lifetime over three minutes is refused", key, with(func(a *Assertion) { a.TTL = 4 * time.Minute }), "at most 3m0s"},
		{"a negative lifetime is refused", key, with(func(a *Assertion) { a.TTL = -time.Second }), "lifetime"},
		{"the token endpoint as audience is refused", key, with(func(a *Assertion) { a.Audience = "https://login.salesforce.com/services/oauth2/token" }), "signin.jwt.audience"},
		{"an empty audience is refused", key, with(func(a *Assertion) { a.Audience = "" }), "signin.jwt.audience"},
		{"a relative audience is refused", key, with(func(a *Assertion) { a.Audience = "login.salesforce.com" }), "signin.jwt.audience"},
		{"an empty client id is refused", key, with(func(a *Assertion) { a.ClientID = "" }), "eca.client_id"},
		{"an empty username is refused", key, with(func(a *Assertion) { a.Username = "" }), "username"},
		{"a 1024-bit key is refused", small, good, "at least 2048"},
		{"no key is refused", nil, good, "signin.jwt.key_file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := SignAssertion(c.key, c.a, time.Now())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("wanted an error containing %q, got %v", c.want, err)
			}
		})
	}
	t.Run("a three-minute lifetime is accepted", func(t *testing.T) {
		if _, err := SignAssertion(key, with(func(a *Assertion) { a.TTL = MaxAssertionTTL }), time.Now()); err != nil {
			t.Errorf("wanted nil, got %v", err)
		}
	})
}
