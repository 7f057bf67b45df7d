// Package neardup finds near-duplicate articles (the same story
// republished with small edits) with MinHash over word 5-grams and
// locality-sensitive hashing (LSH), as in Broder (1997) and Leskovec,
// Rajaraman and Ullman, Mining of Massive Datasets, ch. 3.
//
// At ingest an article's text becomes a Signature: K minimum hashes of
// its 5-word shingles, whose share of equal positions estimates the
// Jaccard similarity of two articles' shingle sets. The signature is cut
// into Bands of R values each; two articles whose values agree in any
// whole band are candidates, which is likely above a similarity of about
// (1/B)^(1/R) and unlikely far below it, so candidates are found by
// looking up band keys, not by comparing every pair. Candidates are then
// confirmed by the estimated similarity against the threshold.
package neardup

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"unicode"
	"unicode/utf8"

	"github.com/cespare/xxhash/v2"
)

// Signature sizes: K = B × R minimum hashes, B bands of R rows. With B=33
// and R=3 a pair with Jaccard 0.5 becomes a candidate with probability
// 0.99, at 0.4 with 0.89, at 0.3 with 0.59 and at 0.1 with 0.03: low
// enough to find a copy that lost a paragraph (see Options), and the
// candidates are confirmed on the whole signature.
const (
	B = 33
	R = 3
	K = B * R
	// ShingleWords is the length of a shingle in words.
	ShingleWords = 5
)

// Options say when two articles are copies: when the Jaccard similarity
// of their shingle sets is at least Jaccard, or when the shorter's
// shingles are at least Containment inside the longer's and their
// Jaccard is at least MinJaccard. The second rule finds a short story
// that lost a paragraph or two (containment near 1, Jaccard 0.4-0.6)
// without joining a one-paragraph brief to every roundup that quotes it.
type Options struct {
	Jaccard     float64 // default 0.5
	Containment float64 // default 0.8
	MinJaccard  float64 // default 0.3
}

// DefaultOptions are the measured defaults (see TestPrecisionRecall).
func DefaultOptions() Options { return Options{Jaccard: 0.5, Containment: 0.8, MinJaccard: 0.3} }

// SetDefaults fills zero fields from DefaultOptions.
func (o *Options) SetDefaults() {
	d := DefaultOptions()
	if o.Jaccard <= 0 {
		o.Jaccard = d.Jaccard
	}
	if o.Containment <= 0 {
		o.Containment = d.Containment
	}
	if o.MinJaccard <= 0 {
		o.MinJaccard = d.MinJaccard
	}
}

// Copies reports whether a and b are near-duplicates under o.
func (o Options) Copies(a, b *Signature) bool {
	j := Similarity(a, b)
	if j >= o.Jaccard {
		return true
	}
	return j >= o.MinJaccard && Containment(a, b, j) >= o.Containment
}

// Signature is an article's MinHash signature and its number of distinct
// shingles; the zero value (no shingles) matches nothing. Each minimum is
// kept to 16 bits: two different minima then agree by chance once in
// 65,536, which moves a similarity estimate by far less than its sampling
// error, and the stored signature is half as long.
type Signature struct {
	Min      [K]uint16
	Shingles uint32
}

// hash functions h_i(x) = upper 32 bits of a_i·x + b_i (mod 2^64), a_i odd:
// a fixed, seeded family, so signatures agree across runs and machines.
var hashA, hashB = func() (a, b [K]uint64) {
	r := rand.New(rand.NewPCG(0x6e6577, 0x736465780)) // "new", "sdex"
	for i := range K {
		a[i] = r.Uint64() | 1
		b[i] = r.Uint64()
	}
	return
}()

// Of returns the signature of text: its words lower-cased (letters and
// digits), every run of ShingleWords consecutive words hashed, and per
// hash function the minimum. A text of fewer words is one shingle; an
// empty one gives the zero Signature and ok false.
func Of(text string) (sig Signature, ok bool) {
	var words []uint64
	eachWord(text, func(w []byte) { words = append(words, xxhash.Sum64(w)) })
	if len(words) == 0 {
		return sig, false
	}
	var mins [K]uint32
	for i := range mins {
		mins[i] = ^uint32(0)
	}
	n := max(1, len(words)-ShingleWords+1)
	seen := make(map[uint64]struct{}, n)
	for s := range n {
		var h uint64 = 0x9e3779b97f4a7c15
		for _, w := range words[s:min(s+ShingleWords, len(words))] {
			h = (h ^ w) * 0x100000001b3
			h ^= h >> 29
		}
		if _, dup := seen[h]; dup {
			continue
		}
		seen[h] = struct{}{}
		for i := range K {
			if v := uint32((hashA[i]*h + hashB[i]) >> 32); v < mins[i] {
				mins[i] = v
			}
		}
	}
	for i, v := range mins {
		sig.Min[i] = uint16(v >> 16)
	}
	sig.Shingles = uint32(len(seen))
	return sig, true
}

// eachWord calls fn with each word of text, lower-cased: runs of letters
// and digits. The slice is reused.
func eachWord(text string, fn func([]byte)) {
	var buf []byte
	for i := 0; i <= len(text); {
		r, size := utf8.RuneError, 1
		if i < len(text) {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		if i < len(text) && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			buf = utf8.AppendRune(buf, unicode.ToLower(r))
		} else if len(buf) > 0 {
			fn(buf)
			buf = buf[:0]
		}
		i += size
	}
}

// Similarity estimates the Jaccard similarity of the shingle sets behind
// two signatures: the share of positions where they agree.
func Similarity(a, b *Signature) float64 {
	same := 0
	for i := range a.Min {
		if a.Min[i] == b.Min[i] {
			same++
		}
	}
	return float64(same) / K
}

// Containment estimates how much of the smaller shingle set lies in the
// larger, from their Jaccard similarity j and sizes: |A∩B| = j(|A|+|B|)/(1+j).
func Containment(a, b *Signature, j float64) float64 {
	small := min(a.Shingles, b.Shingles)
	if small == 0 {
		return 0
	}
	inter := j * float64(a.Shingles+b.Shingles) / (1 + j)
	return min(1, inter/float64(small))
}

// BandHashes returns a hash of each of the signature's B bands (its R
// values). Two signatures agree on a whole band when the band's hashes
// are equal (up to 64-bit collisions).
func (s *Signature) BandHashes() [B]uint64 {
	var out [B]uint64
	var buf [2 * R]byte
	for b := range B {
		for r := range R {
			binary.LittleEndian.PutUint16(buf[2*r:], s.Min[b*R+r])
		}
		out[b] = xxhash.Sum64(buf[:])
	}
	return out
}

// String encodes the signature for the index (base64 of K little-endian
// uint16s and the shingle count, 270 characters); Parse reverses it.
func (s *Signature) String() string {
	var buf [2*K + 4]byte
	for i, v := range s.Min {
		binary.LittleEndian.PutUint16(buf[2*i:], v)
	}
	binary.LittleEndian.PutUint32(buf[2*K:], s.Shingles)
	return base64.RawStdEncoding.EncodeToString(buf[:])
}

// Parse decodes a stored signature.
func Parse(str string) (Signature, error) {
	var s Signature
	b, err := base64.RawStdEncoding.DecodeString(str)
	if err != nil {
		return s, fmt.Errorf("signature: %w", err)
	}
	if len(b) != 2*K+4 {
		return s, errors.New("signature: wrong length")
	}
	for i := range s.Min {
		s.Min[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	s.Shingles = binary.LittleEndian.Uint32(b[2*K:])
	return s, nil
}
