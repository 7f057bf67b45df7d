package httpapi

import (
	"bytes"
	"context"
	"errors"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"newsdex/indexer"
	"newsdex/search"
)

// markupArticle carries markup, quotes, entities and our own highlight tags
// in its text, around the word "lighthouse".
func markupArticle() indexer.Article {
	return indexer.Article{
		ID:    "markup-probe",
		Title: `Lighthouse <script>alert("t")</script> "keeper" </mark> & co`,
		Body: `The lighthouse <script>alert(1)</script> stood. <img src=x onerror="alert(2)"> ` +
			`A "quoted" lighthouse </mark><mark>not ours</mark> &amp; &lt;b&gt; <b>bold</b> lighthouse & more.`,
		Source:    `Probe <i>Outlet</i>`,
		Published: time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC),
		Persons:   []string{`Eve <img src=x onerror=alert(3)>`},
	}
}

// checkSnippet fails unless snippet is escaped text whose only markup is
// balanced, unnested <mark>...</mark> around the marked words, and whose
// text is a passage of the original (white space folded).
func checkSnippet(t *testing.T, snippet, original string, marked ...string) {
	t.Helper()
	var text strings.Builder
	open := false
	marks := 0
	for i := 0; i < len(snippet); {
		switch {
		case strings.HasPrefix(snippet[i:], "<mark>"):
			if open {
				t.Fatalf("nested <mark> in %q", snippet)
			}
			open, marks = true, marks+1
			i += len("<mark>")
		case strings.HasPrefix(snippet[i:], "</mark>"):
			if !open {
				t.Fatalf("</mark> without <mark> in %q", snippet)
			}
			open = false
			i += len("</mark>")
		case snippet[i] == '<' || snippet[i] == '>' || snippet[i] == '"':
			t.Fatalf("raw %q at %d in snippet %q", snippet[i], i, snippet)
		default:
			text.WriteByte(snippet[i])
			i++
		}
	}
	if open {
		t.Fatalf("unclosed <mark> in %q", snippet)
	}
	if marks == 0 {
		t.Errorf("nothing marked in %q", snippet)
	}
	escaped := text.String()
	if html.EscapeString(html.UnescapeString(escaped)) != escaped {
		t.Errorf("snippet text %q is not fully escaped", escaped)
	}
	plain := strings.Trim(html.UnescapeString(escaped), "…")
	if !strings.Contains(strings.Join(strings.Fields(original), " "), strings.TrimSpace(plain)) {
		t.Errorf("snippet text %q is not a passage of the article", plain)
	}
	for _, m := range strings.Split(snippet, "<mark>")[1:] {
		if w, _, _ := strings.Cut(m, "</mark>"); !slices.ContainsFunc(marked, func(x string) bool { return strings.EqualFold(w, x) }) {
			t.Errorf("marked %q, want only %q", w, marked)
		}
	}
}

// TestOutputIsEscaped: article text full of markup comes back from every
// read endpoint intact as data, and in snippets escaped, with our <mark>
// tags the only markup; the JSON itself carries no raw angle brackets.
func TestOutputIsEscaped(t *testing.T) {
	a := markupArticle()
	s := newTestServer(t, uiService(t, nil, a))
	for _, target := range []string{
		"/api/v1/search?q=lighthouse",
		"/api/v1/search?q=lighthouse&compact=true",
		"/api/v1/search?q=" + url.QueryEscape(`"quoted lighthouse"`),
	} {
		t.Run(target, func(t *testing.T) {
			rec := get(t, s, target)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if bytes.ContainsAny(rec.Body.Bytes(), "<>") {
				t.Errorf("raw angle brackets in the JSON: %s", rec.Body)
			}
			var res search.Result
			decode(t, rec, &res)
			if len(res.Hits) != 1 {
				t.Fatalf("%d hits, want the probe", len(res.Hits))
			}
			h := res.Hits[0]
			if h.Title != a.Title || h.Source != a.Source {
				t.Errorf("title %q source %q, want them as stored (JSON strings are data)", h.Title, h.Source)
			}
			checkSnippet(t, h.Snippet, a.Body, "lighthouse", "quoted")
		})
	}

	t.Run("snippet from the title", func(t *testing.T) {
		b := a
		b.ID, b.Body = "markup-title", ""
		s := newTestServer(t, uiService(t, nil, b))
		var res search.Result
		decode(t, get(t, s, "/api/v1/search?q=lighthouse"), &res)
		if len(res.Hits) != 1 {
			t.Fatalf("%d hits", len(res.Hits))
		}
		checkSnippet(t, res.Hits[0].Snippet, b.Title, "lighthouse")
	})

	t.Run("article", func(t *testing.T) {
		var got indexer.Article
		decode(t, get(t, s, "/api/v1/articles/"+a.ID), &got)
		if got.Body != a.Body || got.Title != a.Title || got.Persons[0] != a.Persons[0] {
			t.Errorf("article text changed on the way: %+v", got)
		}
	})

	t.Run("kwic", func(t *testing.T) {
		var res search.KWICResult
		decode(t, get(t, s, "/api/v1/kwic?q=lighthouse&width=40"), &res)
		if len(res.Lines) != 3 {
			t.Fatalf("%d lines, want the body's 3", len(res.Lines))
		}
		for _, l := range res.Lines {
			line := l.Left + l.Keyword + l.Right
			if !strings.Contains(strings.Join(strings.Fields(a.Body), " "), line) {
				t.Errorf("KWIC line %q is not plain text of the body", line)
			}
		}
	})

	t.Run("export", func(t *testing.T) {
		rows := readJSONL[exportRow](t, get(t, s, "/api/v1/export?format=jsonl&q=lighthouse").Body.Bytes())
		if len(rows) != 1 || rows[0].Snippet == nil {
			t.Fatalf("rows %+v", rows)
		}
		// Plain text: the article's own markup as written, including its
		// literal "</mark><mark>", and no highlight tags of ours.
		if sn, want := *rows[0].Snippet, strings.Join(strings.Fields(a.Body), " "); sn != want {
			t.Errorf("export snippet\n %q\nwant the body as plain text\n %q", sn, want)
		}
	})
}

// leakySearcher fails every call with an error full of internals, or
// panics with one.
type leakySearcher struct{ panics bool }

var errLeaky = errors.New("open /var/lib/newsdex/index/store/root.bolt: input/output error\ngoroutine 7 [running]:\nnewsdex/search.(*Service).run(...)\n\t/work/main/search/service.go:212")

func (l leakySearcher) fail() error {
	if l.panics {
		panic(errLeaky)
	}
	return errLeaky
}
func (l leakySearcher) Search(context.Context, search.Request) (*search.Result, error) {
	return nil, l.fail()
}
func (l leakySearcher) Article(context.Context, string) (*indexer.Article, error) {
	return nil, l.fail()
}
func (l leakySearcher) FacetValues(context.Context, string, string, search.Request, int) ([]search.FacetValue, error) {
	return nil, l.fail()
}
func (l leakySearcher) Stats(context.Context) (search.Stats, error) { return search.Stats{}, l.fail() }
func (l leakySearcher) KWIC(context.Context, search.Request, int, int) (*search.KWICResult, error) {
	return nil, l.fail()
}
func (l leakySearcher) Export(context.Context, search.Request, func(uint64, search.Hit) error) (uint64, error) {
	return 0, l.fail()
}

// TestInternalErrorsLeakNothing: an internal error or a panic on any read
// endpoint is a generic 500 naming the request id; the detail goes to the
// log only, once, with that id.
func TestInternalErrorsLeakNothing(t *testing.T) {
	for _, panics := range []bool{false, true} {
		var logs syncBuffer
		s := New(slog.New(slog.NewJSONHandler(&logs, nil)), Options{})
		s.SetSearcher(leakySearcher{panics: panics})
		for _, target := range []string{
			"/api/v1/search?q=x", "/api/v1/articles/x", "/api/v1/facets/person?q=x",
			"/api/v1/kwic?q=x", "/api/v1/export?q=x&format=csv", "/readyz",
		} {
			name := target
			if panics {
				name = "panic " + target
			}
			t.Run(name, func(t *testing.T) {
				rec := get(t, s, target)
				if rec.Code != http.StatusInternalServerError && !(target == "/readyz" && rec.Code == http.StatusServiceUnavailable) {
					t.Errorf("status %d, want 500", rec.Code)
				}
				body := rec.Body.String()
				for _, m := range append(leakMarkers, "root.bolt", "input/output") {
					if strings.Contains(body, m) {
						t.Errorf("response leaks %q: %s", m, body)
					}
				}
				id := rec.Header().Get("X-Request-Id")
				if target != "/readyz" && !strings.Contains(logs.String(), `"request_id":"`+id+`","error":"`) {
					t.Errorf("error with request id %s not logged:\n%s", id, logs.String())
				}
			})
		}
	}
}

// TestKeysNeverLoggedJSON extends TestKeysNeverLogged to the JSON log
// format and to successful admin writes, deletes, lower-case schemes, keys
// in bodies and on the widget's routes.
func TestKeysNeverLoggedJSON(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := newAccessServerLogging(t, Options{AdminKeys: []string{testAdminKey}, PublicKeys: []PublicKey{{Key: testPublicKey}}}, logger)
	jsonCT := map[string]string{"Content-Type": "application/json"}
	withCT := func(h map[string]string) map[string]string {
		out := map[string]string{"Content-Type": "application/json"}
		for k, v := range h {
			out[k] = v
		}
		return out
	}
	for _, r := range []request{
		{method: http.MethodPost, target: "/api/v1/articles", body: `{"id":"k1","title":"Key test"}`, header: withCT(bearerHeader(testAdminKey))},
		{method: http.MethodDelete, target: "/api/v1/articles/k1", header: map[string]string{"Authorization": "bearer " + testAdminKey}},
		{method: http.MethodDelete, target: "/api/v1/articles/k1?key=" + testAdminKey},
		{method: http.MethodPost, target: "/api/v1/search", body: `{"q":"harbour","key":"` + testAdminKey + `"}`, header: jsonCT},
		{target: "/api/v1/export?format=csv&q=harbour&key=" + testPublicKey},
		{target: "/api/v1/kwic?q=harbour&key=" + testPublicKey},
		{target: "/api/v1/facets/source?key=" + testPublicKey},
		{target: "/embed.js?key=" + testPublicKey},
		{target: "/embed?key=" + testPublicKey},
		{target: "/nowhere?key=" + testAdminKey},
		{target: "/api/v1/search?q=harbour", header: map[string]string{"Authorization": "Bearer " + testAdminKey}},
		// Not covered: a client that sends its own key as X-Request-Id sees
		// it logged as the request id it asked for.
	} {
		r.do(t, s)
	}
	if !strings.Contains(logs.String(), `"route":"/api/v1/articles"`) {
		t.Fatalf("the admin write was not logged:\n%s", logs.String())
	}
	for _, k := range []string{testPublicKey, testAdminKey} {
		if strings.Contains(logs.String(), k) {
			t.Errorf("key %q in the log:\n%s", k, logs.String())
		}
	}
}
