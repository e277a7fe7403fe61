package salesforce

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"time"
)

// GenerateKeyPair makes the key that signs JWT bearer assertions and the
// self-signed certificate to upload to the External Client App — the Go
// version of Salesforce's OpenSSL recipe (docs/salesforce.md §5.1). The key PEM is
// PKCS#8 ("PRIVATE KEY", what current OpenSSL writes); LoadPrivateKey reads
// PKCS#1 ("RSA PRIVATE KEY") too. bits 0 means 2048; validity 0 means 365 days.
func GenerateKeyPair(commonName string, validity time.Duration, bits int) (keyPEM, certPEM []byte, err error) {
	if bits == 0 {
		bits = 2048
	}
	if bits < 2048 {
		return nil, nil, fmt.Errorf("salesforce keygen: %d-bit RSA requested; want at least 2048", bits)
	}
	if validity == 0 {
		validity = 365 * 24 * time.Hour
	}
	if validity < 0 {
		return nil, nil, fmt.Errorf("salesforce keygen: negative validity %s", validity)
	}
	if commonName == "" {
		return nil, nil, errors.New("salesforce keygen: empty certificate common name")
	}
	key, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, nil, fmt.Errorf("salesforce keygen: generating RSA key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("salesforce keygen: random serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             now.Add(-5 * time.Minute), // tolerate a slightly slow clock at the org
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		SignatureAlgorithm:    x509.SHA256WithRSA,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("salesforce keygen: self-signing certificate: %w", err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("salesforce keygen: encoding key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// LoadPrivateKey reads an unencrypted RSA private key, PEM PKCS#1 or PKCS#8.
func LoadPrivateKey(path string) (*rsa.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signin.jwt.key_file: %w", err)
	}
	return ParsePrivateKey(path, data)
}

// ParsePrivateKey is LoadPrivateKey for bytes already read; name is used in errors.
func ParsePrivateKey(name string, data []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%s: no PEM block; want an RSA private key in PEM (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)", name)
	}
	if block.Type == "ENCRYPTED PRIVATE KEY" || block.Headers["Proc-Type"] != "" {
		return nil, fmt.Errorf("%s: the key is passphrase-protected; strip the passphrase (openssl rsa -in %s -out server.key) as in Salesforce's recipe", name, name)
	}
	var key *rsa.PrivateKey
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: PKCS#1 RSA key does not parse: %v", name, err)
		}
		key = k
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: PKCS#8 key does not parse: %v", name, err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("%s: PKCS#8 key is %T; Salesforce's JWT bearer flow needs RSA (RS256)", name, k)
		}
		key = rk
	default:
		return nil, fmt.Errorf("%s: PEM block is %q; want PRIVATE KEY or RSA PRIVATE KEY (is this the certificate instead of the key?)", name, block.Type)
	}
	if bits := key.N.BitLen(); bits < 2048 {
		return nil, fmt.Errorf("%s: RSA key has %d bits; want at least 2048", name, bits)
	}
	return key, nil
}

// LoadCertificate reads an X.509 certificate, PEM or DER.
func LoadCertificate(path string) (*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signin.jwt.cert_file: %w", err)
	}
	der := data
	if block, _ := pem.Decode(data); block != nil {
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("%s: PEM block is %q; want CERTIFICATE", path, block.Type)
		}
		der = block.Bytes
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%s: not an X.509 certificate in PEM or DER: %v", path, err)
	}
	return cert, nil
}

// KeyMatchesCert reports whether cert holds key's public half, i.e. whether
// Salesforce, holding cert, will verify assertions signed with key.
func KeyMatchesCert(key *rsa.PrivateKey, cert *x509.Certificate) bool {
	if key == nil || cert == nil {
		return false
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	return ok && key.PublicKey.Equal(pub)
}
