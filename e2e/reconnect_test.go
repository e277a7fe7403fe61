package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// statusLog records every text the page's status shows, for a journey to read
// back what a visitor (or a screen reader) was told.
const statusLog = `(function () {
  var s = document.getElementById('lo-status');
  window.__e2eStatus = [s.textContent];
  new MutationObserver(function () { window.__e2eStatus.push(s.textContent); })
    .observe(s, {childList: true, characterData: true, subtree: true});
  return true;
})()`

func TestAfterARecoveryTheInlineChatIsOpenAtItsSizeWithAPoliteReconnectedNotice(t *testing.T) {
	b := needSuite(t)
	env := startRecoverySite(t, false, true, 0)
	mark := b.Console.Mark()
	tab := b.Ctx

	first, firstID := signInToChat(t, b, tab, env)
	wantReply(t, chat(t, b, first, "hello", 2), "hello")
	before := rectOf(t, tab, "#lo-container .lo-frame")
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](statusLog)); err != nil {
		t.Fatalf("want the status recorded, got %v", err)
	}

	endTheOrgSessionUnderTheChat(t, b, env, first)
	waitFor(t, b, tab, "the status to say Reconnected after the recovery",
		`(window.__e2eStatus || []).indexOf('Reconnecting\u2026') >= 0 && document.getElementById('lo-status').textContent === 'Reconnected' && `+statusIs("ready"), 30*time.Second)
	if live, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.getElementById('lo-status').getAttribute('aria-live')`)); live != "polite" {
		t.Errorf("want the Reconnected notice in a polite live region, got aria-live=%q", live)
	}
	second, _ := chatFrame(t, b, env, map[target.ID]bool{firstID: true})
	// Inline, the chat is open again at once: its input is there without a click.
	step(t, b, second, "the chat's input, open without a click", 15*time.Second,
		chromedp.WaitVisible(chromedp.CSS("#acc-root.acc--inline #acc-input")))
	if after := rectOf(t, tab, "#lo-container .lo-frame"); after != before {
		t.Errorf("want the chat at the size it had before the recovery, %s, got %s", before, after)
	}
	// Short: the status reads Connected again within a few seconds.
	waitFor(t, b, tab, "the status back to Connected", `document.getElementById('lo-status').textContent === 'Connected'`, 8*time.Second)
	seen, _ := chromedp.Run(tab, chromedp.Evaluate[[]string](`window.__e2eStatus`))
	if n := strings.Count(strings.Join(seen, "|"), "Reconnected"); n != 1 {
		t.Errorf("want Reconnected said once, got the status sequence %q", seen)
	}
	wantReply(t, chat(t, b, second, "still here?", 2), "still here?")
	shot(t, tab, "reconnected-inline")

	journeyEnd{name: "reconnected-notice", tab: tab, env: env, b: b, mark: mark, frames: []context.Context{second}, signedIn: true, allowStatus: orgSessionExpired}.check(t)
}
