package verify

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// TestSiteInBrowser opens the generated site in headless Chromium from
// file://, searches for a call code, follows the result to the hypercall's
// page and saves a screenshot; any console error or exception fails it.
// The screenshot goes to $HVGEN_SCREENSHOTS (default: the test's temp dir).
func TestSiteInBrowser(t *testing.T) {
	browser := ""
	for _, b := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(b); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		t.Fatal("headless Chromium is required (apt-get install chromium; .ci/run installs it)")
	}
	site := filepath.Join(t.TempDir(), "site")
	hvgen(t, "docs", "-spec", "../spec", "-out", site)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "profile")), chromedp.WindowSize(1100, 1300))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	var mu sync.Mutex
	var problems []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == "error" || e.Type == "assert" {
				problems = append(problems, "console error")
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		}
	}); err != nil {
		t.Fatal(err)
	}

	step := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	step("open the index", chromedp.Do(ctx,
		chromedp.Navigate("file://"+filepath.Join(site, "index.html")),
		chromedp.WaitVisible("#q"),
		chromedp.SendKeys("#q", "0x6c"),
		chromedp.WaitVisible("#results a"),
	))
	first, err := chromedp.Run(ctx, chromedp.Text("#results li:first-child a"))
	step("read the first result", err)
	step("follow it", chromedp.Do(ctx, chromedp.Click("#results li:first-child a"), chromedp.WaitVisible("h1")))
	title, err := chromedp.Run(ctx, chromedp.Text("h1"))
	step("read the title", err)
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
	step("screenshot", err)
	// The documents call it HvCallMapStatsPage, the kernel headers (linux-7.0)
	// HVCALL_MAP_STATS_PAGE: either is the right first hit.
	okName := func(s string) bool {
		return strings.HasPrefix(s, "HvCallMapStatsPage") || strings.HasPrefix(s, "HVCALL_MAP_STATS_PAGE")
	}
	if !okName(first) || !okName(title) || !strings.HasPrefix(first, title) {
		t.Errorf("searching 0x6c: first result %q, page %q", first, title)
	}
	dir := os.Getenv("HVGEN_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	out := filepath.Join(dir, "hypercall-page.jpg")
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", out, len(shot))
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("browser reported: %v", problems)
	}
}
