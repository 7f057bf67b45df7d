package releval

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoad(t *testing.T) {
	c, err := Load("testdata/tiny")
	if err != nil {
		t.Fatal(err)
	}
	wantDocs := []Doc{
		{"d1", "Heat transfer in composite slabs", "We solve heat conduction in composite slabs of two materials."},
		{"d2", "Boundary layer on a flat plate", "The laminar boundary layer on a flat plate at high speed."},
		{"3", "Slab heating", "Transient heat flow through a slab with a heated face."},
		{"d4", "Wing flutter", "Flutter of thin wings at supersonic speed."},
		{"d5", "Shock waves", "Shock waves ahead of blunt bodies in hypersonic flow."},
	}
	if diff := cmp.Diff(wantDocs, c.Docs); diff != "" {
		t.Errorf("docs (-want +got):\n%s", diff)
	}
	if len(c.Queries) != 4 || c.Queries[2].Text != `what is "boundary-layer" theory: a question?` {
		t.Errorf("queries = %+v", c.Queries)
	}
	if diff := cmp.Diff(map[string]bool{"d2": true}, c.Qrels.Relevant("3")); diff != "" {
		t.Errorf("relevant to 3 (grade 0 is not relevant) (-want +got):\n%s", diff)
	}
	if c.Name != "tiny" {
		t.Errorf("name = %q", c.Name)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, docs, queries, qrels, want string
	}{
		{"bad json", `{"id": "a", "title": }`, "1\tq\n", "1 0 a 1\n", "docs.jsonl: line 1"},
		{"missing id", `{"title": "t"}`, "1\tq\n", "1 0 a 1\n", "line 1: missing id"},
		{"id with space", `{"id": "a b"}`, "1\tq\n", "1 0 a 1\n", "white space"},
		{"duplicate doc", "{\"id\": 1}\n{\"id\": \"1\"}", "1\tq\n", "1 0 a 1\n", "line 2: doc \"1\" appears twice"},
		{"query without tab", `{"id": "a"}`, "1 q\n", "1 0 a 1\n", "queries.tsv: line 1"},
		{"duplicate query", `{"id": "a"}`, "1\tq\n1\tr\n", "1 0 a 1\n", "query \"1\" appears twice"},
		{"short qrels line", `{"id": "a"}`, "1\tq\n", "1 a 1\n", "qrels.txt: line 1: want"},
		{"bad grade", `{"id": "a"}`, "1\tq\n", "1 0 a high\n", "not an integer"},
		{"invalid UTF-8", `{"id": "a"}`, "1\tq\xff\n", "1 0 a 1\n", "invalid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, s := range map[string]string{"docs.jsonl": tt.docs, "queries.tsv": tt.queries, "qrels.txt": tt.qrels} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load: %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if _, err := Load(t.TempDir()); err == nil {
		t.Error("Load of an empty directory: no error")
	}
}

func TestWriteRoundTrip(t *testing.T) {
	c, err := Load("testdata/tiny")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "copy")
	if err := Write(dir, c); err != nil {
		t.Fatal(err)
	}
	back, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	back.Name = c.Name
	if diff := cmp.Diff(c, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestTopicCollection(t *testing.T) {
	docs := []Doc{{ID: "a"}, {ID: "b"}, {ID: "c"}}
	cats := map[string][]string{"a": {"grain", "wheat"}, "b": {"grain"}, "x": {"orphan"}}
	c := TopicCollection("proxy", docs, cats, func(s string) string { return "about " + s })
	want := &Collection{
		Name:    "proxy",
		Docs:    docs,
		Queries: []Query{{"grain", "about grain"}, {"wheat", "about wheat"}},
		Qrels:   Qrels{"grain": {"a": 1, "b": 1}, "wheat": {"a": 1}},
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// The readers parse files from outside; whatever the input, they return
// an error or values that can be written to a run file.
func FuzzReadDocs(f *testing.F) {
	seed, _ := os.ReadFile("testdata/tiny/docs.jsonl")
	f.Add(string(seed))
	f.Add(`{"id": 1e3}` + "\n" + `{"id": "x", "body": 5}`)
	f.Add(`{"id": null}`)
	f.Fuzz(func(t *testing.T, s string) {
		docs, err := ReadDocs(strings.NewReader(s))
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, d := range docs {
			if d.ID == "" || strings.ContainsAny(d.ID, " \t\n\r") || seen[d.ID] {
				t.Fatalf("bad or repeated id %q", d.ID)
			}
			seen[d.ID] = true
		}
	})
}

func FuzzReadQueries(f *testing.F) {
	seed, _ := os.ReadFile("testdata/tiny/queries.tsv")
	f.Add(string(seed))
	f.Add("1\t\n\t2\n3\t\t4")
	f.Fuzz(func(t *testing.T, s string) {
		qs, err := ReadQueries(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, q := range qs {
			if q.ID == "" || strings.ContainsAny(q.ID, " \t\n\r") {
				t.Fatalf("bad id %q", q.ID)
			}
		}
	})
}

func FuzzReadQrels(f *testing.F) {
	seed, _ := os.ReadFile("testdata/tiny/qrels.txt")
	f.Add(string(seed))
	f.Add("1 0 a -1\n1 0 a 2\n 2 Q0 b 99999999999999999999\n")
	f.Fuzz(func(t *testing.T, s string) {
		qr, err := ReadQrels(strings.NewReader(s))
		if err != nil {
			return
		}
		for q, docs := range qr {
			for d := range docs {
				if q == "" || d == "" || strings.ContainsAny(q+d, " \t\n\r") {
					t.Fatalf("bad pair %q %q", q, d)
				}
			}
		}
	})
}
