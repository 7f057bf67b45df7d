package releval

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
)

// Depth is how many results per query the evaluation ranks: MAP is
// computed over the top 1000, as trec_eval does.
const Depth = 1000

// CutOff is the rank P@k and nDCG@k stop at.
const CutOff = 10

// Hit is one ranked document.
type Hit struct {
	ID    string
	Score float64
}

// Scores are one query's metrics, or their means over queries.
type Scores struct {
	AP     float64 // average precision over the ranking (MAP when averaged)
	P10    float64 // precision at 10
	NDCG10 float64 // nDCG at 10, binary gains
}

// AveragePrecision is the mean of the precision at the rank of each
// relevant document, counting relevant documents not retrieved as zero.
// Zero when nothing is relevant.
func AveragePrecision(ranked []string, rel map[string]bool) float64 {
	if len(rel) == 0 {
		return 0
	}
	hits, sum := 0, 0.0
	for i, id := range ranked {
		if rel[id] {
			hits++
			sum += float64(hits) / float64(i+1)
		}
	}
	return sum / float64(len(rel))
}

// PrecisionAt is the share of the top k that is relevant; a ranking
// shorter than k counts the missing ranks as not relevant.
func PrecisionAt(ranked []string, rel map[string]bool, k int) float64 {
	if k <= 0 {
		return 0
	}
	n := 0
	for _, id := range ranked[:min(k, len(ranked))] {
		if rel[id] {
			n++
		}
	}
	return float64(n) / float64(k)
}

// NDCGAt is the DCG of the top k with binary gains (1/log2(rank+1) per
// relevant document) over that of an ideal ranking. Zero when nothing is
// relevant.
func NDCGAt(ranked []string, rel map[string]bool, k int) float64 {
	if len(rel) == 0 || k <= 0 {
		return 0
	}
	dcg := 0.0
	for i, id := range ranked[:min(k, len(ranked))] {
		if rel[id] {
			dcg += 1 / math.Log2(float64(i+2))
		}
	}
	ideal := 0.0
	for i := range min(k, len(rel)) {
		ideal += 1 / math.Log2(float64(i+2))
	}
	return dcg / ideal
}

// Score computes one query's metrics over at most Depth results.
func Score(ranked []string, rel map[string]bool) Scores {
	ranked = ranked[:min(Depth, len(ranked))]
	return Scores{
		AP:     AveragePrecision(ranked, rel),
		P10:    PrecisionAt(ranked, rel, CutOff),
		NDCG10: NDCGAt(ranked, rel, CutOff),
	}
}

// Mean averages per-query scores; zero for none.
func Mean(per []Scores) Scores {
	var m Scores
	if len(per) == 0 {
		return m
	}
	for _, s := range per {
		m.AP += s.AP
		m.P10 += s.P10
		m.NDCG10 += s.NDCG10
	}
	n := float64(len(per))
	return Scores{AP: m.AP / n, P10: m.P10 / n, NDCG10: m.NDCG10 / n}
}

// IDs returns the ids of hits in order.
func IDs(hits []Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

// WriteRun writes one query's ranking in TREC run format,
// "qid Q0 docid rank score tag", ranks from 1, at most Depth lines.
func WriteRun(w io.Writer, qid string, hits []Hit, tag string) error {
	bw := bufio.NewWriter(w)
	for i, h := range hits[:min(Depth, len(hits))] {
		fmt.Fprintf(bw, "%s Q0 %s %d %s %s\n", qid, h.ID, i+1, strconv.FormatFloat(h.Score, 'f', 6, 64), tag)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write run for query %s: %w", qid, err)
	}
	return nil
}
