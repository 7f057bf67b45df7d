package indexer

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseCSV(t *testing.T) {
	jan2 := time.Date(2019, 1, 2, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   string
		want []parsed
	}{
		{
			name: "all fields, header case and spaces",
			in: " ID ,Title,Body,Source,URL,Published,Author,Category,Tags,Persons,Organizations,Places\n" +
				`x1,T,B,S,http://u,2019-01-02,A,C,"t1, t2",P,"O1,O2",` + "\n",
			want: []parsed{{Line: 2, Article: Article{ID: "x1", Title: "T", Body: "B", Source: "S", URL: "http://u",
				Published: jan2, Author: "A", Category: "C", Tags: []string{"t1", "t2"}, Persons: []string{"P"},
				Organizations: []string{"O1", "O2"}}}},
		},
		{
			name: "aliases, and canonical wins with alias kept in meta",
			in:   "title,text,outlet,date,body\nT,X,O,2019-01-02,\nU,X,O,,B\n",
			want: []parsed{
				{Line: 2, Article: Article{Title: "T", Body: "X", Source: "O", Published: jan2}},
				{Line: 3, Article: Article{Title: "U", Body: "B", Source: "O", Meta: map[string]string{"text": "X"}}},
			},
		},
		{
			name: "unknown columns go to meta, empty cells do not",
			in:   "title,Lang,,score\nT,en,z,\nU,,,1\n",
			want: []parsed{
				{Line: 2, Article: Article{Title: "T", Meta: map[string]string{"Lang": "en", "column3": "z"}}},
				{Line: 3, Article: Article{Title: "U", Meta: map[string]string{"score": "1"}}},
			},
		},
		{
			name: "multi-line quoted field is located at its first line",
			in:   "id,title,body\r\n1,\"Two\r\nline title\",\"p1\r\n\r\np2\"\r\n2,Next,b\r\n",
			want: []parsed{
				{Line: 2, Article: Article{ID: "1", Title: "Two\nline title", Body: "p1\n\np2"}},
				{Line: 6, Article: Article{ID: "2", Title: "Next", Body: "b"}},
			},
		},
		{
			name: "wrong field count and blank lines",
			in:   "title,body\n\na,b\n   \nonly-one\na,b,c\n\n\nc,d\n",
			want: []parsed{
				{Line: 3, Article: Article{Title: "a", Body: "b"}},
				{Line: 5, Err: "row has 1 fields, header has 2"},
				{Line: 6, Err: "row has 3 fields, header has 2"},
				{Line: 9, Article: Article{Title: "c", Body: "d"}},
			},
		},
		{
			name: "bare quote is reported and the next line read",
			in:   "title,body\nbad \"quote,b\nok,b\n",
			want: []parsed{
				{Line: 2, Err: `bad CSV at column 5: bare " in non-quoted-field`},
				{Line: 3, Article: Article{Title: "ok", Body: "b"}},
			},
		},
		{
			name: "extraneous quote in quoted field",
			in:   "title,body\n\"a\"x,b\nok,b\n",
			want: []parsed{
				{Line: 2, Err: `bad CSV at column 3: extraneous or missing " in quoted-field`},
				{Line: 3, Article: Article{Title: "ok", Body: "b"}},
			},
		},
		{
			name: "unclosed quote swallows the rest of the file",
			in:   "title,body\nok,b\n\"never closed,b\nx,y\nz,w\n",
			want: []parsed{
				{Line: 2, Article: Article{Title: "ok", Body: "b"}},
				{Line: 3, Err: `bad CSV at line 5, column 5: extraneous or missing " in quoted-field; skipped lines 3-5`},
			},
		},
		{
			name: "bad date and empty record",
			in:   "id,title,body,published\n1,T,B,2019-31-01\n2,,,\n",
			want: []parsed{
				{Line: 2, Article: Article{ID: "1", Title: "T", Body: "B"}, Err: `bad published date "2019-31-01"`},
				{Line: 3, Article: Article{ID: "2"}, Err: `id "2": record has neither title nor body`},
			},
		},
		{
			name: "bom and invalid utf-8",
			in:   "\xef\xbb\xbftitle,body\nCaf\xe9,\xff\xfe b \n",
			want: []parsed{{Line: 2, Article: Article{Title: "Caf\uFFFD", Body: "\uFFFD b"}}},
		},
		{
			name: "header without title or body stops the file",
			in:   "id,source\n1,S\n",
			want: []parsed{{Line: 1, Err: `header has no title, body or text column (got "id,source")`}},
		},
		{
			name: "header naming a column twice stops the file",
			in:   "title,body,Title\na,b,c\n",
			want: []parsed{{Line: 1, Err: `header: column "Title" appears twice`}},
		},
		{
			name: "header that is not valid CSV stops the file",
			in:   "title,bo\"dy\na,b\n",
			want: []parsed{{Line: 1, Err: `header: bad CSV at column 9: bare " in non-quoted-field`}},
		},
		{name: "header only", in: "title,body\n", want: []parsed{}},
		{name: "empty", in: "", want: []parsed{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := parseAll(t, tt.in, "a.csv", FormatCSV)
			checkInvariants(t, recs)
			if diff := cmp.Diff(tt.want, view(recs)); diff != "" {
				t.Errorf("records mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
