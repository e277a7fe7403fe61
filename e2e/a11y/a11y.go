// Package a11y runs axe-core, Deque's accessibility engine, in a page the browser
// suite drives and returns what it found. axe.min.js is the unmodified file of the
// npm package axe-core (MPL-2.0, see axe-core.LICENSE; `make axe-core` refreshes
// it), committed so the suite needs neither npm nor the network.
package a11y

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"
)

// Version is the axe-core release in axe.min.js.
const Version = "4.14.1"

//go:embed axe.min.js
var axeSource string

// Tags are the rule sets Check runs: WCAG 2.0, 2.1 and 2.2 levels A and AA, and
// Deque's best practices.
var Tags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"}

// Violation is one rule a page breaks, with up to five of the elements that break it.
type Violation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"` // minor, moderate, serious, critical
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"` // CSS selectors
}

func (v Violation) String() string {
	return fmt.Sprintf("%s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, ", "))
}

// Serious reports whether the violation is serious or critical: what the suite
// does not accept on any page.
func (v Violation) Serious() bool { return v.Impact == "serious" || v.Impact == "critical" }

// Check loads axe-core into the document ctx drives (once per document) and runs
// it on the whole document. Frames are not entered: the chat's frames are the
// org's, on another origin; check a frame with a context attached to it.
func Check(ctx context.Context) ([]Violation, error) {
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === 'object'`))
	if err != nil {
		return nil, fmt.Errorf("a11y: reading the page: %w", err)
	}
	if !loaded {
		// DevTools evaluation is not subject to the page's CSP.
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axeSource+"\n;typeof window.axe === 'object'")); err != nil || !ok {
			return nil, fmt.Errorf("a11y: loading axe-core %s into the page: ok=%v, %v", Version, ok, err)
		}
	}
	tags, _ := json.Marshal(Tags)
	js := `axe.run(document, {runOnly: {type: 'tag', values: ` + string(tags) + `}, resultTypes: ['violations'], iframes: false})
  .then(function (r) {
    return JSON.stringify(r.violations.map(function (v) {
      return {id: v.id, impact: v.impact || '', help: v.help,
        nodes: v.nodes.slice(0, 5).map(function (n) { return n.target.join(' '); })};
    }));
  })`
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("a11y: running axe-core: %w", err)
	}
	var vs []Violation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		return nil, fmt.Errorf("a11y: reading axe-core's results: %w", err)
	}
	return vs, nil
}
