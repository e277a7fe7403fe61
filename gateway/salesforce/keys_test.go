package salesforce

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGenerateKeyPairLoadsAndMatches(t *testing.T) {
	keyPEM, certPEM, err := GenerateKeyPair("logateway jwt", 30*24*time.Hour, 2048)
	if err != nil {
		t.Fatalf("GenerateKeyPair: %v", err)
	}
	if !strings.HasPrefix(string(keyPEM), "-----BEGIN PRIVATE KEY-----") {
		t.Errorf("key PEM: wanted PKCS#8, got %.40q", keyPEM)
	}
	key, err := LoadPrivateKey(writeFile(t, "server.key", keyPEM))
	if err != nil {
		t.Fatalf("LoadPrivateKey: %v", err)
	}
	cert, err := LoadCertificate(writeFile(t, "server.crt", certPEM))
	if err != nil {
		t.Fatalf("LoadCertificate: %v", err)
	}
	if !KeyMatchesCert(key, cert) {
		t.Error("KeyMatchesCert: wanted the generated key to match its certificate")
	}
	if cert.Subject.CommonName != "logateway jwt" || cert.SignatureAlgorithm != x509.SHA256WithRSA || key.N.BitLen() != 2048 {
		t.Errorf("certificate: wanted CN 'logateway jwt', SHA256WithRSA, 2048 bits; got %q %s %d", cert.Subject.CommonName, cert.SignatureAlgorithm, key.N.BitLen())
	}
	if d := time.Until(cert.NotAfter); d < 29*24*time.Hour || d > 31*24*time.Hour {
		t.Errorf("validity: wanted about 30 days, got %s", d)
	}
	if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
		t.Errorf("self-signature: %v", err)
	}
	_, cert2PEM, _ := GenerateKeyPair("other", 0, 0)
	cert2, _ := LoadCertificate(writeFile(t, "other.crt", cert2PEM))
	if KeyMatchesCert(key, cert2) {
		t.Error("KeyMatchesCert: wanted a certificate of another key refused")
	}
	if cert2.SerialNumber.Cmp(cert.SerialNumber) == 0 {
		t.Error("serial numbers: wanted random, got the same twice")
	}
	if KeyMatchesCert(nil, cert) || KeyMatchesCert(key, nil) {
		t.Error("KeyMatchesCert: wanted false for nil inputs")
	}
}

func TestLoadPrivateKeyForms(t *testing.T) {
	key := sharedKey(t)
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	got, err := LoadPrivateKey(writeFile(t, "pkcs1.key", pkcs1))
	if err != nil || !got.Equal(key) {
		t.Errorf("PKCS#1 key: wanted it loaded, got %v", err)
	}
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	_, certPEM, _ := GenerateKeyPair("x", 0, 2048)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"a certificate given as key names the mistake", certPEM, "is this the certificate"},
		{"a passphrase-protected key asks to strip it", pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}}), "passphrase"},
		{"a legacy encrypted PEM asks to strip it", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: []byte{1}}), "passphrase"},
		{"text that is not PEM says so", []byte("hello"), "no PEM block"},
		{"a 1024-bit key is refused", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(small)}), "at least 2048"},
		{"broken PKCS#8 bytes say so", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2}}), "PKCS#8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, "bad.key", c.data)
			_, err := LoadPrivateKey(p)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("wanted an error naming %s and containing %q, got %v", p, c.want, err)
			}
		})
	}
	t.Run("a missing file names the setting", func(t *testing.T) {
		_, err := LoadPrivateKey(filepath.Join(t.TempDir(), "nope.key"))
		if err == nil || !strings.Contains(err.Error(), "signin.jwt.key_file") {
			t.Errorf("wanted signin.jwt.key_file named, got %v", err)
		}
	})
	t.Run("a DER certificate loads", func(t *testing.T) {
		block, _ := pem.Decode(certPEM)
		if _, err := LoadCertificate(writeFile(t, "c.der", block.Bytes)); err != nil {
			t.Errorf("wanted DER accepted, got %v", err)
		}
	})
	t.Run("a key given as certificate is refused", func(t *testing.T) {
		_, err := LoadCertificate(writeFile(t, "c.pem", pkcs1))
		if err == nil || !strings.Contains(err.Error(), "want CERTIFICATE") {
			t.Errorf("wanted 'want CERTIFICATE', got %v", err)
		}
	})
	t.Run("keygen refuses fewer than 2048 bits", func(t *testing.T) {
		if _, _, err := GenerateKeyPair("x", 0, 1024); err == nil {
			t.Error("wanted an error")
		}
	})
}
