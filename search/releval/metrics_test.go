package releval

import (
	"bytes"
	"math"
	"testing"
)

func set(ids ...string) map[string]bool {
	m := map[string]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// Hand-computed: ranking a b c d e with relevant {a, c, f}.
//
//	AP     = (1/1 + 2/3) / 3                      = 0.555556
//	P@10   = 2/10                                 = 0.2
//	nDCG@10 = (1/log2 2 + 1/log2 4) / (1/log2 2 + 1/log2 3 + 1/log2 4)
//	       = 1.5 / 2.130930                       = 0.703918
func TestMetrics(t *testing.T) {
	tests := []struct {
		name   string
		ranked []string
		rel    map[string]bool
		want   Scores
		p2     float64
	}{
		{"worked example", []string{"a", "b", "c", "d", "e"}, set("a", "c", "f"), Scores{AP: 5.0 / 9, P10: 0.2, NDCG10: 1.5 / (1 + 1/math.Log2(3) + 0.5)}, 0.5},
		{"perfect", []string{"a", "b", "x"}, set("a", "b"), Scores{AP: 1, P10: 0.2, NDCG10: 1}, 1},
		{"relevant last of 11", []string{"x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "a"}, set("a"), Scores{AP: 1.0 / 11}, 0},
		{"nothing retrieved", nil, set("a"), Scores{}, 0},
		{"nothing relevant", []string{"a"}, set(), Scores{}, 0},
		{"second of two", []string{"x", "a"}, set("a"), Scores{AP: 0.5, P10: 0.1, NDCG10: 1 / math.Log2(3)}, 0.5},
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Score(tt.ranked, tt.rel)
			if !near(got.AP, tt.want.AP) || !near(got.P10, tt.want.P10) || !near(got.NDCG10, tt.want.NDCG10) {
				t.Errorf("Score = %+v, want %+v", got, tt.want)
			}
			if p := PrecisionAt(tt.ranked, tt.rel, 2); !near(p, tt.p2) {
				t.Errorf("P@2 = %v, want %v", p, tt.p2)
			}
		})
	}
}

func TestScoreCutsAtDepth(t *testing.T) {
	ranked := make([]string, Depth+1)
	for i := range ranked {
		ranked[i] = "x"
	}
	ranked[Depth] = "a" // rank 1001: not counted
	if got := Score(ranked, set("a")); got.AP != 0 {
		t.Errorf("AP = %v, want 0 beyond rank %d", got.AP, Depth)
	}
}

func TestMean(t *testing.T) {
	got := Mean([]Scores{{AP: 1, P10: 0.5, NDCG10: 0.25}, {AP: 0, P10: 0.1, NDCG10: 0.75}})
	if want := (Scores{AP: 0.5, P10: 0.3, NDCG10: 0.5}); math.Abs(got.P10-want.P10) > 1e-12 || got.AP != want.AP || got.NDCG10 != want.NDCG10 {
		t.Errorf("Mean = %+v, want %+v", got, want)
	}
	if got := Mean(nil); got != (Scores{}) {
		t.Errorf("Mean(nil) = %+v", got)
	}
}

func TestWriteRun(t *testing.T) {
	var b bytes.Buffer
	if err := WriteRun(&b, "7", []Hit{{"d3", 12.5}, {"d1", 3.25}}, "newsdex"); err != nil {
		t.Fatal(err)
	}
	want := "7 Q0 d3 1 12.500000 newsdex\n7 Q0 d1 2 3.250000 newsdex\n"
	if b.String() != want {
		t.Errorf("run =\n%s\nwant\n%s", b.String(), want)
	}
}
