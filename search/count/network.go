package count

import (
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
)

// Node is one entity of a co-occurrence network.
type Node struct {
	ID    string `json:"id"`
	Type  string `json:"type"` // person, org or place: the filter names
	Name  string `json:"name"` // the canonical name the filters accept
	Count int    `json:"count"`
}

// Edge joins two nodes named together in Count articles. Score is the
// Jaccard index of their articles: Count / (articles naming either).
type Edge struct {
	Source string  `json:"source"`
	Target string  `json:"target"`
	Count  int     `json:"count"`
	Score  float64 `json:"score"`
}

// Pairs counts, for n nodes, the articles naming each pair together: a
// triangular matrix, n(n-1)/2 counters.
type Pairs struct {
	n int
	c []uint32
}

// NewPairs returns counters for n nodes, all zero.
func NewPairs(n int) *Pairs {
	return &Pairs{n: n, c: make([]uint32, n*(n-1)/2)}
}

func (p *Pairs) at(i, j int) int {
	if i > j {
		i, j = j, i
	}
	// Row i holds j = i+1 … n-1.
	return i*(2*p.n-i-1)/2 + (j - i - 1)
}

// Add counts one article naming the nodes in nodes, which must be
// distinct numbers below n.
func (p *Pairs) Add(nodes []int) {
	for a := range nodes {
		for b := a + 1; b < len(nodes); b++ {
			p.c[p.at(nodes[a], nodes[b])]++
		}
	}
}

// Set records that n articles name both i and j (i ≠ j), for a backend
// that counts each pair itself.
func (p *Pairs) Set(i, j, n int) {
	p.c[p.at(i, j)] = uint32(n)
}

// Count is the number of articles naming both i and j.
func (p *Pairs) Count(i, j int) int {
	if i == j {
		return 0
	}
	return int(p.c[p.at(i, j)])
}

// Edges lists the pairs named together at least once, with their
// Jaccard score from the nodes' own counts, most articles first (then
// by score, then by source and target id, so the order is stable).
func (p *Pairs) Edges(nodes []Node) []Edge {
	out := []Edge{}
	for i := range p.n {
		for j := i + 1; j < p.n; j++ {
			c := p.Count(i, j)
			if c == 0 {
				continue
			}
			union := nodes[i].Count + nodes[j].Count - c
			score := 0.0
			if union > 0 {
				score = float64(c) / float64(union)
			}
			out = append(out, Edge{Source: nodes[i].ID, Target: nodes[j].ID, Count: c, Score: score})
		}
	}
	sortEdges(out)
	return out
}

func sortEdges(es []Edge) {
	less := func(a, b Edge) bool {
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.Target < b.Target
	}
	sortSlice(es, less)
}

// WriteGEXF writes the network as GEXF 1.2 (gexf.net), which Gephi opens:
// nodes labelled by name with type and count attributes, undirected
// edges weighted by their article count, with the score as an attribute.
func WriteGEXF(w io.Writer, nodes []Node, edges []Edge) error {
	type attvalue struct {
		For   string `xml:"for,attr"`
		Value string `xml:"value,attr"`
	}
	type xnode struct {
		ID        string     `xml:"id,attr"`
		Label     string     `xml:"label,attr"`
		Attvalues []attvalue `xml:"attvalues>attvalue"`
	}
	type xedge struct {
		ID        string     `xml:"id,attr"`
		Source    string     `xml:"source,attr"`
		Target    string     `xml:"target,attr"`
		Weight    int        `xml:"weight,attr"`
		Attvalues []attvalue `xml:"attvalues>attvalue"`
	}
	type attribute struct {
		ID    string `xml:"id,attr"`
		Title string `xml:"title,attr"`
		Type  string `xml:"type,attr"`
	}
	type attributes struct {
		Class string      `xml:"class,attr"`
		Attrs []attribute `xml:"attribute"`
	}
	type graph struct {
		DefaultEdgeType string       `xml:"defaultedgetype,attr"`
		Attributes      []attributes `xml:"attributes"`
		Nodes           []xnode      `xml:"nodes>node"`
		Edges           []xedge      `xml:"edges>edge"`
	}
	type gexf struct {
		XMLName xml.Name `xml:"gexf"`
		XMLNS   string   `xml:"xmlns,attr"`
		Version string   `xml:"version,attr"`
		Meta    struct {
			Creator     string `xml:"creator"`
			Description string `xml:"description"`
		} `xml:"meta"`
		Graph graph `xml:"graph"`
	}
	doc := gexf{XMLNS: "http://gexf.net/1.2", Version: "1.2"}
	doc.Meta.Creator = "newsdex"
	doc.Meta.Description = "Entities named together in the matching articles; edge weight: articles naming both"
	doc.Graph.DefaultEdgeType = "undirected"
	doc.Graph.Attributes = []attributes{
		{Class: "node", Attrs: []attribute{{"type", "type", "string"}, {"count", "count", "integer"}}},
		{Class: "edge", Attrs: []attribute{{"score", "score", "double"}}},
	}
	doc.Graph.Nodes = []xnode{}
	doc.Graph.Edges = []xedge{}
	for _, n := range nodes {
		doc.Graph.Nodes = append(doc.Graph.Nodes, xnode{ID: n.ID, Label: n.Name,
			Attvalues: []attvalue{{"type", n.Type}, {"count", strconv.Itoa(n.Count)}}})
	}
	for i, e := range edges {
		doc.Graph.Edges = append(doc.Graph.Edges, xedge{ID: strconv.Itoa(i), Source: e.Source, Target: e.Target, Weight: e.Count,
			Attvalues: []attvalue{{"score", strconv.FormatFloat(e.Score, 'g', 6, 64)}}})
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("gexf: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// WriteEdgeCSV writes the edges as CSV, one per line: source, target
// (names), their types, count and score. cell escapes text cells (a
// spreadsheet's formula guard); nil writes them as they are.
func WriteEdgeCSV(w io.Writer, nodes []Node, edges []Edge, cell func(string) string) error {
	if cell == nil {
		cell = func(s string) string { return s }
	}
	byID := make(map[string]Node, len(nodes))
	for _, n := range nodes {
		byID[n.ID] = n
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"source", "target", "source_type", "target_type", "count", "score"})
	for _, e := range edges {
		s, t := byID[e.Source], byID[e.Target]
		_ = cw.Write([]string{cell(s.Name), cell(t.Name), s.Type, t.Type, strconv.Itoa(e.Count), strconv.FormatFloat(e.Score, 'g', 6, 64)})
	}
	cw.Flush()
	return cw.Error()
}
