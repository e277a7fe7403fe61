package config

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"runtime"
	"time"
)

// KeyProblem is one thing wrong with a JWT key or certificate file.
type KeyProblem struct {
	Cert    bool // the problem is with cert_file rather than key_file
	Message string
	Fix     string
}

// LoadJWTKey reads and checks the JWT bearer signing key: the file is readable, not
// readable by group or others, a PEM RSA private key (PKCS#1 or PKCS#8, unencrypted) of at
// least 2048 bits; and, when certFile is given, that certificate holds the same public
// key and is valid now. It returns the key and certificate when there are no problems.
// `logateway check` reports these through Load; keygen can call it to verify its output.
func LoadJWTKey(keyFile, certFile string, now time.Time) (*rsa.PrivateKey, *x509.Certificate, []KeyProblem) {
	var list []KeyProblem
	bad := func(cert bool, fix, format string, args ...any) {
		list = append(list, KeyProblem{Cert: cert, Message: fmt.Sprintf(format, args...), Fix: fix})
	}
	key := readRSAKey(keyFile, func(fix, format string, args ...any) { bad(false, fix, format, args...) })
	var cert *x509.Certificate
	if certFile != "" {
		cert = readCert(certFile, now, func(fix, format string, args ...any) { bad(true, fix, format, args...) })
		if key != nil && cert != nil {
			pub, ok := cert.PublicKey.(*rsa.PublicKey)
			if !ok || !pub.Equal(&key.PublicKey) {
				bad(true, "upload the certificate made from this key (`openssl req -new -x509 -key <key_file> …` or `logateway keygen`), or point key_file at the matching key",
					"%s does not hold the public key of %s; Salesforce would answer invalid_grant (invalid assertion)", certFile, keyFile)
			}
		}
	}
	if len(list) > 0 {
		return nil, nil, list
	}
	return key, cert, nil
}

type reportFunc func(fix, format string, args ...any)

func readRSAKey(path string, bad reportFunc) *rsa.PrivateKey {
	st, err := os.Stat(path)
	if err != nil {
		bad("check the path and that the gateway's user can read it", "cannot read %s: %v", path, unwrapPathErr(err))
		return nil
	}
	if st.IsDir() {
		bad("point it at the key file, not its directory", "%s is a directory", path)
		return nil
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		// A signing key that others can read lets them act as any pre-authorized user.
		bad(fmt.Sprintf("chmod 600 %s", path), "%s has mode %04o: readable by group or others; it must be 0600 or 0400", path, st.Mode().Perm())
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		bad("check that the gateway's user can read it", "cannot read %s: %v", path, unwrapPathErr(err))
		return nil
	}
	block, _ := pem.Decode(data)
	if block == nil {
		bad("use a PEM file starting with -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----", "%s is not PEM", path)
		return nil
	}
	if block.Type == "ENCRYPTED PRIVATE KEY" || block.Headers["Proc-Type"] != "" {
		bad(fmt.Sprintf("remove the passphrase: openssl rsa -in %s -out <new file>", path), "%s is passphrase-protected; the gateway cannot prompt for it", path)
		return nil
	}
	var parsed any
	switch block.Type {
	case "RSA PRIVATE KEY":
		parsed, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		parsed, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		parsed, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		bad("use the RSA private key (the file with PRIVATE KEY in its header)", "%s holds a %q block, not a private key", path, block.Type)
		return nil
	}
	if err != nil {
		bad("regenerate the key (`logateway keygen`)", "%s does not parse as a private key: %v", path, err)
		return nil
	}
	switch k := parsed.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			bad("make a 2048-bit or larger RSA key (`logateway keygen`)", "%s is a %d-bit RSA key; at least 2048 bits are needed", path, k.N.BitLen())
			return nil
		}
		return k
	case *ecdsa.PrivateKey:
		bad("make an RSA key (`logateway keygen`); Salesforce's JWT bearer flow signs with RS256", "%s is an ECDSA key, not RSA", path)
	case ed25519.PrivateKey:
		bad("make an RSA key (`logateway keygen`); Salesforce's JWT bearer flow signs with RS256", "%s is an Ed25519 key, not RSA", path)
	default:
		bad("make an RSA key (`logateway keygen`)", "%s is a %T, not an RSA key", path, parsed)
	}
	return nil
}

func readCert(path string, now time.Time, bad reportFunc) *x509.Certificate {
	data, err := os.ReadFile(path)
	if err != nil {
		bad("check the path, or remove cert_file (it is optional)", "cannot read %s: %v", path, unwrapPathErr(err))
		return nil
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		bad("use the PEM certificate (-----BEGIN CERTIFICATE-----) uploaded to the ECA", "%s is not a PEM certificate", path)
		return nil
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		bad("use the PEM certificate uploaded to the ECA", "%s does not parse as a certificate: %v", path, err)
		return nil
	}
	if now.After(cert.NotAfter) {
		bad("make a new key and certificate (`logateway keygen`) and upload the certificate to the ECA",
			"%s expired on %s; Salesforce refuses assertions signed for it", path, cert.NotAfter.UTC().Format(time.DateOnly))
		return nil
	}
	if now.Before(cert.NotBefore) {
		bad("check the system clock, or make a certificate valid from now", "%s is not valid until %s", path, cert.NotBefore.UTC().Format(time.RFC3339))
		return nil
	}
	return cert
}

// unwrapPathErr drops the path from an *os.PathError, which the message already names.
func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
