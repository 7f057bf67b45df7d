package indexer

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// update rewrites golden files in testdata/ instead of comparing with them:
// go test ./indexer -run Golden -update
var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// sharedData is the read-only corpus directory beside the repo.
const sharedData = "../../shared/data"

// parsed is the comparable form of a Record: File is left out (tests know
// it) and the error is compared by its text.
type parsed struct {
	Line    int     `json:"line"`
	Article Article `json:"article"`
	Err     string  `json:"err,omitempty"`
}

func view(recs []Record) []parsed {
	out := make([]parsed, 0, len(recs))
	for _, r := range recs {
		p := parsed{Line: r.Line, Article: r.Article}
		if r.Err != nil {
			p.Err = r.Err.Error()
		}
		out = append(out, p)
	}
	return out
}

// parseAll parses in and returns every record; Parse itself must not fail
// on in-memory input.
func parseAll(t testing.TB, in, file string, f Format) []Record {
	t.Helper()
	var recs []Record
	err := Parse(strings.NewReader(in), file, f, func(r Record) error {
		if r.File != file {
			t.Errorf("record file = %q, want %q", r.File, file)
		}
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		t.Fatalf("Parse(%s): %v", file, err)
	}
	return recs
}

// assertParseGolden compares recs with testdata/parse/NAME.golden, or
// writes that file under -update.
func assertParseGolden(t *testing.T, name string, recs []Record) {
	t.Helper()
	got, err := json.MarshalIndent(view(recs), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "parse", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// TestParseGolden parses every input in testdata/parse, detecting its
// format as ParsePaths would, and the seed corpus in data/.
func TestParseGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "parse", "*"))
	if err != nil {
		t.Fatal(err)
	}
	inputs = slices.DeleteFunc(inputs, func(p string) bool { return strings.HasSuffix(p, ".golden") })
	inputs = append(inputs, filepath.Join("..", "data", "articles.txt"))
	for _, path := range inputs {
		name := filepath.Base(path)
		if strings.HasPrefix(path, "..") {
			name = "seed-" + name
		}
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f := DetectFormat(path, data)
			recs := parseAll(t, string(data), path, f)
			checkInvariants(t, recs)
			assertParseGolden(t, name, recs)
		})
	}
}

// TestParseSeed pins what the seed corpus must yield, independent of the
// golden file.
func TestParseSeed(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "data", "articles.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if got := DetectFormat("articles.txt", data); got != FormatArchive {
		t.Fatalf("DetectFormat = %q, want %q", got, FormatArchive)
	}
	recs := parseAll(t, string(data), "articles.txt", FormatArchive)
	type summary struct {
		Line     int
		Title    string
		Source   string
		Category string
	}
	want := []summary{
		{3, "North Korean defector jailed for sending rice and cash to her homeland", "South China Morning Post", "North Korean refugee"},
		{19, "North Korean ambassador’s defection could impact the already fragile ongoing nuclear negotiations", "Chanel NewsAsia", "North Korean refugee"},
		{39, "Defected North Korean diplomat urges international community to help ex-colleague believed to be in hiding in Italy", "ABC News", "North Korean refugee"},
		{57, "Former North Korean diplomat urges missing colleague in Italy to go to South Korea, not US", "", "North Korean refugee"},
		{74, "Missing North Korea ambassador seeking US asylum", "", "North Korean refugee"},
		{89, "North Korean diplomat in Italy goes into hiding", "", "North Korean refugee"},
		{108, "For a North Korean defector turned journalist, warming Korean ties are cause for worry", "", "North Korean refugee"},
		{125, "Returned North Korean defectors lecture on miseries of capitalism they saw in China", "The Telegraph", "North Korean refugee"},
		{143, "Hacker steals data on 1,000 North Korean defectors in the South", "", "North Korean refugee"},
		{158, "North Korean persecution of Christians and Buddhists", "", "North Korean refugee"},
	}
	var got []summary
	for _, r := range recs {
		if r.Err != nil {
			t.Errorf("%s: %v", r.Location(), r.Err)
		}
		got = append(got, summary{r.Line, r.Article.Title, r.Article.Source, r.Article.Category})
		a := r.Article
		if a.Body == "" || strings.Contains(a.Body, "Posted on") || strings.Contains(a.Body, "\n\n\n") ||
			strings.HasPrefix(a.Body, "[") || !a.Published.IsZero() || a.Author != "" {
			t.Errorf("%s: body/date/author not as expected: published=%v author=%q body starts %.40q",
				r.Location(), a.Published, a.Author, a.Body)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("seed articles mismatch (-want +got):\n%s", diff)
	}
	// "[authorities]" inside a quote is text, not an outlet line.
	if !strings.Contains(recs[2].Article.Body, "[authorities]") {
		t.Errorf("article 3 lost the bracketed word in its body")
	}
	if !strings.HasSuffix(recs[0].Article.Body, "National Security Law.") {
		t.Errorf("article 1 body ends %q", recs[0].Article.Body[len(recs[0].Article.Body)-40:])
	}
}

func TestDetectFormat(t *testing.T) {
	tests := []struct {
		name string
		path string
		head string
		want Format
	}{
		{"jsonl ext", "a.jsonl", "anything", FormatJSONL},
		{"ndjson ext upper", "A.NDJSON", "", FormatJSONL},
		{"csv ext", "x/y.csv", "{\"not\": \"json\"}", FormatCSV},
		{"txt category", "a.txt", "\n\nCategory: World\n\nTitle\n\nPosted on by\n", FormatArchive},
		{"txt posted line", "a.txt", "Title\n\nPosted on January 2, 2019 by Jane Doe\n\nBody.", FormatArchive},
		{"unknown ext posted", "feed.dat", "\xef\xbb\xbfTitle\r\nPosted on by\r\n", FormatArchive},
		{"txt json", "a.txt", "  \n{\"title\": \"x\"}\n", FormatJSONL},
		{"bom json", "a", "\xef\xbb\xbf{\"title\": \"x\"}", FormatJSONL},
		{"plain text", "bbc/001.txt", "Ad sales boost Time Warner profit\n\nQuarterly profits...", FormatText},
		{"category not first", "a.txt", "Title\n\nCategory: x\n", FormatText},
		{"posted too far down", "a.txt", "T\n\nP1\n\nP2\n\nP3\n\nP4\n\nP5\n\nPosted on by\n", FormatText},
		{"posted on twitter", "a.txt", "Title\n\nPosted on Twitter by the ministry, the video spread.\n", FormatText},
		{"empty", "a.txt", "", FormatText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DetectFormat(tt.path, []byte(tt.head)); got != tt.want {
				t.Errorf("DetectFormat(%q, %q) = %q, want %q", tt.path, tt.head, got, tt.want)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{in: "2019-01-02", want: time.Date(2019, 1, 2, 0, 0, 0, 0, time.UTC)},
		{in: "2019-01-02T10:11:12Z", want: time.Date(2019, 1, 2, 10, 11, 12, 0, time.UTC)},
		{in: "2019-01-02T10:11:12.5+09:00", want: time.Date(2019, 1, 2, 10, 11, 12, 5e8, time.FixedZone("", 9*3600))},
		{in: "2019-01-02 15:04:05", want: time.Date(2019, 1, 2, 15, 4, 5, 0, time.UTC)},
		{in: "2019-01-02T15:04:05", want: time.Date(2019, 1, 2, 15, 4, 5, 0, time.UTC)},
		{in: "January 2, 2019", want: time.Date(2019, 1, 2, 0, 0, 0, 0, time.UTC)},
		{in: "january  2,   2019", want: time.Date(2019, 1, 2, 0, 0, 0, 0, time.UTC)},
		{in: "2 January 2019", want: time.Date(2019, 1, 2, 0, 0, 0, 0, time.UTC)},
		{in: "Jan 2, 2019", want: time.Date(2019, 1, 2, 0, 0, 0, 0, time.UTC)},
		{in: "Wed, 02 Jan 2019 15:04:05 GMT", want: time.Date(2019, 1, 2, 15, 4, 5, 0, time.UTC)},
		{in: "Wed, 2 Jan 2019 15:04:05 EST", want: time.Date(2019, 1, 2, 15, 4, 5, 0, est)},
		{in: "Wed, 02 Jan 2019 15:04:05 -0500", want: time.Date(2019, 1, 2, 15, 4, 5, 0, est)},
		{in: "Wed, 02 Jan 2019 15:04:05 XYZ", wantErr: true},
		{in: "31 February 2019", wantErr: true},
		{in: "yesterday", wantErr: true},
		{in: "2019-13-01", wantErr: true},
		{in: "1/2/2019", wantErr: true}, // ambiguous day/month order: refused
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseDate(tt.in)
			if tt.wantErr {
				if err == nil || !strings.HasPrefix(err.Error(), "bad published date ") {
					t.Fatalf("parseDate(%q) = %v, %v; want a bad published date error", tt.in, got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseDate(%q): %v", tt.in, err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("parseDate(%q) = %v, want %v", tt.in, got, tt.want)
			}
			_, gotOff := got.Zone()
			_, wantOff := tt.want.Zone()
			if gotOff != wantOff {
				t.Errorf("parseDate(%q) offset = %d, want %d", tt.in, gotOff, wantOff)
			}
		})
	}
}

func TestLineReader(t *testing.T) {
	type line struct {
		N       int
		Text    string
		TooLong bool
	}
	tests := []struct {
		name string
		in   string
		max  int
		want []line
	}{
		{"empty", "", 10, nil},
		{"no final newline", "a\nb", 10, []line{{1, "a", false}, {2, "b", false}}},
		{"crlf and bom", "\xef\xbb\xbfa\r\n\r\nb\r\n", 10, []line{{1, "a", false}, {2, "", false}, {3, "b", false}}},
		{"bom only on line 1", "a\n\xef\xbb\xbfb\n", 10, []line{{1, "a", false}, {2, "\xef\xbb\xbfb", false}}},
		{"lone cr kept", "a\rb\n", 10, []line{{1, "a\rb", false}}},
		{"at the cap", "0123456789\nx", 10, []line{{1, "0123456789", false}, {2, "x", false}}},
		{"over the cap", "0123456789A\nx\n", 10, []line{{1, "", true}, {2, "x", false}}},
		// The bufio buffer (16 bytes, its minimum) is smaller than the cap,
		// so long lines are assembled from several fragments.
		{"longer than buffer", strings.Repeat("x", 40) + "\n" + strings.Repeat("y", 70) + "\nz", 64,
			[]line{{1, strings.Repeat("x", 40), false}, {2, "", true}, {3, "z", false}}},
		{"over the cap at EOF", strings.Repeat("x", 100), 64, []line{{1, "", true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lr := newLineReader(bufio.NewReaderSize(strings.NewReader(tt.in), 16))
			lr.max = tt.max
			var got []line
			for {
				b, tooLong, err := lr.next()
				if err != nil {
					if err != io.EOF {
						t.Fatal(err)
					}
					break
				}
				got = append(got, line{lr.n, string(b), tooLong})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("lines mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseLongLine feeds each format a line over the real 16 MiB cap.
func TestParseLongLine(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 16 MiB inputs")
	}
	long := strings.Repeat("x", maxLineBytes+1)
	tests := []struct {
		format Format
		in     string
		want   []parsed
	}{
		{FormatJSONL, `{"title":"a"}` + "\n" + long + "\n" + `{"title":"b"}`, []parsed{
			{Line: 1, Article: Article{Title: "a"}},
			{Line: 2, Err: "line longer than 16 MiB"},
			{Line: 3, Article: Article{Title: "b"}},
		}},
		{FormatText, "Title\n\n" + long + "\nmore\n", []parsed{
			{Line: 1, Article: Article{Title: "Title", Body: "more"}, Err: "line 3: line longer than 16 MiB"},
		}},
		{FormatArchive, "T1\nPosted on by\n" + long + "\nT2\nPosted on by\nb\n", []parsed{
			{Line: 1, Article: Article{Title: "T1"}, Err: "body line 3: line longer than 16 MiB"},
			{Line: 4, Article: Article{Title: "T2", Body: "b"}},
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			got := view(parseAll(t, tt.in, "long", tt.format))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("records mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("csv", func(t *testing.T) {
		err := Parse(strings.NewReader("title,body\na,b\n"+long+"\n"), "long.csv", FormatCSV, func(Record) error { return nil })
		if err == nil || err.Error() != "read long.csv: line longer than 16 MiB" {
			t.Errorf("Parse(csv) = %v, want read long.csv: line longer than 16 MiB", err)
		}
	})
}

func TestRecordLocation(t *testing.T) {
	r := Record{File: "data/a.jsonl", Line: 12793}
	if got, want := r.Location(), "data/a.jsonl:12793"; got != want {
		t.Errorf("Location() = %q, want %q", got, want)
	}
}

// TestParseErrors checks how Parse reports failures that are not about a
// single record.
func TestParseErrors(t *testing.T) {
	readErr := errors.New("disk on fire")
	stop := errors.New("stop")
	inputs := map[Format]string{
		FormatArchive: "T1\nPosted on by\nb\n\nT2\nPosted on by\nb\n",
		FormatJSONL:   "{\"title\":\"a\"}\n{\"title\":\"b\"}\n",
		FormatCSV:     "title\na\nb\n",
		FormatText:    "T\n\nbody\n",
	}
	for f, in := range inputs {
		t.Run(string(f)+"/read error", func(t *testing.T) {
			r := io.MultiReader(strings.NewReader(in[:len(in)/2]), iotest.ErrReader(readErr))
			err := Parse(r, "f", f, func(Record) error { return nil })
			if !errors.Is(err, readErr) || !strings.HasPrefix(err.Error(), "read f: ") {
				t.Errorf("Parse = %v, want %v wrapped as read f: ...", err, readErr)
			}
		})
		t.Run(string(f)+"/emit error", func(t *testing.T) {
			calls := 0
			err := Parse(strings.NewReader(in), "f", f, func(Record) error { calls++; return stop })
			if err != stop || calls != 1 {
				t.Errorf("Parse = %v after %d emits, want %v after 1", err, calls, stop)
			}
		})
	}
	if err := Parse(strings.NewReader("x"), "f", Format("xml"), nil); err == nil {
		t.Error("Parse with an unknown format succeeded")
	}
}

func TestParsePaths(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, data string) {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("b.jsonl", "{\"title\":\"j1\"}\n{\"title\":\"j2\"}\n")
	write("a/z.csv", "Title,Body\nc1,x\n")
	write("a/y.txt", "Text title\n\nbody\n")
	write("a/x.dat", "Arch title\n\nPosted on 2019-01-02 by\n\nbody\n")
	write(".hidden/h.txt", "hidden\n")
	write("a/.h.txt", "hidden\n")
	write("bin.txt", "PK\x03\x04\x00\x00binary")
	if err := os.Symlink(filepath.Join(dir, "a"), filepath.Join(dir, "link-to-dir")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "a", "y.txt"), filepath.Join(dir, "link.txt")); err != nil {
		t.Fatal(err)
	}
	linkedRoot := filepath.Join(t.TempDir(), "linked-root")
	if err := os.Symlink(filepath.Join(dir, "a"), linkedRoot); err != nil {
		t.Fatal(err)
	}
	single := filepath.Join(dir, "b.jsonl")
	missing := filepath.Join(dir, "missing.txt")

	var got []string
	emit := func(r Record) error {
		got = append(got, r.Location()+" "+r.Article.Title)
		return nil
	}
	var fileErrs []string
	onFileError := func(path string, err error) {
		fileErrs = append(fileErrs, strings.TrimPrefix(path, dir+"/"))
	}
	err := ParsePaths(t.Context(), []string{dir, missing, single, linkedRoot}, emit, onFileError)
	if err != nil {
		t.Fatal(err)
	}
	rel := func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(s, dir+"/", ""), filepath.Dir(linkedRoot)+"/", "")
	}
	for i := range got {
		got[i] = rel(got[i])
	}
	want := []string{
		"a/y.txt:1 Text title",
		"a/z.csv:2 c1",
		"b.jsonl:1 j1",
		"b.jsonl:2 j2",
		"link.txt:1 Text title",
		"b.jsonl:1 j1",
		"b.jsonl:2 j2",
		"linked-root/y.txt:1 Text title",
		"linked-root/z.csv:2 c1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"bin.txt", "link-to-dir", "missing.txt"}, fileErrs); diff != "" {
		t.Errorf("file errors mismatch (-want +got):\n%s", diff)
	}

	t.Run("nil onFileError", func(t *testing.T) {
		if err := ParsePaths(t.Context(), []string{missing, filepath.Join(dir, "bin.txt")}, emit, nil); err != nil {
			t.Errorf("ParsePaths = %v, want nil", err)
		}
	})
	t.Run("emit error stops the walk", func(t *testing.T) {
		stop := errors.New("stop")
		calls := 0
		err := ParsePaths(t.Context(), []string{dir, single}, func(Record) error { calls++; return stop }, func(string, error) {})
		if err != stop || calls != 1 {
			t.Errorf("ParsePaths = %v after %d emits, want %v after 1", err, calls, stop)
		}
	})
	t.Run("cancel stops the walk", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		calls := 0
		err := ParsePaths(ctx, []string{dir}, func(Record) error { calls++; cancel(); return nil }, func(string, error) {})
		if !errors.Is(err, context.Canceled) || calls != 1 {
			t.Errorf("ParsePaths = %v after %d emits, want context.Canceled after 1", err, calls)
		}
	})
}

// checkInvariants asserts what every parse must guarantee: lines from 1 and
// increasing, ok records valid and with valid UTF-8 everywhere, trimmed
// text without "\r".
func checkInvariants(t testing.TB, recs []Record) {
	t.Helper()
	prev := 0
	for _, r := range recs {
		if r.Line < 1 || r.Line <= prev {
			t.Errorf("%s: line %d after %d", r.Location(), r.Line, prev)
		}
		prev = r.Line
		if r.Err != nil {
			continue
		}
		a := r.Article
		if err := a.Validate(); err != nil {
			t.Errorf("%s: ok record does not validate: %v", r.Location(), err)
		}
		strs := []string{a.ID, a.Title, a.Body, a.Source, a.URL, a.Author, a.Category}
		for _, list := range [][]string{a.Tags, a.Persons, a.Organizations, a.Places} {
			for _, s := range list {
				if s == "" {
					t.Errorf("%s: empty list item", r.Location())
				}
				strs = append(strs, s)
			}
		}
		for k, v := range a.Meta {
			strs = append(strs, k, v)
		}
		for _, s := range strs {
			if !utf8.ValidString(s) || strings.Contains(s, "\r") || s != strings.TrimSpace(s) {
				t.Errorf("%s: string not clean: %q", r.Location(), s)
			}
		}
	}
}
