package indexer

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseArchive(t *testing.T) {
	jan2 := time.Date(2019, 1, 2, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   string
		want []parsed
	}{
		{
			name: "date and author",
			in:   "Category: World\n\nTitle one\n\nPosted on January 2, 2019 by Jane Doe\n\nPara one.\n\nPara two.\n\n[Example News]\n",
			want: []parsed{{Line: 3, Article: Article{Title: "Title one", Body: "Para one.\n\nPara two.",
				Source: "Example News", Published: jan2, Author: "Jane Doe", Category: "World"}}},
		},
		{
			name: "author without date",
			in:   "T\nPosted on by Jane Doe\nB\n",
			want: []parsed{{Line: 1, Article: Article{Title: "T", Body: "B", Author: "Jane Doe"}}},
		},
		{
			name: "date without by",
			in:   "T\nPosted on 2019-01-02\nB\n",
			want: []parsed{{Line: 1, Article: Article{Title: "T", Body: "B", Published: jan2}}},
		},
		{
			name: "date and empty by",
			in:   "T\n\nPosted on 2 January 2019 by\n\nB\n",
			want: []parsed{{Line: 1, Article: Article{Title: "T", Body: "B", Published: jan2}}},
		},
		{
			name: "rfc3339 date",
			in:   "T\nPosted on 2019-01-02T10:00:00Z by A\nB\n",
			want: []parsed{{Line: 1, Article: Article{Title: "T", Body: "B", Author: "A",
				Published: time.Date(2019, 1, 2, 10, 0, 0, 0, time.UTC)}}},
		},
		{
			name: "bad date is reported, not dropped",
			in:   "T\nPosted on 2019-02-30 by A\nB\n\nT2\nPosted on by\nB2\n",
			want: []parsed{
				{Line: 1, Article: Article{Title: "T", Body: "B", Author: "A"}, Err: `bad published date "2019-02-30"`},
				{Line: 5, Article: Article{Title: "T2", Body: "B2"}},
			},
		},
		{
			name: "several articles, outlet only on some",
			in:   "A\n\nPosted on by\n\nbody a\n\n[Outlet A]\n\n\n\nB\n\nPosted on by\n\nbody b\n\n\nC\n\nPosted on by\n\nbody c\n[Outlet C]",
			want: []parsed{
				{Line: 1, Article: Article{Title: "A", Body: "body a", Source: "Outlet A"}},
				{Line: 11, Article: Article{Title: "B", Body: "body b"}},
				{Line: 18, Article: Article{Title: "C", Body: "body c", Source: "Outlet C"}},
			},
		},
		{
			name: "bracket lines that are not the last line stay in the body",
			in:   "T\nPosted on by\n[Editor's note]\n\nText with [brackets].\n\n[not] [an outlet]\n",
			want: []parsed{{Line: 1, Article: Article{Title: "T",
				Body: "[Editor's note]\n\nText with [brackets].\n\n[not] [an outlet]"}}},
		},
		{
			name: "category recurs",
			in:   "Category: One\nA\nPosted on by\na\nCategory:  Two \nB\nPosted on by\nb\nCategory:\nC\nPosted on by\nc\n",
			want: []parsed{
				{Line: 2, Article: Article{Title: "A", Body: "a", Category: "One"}},
				{Line: 6, Article: Article{Title: "B", Body: "b", Category: "Two"}},
				{Line: 10, Article: Article{Title: "C", Body: "c"}},
			},
		},
		{
			name: "lines of a paragraph are kept apart by newlines",
			in:   "T\nPosted on by\nline one\n  line two  \n\n\n\nnext para\n",
			want: []parsed{{Line: 1, Article: Article{Title: "T", Body: "line one\nline two\n\nnext para"}}},
		},
		{
			name: "a paragraph starting with Posted on is body text",
			in:   "T\nPosted on by\nPosted on Twitter by the ministry, the video spread.\n\nPosted on social media.\n",
			want: []parsed{{Line: 1, Article: Article{Title: "T",
				Body: "Posted on Twitter by the ministry, the video spread.\n\nPosted on social media."}}},
		},
		{
			name: "text before the first article is reported",
			in:   "Preface line.\nMore preface.\n\nT\nPosted on by\nB\n",
			want: []parsed{
				{Line: 1, Err: `text outside any article skipped (2 non-blank lines before a title and "Posted on" line)`},
				{Line: 4, Article: Article{Title: "T", Body: "B"}},
			},
		},
		{
			name: "no article at all",
			in:   "Category: X\n\nJust some text.\n",
			want: []parsed{{Line: 3, Err: `text outside any article skipped (1 non-blank lines before a title and "Posted on" line)`}},
		},
		{
			name: "posted on first is an untitled article",
			in:   "Posted on by\nBody only.\n",
			want: []parsed{{Line: 1, Article: Article{Body: "Body only."}}},
		},
		{
			name: "article with neither title nor body",
			in:   "Category: X\nPosted on by\n\n",
			want: []parsed{{Line: 2, Article: Article{Category: "X"}, Err: "record has neither title nor body"}},
		},
		{
			name: "crlf, bom and invalid utf-8",
			in:   "\xef\xbb\xbfCategory: C\r\n\r\nCaf\xe9\r\nPosted on by\r\nB\xff\xfe\r\n\r\n[Out\xa3]\r\n",
			want: []parsed{{Line: 3, Article: Article{Title: "Caf\uFFFD", Body: "B\uFFFD", Source: "Out\uFFFD", Category: "C"}}},
		},
		{name: "empty", in: "", want: []parsed{}},
		{name: "only blank lines and a category", in: "\n\nCategory: X\n\n", want: []parsed{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := parseAll(t, tt.in, "a.txt", FormatArchive)
			checkInvariants(t, recs)
			if diff := cmp.Diff(tt.want, view(recs)); diff != "" {
				t.Errorf("records mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParsePostedLine(t *testing.T) {
	tests := []struct {
		line   string
		want   postedLine
		wantOK bool
	}{
		{"Posted on by", postedLine{}, true},
		{"Posted on", postedLine{}, true},
		{"Posted on by Jane", postedLine{author: "Jane"}, true},
		{"Posted on January 2, 2019 by Jane Doe", postedLine{date: "January 2, 2019", author: "Jane Doe"}, true},
		{"Posted on January 2, 2019 by", postedLine{date: "January 2, 2019"}, true},
		{"Posted on 2019-01-02", postedLine{date: "2019-01-02"}, true},
		{"Posted on 2019-01-02 by Abby Byers by proxy", postedLine{date: "2019-01-02", author: "Abby Byers by proxy"}, true},
		{"Posted on 31/02/2019 by A", postedLine{date: "31/02/2019", author: "A"}, true}, // looks like a date: reported later
		{"Posted on Twitter by the ministry", postedLine{}, false},
		{"Posted on 12 channels and 40 websites over the weekend by the campaign, it said", postedLine{}, false},
		{"Posted on Monday", postedLine{}, false},
		{"Posted onto the wall by", postedLine{}, false},
		{"posted on by", postedLine{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, ok := parsePostedLine(tt.line)
			if ok != tt.wantOK || got != tt.want {
				t.Errorf("parsePostedLine(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
