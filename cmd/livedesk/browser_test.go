package main

// Headless Chromium for end-to-end tests, shared by every area's browser tests:
//
//	b := newBrowser(t)                       // one Chromium, closed when the test ends
//	pg := b.page(t, s.URL())                 // a tab on the test server
//	login(t, pg, "shop1", "op", "password")  // through the real login form
//	pg.open("/rooms/r1", "#tiles")            // navigate, wait until the selector is visible
//	pg.waitText("#flags", "高点击无成交", 5*time.Second)
//	pg.screenshot("control.png")             // under LIVEDESK_SCREENSHOTS or the test's temp dir
//
// JS exceptions and console errors of the page are collected; pg.noJSErrors() fails the test
// when there were any.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath is the browser the tests drive (Debian's chromium; `make deps` installs it).
func chromiumPath(t testing.TB) string {
	for _, p := range []string{os.Getenv("LIVEDESK_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium found: run `make deps` (installs Debian's chromium) or set LIVEDESK_CHROMIUM")
	return ""
}

// browser is one headless Chromium process.
type browser struct {
	ctx context.Context // the browser (first tab)
}

// newBrowser starts a headless Chromium with a private profile; it stops when the test ends.
func newBrowser(t testing.TB) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1920, 1080),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "zh-CN"),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() { cancel(); cancelAlloc() })
	return &browser{ctx: ctx}
}

// page is one browser tab pointed at a server.
type page struct {
	t    testing.TB
	ctx  context.Context
	base string

	mu     sync.Mutex
	errors []string
}

// page opens a new tab for the server at base (e.g. s.URL()).
func (b *browser) page(t testing.TB, base string) *page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	p := &page{t: t, ctx: ctx, base: base}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			p.addError("exception: " + exceptionText(e.ExceptionDetails))
		case runtime.EventExceptionThrown:
			p.addError("exception: " + exceptionText(e.ExceptionDetails))
		case *runtime.EventConsoleAPICalled:
			p.consoleError(e)
		case runtime.EventConsoleAPICalled:
			p.consoleError(&e)
		}
	})
	if err != nil {
		t.Fatalf("listen to tab: %v", err)
	}
	return p
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return "?"
	}
	msg := d.Text
	if d.Exception != nil {
		msg += " " + d.Exception.Description
	}
	return msg
}

func (p *page) consoleError(e *runtime.EventConsoleAPICalled) {
	if e.Type != runtime.ConsoleAPICalledTypeError {
		return
	}
	var parts []string
	for _, a := range e.Args {
		parts = append(parts, string(a.Value)+a.Description)
	}
	p.addError("console.error: " + strings.Join(parts, " "))
}

func (p *page) addError(s string) {
	p.mu.Lock()
	p.errors = append(p.errors, s)
	p.mu.Unlock()
}

// url returns base + path.
func (p *page) url(path string) string { return p.base + path }

// run runs steps with a 30 s limit, failing the test on error.
func (p *page) run(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.t.Fatalf("browser: %v (page errors: %v)", err, p.jsErrors())
	}
}

// open navigates to path and waits until sel is visible.
func (p *page) open(path, sel string) {
	p.t.Helper()
	p.run(chromedp.Navigate(p.url(path)), chromedp.WaitVisible(chromedp.CSS(sel)))
}

// text returns the text of the first element matching the CSS selector sel.
func (p *page) text(sel string) string {
	p.t.Helper()
	return evalIn[string](p, fmt.Sprintf(`(function(){var e=document.querySelector(%q);return e ? e.textContent : ""})()`, sel))
}

// evalIn evaluates a JS expression in the page and decodes its value.
func evalIn[T any](p *page, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v (page errors: %v)", expr, err, p.jsErrors())
	}
	return v
}

// waitJS waits until the JS expression is truthy, failing after timeout. It evaluates every
// 50 ms and tolerates navigations in between (an evaluation that a page load interrupts is
// simply retried).
func (p *page) waitJS(expr string, timeout time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	var lastErr error
	for {
		ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expr+")"))
		cancel()
		if err == nil && ok {
			return
		}
		if err != nil {
			lastErr = err
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("waited %v for %s (last error %v; page errors: %v)", timeout, expr, lastErr, p.jsErrors())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitText waits until the text of the CSS selector sel contains want.
func (p *page) waitText(sel, want string, timeout time.Duration) {
	p.t.Helper()
	p.waitJS(fmt.Sprintf(`(function(){var e=document.querySelector(%q);return !!e && e.textContent.indexOf(%q) >= 0})()`, sel, want), timeout)
}

// screenshot saves a full-page PNG as name under $LIVEDESK_SCREENSHOTS (kept) or the test's
// temp dir, and returns the path.
func (p *page) screenshot(name string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("screenshot: %v", err)
	}
	dir := os.Getenv("LIVEDESK_SCREENSHOTS")
	if dir == "" {
		dir = p.t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot %s", path)
	return path
}

// jsErrors returns the page's JS exceptions and console errors so far.
func (p *page) jsErrors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errors...)
}

// noJSErrors fails the test when the page threw or logged errors.
func (p *page) noJSErrors() {
	p.t.Helper()
	if errs := p.jsErrors(); len(errs) > 0 {
		p.t.Errorf("page had JS errors: %v", errs)
	}
}

// login logs in through the login form and waits for the next page to load.
func login(t testing.TB, p *page, shop, user, pass string) {
	t.Helper()
	p.run(
		chromedp.Navigate(p.url("/login")),
		chromedp.WaitVisible(chromedp.CSS("#login-submit")),
		chromedp.SetValue(chromedp.CSS("#shop"), shop),
		chromedp.SetValue(chromedp.CSS("#user"), user),
		chromedp.SetValue(chromedp.CSS("#password"), pass),
		chromedp.Click(chromedp.CSS("#login-submit")),
	)
	p.waitJS(`location.pathname !== "/login" && document.readyState === "complete"`, 10*time.Second)
}
