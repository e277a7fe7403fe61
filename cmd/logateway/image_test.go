package main

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/logateway/logateway/config"
)

// instruction is one Dockerfile instruction with its continuation lines joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, CMD, …
	args string
}

func dockerfile(t *testing.T) []instruction {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var out []instruction
	var cur strings.Builder
	for _, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{strings.ToUpper(cmd), strings.TrimSpace(args)})
		cur.Reset()
	}
	return out
}

// lastExecForm returns the JSON (exec form) argument list of the last cmd instruction.
func lastExecForm(t *testing.T, ins []instruction, cmd string) []string {
	t.Helper()
	var got []string
	for _, in := range ins {
		if in.cmd == cmd {
			got = nil
			if err := json.Unmarshal([]byte(in.args), &got); err != nil {
				t.Fatalf("Dockerfile %s must use the exec (JSON) form, got %q: %v", cmd, in.args, err)
			}
		}
	}
	if got == nil {
		t.Fatalf("Dockerfile has no %s", cmd)
	}
	return got
}

// imageCommand is the exact command line the image runs by default:
// ENTRYPOINT followed by CMD, with the binary at its in-image path replaced by
// the one just built.
func imageCommand(t *testing.T) []string {
	ins := dockerfile(t)
	argv := append(lastExecForm(t, ins, "ENTRYPOINT"), lastExecForm(t, ins, "CMD")...)
	if argv[0] != "/usr/local/bin/logateway" {
		t.Fatalf("ENTRYPOINT starts with %q, want /usr/local/bin/logateway (where the image copies the binary)", argv[0])
	}
	argv[0] = binary(t)
	return argv
}

// envWithout is the test's environment less every LOGATEWAY_ variable, plus extra.
func envWithout(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LOGATEWAY_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

func TestImageDefaultCommandRefusesToStartWithoutAConfig(t *testing.T) {
	argv := imageCommand(t)
	dir := t.TempDir()
	cases := []struct {
		name     string
		env      []string
		wantPath string
	}{
		{"nothing mounted and LOGATEWAY_CONFIG unset", nil, config.DefaultPath},
		{"LOGATEWAY_CONFIG names a missing file", []string{"LOGATEWAY_CONFIG=" + filepath.Join(dir, "missing.yaml")}, filepath.Join(dir, "missing.yaml")},
		{"LOGATEWAY_CONFIG names a directory (a mis-mounted volume)", []string{"LOGATEWAY_CONFIG=" + dir}, dir},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env == nil {
				if _, err := os.Stat(config.DefaultPath); err == nil {
					skipOutsideCI(t, "%s exists on this machine", config.DefaultPath)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
			// A free public port, so that a gateway that wrongly starts would
			// keep running (and time out) instead of failing to listen.
			cmd.Env = envWithout(append(tc.env, "LOGATEWAY_LISTEN="+freeAddr(t))...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 2 {
				t.Fatalf("%v: want exit status 2, got %v\nstderr:\n%s", argv[1:], err, stderr.String())
			}
			msg := stderr.String()
			for _, want := range []string{tc.wantPath, "LOGATEWAY_CONFIG"} {
				if !strings.Contains(msg, want) {
					t.Errorf("want the message to name %q, got:\n%s", want, msg)
				}
			}
			if strings.Contains(msg, "DEV MODE") {
				t.Errorf("the image's command started dev mode:\n%s", msg)
			}
		})
	}
}

var digestPinned = regexp.MustCompile(`@sha256:[0-9a-f]{64}(\s|$)`)

func TestDockerfilePinsBasesLabelsTheImageAndExposesNoLoopbackPort(t *testing.T) {
	ins := dockerfile(t)
	stages := map[string]bool{}
	labels := ""
	for _, in := range ins {
		switch in.cmd {
		case "FROM":
			f := strings.Fields(in.args)
			if !stages[f[0]] && f[0] != "scratch" && !digestPinned.MatchString(f[0]) {
				t.Errorf("FROM %s: want the base image pinned by digest (image:tag@sha256:…)", in.args)
			}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				stages[f[2]] = true
			}
		case "LABEL":
			labels += in.args + " "
		case "EXPOSE":
			_, adminPort, _ := net.SplitHostPort(config.DefaultAdminListen)
			for _, p := range strings.Fields(in.args) {
				if strings.TrimSuffix(p, "/tcp") == adminPort {
					t.Errorf("EXPOSE %s: the admin listener binds to %s by default; exposing it invites a port nobody answers on", p, config.DefaultAdminListen)
				}
			}
		case "USER":
			if strings.HasPrefix(in.args, "root") || strings.HasPrefix(in.args, "0") {
				t.Errorf("USER %s: want a non-root user", in.args)
			}
		}
	}
	for _, k := range []string{"title", "description", "licenses", "source", "version", "revision", "created"} {
		if !strings.Contains(labels, "org.opencontainers.image."+k+"=") {
			t.Errorf("want the OCI label org.opencontainers.image.%s", k)
		}
	}
	hc := ""
	for _, in := range ins {
		if in.cmd == "HEALTHCHECK" {
			hc = in.args
		}
	}
	if !strings.Contains(hc, `CMD ["/usr/local/bin/logateway", "healthcheck"]`) {
		t.Errorf("want HEALTHCHECK … CMD [\"/usr/local/bin/logateway\", \"healthcheck\"], got %q", hc)
	}
}

// The image's runtime stage is distroless/static: no libc, no loader. A binary
// that needs either would not start there.
func TestImageBinaryIsStatic(t *testing.T) {
	var build string
	for _, in := range dockerfile(t) {
		if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
			build = in.args
		}
	}
	if !strings.Contains(build, "CGO_ENABLED=0") {
		t.Fatalf("the Dockerfile's go build must set CGO_ENABLED=0, got %q", build)
	}
	bin := filepath.Join(t.TempDir(), "logateway")
	cmd := exec.Command("go", "build", "-tags", "nomsgpack", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("want a static binary, found a %v program header", p.Type)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("want no shared libraries, the binary needs %v", libs)
	}
}

func TestHealthcheckCommandAgainstARunningGateway(t *testing.T) {
	gw, org := freeAddr(t), freeAddr(t)
	start(t, "--listen", gw, "--dev-org-listen", org, "--admin-listen", "off")
	waitHealthy(t, "http://"+gw, 10*time.Second)
	run := func(env []string, args ...string) (string, int) {
		cmd := exec.Command(binary(t), append([]string{"healthcheck"}, args...)...)
		cmd.Env = envWithout(env...)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return string(out), ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return string(out), 0
	}
	_, port, _ := net.SplitHostPort(gw)
	if out, code := run([]string{"LOGATEWAY_LISTEN=:" + port}); code != 0 || !strings.Contains(out, "ok") {
		t.Errorf("healthcheck with LOGATEWAY_LISTEN=:%s: want exit 0 and ok, got %d: %s", port, code, out)
	}
	if out, code := run(nil, "--url", "http://"+gw+"/__lo/healthz"); code != 0 {
		t.Errorf("healthcheck --url: want exit 0, got %d: %s", code, out)
	}
	dead := freeAddr(t)
	if out, code := run(nil, "--url", "http://"+dead+"/__lo/healthz", "--timeout", "2s"); code != 1 || !strings.Contains(out, dead) {
		t.Errorf("healthcheck against a closed port: want exit 1 naming %s, got %d: %s", dead, code, out)
	}
	if out, code := run(nil, "--url", "http://"+gw+"/__lo/no-such-route"); code != 1 || !strings.Contains(out, "answered 4") {
		t.Errorf("healthcheck answered non-200: want exit 1 naming the status, got %d: %s", code, out)
	}
}
