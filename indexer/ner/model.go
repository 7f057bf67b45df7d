package ner

import "math"

// Model is a trained tagger's parameters: feature weights, tag
// transition weights, word clusters, gazetteer and the vocabulary whose
// word features the Tagger precomputes.
type Model struct {
	feats    *featTable
	trans    [numTags + 1][numTags + 1]float32 // [prev tag or start][tag or end]
	clusters map[string][]uint16               // normalised word -> cluster id per granularity
	gaz      *gazetteer
	lex      *gazetteer // external lexicon, by LexKind instead of Type; may be nil
	vocab    []string
	// outside marks vocabulary words that are never part of a name in
	// the training data, though frequent there ("said", "the", ",") or
	// lower case: the tagger fixes them to O without scoring them, which
	// is most of its speed, and training does the same so the two agree.
	outside []bool
}

// outsideMinCount is how often a word must occur in the training data,
// never inside a name, to be fixed to O.
const outsideMinCount = 10

const (
	startTag = numTags // row of trans used before the first token
	endTag   = numTags // column of trans used after the last token
	negInf   = float32(-1e30)
)

// closedTags are the tags after which a new entity may start (O, L-*
// and U-*): under BILOU, O, B-* and U-* may only follow these, and I-X
// and L-X only B-X or I-X. Viterbi exploits this structure.
func closedTags() [9]int {
	return [9]int{tagO, 3, 4, 7, 8, 11, 12, 15, 16}
}

type vec = [numTags]float32

// lattice is a transition matrix laid out for Viterbi: for each tag that
// opens (O, B-*, U-*) the weights from each closed tag, gathered so the
// inner loops run over fixed-size arrays.
type lattice struct {
	open  [9][9]float32           // [k-th open target][j-th closed source]
	start vec                     // from sentence start
	end   vec                     // to sentence end; -inf where a sentence cannot end
	inner [numTypes][2][2]float32 // [type][from B,I][to I,L]
	// closed and open are closedTags and openTags, set up once instead
	// of on every call of decode, which runs per stretch of tokens.
	closed, openT [9]int
	// afterO and beforeO stand in for start and end around a run of
	// tokens that follows or precedes a token fixed to O.
	afterO, beforeO vec
}

// openTags are O, B-* and U-*, the tags that may follow a closed tag.
func openTags() [9]int {
	return [9]int{tagO, 1, 4, 5, 8, 9, 12, 13, 16}
}

func newLattice(trans *[numTags + 1][numTags + 1]float32) *lattice {
	l := &lattice{}
	l.set(trans)
	return l
}

func (l *lattice) set(trans *[numTags + 1][numTags + 1]float32) {
	closed, open := closedTags(), openTags()
	l.closed, l.openT = closed, open
	for k, cur := range open {
		for j, p := range closed {
			l.open[k][j] = trans[p][cur]
		}
	}
	for t := range numTags {
		l.start[t], l.end[t] = negInf, negInf
		l.afterO[t], l.beforeO[t] = negInf, negInf
		if allowed(-1, t) {
			l.start[t] = trans[startTag][t]
			l.afterO[t] = trans[tagO][t]
		}
		if canEnd(t) {
			l.end[t] = trans[t][endTag]
			l.beforeO[t] = trans[t][tagO]
		}
	}
	for ty := range int(numTypes) {
		b, i, last := 1+4*ty, 2+4*ty, 3+4*ty
		l.inner[ty][0][0] = trans[b][i]
		l.inner[ty][0][1] = trans[b][last]
		l.inner[ty][1][0] = trans[i][i]
		l.inner[ty][1][1] = trans[i][last]
	}
}

// viterbiScratch holds the decoder's buffers between calls.
type viterbiScratch struct {
	score []float32
}

// viterbi writes into out the best legal BILOU tag sequence for emission
// scores emit (n rows of numTags). The forward pass keeps only scores;
// the backward pass recomputes which predecessor gave each chosen tag's
// score.
//
// Tokens with forced[i] set can only be O; their emission rows are not
// read.
func (l *lattice) viterbi(emit []float32, forced []bool, out []int, vs *viterbiScratch) {
	l.decode(emit, forced, out, vs, &l.start, &l.end)
}

// decode is viterbi with the given scores for the first tag and after
// the last.
func (l *lattice) decode(emit []float32, forced []bool, out []int, vs *viterbiScratch, start, end *vec) {
	n := len(out)
	if n == 0 {
		return
	}
	vs.score = resize(vs.score, n*numTags)
	closed, open := &l.closed, &l.openT
	first := (*vec)(vs.score[:numTags])
	if forced[0] {
		for t := range first {
			first[t] = negInf
		}
		first[tagO] = start[tagO]
	} else {
		e0 := (*vec)(emit[:numTags])
		for t := range first {
			first[t] = start[t] + e0[t]
		}
	}
	for i := 1; i < n; i++ {
		prev := (*vec)(vs.score[(i-1)*numTags:])
		row := (*vec)(vs.score[i*numTags:])
		var pc [9]float32
		for j, p := range closed {
			pc[j] = prev[p]
		}
		if forced[i] {
			w := &l.open[0] // open[0] is O
			best := pc[0] + w[0]
			for j := 1; j < 9; j++ {
				if s := pc[j] + w[j]; s > best {
					best = s
				}
			}
			for t := range row {
				row[t] = negInf
			}
			row[tagO] = best
			continue
		}
		e := (*vec)(emit[i*numTags:])
		for k, cur := range open {
			w := &l.open[k]
			best := pc[0] + w[0]
			for j := 1; j < 9; j++ {
				// A compare beats the max builtin, which must handle
				// NaN and signed zeros.
				if s := pc[j] + w[j]; s > best {
					best = s
				}
			}
			row[cur] = best + e[cur]
		}
		for ty := range int(numTypes) {
			b, in, last := 1+4*ty, 2+4*ty, 3+4*ty
			w := &l.inner[ty]
			row[in] = max2(prev[b]+w[0][0], prev[in]+w[1][0]) + e[in]
			row[last] = max2(prev[b]+w[0][1], prev[in]+w[1][1]) + e[last]
		}
	}
	last := (*vec)(vs.score[(n-1)*numTags:])
	best, arg := float32(math.Inf(-1)), 0
	for t := range last {
		if s := last[t] + end[t]; s > best {
			best, arg = s, t
		}
	}
	out[n-1] = arg
	for i := n - 1; i > 0; i-- {
		out[i-1] = l.argPrev((*vec)(vs.score[(i-1)*numTags:]), out[i])
	}
}

// segments decodes like viterbi, but each maximal run of tokens not
// fixed to O on its own: a token fixed to O cuts the sentence into
// independent parts, as O's transitions do not depend on what came
// before it. Only the runs for which redo reports true are decoded
// (nil: all); out must hold O at the forced tokens of other runs.
func (l *lattice) segments(emit []float32, forced []bool, out []int, vs *viterbiScratch, redo func(a, b int) bool) {
	n := len(out)
	for a := 0; a < n; {
		if forced[a] {
			out[a] = tagO
			a++
			continue
		}
		b := a + 1
		for b < n && !forced[b] {
			b++
		}
		if redo == nil || redo(a, b) {
			start, end := &l.afterO, &l.beforeO
			if a == 0 {
				start = &l.start
			}
			if b == n {
				end = &l.end
			}
			if b == a+1 {
				out[a] = l.decodeOne((*vec)(emit[a*numTags:]), start, end)
			} else {
				l.decode(emit[a*numTags:b*numTags], forced[a:b], out[a:b], vs, start, end)
			}
		}
		a = b
	}
}

// decodeOne is decode for one token not fixed to O, the most common
// stretch between tokens fixed to O: the same sums, in the same order,
// without the score table.
func (l *lattice) decodeOne(e, start, end *vec) int {
	best, arg := float32(math.Inf(-1)), 0
	for t := range e {
		first := float32(start[t] + e[t]) // rounded as decode stores it
		if s := first + end[t]; s > best {
			best, arg = s, t
		}
	}
	return arg
}

func max2(a, b float32) float32 {
	if a >= b {
		return a
	}
	return b
}

// argPrev returns the predecessor of tag cur that maximises its score.
func (l *lattice) argPrev(prev *vec, cur int) int {
	if cur != tagO && (tagPos(cur) == posI || tagPos(cur) == posL) {
		ty := int(tagType(cur))
		b, in := 1+4*ty, 2+4*ty
		w := &l.inner[ty]
		j := 0
		if tagPos(cur) == posL {
			j = 1
		}
		if prev[b]+w[0][j] >= prev[in]+w[1][j] {
			return b
		}
		return in
	}
	closed, open := &l.closed, &l.openT
	k := 0
	for k < len(open) && open[k] != cur {
		k++
	}
	w := &l.open[k]
	best, arg := prev[closed[0]]+w[0], closed[0]
	for j := 1; j < 9; j++ {
		if s := prev[closed[j]] + w[j]; s > best {
			best, arg = s, closed[j]
		}
	}
	return arg
}
