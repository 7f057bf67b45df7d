package httpapi

import (
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"newsdex/indexer"
)

// envoyArticles are dated articles naming people, organisations and
// places, added to the seed corpus (whose articles have no dates) so the
// entity page has months to chart. Each has the word "envoy".
func envoyArticles() []indexer.Article {
	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 9, 0, 0, 0, time.UTC) }
	return []indexer.Article{
		{ID: "envoy-1", Title: "Envoy vanishes in Rome", Body: "The acting envoy left his residence in Rome.", Source: "ABC News",
			Published: day(2019, 1, 3), Persons: []string{"Jo Song Gil", "Thae Yong Ho"}, Organizations: []string{"Foreign Ministry"}, Places: []string{"Italy"}},
		{ID: "envoy-2", Title: "Seoul asks Rome about the envoy", Body: "Seoul asked Rome where the envoy is.", Source: "The Telegraph",
			Published: day(2019, 1, 20), Persons: []string{"Jo Song Gil", "Moon Jae In"}, Places: []string{"Italy", "Seoul"}},
		{ID: "envoy-3", Title: "Envoy's daughter sent home", Body: "The envoy's daughter was sent home.", Source: "ABC News",
			Published: day(2019, 2, 19), Persons: []string{"Jo Song Gil", "Thae Yong Ho"}, Places: []string{"Italy"}},
		{ID: "envoy-4", Title: "Thae speaks about the envoy", Body: "A former envoy spoke about his colleague.", Source: "Channel NewsAsia",
			Published: day(2019, 4, 2), Persons: []string{"Thae Yong Ho", "Jo Song Gil"}, Organizations: []string{"Unification Ministry"}},
		{ID: "envoy-5", Title: "Summit plans", Body: "No envoy was named for the summit.", Source: "ABC News",
			Published: day(2019, 3, 1), Persons: []string{"Kim Jong Un"}},
	}
}

// TestEntityPageInBrowser: a name in the results opens the entity page,
// with its articles over time, outlets, the names that occur with it,
// its spellings and latest articles; Back returns to the results; with an
// admin key the page renames it through the API, and shows the API's
// refusal of a wrong key.
func TestEntityPageInBrowser(t *testing.T) {
	svc := uiService(t, nil, envoyArticles()...)
	sr := withEntities(t, svc, map[string]map[string][]string{
		"person": {"Jo Song Gil": {"Jo Song-gil", "Cho Song Gil"}},
	})
	s := New(slog.New(slog.DiscardHandler), Options{MaxBodyBytes: 1 << 16, AdminKeys: []string{testAdminKey}})
	s.SetSearcher(sr)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	ctx := newBrowser(t)
	problems := consoleProblems(ctx)
	hits := `document.querySelectorAll('#results li.hit').length`
	texts := func(sel string) []string {
		t.Helper()
		return jsEval[[]string](t, ctx, `[...document.querySelectorAll('`+sel+`')].map(e => e.textContent)`)
	}
	onEntityPage := func(name string) string {
		return `!document.getElementById('entity-view').hidden && !document.getElementById('main').hasAttribute('aria-busy') &&
			document.getElementById('entity-name').textContent === ` + jsString(name)
	}

	t.Run("names in results link to their pages", func(t *testing.T) {
		browse(t, ctx, chromedp.Navigate(ts.URL+"/?q=envoy"))
		waitJS(t, ctx, "results", hits+` > 0`)
		if n := jsEval[int](t, ctx, `document.querySelectorAll('#results a.entity-link[data-name="Jo Song Gil"]').length`); n < 1 {
			t.Error("no link for Jo Song Gil among the hits' names")
		}
		if n := jsEval[int](t, ctx, `document.querySelectorAll('#facets a.facet-entity[data-type="person"][data-name="Jo Song Gil"]').length`); n != 1 {
			t.Errorf("%d links for Jo Song Gil in the person facet, want 1", n)
		}
		// The filter buttons are still there beside the links.
		if n := jsEval[int](t, ctx, `document.querySelectorAll('#results li.chip button.chip-filter').length`); n < 1 {
			t.Error("the hits' names lost their filter buttons")
		}
	})

	t.Run("the entity page", func(t *testing.T) {
		browse(t, ctx, chromedp.Click(chromedp.CSS(`#results li[data-id="envoy-4"] a.entity-link[data-name="Jo Song Gil"]`), chromedp.NodeVisible))
		waitJS(t, ctx, "the entity page", onEntityPage("Jo Song Gil")+` && document.querySelectorAll('#entity-chart g.bar').length > 0`)
		if loc := jsEval[string](t, ctx, `location.search`); loc != "?view=entity&etype=person&ename=Jo+Song+Gil" {
			t.Errorf("URL %q, want the entity alone", loc)
		}
		if got := jsEval[string](t, ctx, `document.getElementById('entity-summary').textContent`); got != "Named in 4 articles." {
			t.Errorf("summary %q", got)
		}
		// January (2), February (1), March (none), April (1) of 2019.
		if got := jsEval[[]string](t, ctx, `[...document.querySelectorAll('#entity-chart g.bar')].map(g => g.dataset.key)`); !slices.Equal(got, []string{"2019-01", "2019-02", "2019-04"}) {
			t.Errorf("chart bars %q", got)
		}
		outlets := texts(`#entity-outlets li a`)
		if len(outlets) != 3 || outlets[0] != "ABC News" || !slices.Contains(outlets, "The Telegraph") || !slices.Contains(outlets, "Channel NewsAsia") {
			t.Errorf("outlets %q, want ABC News first of three", outlets)
		}
		related := texts(`#entity-related a.entity-link`)
		for _, want := range []string{"Thae Yong Ho", "Moon Jae In", "Italy", "Foreign Ministry"} {
			if !slices.Contains(related, want) {
				t.Errorf("named with it: %q lacks %s", related, want)
			}
		}
		if slices.Contains(related, "Jo Song Gil") {
			t.Errorf("named with it: %q lists the entity itself", related)
		}
		if got := jsEval[string](t, ctx, `document.getElementById('entity-variants').textContent`); !strings.Contains(got, "Cho Song Gil") {
			t.Errorf("variants %q, want Cho Song Gil", got)
		}
		if got := texts(`#entity-latest li.hit h4`); len(got) != 4 || got[0] != "Thae speaks about the envoy" {
			t.Errorf("latest articles %q, want 4, newest first", got)
		}
		for _, id := range []string{"toolbar", "sidebar", "results-view", "chart-box"} {
			if jsEval[bool](t, ctx, `document.getElementById('`+id+`').offsetParent !== null`) {
				t.Errorf("#%s shows on the entity page", id)
			}
		}
		// Without an admin key the editor asks for one and offers nothing.
		if n := jsEval[int](t, ctx, `document.querySelectorAll('#admin-key-form').length + 10 * document.querySelectorAll('#rename-form').length`); n != 1 {
			t.Errorf("editor without a key: key forms + 10 * rename forms = %d, want 1", n)
		}
	})

	t.Run("Back returns to the results, and a name there to its page", func(t *testing.T) {
		browse(t, ctx, chromedp.NavigateBack())
		waitJS(t, ctx, "results again", `location.search === '?q=envoy' && !document.getElementById('results-view').hidden && `+hits+` > 0`)
		browse(t, ctx, chromedp.NavigateForward())
		waitJS(t, ctx, "the entity page again", onEntityPage("Jo Song Gil"))
		browse(t, ctx, chromedp.Click(chromedp.CSS(`#entity-related a.entity-link[data-name="Thae Yong Ho"]`), chromedp.NodeVisible))
		waitJS(t, ctx, "another entity's page", onEntityPage("Thae Yong Ho"))
		browse(t, ctx, chromedp.NavigateBack())
		waitJS(t, ctx, "the first entity's page", onEntityPage("Jo Song Gil"))
	})

	t.Run("a chart bar lists the month's articles", func(t *testing.T) {
		browse(t, ctx, chromedp.Click(chromedp.CSS(`#entity-chart g.bar[data-key="2019-01"]`), chromedp.NodeVisible))
		waitJS(t, ctx, "January's articles", hits+` === 2 && !document.getElementById('results-view').hidden`)
		if loc := jsEval[string](t, ctx, `location.search`); !strings.Contains(loc, "person=Jo+Song+Gil") || !strings.Contains(loc, "from_date=2019-01-01") {
			t.Errorf("URL %q, want the person and January", loc)
		}
		browse(t, ctx, chromedp.NavigateBack())
		waitJS(t, ctx, "the entity page", onEntityPage("Jo Song Gil"))
	})

	t.Run("a wrong admin key is refused with the API's message", func(t *testing.T) {
		browse(t, ctx, chromedp.Click(chromedp.CSS(`#entity-editor summary`), chromedp.NodeVisible))
		browse(t, ctx,
			chromedp.SetValue(chromedp.ID("admin-key"), "admin-key-wrong-wrong"),
			chromedp.Click(chromedp.CSS(`#admin-key-form button`), chromedp.NodeVisible))
		waitJS(t, ctx, "the editor", `document.getElementById('block-button') !== null`)
		browse(t, ctx, chromedp.Click(chromedp.ID("block-button"), chromedp.NodeVisible))
		waitJS(t, ctx, "the confirmation", `!document.getElementById('editor-confirm').hidden`)
		browse(t, ctx, chromedp.Click(chromedp.ID("confirm-yes"), chromedp.NodeVisible))
		waitJS(t, ctx, "the refusal", `!document.getElementById('editor-error').hidden`)
		if got := jsEval[string](t, ctx, `document.getElementById('editor-error').textContent`); !strings.Contains(got, "needs an admin key") {
			t.Errorf("error shown %q", got)
		}
		browse(t, ctx, chromedp.Click(chromedp.ID("forget-key"), chromedp.NodeVisible))
		waitJS(t, ctx, "the key form again", `document.getElementById('admin-key-form') !== null`)
	})

	t.Run("rename through the editor", func(t *testing.T) {
		browse(t, ctx,
			chromedp.SetValue(chromedp.ID("admin-key"), testAdminKey),
			chromedp.Click(chromedp.CSS(`#admin-key-form button`), chromedp.NodeVisible))
		waitJS(t, ctx, "the editor", `document.getElementById('rename-form') !== null`)
		browse(t, ctx,
			chromedp.SetValue(chromedp.ID("rename-to"), "Ambassador Jo"),
			chromedp.Click(chromedp.CSS(`#rename-form button`), chromedp.NodeVisible))
		waitJS(t, ctx, "the confirmation", `!document.getElementById('editor-confirm').hidden`)
		if got := jsEval[string](t, ctx, `document.getElementById('editor-confirm').textContent`); !strings.Contains(got, "“Jo Song Gil” to “Ambassador Jo”") {
			t.Errorf("confirmation %q", got)
		}
		browse(t, ctx, chromedp.Click(chromedp.ID("confirm-yes"), chromedp.NodeVisible))
		waitJS(t, ctx, "the renamed entity's page", onEntityPage("Ambassador Jo")+` && document.getElementById('editor-done') !== null`)
		if got := jsEval[string](t, ctx, `document.getElementById('editor-done').textContent`); got != "Renamed “Jo Song Gil” to “Ambassador Jo”." {
			t.Errorf("outcome %q", got)
		}
		if loc := jsEval[string](t, ctx, `location.search`); loc != "?view=entity&etype=person&ename=Ambassador+Jo" {
			t.Errorf("URL %q", loc)
		}
		if jsEval[bool](t, ctx, `location.href.includes('admin-key') || document.body.innerHTML.includes('`+testAdminKey+`')`) {
			t.Error("the admin key is in the address or the page")
		}
		// The API has the new name.
		rec := get(t, s, "/api/v1/entities?type=person&prefix=Ambassador")
		if diff := cmp.Diff([]string{"Ambassador Jo"}, entityNames(t, rec)); diff != "" {
			t.Errorf("entities named Ambassador… (-want +got):\n%s", diff)
		}
		if fake, ok := sr.(editingService); ok {
			if diff := cmp.Diff([]string{"rename person Jo Song Gil to Ambassador Jo"}, writeCalls(fake.table.Calls())); diff != "" {
				t.Errorf("changes that reached the editor (-want +got):\n%s", diff)
			}
		}
	})

	t.Run("merge through the editor", func(t *testing.T) {
		browse(t, ctx,
			chromedp.SetValue(chromedp.ID("merge-find"), "Thae"),
			chromedp.Evaluate[chromedp.Void](`document.getElementById('merge-find').dispatchEvent(new Event('input'))`))
		waitJS(t, ctx, "the candidates", `[...document.querySelectorAll('#merge-candidates input')].some(c => c.value === 'Thae Yong Ho')`)
		browse(t, ctx,
			chromedp.Click(chromedp.CSS(`#merge-candidates input[value="Thae Yong Ho"]`), chromedp.NodeVisible),
			chromedp.Click(chromedp.ID("merge-button"), chromedp.NodeVisible))
		waitJS(t, ctx, "the confirmation", `!document.getElementById('editor-confirm').hidden`)
		browse(t, ctx, chromedp.Click(chromedp.ID("confirm-yes"), chromedp.NodeVisible))
		waitJS(t, ctx, "the outcome", `document.getElementById('editor-done') !== null && document.getElementById('editor-done').textContent.startsWith('Merged')`)
		if got := jsEval[string](t, ctx, `document.getElementById('entity-variants').textContent`); !strings.Contains(got, "Thae Yong Ho") {
			t.Errorf("variants after the merge %q, want Thae Yong Ho among them", got)
		}
	})

	t.Run("no script errors or policy violations", func(t *testing.T) {
		if p := problems(); len(p) > 0 {
			t.Errorf("console problems:\n%s", strings.Join(p, "\n"))
		}
	})
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "'"
}
