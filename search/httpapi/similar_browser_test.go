package httpapi

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"newsdex/indexer"
	"newsdex/search"
)

// tungstenArticles are three stories on one subject the built-in corpus
// does not touch, so each is the others' nearest; the last carries markup
// in its title and outlet, which the similar list must show as text.
// Similar leaves out words in more than a tenth of the archive: weather
// reports pad the tiny corpus so that the tungsten words count.
func tungstenArticles() []indexer.Article {
	var out []indexer.Article
	for i := range 30 {
		out = append(out, indexer.Article{ID: fmt.Sprintf("weather-%d", i), Title: "Weather report", Source: "Met Desk",
			Published: time.Date(2020, 1, 1+i, 6, 0, 0, 0, time.UTC), Body: "Light rain fell over the coast overnight; drizzle is expected later."})
	}
	day := time.Date(2020, 5, 4, 8, 0, 0, 0, time.UTC)
	return append(out,
		indexer.Article{ID: "tungsten-1", Title: "Tungsten mine reopens in Bolivia", Source: "Mining Weekly", Published: day,
			Body: "The tungsten mine near Oruro reopened as tungsten concentrate prices rose; miners and smelters welcomed the wolframite output."},
		indexer.Article{ID: "tungsten-2", Title: "Tungsten prices climb", Source: "Metal Bulletin", Published: day.AddDate(0, 0, 3),
			Body: "Tungsten concentrate and wolframite prices climbed again as the Oruro mine and Chinese smelters cut output."},
		indexer.Article{ID: "tungsten-3", Title: `Wolframite <img src=x onerror="window.__xss=8"> smelters`, Source: `Ore <b>Desk</b>`, Published: day.AddDate(0, 0, 9),
			Body: "Smelters bought wolframite and tungsten concentrate from the Oruro mine at higher prices."})
}

func TestSimilarInBrowser(t *testing.T) {
	svc := uiService(t, nil, append(tungstenArticles(), xssArticle())...)
	ts := httptest.NewServer(newTestServer(t, svc))
	t.Cleanup(ts.Close)
	ctx := newBrowser(t)
	problems := consoleProblems(ctx)
	want, err := svc.Similar(context.Background(), "tungsten-1", search.Request{Size: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Hits) < 2 || !strings.HasPrefix(want.Hits[0].ID, "tungsten-") || !strings.HasPrefix(want.Hits[1].ID, "tungsten-") {
		t.Fatalf("similar to tungsten-1 = %v, want the other tungsten stories first for this test to mean something", want.Hits)
	}
	items := `document.querySelectorAll('#similar-list li.hit')`
	done := `!document.getElementById('main').hasAttribute('aria-busy') && !document.getElementById('similar').hidden`

	t.Run("the article view lists similar articles with outlet and date", func(t *testing.T) {
		browse(t, ctx, chromedp.Navigate(ts.URL+"/?q=tungsten&view=article&id=tungsten-1"))
		waitJS(t, ctx, "similar articles", done+` && `+items+`.length > 0`)
		ids := jsEval[[]string](t, ctx, `[...`+items+`].map(li => li.dataset.id)`)
		if len(ids) != min(len(want.Hits), 10) {
			t.Errorf("%d similar articles listed, want %d", len(ids), min(len(want.Hits), 10))
		}
		for i, id := range ids {
			if id == "tungsten-1" {
				t.Error("the article is listed as similar to itself")
			}
			if i < len(want.Hits) && id != want.Hits[i].ID {
				t.Errorf("similar article %d is %s, want %s (the API's order)", i, id, want.Hits[i].ID)
			}
		}
		if got := jsEval[string](t, ctx, `document.getElementById('similar-h').textContent`); got != "Similar articles" {
			t.Errorf("heading %q", got)
		}
		meta := jsEval[string](t, ctx, `document.querySelector('#similar-list li[data-id="tungsten-2"] .meta').textContent`)
		if !strings.Contains(meta, "Metal Bulletin") || !strings.Contains(meta, "2020") {
			t.Errorf("tungsten-2's outlet and date shown as %q", meta)
		}
		if got := jsEval[string](t, ctx, `document.querySelector('#similar-list li[data-id="tungsten-2"] time').getAttribute('datetime')`); !strings.HasPrefix(got, "2020-05-07") {
			t.Errorf("tungsten-2's time element says %q", got)
		}
	})

	t.Run("markup in a similar article stays text", func(t *testing.T) {
		a := tungstenArticles()[32]
		if got := jsEval[string](t, ctx, `document.querySelector('#similar-list li[data-id="tungsten-3"] h4').textContent`); got != a.Title {
			t.Errorf("title shown as %q, want %q", got, a.Title)
		}
		if got := jsEval[string](t, ctx, `document.querySelector('#similar-list li[data-id="tungsten-3"] .outlet').textContent`); got != a.Source {
			t.Errorf("outlet shown as %q, want %q", got, a.Source)
		}
		if n := jsEval[int](t, ctx, `document.querySelectorAll('#similar img, #similar b, #similar script').length`); n != 0 {
			t.Errorf("%d elements made from an article's text in the similar list", n)
		}
		if jsEval[bool](t, ctx, `window.__xss !== undefined`) {
			t.Error("an article's markup ran")
		}
	})

	t.Run("a similar article opens, with its own similar articles", func(t *testing.T) {
		browse(t, ctx, chromedp.Click(chromedp.CSS(`#similar-list li[data-id="tungsten-2"] a`), chromedp.NodeVisible))
		waitJS(t, ctx, "tungsten-2's page", `location.search.includes('id=tungsten-2') && `+done+` &&
			document.getElementById('article-title').textContent === 'Tungsten prices climb' && `+items+`.length > 0`)
		ids := jsEval[[]string](t, ctx, `[...`+items+`].map(li => li.dataset.id)`)
		if len(ids) == 0 || ids[0] == "tungsten-2" || !strings.HasPrefix(ids[0], "tungsten-") {
			t.Errorf("similar to tungsten-2 = %q, want another tungsten story first", ids)
		}
		if got := jsEval[string](t, ctx, `new URLSearchParams(location.search).get('q')`); got != "tungsten" {
			t.Errorf("the query %q was not kept for highlighting", got)
		}
		// Back returns to the first article and its list.
		browse(t, ctx, chromedp.NavigateBack())
		waitJS(t, ctx, "tungsten-1 again", `location.search.includes('id=tungsten-1') && `+done+` &&
			document.getElementById('article-title').textContent === 'Tungsten mine reopens in Bolivia' && `+items+`.length > 0`)
	})

	t.Run("an unknown article says so and lists nothing", func(t *testing.T) {
		browse(t, ctx, chromedp.Navigate(ts.URL+"/?view=article&id=no-such-article"))
		waitJS(t, ctx, "the error", `!document.getElementById('error').hidden`)
		if n := jsEval[int](t, ctx, items+`.length`); n != 0 {
			t.Errorf("%d similar articles listed for a missing article", n)
		}
	})

	t.Run("no script errors or policy violations", func(t *testing.T) {
		if p := problems(); len(p) > 0 {
			t.Errorf("console problems:\n%s", strings.Join(p, "\n"))
		}
	})
}
