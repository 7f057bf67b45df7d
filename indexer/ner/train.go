package ner

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// TrainOptions configure Train.
type TrainOptions struct {
	// Epochs is the number of passes over the training sentences
	// (default 12).
	Epochs int
	// Clusters are word clusters learnt from unlabelled text; nil trains
	// without cluster features.
	Clusters *Clusters
	// GazFolds is the number of folds the training documents are split
	// into so that each fold's gazetteer features come from the entity
	// lists of the other folds, as they would for unseen text
	// (default 5; 1 disables the gazetteer).
	GazFolds int
	// Lexicon is a list of names from outside the training data
	// (countries, capitals, regions, languages) matched as features;
	// nil trains without it.
	Lexicon []LexiconEntry
	// NonLocalFolds is the number of folds the training documents are
	// split into to give each fold first-pass labels from a model that
	// did not see it, for the second-pass (non-local) features
	// (default 5; 1 trains without non-local features).
	NonLocalFolds int
	// Dev, if set, is scored after each epoch and logged.
	Dev []Document
	// Seed fixes the order sentences are visited in (default 1).
	Seed uint64
	// Logger receives progress; nil discards it.
	Logger *slog.Logger
}

func (o *TrainOptions) setDefaults() {
	if o.Epochs <= 0 {
		o.Epochs = 12
	}
	if o.GazFolds <= 0 {
		o.GazFolds = 5
	}
	if o.NonLocalFolds <= 0 {
		o.NonLocalFolds = 5
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// trainSent is one training sentence with its features resolved to
// weight rows.
type trainSent struct {
	rows   []int32 // feature rows of all tokens, concatenated
	start  []int32 // token i's rows are rows[start[i]:start[i+1]]
	gold   []int
	forced []bool // words always outside names: O, no features
}

// perceptron holds weights with the sums needed for averaging: the
// averaged weight is w - u/c, where c counts updates steps.
type perceptron struct {
	index  map[uint32]int32
	keys   []uint32
	w, u   []float32
	tw, tu [numTags + 1][numTags + 1]float32
	c      float32
}

func (p *perceptron) row(k uint32) int32 {
	if r, ok := p.index[k]; ok {
		return r
	}
	r := int32(len(p.keys))
	p.index[k] = r
	p.keys = append(p.keys, k)
	p.w = append(p.w, make([]float32, numTags)...)
	p.u = append(p.u, make([]float32, numTags)...)
	return r
}

func (p *perceptron) emit(dst []float32, s *trainSent) {
	for i := range s.gold {
		e := (*vec)(dst[i*numTags:])
		*e = vec{}
		for _, r := range s.rows[s.start[i]:s.start[i+1]] {
			w := (*vec)(p.w[int(r)*numTags:])
			for j := range e {
				e[j] += w[j]
			}
		}
	}
}

func (p *perceptron) update(s *trainSent, pred []int) {
	c := p.c
	for i, g := range s.gold {
		if pred[i] != g {
			for _, r := range s.rows[s.start[i]:s.start[i+1]] {
				base := int(r) * numTags
				p.w[base+g]++
				p.u[base+g] += c
				p.w[base+pred[i]]--
				p.u[base+pred[i]] -= c
			}
		}
		pg, pp := startTag, startTag
		if i > 0 {
			pg, pp = s.gold[i-1], pred[i-1]
		}
		if pg != pp || g != pred[i] {
			p.tw[pg][g]++
			p.tu[pg][g] += c
			p.tw[pp][pred[i]]--
			p.tu[pp][pred[i]] -= c
		}
	}
	n := len(s.gold)
	if g, q := s.gold[n-1], pred[n-1]; g != q {
		p.tw[g][endTag]++
		p.tu[g][endTag] += c
		p.tw[q][endTag]--
		p.tu[q][endTag] -= c
	}
}

// weightScale is the quantisation step of stored weights: the model file
// keeps weights as int16 multiples of it, and the in-memory model is
// rounded the same way so that what is scored is what is shipped.
const weightScale = 1.0 / 256

func quantize(x float32) float32 {
	q := math.Round(float64(x) / weightScale)
	q = max(min(q, math.MaxInt16), math.MinInt16)
	return float32(q * weightScale)
}

// averaged builds a Model from the averaged, quantised weights, leaving
// out features whose weights all round to zero.
func (p *perceptron) averaged(base *Model) *Model {
	m := &Model{clusters: base.clusters, gaz: base.gaz, lex: base.lex, vocab: base.vocab, outside: base.outside}
	c := p.c
	keep := make([]int32, 0, len(p.keys))
	avg := make([]float32, numTags)
	for r := range p.keys {
		nz := false
		for j := range numTags {
			v := quantize(p.w[r*numTags+j] - p.u[r*numTags+j]/c)
			nz = nz || v != 0
		}
		if nz {
			keep = append(keep, int32(r))
		}
	}
	m.feats = newFeatTable(len(keep))
	for _, r := range keep {
		for j := range numTags {
			avg[j] = quantize(p.w[int(r)*numTags+j] - p.u[int(r)*numTags+j]/c)
		}
		copy(m.feats.row(m.feats.insert(p.keys[r])), avg)
	}
	for i := range m.trans {
		for j := range m.trans[i] {
			m.trans[i][j] = quantize(p.tw[i][j] - p.tu[i][j]/c)
		}
	}
	return m
}

// Train learns a model from labelled documents with the averaged
// structured perceptron. It returns an error if ctx is cancelled or there
// is nothing to train on.
func Train(ctx context.Context, docs []Document, opts TrainOptions) (*Model, error) {
	opts.setDefaults()
	log := opts.Logger
	if NumSentences(docs) == 0 {
		return nil, fmt.Errorf("train: no sentences")
	}
	began := time.Now()
	base := &Model{gaz: newGazetteer(), lex: newLexicon(opts.Lexicon)}
	if opts.Clusters != nil {
		base.clusters = opts.Clusters.words
	}
	folds := make([]*gazetteer, opts.GazFolds)
	for k := range folds {
		folds[k] = newGazetteer()
	}
	vocab := map[string]bool{}
	seen, inName := map[string]int{}, map[string]int{}
	for d, doc := range docs {
		for _, s := range doc.Sentences {
			words := normalizeAll(s.Words)
			for _, w := range words {
				vocab[w] = true
				seen[w]++
			}
			for _, sp := range SpansFromTags(s.Tags) {
				for _, w := range words[sp.Start:sp.End] {
					inName[w]++
				}
				base.gaz.add(words[sp.Start:sp.End], sp.Type)
				for k := range folds {
					if opts.GazFolds > 1 && k != d%opts.GazFolds {
						folds[k].add(words[sp.Start:sp.End], sp.Type)
					}
				}
			}
		}
	}
	if opts.GazFolds == 1 {
		base.gaz = newGazetteer()
	}
	for w := range base.clusters {
		vocab[w] = true
	}
	for w := range vocab {
		base.vocab = append(base.vocab, w)
	}
	slices.Sort(base.vocab)
	base.outside = make([]bool, len(base.vocab))
	outside := map[string]bool{}
	for i, w := range base.vocab {
		if inName[w] == 0 && (seen[w] >= outsideMinCount || startsLower(w)) {
			base.outside[i] = true
			outside[w] = true
		}
	}

	p := &perceptron{index: map[uint32]int32{}, c: 1}
	var sents []trainSent
	var sentDoc []int // document of each of sents
	preps := make([][]sentence, len(docs))
	var st docState
	var feats []uint32
	for d, doc := range docs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		prep := make([]sentence, len(doc.Sentences))
		for i, s := range doc.Sentences {
			prep[i].words = normalizeAll(s.Words)
			prep[i].fillHashes()
		}
		prepareDoc(prep, folds[d%opts.GazFolds], base.lex, &st)
		preps[d] = prep
		for i, s := range doc.Sentences {
			if len(s.Words) == 0 {
				continue
			}
			ts := trainSent{gold: make([]int, len(s.Words)), start: make([]int32, 0, len(s.Words)+1),
				forced: make([]bool, len(s.Words))}
			bilouFromSpans(ts.gold, SpansFromTags(s.Tags))
			for j := range s.Words {
				ts.start = append(ts.start, int32(len(ts.rows)))
				if outside[prep[i].words[j]] {
					ts.forced[j] = true
					continue
				}
				feats = base.tokenFeatures(feats[:0], &prep[i], j)
				for _, f := range feats {
					ts.rows = append(ts.rows, p.row(f))
				}
			}
			ts.start = append(ts.start, int32(len(ts.rows)))
			sents = append(sents, ts)
			sentDoc = append(sentDoc, d)
		}
	}
	log.Info("ner features", "sentences", len(sents), "features", len(p.keys), "took", time.Since(began).Round(time.Millisecond))

	if opts.NonLocalFolds > 1 {
		pass1, err := jackknife(ctx, sents, sentDoc, len(p.keys), opts)
		if err != nil {
			return nil, err
		}
		log.Info("ner first pass", "took", time.Since(began).Round(time.Millisecond))
		// Second-pass copies of the sentences that have non-local
		// evidence: the same rows plus the non-local features.
		next := 0
		var tags []int
		var forced []bool
		for d, doc := range docs {
			first := next
			tags, forced = tags[:0], forced[:0]
			for _, s := range doc.Sentences {
				if len(s.Words) == 0 {
					continue
				}
				tags = append(tags, pass1[next]...)
				forced = append(forced, sents[next].forced...)
				next++
			}
			if !prepareNonLocal(preps[d], tags, forced, &st) {
				continue
			}
			k := first
			for i, s := range doc.Sentences {
				if len(s.Words) == 0 {
					continue
				}
				a := &sents[k]
				k++
				if !preps[d][i].hasNL {
					continue
				}
				ts := trainSent{gold: a.gold, forced: a.forced, start: make([]int32, 0, len(a.gold)+1)}
				for j := range a.gold {
					ts.start = append(ts.start, int32(len(ts.rows)))
					ts.rows = append(ts.rows, a.rows[a.start[j]:a.start[j+1]]...)
					if a.forced[j] {
						continue
					}
					feats = nonlocalFeatures(feats[:0], &preps[d][i], j)
					for _, f := range feats {
						ts.rows = append(ts.rows, p.row(f))
					}
				}
				ts.start = append(ts.start, int32(len(ts.rows)))
				sents = append(sents, ts)
			}
		}
		log.Info("ner second pass", "sentences", len(sents), "features", len(p.keys), "took", time.Since(began).Round(time.Millisecond))
	}

	rng := rand.New(rand.NewPCG(opts.Seed, 0x6e6572))
	err := p.train(ctx, sents, nil, opts.Epochs, rng, func(epoch, mistakes int) {
		attrs := []any{"epoch", epoch, "wrong_sentences", mistakes, "elapsed", time.Since(began).Round(time.Millisecond)}
		if len(opts.Dev) > 0 && (epoch == opts.Epochs || epoch%2 == 0) {
			sc := NewTagger(p.averaged(base)).Evaluate(opts.Dev)
			attrs = append(attrs, "dev_f1", fmt.Sprintf("%.4f", sc.Main().F1()), "dev_f1_all", fmt.Sprintf("%.4f", sc.All().F1()))
		}
		log.Info("ner epoch", attrs...)
	})
	if err != nil {
		return nil, err
	}
	m := p.averaged(base)
	log.Info("ner trained", "features", m.feats.len(), "took", time.Since(began).Round(time.Millisecond))
	return m, nil
}

// train runs the perceptron for epochs over sents, or over the
// sentences for which use is true if use is set, calling done after each
// epoch.
func (p *perceptron) train(ctx context.Context, sents []trainSent, use []bool, epochs int, rng *rand.Rand, done func(epoch, mistakes int)) error {
	var order []int
	for i := range sents {
		if use == nil || use[i] {
			order = append(order, i)
		}
	}
	lat := newLattice(&p.tw)
	var emit []float32
	var pred []int
	var vs viterbiScratch
	for epoch := 1; epoch <= epochs; epoch++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		mistakes := 0
		for _, si := range order {
			s := &sents[si]
			n := len(s.gold)
			emit = resize(emit, n*numTags)
			pred = resize(pred, n)
			p.emit(emit, s)
			lat.set(&p.tw)
			lat.viterbi(emit, s.forced, pred, &vs)
			for i := range pred {
				if pred[i] != s.gold[i] {
					p.update(s, pred)
					mistakes++
					break
				}
			}
			p.c++
		}
		if done != nil {
			done(epoch, mistakes)
		}
	}
	return nil
}

// jackknife returns first-pass tags for every training sentence, each
// from a model trained without the sentence's fold of documents, so that
// the second pass learns from labels as wrong as they will be on new
// text. sentDoc gives each sentence's document; nrows is the number of
// feature rows.
func jackknife(ctx context.Context, sents []trainSent, sentDoc []int, nrows int, opts TrainOptions) ([][]int, error) {
	k := opts.NonLocalFolds
	out := make([][]int, len(sents))
	use := make([]bool, len(sents))
	var emit []float32
	var vs viterbiScratch
	for fold := range k {
		for i, d := range sentDoc {
			use[i] = d%k != fold
		}
		fp := &perceptron{w: make([]float32, nrows*numTags), u: make([]float32, nrows*numTags), c: 1}
		rng := rand.New(rand.NewPCG(opts.Seed, 0x6a6b00+uint64(fold)))
		if err := fp.train(ctx, sents, use, opts.Epochs, rng, nil); err != nil {
			return nil, err
		}
		avg := &perceptron{w: make([]float32, len(fp.w))}
		for j := range fp.w {
			avg.w[j] = fp.w[j] - fp.u[j]/fp.c
		}
		for a := range fp.tw {
			for b := range fp.tw[a] {
				avg.tw[a][b] = fp.tw[a][b] - fp.tu[a][b]/fp.c
			}
		}
		lat := newLattice(&avg.tw)
		for i := range sents {
			if use[i] {
				continue
			}
			s := &sents[i]
			emit = resize(emit, len(s.gold)*numTags)
			avg.emit(emit, s)
			out[i] = make([]int, len(s.gold))
			lat.viterbi(emit, s.forced, out[i], &vs)
		}
	}
	return out, nil
}

// tokenFeatures appends all features of token i of s: the word features
// of its neighbourhood and its context features.
func (m *Model) tokenFeatures(dst []uint32, s *sentence, i int) []uint32 {
	for off := minOff; off <= maxOff; off++ {
		dst = m.wordFeatures(dst, s.word(i+off), off)
	}
	return contextFeatures(dst, s, i)
}

func normalizeAll(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = normalize(w)
	}
	return out
}
