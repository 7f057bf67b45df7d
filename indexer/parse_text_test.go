package indexer

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []parsed
	}{
		{
			name: "title then paragraphs",
			in:   "Title\n\nPara one\nstill one.\n\n\n\nPara two.\n",
			want: []parsed{{Line: 1, Article: Article{Title: "Title", Body: "Para one\nstill one.\n\nPara two."}}},
		},
		{
			name: "leading blank lines, crlf, bom, spaces",
			in:   "\xef\xbb\xbf\r\n \r\n  Title  \r\n\r\n  Body.  \r\n",
			want: []parsed{{Line: 1, Article: Article{Title: "Title", Body: "Body."}}},
		},
		{
			name: "body right under the title",
			in:   "Title\nBody.",
			want: []parsed{{Line: 1, Article: Article{Title: "Title", Body: "Body."}}},
		},
		{
			name: "title only",
			in:   "Just a title",
			want: []parsed{{Line: 1, Article: Article{Title: "Just a title"}}},
		},
		{
			name: "invalid utf-8 is repaired",
			in:   "Price \xa3600m\n\nCost \xa3600m \xff\xfe.\n",
			want: []parsed{{Line: 1, Article: Article{Title: "Price \uFFFD600m", Body: "Cost \uFFFD600m \uFFFD."}}},
		},
		{
			name: "lines that look like other formats are text here",
			in:   "Category: not an archive here\n\n{\"title\": \"x\"}\n",
			want: []parsed{{Line: 1, Article: Article{Title: "Category: not an archive here", Body: "{\"title\": \"x\"}"}}},
		},
		{
			name: "blank file is reported",
			in:   " \n\t\n",
			want: []parsed{{Line: 1, Err: "record has neither title nor body"}},
		},
		{
			name: "empty file is reported",
			in:   "",
			want: []parsed{{Line: 1, Err: "record has neither title nor body"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := parseAll(t, tt.in, "a.txt", FormatText)
			checkInvariants(t, recs)
			if diff := cmp.Diff(tt.want, view(recs)); diff != "" {
				t.Errorf("records mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseBBC walks the BBC corpus with ParsePaths: 2,225 one-article
// files in five folders, each titled by its first line.
func TestParseBBC(t *testing.T) {
	root := filepath.Join(sharedData, "bbc")
	if _, err := os.Stat(root); errors.Is(err, os.ErrNotExist) {
		t.Skipf("%s absent: shared data not checked out beside the repo", root)
	}
	perFolder := map[string]int{}
	var other []string
	replaced := 0
	err := ParsePaths(t.Context(), []string{root}, func(r Record) error {
		rel, err := filepath.Rel(root, r.File)
		if err != nil {
			return err
		}
		folder := filepath.Dir(rel)
		if folder == "." {
			// README.TXT: ParsePaths reads every non-hidden file it is
			// given; callers point it at the article folders.
			other = append(other, rel)
			return nil
		}
		if r.Err != nil {
			t.Errorf("%s: %v", r.Location(), r.Err)
			return nil
		}
		perFolder[folder]++
		if r.Line != 1 || r.Article.Body == "" {
			t.Errorf("%s: line %d, body %d bytes", r.Location(), r.Line, len(r.Article.Body))
		}
		if want := firstLine(t, r.File); r.Article.Title != want {
			t.Errorf("%s: title %q, want first line %q", r.Location(), r.Article.Title, want)
		}
		if strings.ContainsRune(r.Article.Title+r.Article.Body, '\uFFFD') {
			replaced++
			if rel != filepath.Join("sport", "199.txt") {
				t.Errorf("%s: unexpected U+FFFD", r.Location())
			}
		}
		return nil
	}, func(path string, err error) {
		t.Errorf("file error %s: %v", path, err)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"business": 510, "entertainment": 386, "politics": 417, "sport": 511, "tech": 401}
	if diff := cmp.Diff(want, perFolder); diff != "" {
		t.Errorf("articles per folder mismatch (-want +got):\n%s", diff)
	}
	total := 0
	for _, n := range perFolder {
		total += n
	}
	if total != 2225 {
		t.Errorf("ok articles = %d, want 2225", total)
	}
	if replaced != 1 {
		t.Errorf("articles with a repaired byte = %d, want 1 (sport/199.txt)", replaced)
	}
	if diff := cmp.Diff([]string{"README.TXT"}, other); diff != "" {
		t.Errorf("records outside the folders mismatch (-want +got):\n%s", diff)
	}
}

// firstLine reads a file's first line the simple way, as the expected title.
func firstLine(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(strings.ToValidUTF8(line, "\uFFFD"))
}
