package count

import (
	"bytes"
	"encoding/xml"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func assertGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs (-update to accept):\n%s", name, got)
	}
}

// TestPairsAgainstBruteForce compares the triangular counters with
// counting each pair over the articles directly.
func TestPairsAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{2, 3, 7, 40} {
		var arts [][]int
		for range 300 {
			perm := r.Perm(n)
			arts = append(arts, perm[:r.IntN(min(n, 6)+1)])
		}
		p := NewPairs(n)
		for _, a := range arts {
			p.Add(a)
		}
		for i := range n {
			for j := range n {
				want := 0
				if i != j {
					for _, a := range arts {
						hi, hj := false, false
						for _, x := range a {
							hi, hj = hi || x == i, hj || x == j
						}
						if hi && hj {
							want++
						}
					}
				}
				if got := p.Count(i, j); got != want {
					t.Fatalf("n=%d: Count(%d, %d) = %d, want %d", n, i, j, got, want)
				}
			}
		}
	}
}

func testNetwork() ([]Node, []Edge) {
	nodes := []Node{
		{ID: "person:Ann Lee", Type: "person", Name: "Ann Lee", Count: 4},
		{ID: "org:Dock & Union", Type: "org", Name: "Dock & Union", Count: 3},
		{ID: "place:Leith", Type: "place", Name: "Leith", Count: 2},
	}
	p := NewPairs(3)
	p.Add([]int{0, 1})
	p.Add([]int{0, 1, 2})
	p.Add([]int{2, 0})
	p.Add([]int{0})
	return nodes, p.Edges(nodes)
}

func TestEdges(t *testing.T) {
	nodes, edges := testNetwork()
	want := []Edge{
		{Source: "person:Ann Lee", Target: "org:Dock & Union", Count: 2, Score: 2.0 / 5},
		{Source: "person:Ann Lee", Target: "place:Leith", Count: 2, Score: 2.0 / 4},
		{Source: "org:Dock & Union", Target: "place:Leith", Count: 1, Score: 1.0 / 4},
	}
	// Equal counts: the higher score first.
	want[0], want[1] = want[1], want[0]
	if len(edges) != len(want) {
		t.Fatalf("edges %+v, want %+v", edges, want)
	}
	for i := range want {
		if edges[i] != want[i] {
			t.Errorf("edge %d = %+v, want %+v", i, edges[i], want[i])
		}
	}
	_ = nodes
}

func TestWriteGEXF(t *testing.T) {
	nodes, edges := testNetwork()
	var b bytes.Buffer
	if err := WriteGEXF(&b, nodes, edges); err != nil {
		t.Fatal(err)
	}
	// Well-formed, and the counts survive a read back.
	var doc struct {
		Nodes []struct {
			ID    string `xml:"id,attr"`
			Label string `xml:"label,attr"`
		} `xml:"graph>nodes>node"`
		Edges []struct {
			Source string `xml:"source,attr"`
			Weight int    `xml:"weight,attr"`
		} `xml:"graph>edges>edge"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Nodes) != 3 || doc.Nodes[1].Label != "Dock & Union" || len(doc.Edges) != 3 || doc.Edges[0].Weight != 2 {
		t.Errorf("read back %+v", doc)
	}
	assertGolden(t, "network.gexf", b.Bytes())
}

func TestWriteEdgeCSV(t *testing.T) {
	nodes, edges := testNetwork()
	nodes[0].Name = "=Ann Lee"
	var b bytes.Buffer
	cell := func(s string) string {
		if s != "" && s[0] == '=' {
			return "'" + s
		}
		return s
	}
	if err := WriteEdgeCSV(&b, nodes, edges, cell); err != nil {
		t.Fatal(err)
	}
	assertGolden(t, "network.csv", b.Bytes())
}

// TopNodes keeps the size most counted nodes, ties broken by name and
// then type, whatever the input order, and sets their IDs.
func TestTopNodes(t *testing.T) {
	in := []Node{
		{Type: "place", Name: "Seoul", Count: 4},
		{Type: "person", Name: "Kim", Count: 9},
		{Type: "org", Name: "UN", Count: 4},
		{Type: "person", Name: "Seoul", Count: 4},
		{Type: "place", Name: "Busan", Count: 1},
		{Type: "person", Name: "Lee", Count: 4},
	}
	tests := []struct {
		name string
		size int
		want []string
	}{
		{"all", 10, []string{"person:Kim", "person:Lee", "person:Seoul", "place:Seoul", "org:UN", "place:Busan"}},
		{"ties at the cut", 3, []string{"person:Kim", "person:Lee", "person:Seoul"}},
		{"one", 1, []string{"person:Kim"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, order := range [][]int{{0, 1, 2, 3, 4, 5}, {5, 4, 3, 2, 1, 0}, {3, 0, 5, 1, 4, 2}} {
				nodes := make([]Node, 0, len(in))
				for _, i := range order {
					nodes = append(nodes, in[i])
				}
				var got []string
				for _, n := range TopNodes(nodes, tt.size) {
					got = append(got, n.ID)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("order %v (-want +got):\n%s", order, diff)
				}
			}
		})
	}
	if got := TopNodes(nil, 5); got == nil || len(got) != 0 {
		t.Errorf("no candidates: got %#v, want an empty list", got)
	}
}
