package config

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
)

// LoadCAPool reads a PEM bundle and returns the system's roots with its
// certificates added. The message says what is wrong and never quotes file
// contents.
func LoadCAPool(file string) (*x509.CertPool, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %v", file, unwrapPathErr(err))
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	n := 0
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: certificate %d does not parse: %v", file, n+1, err)
		}
		pool.AddCert(cert)
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("%s holds no PEM certificate (want one or more -----BEGIN CERTIFICATE----- blocks)", file)
	}
	return pool, nil
}

func resolveCAFile(s *Site, p string, ps *problems) {
	if s.Org.CAFile == "" {
		return
	}
	pool, err := LoadCAPool(s.Org.CAFile)
	if err != nil {
		ps.add(p+".org.ca_file", "point it at a PEM bundle of the CA certificates that sign the org's (and IdP's) TLS certificates", "%v", err)
		return
	}
	s.Org.CAPool = pool
}
