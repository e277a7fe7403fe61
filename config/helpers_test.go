package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// envMap is a getenv backed by a map, so tests never touch the process environment.
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// The keys are expensive to generate; one of each serves every test.
var (
	testKeyA = mustRSA(2048)
	testKeyB = mustRSA(2048)
)

func mustRSA(bits int) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		panic(err)
	}
	return k
}

// writePEM writes one PEM block to dir/name with the given mode and returns the path.
func writePEM(t *testing.T, dir, name, typ string, der []byte, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode); err != nil {
		t.Fatal(err)
	}
	// WriteFile's mode is filtered by the umask; set it exactly.
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeRSAKey(t *testing.T, dir, name string, k *rsa.PrivateKey, mode os.FileMode) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return writePEM(t, dir, name, "PRIVATE KEY", der, mode)
}

func writeECKey(t *testing.T, dir, name string) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return writePEM(t, dir, name, "PRIVATE KEY", der, 0o600)
}

// writeCert writes a self-signed certificate for k valid from notBefore to notAfter.
func writeCert(t *testing.T, dir, name string, k *rsa.PrivateKey, notBefore, notAfter time.Time) string {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "logateway test"},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return writePEM(t, dir, name, "CERTIFICATE", der, 0o644)
}

// writeKeyPair writes a valid jwt.key (0600) and jwt.crt into dir.
func writeKeyPair(t *testing.T, dir string) {
	t.Helper()
	writeRSAKey(t, dir, "jwt.key", testKeyA, 0o600)
	writeCert(t, dir, "jwt.crt", testKeyA, time.Now().Add(-time.Hour), time.Now().Add(365*24*time.Hour))
}

// copyExample copies config/examples/<name> into dir, pointing /etc/logateway/ paths at
// dir so the test can provide the files.
func copyExample(t *testing.T, name, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("examples", name))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(data), "/etc/logateway/", dir+"/")
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// problemsOf returns the problems of a *ValidationError, failing the test on other errors.
func problemsOf(t *testing.T, err error) []Problem {
	t.Helper()
	if err == nil {
		return nil
	}
	ve, ok := err.(*ValidationError)
	if !ok {
		t.Fatalf("want a *ValidationError, got %T: %v", err, err)
	}
	return ve.Problems
}

const sessionKey1 = "0123456789abcdef0123456789abcdef-one"
const sessionKey2 = "0123456789abcdef0123456789abcdef-two"
