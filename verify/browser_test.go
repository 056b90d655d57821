package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// TestSiteInBrowser opens the generated site in headless Chromium from
// file://, searches for a call code, follows the result to the hypercall's
// page and saves a screenshot; searches by Go name and by a name without its
// prefix, with the query kept in the URL and read back from it; and checks
// that the versions page's change table fits the page (its New column in
// view without horizontal scrolling), with a screenshot of it. Any console
// error or exception fails it. The screenshots go to $HVGEN_SCREENSHOTS
// (default: the test's temp dir).
func TestSiteInBrowser(t *testing.T) {
	browser := ""
	for _, b := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(b); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		t.Fatal("headless Chromium is required (apt-get install chromium; ./test.sh installs it)")
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
	// Every value is read by one JavaScript evaluation that also checks the
	// page is the one expected and fully loaded (waitFor), never through DOM
	// node ids, which a late document update invalidates ("No node with given
	// id found").
	waitFor := func(what, expr string) string {
		t.Helper()
		v, err := waitJS(ctx, expr)
		step(what, err)
		return v
	}
	step("open the index", chromedp.Do(ctx,
		chromedp.Navigate("file://"+filepath.Join(site, "index.html")),
		chromedp.WaitVisible("#q"),
		chromedp.SendKeys("#q", "0x6c"),
	))
	first := waitFor("read the first result", `(function () {
		var a = document.querySelector('#results li:first-child a');
		return a && location.search === '?q=0x6c' ? a.innerText : '';
	})()`)
	href := waitFor("read the first result's link", `document.querySelector('#results li:first-child a').href`)
	step("follow it", chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('#results li:first-child a').click()`)))
	title := waitFor("read the title", `(function () {
		var h = document.querySelector('h1');
		return location.href === `+strconv.Quote(href)+` && document.readyState === 'complete' && document.querySelector('dl.facts') && h ? h.innerText : '';
	})()`)
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
	save := func(name string, shot []byte) {
		t.Helper()
		out := filepath.Join(dir, name)
		if err := os.WriteFile(out, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s (%d bytes)", out, len(shot))
	}
	save("hypercall-page.jpg", shot)

	// Search by other names: ranked, without duplicates, the query in the URL.
	index := "file://" + filepath.Join(site, "index.html")
	for _, q := range []struct{ query, first string }{
		{"PartitionID", "HV_PARTITION_ID"},     // a Go name
		{"MapStatsPage", "HvCallMapStatsPage"}, // without the HvCall prefix, ahead of HV_INPUT_MAP_STATS_PAGE
		{"hv_status_access_denied", "HV_STATUS_ACCESS_DENIED"},
	} {
		step("search "+q.query, chromedp.Do(ctx,
			chromedp.Navigate(index), chromedp.WaitVisible("#q"),
			chromedp.SendKeys("#q", q.query),
		))
		// The results of the whole query, once the URL holds it.
		list := waitFor("read the results of "+q.query, `(function () {
			if (new URLSearchParams(location.search).get('q') !== `+strconv.Quote(q.query)+`) { return ''; }
			var a = Array.from(document.querySelectorAll('#results li a'));
			return a.length ? JSON.stringify(a.map(function (x) { return x.firstChild.textContent + ' ' + x.getAttribute('href'); })) : '';
		})()`)
		var got []string
		step("decode the results", json.Unmarshal([]byte(list), &got))
		loc := waitFor("read the location", `location.href`)
		if len(got) == 0 || !strings.HasPrefix(got[0], q.first+" ") {
			t.Errorf("search %q: results %v, want %s first", q.query, got[:min(len(got), 5)], q.first)
		}
		seen := map[string]bool{}
		for _, r := range got {
			if seen[r] {
				t.Errorf("search %q: %s listed twice", q.query, r)
			}
			seen[r] = true
		}
		if !strings.Contains(loc, "?q="+q.query) {
			t.Errorf("search %q: the URL %s does not hold the query", q.query, loc)
		}
	}
	step("open a search URL", chromedp.Do(ctx, chromedp.Navigate(index+"?q=0x6c")))
	first = waitFor("read the first result", `(function () {
		var a = document.querySelector('#results li:first-child a');
		return a && document.readyState === 'complete' ? a.innerText : '';
	})()`)
	value := waitFor("read the search box", `document.getElementById('q').value`)
	if !strings.HasPrefix(first, "HvCallMapStatsPage") || value != "0x6c" {
		t.Errorf("index.html?q=0x6c: box %q, first result %q", value, first)
	}

	// The versions page: the change tables fit a normal-width page.
	step("open the versions page", chromedp.Do(ctx, chromedp.Navigate("file://"+filepath.Join(site, "versions.html"))))
	waitFor("wait for the change tables", `document.readyState === 'complete' && document.querySelector('table.changes') ? 'yes' : ''`)
	fit, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(function () {
		var bad = [];
		var w = document.documentElement.clientWidth;
		if (document.documentElement.scrollWidth > w) { bad.push('page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + w); }
		document.querySelectorAll('table.changes').forEach(function (t, i) {
			if (t.scrollWidth > t.clientWidth + 1) { bad.push('table ' + i + ' scrolls: ' + t.scrollWidth + ' > ' + t.clientWidth); }
			var th = t.querySelectorAll('th');
			var last = th[th.length - 1];
			if (last.textContent !== 'New' || last.getBoundingClientRect().right > w) { bad.push('table ' + i + ': New column ends at ' + last.getBoundingClientRect().right + ' of ' + w); }
		});
		return bad;
	})()`))
	step("measure the change tables", err)
	for _, b := range fit {
		t.Error("versions page: " + b)
	}
	shot, err = chromedp.Run(ctx, chromedp.CaptureScreenshot())
	step("screenshot the versions page", err)
	save("versions-page.png", shot)
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("browser reported: %v", problems)
	}
}

// waitJS evaluates expr, a JavaScript expression giving a string, until it
// gives a non-empty one, and returns that. An evaluation that fails because
// the page is navigating is tried again; the context's deadline ends it.
func waitJS(ctx context.Context, expr string) (string, error) {
	var last error
	for {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err == nil && v != "" {
			return v, nil
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			if last != nil {
				return "", fmt.Errorf("%w (last error: %v)", ctx.Err(), last)
			}
			return "", ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
