package httpapi

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// newBrowser starts headless Chromium for one test. Without a browser the
// test skips, unless NEWSDEX_REQUIRE_BROWSER is set (CI sets it), when it
// fails.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() && os.Getenv("NEWSDEX_REQUIRE_BROWSER") == "" {
		t.Skip("browser test skipped in -short mode")
	}
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("NEWSDEX_REQUIRE_BROWSER") != "" {
			t.Fatal("no Chromium found and NEWSDEX_REQUIRE_BROWSER is set; install it with: apt-get install -y chromium")
		}
		t.Skip("no Chromium found (apt-get install -y chromium); set NEWSDEX_REQUIRE_BROWSER=1 to make this a failure")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // start the browser now, without a deadline
		t.Fatalf("start %s: %v", path, err)
	}
	return ctx
}
