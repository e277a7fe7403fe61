package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway/salesforce"
)

// keygen makes the RSA key and self-signed certificate for the JWT bearer flow.
func keygen(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("logateway keygen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keyPath := fs.String("key", "logateway-jwt.key", "where to write the private key (mode 0600); point signin.jwt.key_file at it")
	certPath := fs.String("cert", "logateway-jwt.crt", "where to write the certificate to upload to the External Client App")
	outDir := fs.String("out", "", "directory for jwt.key and jwt.crt (instead of --key and --cert)")
	cn := fs.String("cn", "logateway", "certificate subject common name")
	days := fs.Int("days", 365, "certificate validity in days")
	bits := fs.Int("bits", 2048, "RSA key size (2048 or more)")
	force := fs.Bool("force", false, "overwrite existing files")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: logateway keygen [--out DIR | --key F --cert F] [--cn NAME] [--days N] [--force]\n\nMakes an RSA private key and a self-signed X.509 certificate (SHA-256 with RSA) for\nthe JWT bearer flow. Upload the certificate to the ECA; keep the key with the gateway.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return exitError{code: 2}
	}
	if *outDir != "" {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if set["key"] || set["cert"] {
			return exitError{code: 2, msg: "logateway keygen: use --out, or --key and --cert, not both"}
		}
		*keyPath, *certPath = filepath.Join(*outDir, "jwt.key"), filepath.Join(*outDir, "jwt.crt")
	}
	if *bits < 2048 {
		return exitError{code: 2, msg: "logateway keygen: --bits must be at least 2048"}
	}
	if *days <= 0 {
		return exitError{code: 2, msg: "logateway keygen: --days must be positive"}
	}
	if !*force {
		for _, p := range []string{*keyPath, *certPath} {
			if _, err := os.Stat(p); err == nil {
				return exitError{code: 2, msg: fmt.Sprintf("logateway keygen: %s exists; refusing to overwrite it (use --force, or other --key/--cert paths)", p)}
			}
		}
	}
	keyPEM, certPEM, err := salesforce.GenerateKeyPair(*cn, time.Duration(*days)*24*time.Hour, *bits)
	if err != nil {
		return err
	}
	if err := writeFile(*keyPath, keyPEM, 0o600, *force); err != nil {
		return err
	}
	if err := writeFile(*certPath, certPEM, 0o644, *force); err != nil {
		return err
	}
	// Read both back as the gateway will, so a bad write shows here and not at sign-in.
	if _, _, problems := config.LoadJWTKey(*keyPath, *certPath, time.Now()); len(problems) > 0 {
		return fmt.Errorf("logateway keygen: the written files do not check out: %s", problems[0].Message)
	}
	fmt.Fprintf(stdout, `Wrote %s (private key, mode 0600) and %s (certificate, valid %d days).

Next, in Salesforce Setup:
  1. External Client App Manager → your ECA → Settings → OAuth Settings → Flow Enablement:
     tick "Enable JWT Bearer Flow" and upload %s.
  2. Policies → OAuth Policies → Permitted Users: "Admin approved users are pre-authorized",
     then add the visitors' profile or a permission set under App Policies.
  3. In the gateway config: signin.flow: jwt-bearer, signin.jwt.key_file: %s,
     signin.jwt.cert_file: %s (optional; lets 'logateway check' prove they match).
  4. Run 'logateway check --config <file>' to confirm.
Keep %s secret: anyone holding it can sign in as any pre-authorized user.
`, *keyPath, *certPath, *days, *certPath, *keyPath, *certPath, *keyPath)
	return nil
}

func writeFile(path string, data []byte, mode os.FileMode, force bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, mode)
	if err != nil {
		return fmt.Errorf("logateway keygen: %w", err)
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
