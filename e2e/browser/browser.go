// Package browser starts Debian's Chromium for the end-to-end suite: headless, with
// a fresh profile, and with a console recorder attached to every page, popup and
// cross-site iframe it opens, so a journey can assert that nothing on any of them
// logged a CSP violation or threw.
package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// InstallHint is how to get the browser the suite drives.
const InstallHint = "apt-get install -y chromium"

// Enabled reports whether the browser suite should run: LOGATEWAY_E2E=1 (make e2e)
// or CI=true. It is off otherwise so `go test ./...` stays fast.
func Enabled() bool {
	return os.Getenv("LOGATEWAY_E2E") == "1" || os.Getenv("CI") == "true"
}

// Required reports whether a missing Chromium is a failure rather than a skip.
func Required() bool {
	return os.Getenv("LOGATEWAY_REQUIRE_CHROMIUM") == "1" || os.Getenv("CI") == "true"
}

// Find returns the Chromium binary: $LOGATEWAY_CHROMIUM, /usr/bin/chromium, or
// chromium / chromium-browser on the PATH.
func Find() (string, error) {
	if p := os.Getenv("LOGATEWAY_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("LOGATEWAY_CHROMIUM=%s: %w", p, err)
		}
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no Chromium at /usr/bin/chromium or on the PATH")
}

// Browser is one running Chromium and its first tab.
type Browser struct {
	// Ctx is the first tab. Actions run on it with chromedp.Run / chromedp.Do.
	Ctx     context.Context
	Console *Console

	mu      sync.Mutex
	watched map[target.ID]bool
}

// Start launches Chromium for t, or skips t (fails it when Required) when there is
// none. The browser, its profile directory and every attached target end with t.
// extra adds command-line switches (host resolver rules, trusted keys).
func Start(t testing.TB, extra ...chromedp.ExecAllocatorOption) *Browser {
	t.Helper()
	path, err := Find()
	if err != nil {
		if Required() {
			t.Fatalf("want Chromium for the browser suite (LOGATEWAY_REQUIRE_CHROMIUM=1 or CI=true), got: %v; install it with `%s`", err, InstallHint)
		}
		t.Skipf("skipping the browser suite: %v; install it with `%s` (LOGATEWAY_REQUIRE_CHROMIUM=1 makes this a failure)", err, InstallHint)
	}
	dir := t.TempDir()
	// Lightning Out needs third-party cookies (the org's SameSite=None sid inside
	// the cross-site iframes); headless Chromium blocks them unless the profile
	// says otherwise, and only this preference does it before the first request.
	if err := os.MkdirAll(filepath.Join(dir, "Default"), 0o700); err != nil {
		t.Fatal(err)
	}
	prefs := `{"profile":{"cookie_controls_mode":0,"block_third_party_cookies":false}}`
	if err := os.WriteFile(filepath.Join(dir, "Default", "Preferences"), []byte(prefs), 0o600); err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1100, 800),
	}
	opts = append(opts, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	b := &Browser{Console: &Console{}, watched: map[target.ID]bool{}}
	ctx, cancelTab := chromedp.NewContext(actx, chromedp.WithListener(b.Console.listener("tab")))
	stopWatch := make(chan struct{})
	watchDone := make(chan struct{})
	t.Cleanup(func() {
		close(stopWatch)
		<-watchDone
		cancelTab()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		close(watchDone)
		t.Fatalf("want Chromium (%s) to start, got %v", path, err)
	}
	b.Ctx = ctx
	if c := chromedp.FromContext(ctx); c != nil && c.Target != nil {
		b.watched[c.Target.TargetID] = true
	}
	go b.watch(stopWatch, watchDone)
	return b
}

// watch attaches a console recorder to every new page (popups) and iframe target
// (cross-site iframes run in their own process under site isolation, and their
// console does not reach the tab's session).
func (b *Browser) watch(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	var cancels []context.CancelFunc
	defer func() {
		for _, c := range cancels {
			c()
		}
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		infos, err := chromedp.Targets(b.Ctx)
		if err != nil {
			continue
		}
		for _, info := range infos {
			if info.Type != "page" && info.Type != "iframe" {
				continue
			}
			b.mu.Lock()
			seen := b.watched[info.TargetID]
			b.watched[info.TargetID] = true
			b.mu.Unlock()
			if seen {
				continue
			}
			label := info.Type + " " + redactURL(info.URL)
			tctx, cancel := chromedp.NewContext(b.Ctx, chromedp.WithTargetID(info.TargetID), chromedp.WithDetachOnCancel(),
				chromedp.WithListener(b.Console.listener(label)))
			cancels = append(cancels, cancel)
			// A target can go away between the listing and the attach (a popup that
			// closed itself); then there is nothing left to record.
			actx, acancel := context.WithTimeout(tctx, 5*time.Second)
			_ = chromedp.Do(actx)
			acancel()
		}
	}
}

// Attach returns a context driving the first target whose URL has the prefix and
// that is not in skip, waiting up to within for it to appear. Cancelling the
// context detaches (it never closes the target: closing an iframe's target would
// close the page with it).
func (b *Browser) Attach(typ, urlPrefix string, skip map[target.ID]bool, within time.Duration) (context.Context, target.ID, context.CancelFunc, error) {
	deadline := time.Now().Add(within)
	for {
		infos, err := chromedp.Targets(b.Ctx)
		if err != nil {
			return nil, "", nil, err
		}
		for _, info := range infos {
			if info.Type == typ && !skip[info.TargetID] && strings.HasPrefix(info.URL, urlPrefix) {
				ctx, cancel := chromedp.NewContext(b.Ctx, chromedp.WithTargetID(info.TargetID), chromedp.WithDetachOnCancel())
				if err := chromedp.Do(ctx); err != nil {
					cancel()
					return nil, "", nil, fmt.Errorf("attach to %s %s: %w", typ, redactURL(info.URL), err)
				}
				return ctx, info.TargetID, cancel, nil
			}
		}
		if time.Now().After(deadline) {
			var seen []string
			for _, info := range infos {
				seen = append(seen, info.Type+" "+redactURL(info.URL))
			}
			return nil, "", nil, fmt.Errorf("want a %s target whose URL starts with %s within %s, got targets %q", typ, urlPrefix, within, seen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// redactURL drops the query of a URL for messages: a target URL can carry an
// authorization code or a frontdoor otp.
func redactURL(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		return u[:i] + "?…"
	}
	return u
}
