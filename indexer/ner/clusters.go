package ner

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"time"
)

// Clusters assign words of an unlabelled corpus a cluster id at one or
// more granularities, coarse first. Words that occur in similar contexts
// share a cluster, so the tagger can generalise from "Jakarta" in the
// training data to "Pyongyang" it never saw labelled.
type Clusters struct {
	words map[string][]uint16
}

// Len returns the number of words with clusters.
func (c *Clusters) Len() int { return len(c.words) }

// ClusterOptions configure BuildClusters.
type ClusterOptions struct {
	// Sizes are the numbers of clusters, one clustering per size
	// (default 32, 128, 512, 1024); at most half the vocabulary is used.
	Sizes []int
	// MinCount is how often a word must occur to be clustered (default 3).
	MinCount int
	// MaxWords caps the vocabulary at the most frequent words
	// (default 60000).
	MaxWords int
	// Iterations of the exchange algorithm (default 8).
	Iterations int
	Logger     *slog.Logger
}

func (o *ClusterOptions) setDefaults() {
	if len(o.Sizes) == 0 {
		o.Sizes = []int{32, 128, 512, 1024}
	}
	if o.MinCount <= 0 {
		o.MinCount = 3
	}
	if o.MaxWords <= 0 {
		o.MaxWords = 60000
	}
	if o.Iterations <= 0 {
		o.Iterations = 8
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// BuildClusters clusters the words of sentences (tokenised text) with the predictive exchange algorithm (Uszkoreit and Brants,
// 2008): each word moves to the class that most increases the likelihood
// of a class bigram model P(class(w) | previous word). It returns an
// error if ctx is cancelled or there are too few words.
func BuildClusters(ctx context.Context, sentences [][]string, opts ClusterOptions) (*Clusters, error) {
	opts.setDefaults()
	sentences = normalizeSentences(sentences)
	counts := map[string]int{}
	for _, s := range sentences {
		for _, w := range s {
			counts[w]++
		}
	}
	var vocab []string
	for w, n := range counts {
		if n >= opts.MinCount {
			vocab = append(vocab, w)
		}
	}
	slices.SortFunc(vocab, func(a, b string) int {
		if c := counts[b] - counts[a]; c != 0 {
			return c
		}
		if a < b {
			return -1
		}
		return 1
	})
	if len(vocab) > opts.MaxWords {
		vocab = vocab[:opts.MaxWords]
	}
	if len(vocab) < 4 {
		return nil, fmt.Errorf("build clusters: only %d words occur %d times or more", len(vocab), opts.MinCount)
	}
	sizes := make([]int, len(opts.Sizes))
	for i, k := range opts.Sizes {
		if k < 2 || k > math.MaxUint16 {
			return nil, fmt.Errorf("build clusters: %d clusters", k)
		}
		// A small corpus gets fewer clusters rather than an error.
		sizes[i] = min(k, len(vocab)/2)
	}
	id := make(map[string]int32, len(vocab))
	for i, w := range vocab {
		id[w] = int32(i)
	}
	// Predecessor ids: vocabulary words, then one id for all rare words
	// and one for the sentence start.
	rare, start := int32(len(vocab)), int32(len(vocab)+1)
	pairs := map[[2]int32]int32{}
	for _, s := range sentences {
		prev := start
		for _, w := range s {
			cur, ok := id[w]
			if !ok {
				prev = rare
				continue
			}
			pairs[[2]int32{prev, cur}]++
			prev = cur
		}
	}
	g := newExchange(len(vocab), len(vocab)+2, pairs)
	c := &Clusters{words: make(map[string][]uint16, len(vocab))}
	for _, w := range vocab {
		c.words[w] = make([]uint16, len(opts.Sizes))
	}
	for gi, k := range sizes {
		began := time.Now()
		class, err := g.run(ctx, k, opts.Iterations, opts.Logger)
		if err != nil {
			return nil, err
		}
		for i, w := range vocab {
			c.words[w][gi] = uint16(class[i])
		}
		opts.Logger.Info("ner clusters", "classes", k, "words", len(vocab), "took", time.Since(began).Round(time.Millisecond))
	}
	return c, nil
}

// exchange holds the bigram statistics of the exchange algorithm.
type exchange struct {
	nWords, nPreds int
	preds          [][]pred // preds[w]: (predecessor, count) pairs of word w
	nSucc          []int    // distinct successors per predecessor
	wordCount      []int64
	xlogx          []float64 // x*log(x) for small x
}

type pred struct {
	v int32
	n int32
}

func newExchange(nWords, nPreds int, pairs map[[2]int32]int32) *exchange {
	g := &exchange{nWords: nWords, nPreds: nPreds, preds: make([][]pred, nWords),
		nSucc: make([]int, nPreds), wordCount: make([]int64, nWords)}
	for k, n := range pairs {
		g.preds[k[1]] = append(g.preds[k[1]], pred{v: k[0], n: n})
		g.wordCount[k[1]] += int64(n)
		g.nSucc[k[0]]++
	}
	for w := range g.preds {
		slices.SortFunc(g.preds[w], func(a, b pred) int { return int(a.v - b.v) })
	}
	g.xlogx = make([]float64, 1<<16)
	for i := range g.xlogx {
		g.xlogx[i] = xlogx(float64(i))
	}
	return g
}

func xlogx(x float64) float64 {
	if x <= 0 {
		return 0
	}
	return x * math.Log(x)
}

func (g *exchange) f(x int64) float64 {
	if x < int64(len(g.xlogx)) {
		return g.xlogx[x]
	}
	return xlogx(float64(x))
}

// predClasses counts, for one predecessor, how often it is followed by a
// word of each class: densely for frequent predecessors, as a short list
// otherwise. Both iterate in a fixed order, so runs are reproducible.
type predClasses struct {
	dense []int32
	cls   []int32
	cnt   []int32
}

func (p *predClasses) add(c, n int32) {
	if p.dense != nil {
		p.dense[c] += n
		return
	}
	for i, x := range p.cls {
		if x == c {
			p.cnt[i] += n
			if p.cnt[i] == 0 {
				last := len(p.cls) - 1
				p.cls[i], p.cnt[i] = p.cls[last], p.cnt[last]
				p.cls, p.cnt = p.cls[:last], p.cnt[:last]
			}
			return
		}
	}
	p.cls = append(p.cls, c)
	p.cnt = append(p.cnt, n)
}

// run clusters the words into k classes and returns each word's class.
func (g *exchange) run(ctx context.Context, k, iterations int, log *slog.Logger) ([]int32, error) {
	class := make([]int32, g.nWords)
	for w := range class {
		class[w] = int32(w % k)
	}
	classCount := make([]int64, k)
	pc := make([]predClasses, g.nPreds)
	for v := range pc {
		if g.nSucc[v] >= k/4 {
			pc[v].dense = make([]int32, k)
		}
	}
	for w, ps := range g.preds {
		classCount[class[w]] += g.wordCount[w]
		for _, p := range ps {
			pc[p.v].add(class[w], p.n)
		}
	}
	delta := make([]float64, k)
	for it := 0; it < iterations; it++ {
		moved := 0
		for w := range g.nWords {
			if w%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			ps := g.preds[w]
			if len(ps) == 0 {
				continue
			}
			from := class[w]
			nw := g.wordCount[w]
			for _, p := range ps {
				pc[p.v].add(from, -p.n)
			}
			classCount[from] -= nw
			// Gain of putting w into class c, up to a constant:
			//   sum_v [f(N(v,c)+N(v,w)) - f(N(v,c)) - f(N(v,w))]
			//   - [f(N(c)+N(w)) - f(N(c))]
			clear(delta)
			for _, p := range ps {
				n := int64(p.n)
				fn := g.f(n)
				q := &pc[p.v]
				if q.dense != nil {
					for c, nvc := range q.dense {
						if nvc != 0 {
							delta[c] += g.f(int64(nvc)+n) - g.f(int64(nvc)) - fn
						}
					}
					continue
				}
				for i, c := range q.cls {
					nvc := int64(q.cnt[i])
					delta[c] += g.f(nvc+n) - g.f(nvc) - fn
				}
			}
			best, bestGain := from, math.Inf(-1)
			for c := range int32(k) {
				gain := delta[c] - (g.f(classCount[c]+nw) - g.f(classCount[c]))
				if gain > bestGain+1e-9 || (gain > bestGain-1e-9 && c == from) {
					best, bestGain = c, gain
				}
			}
			if best != from {
				moved++
			}
			class[w] = best
			for _, p := range ps {
				pc[p.v].add(best, p.n)
			}
			classCount[best] += nw
		}
		log.Info("ner cluster iteration", "classes", k, "iteration", it+1, "moved", moved)
		if moved == 0 {
			break
		}
	}
	return class, nil
}

// normalizeSentences returns sentences with every word normalised,
// copying only sentences that change.
func normalizeSentences(sentences [][]string) [][]string {
	out, copied := sentences, false
	for i, s := range sentences {
		for j, w := range s {
			if n := normalize(w); n != w {
				if !copied {
					out, copied = slices.Clone(sentences), true
				}
				c := slices.Clone(out[i])
				c[j] = n
				for k := j + 1; k < len(c); k++ {
					c[k] = normalize(c[k])
				}
				out[i] = c
				break
			}
		}
	}
	return out
}
