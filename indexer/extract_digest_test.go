package indexer

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// digestBlock is how many articles share one digest line, so that a
// change is narrowed down to a block without storing a hash per article.
const digestBlock = 100

// TestExtractCorpusDigest pins everything entity extraction produces on
// real news: for the first 3,000 Reuters-21578 stories and the 2,225 BBC
// articles, the text the tagger reads, the tagger's spans (type and byte
// offsets), and the persons, organisations, places and evidence Extract
// returns. Only SHA-256 digests are stored (testdata/entities/corpus.golden,
// one per block of 100 articles), never the licensed text. Optimisations
// of the tagger, the text preparation and the name resolution must keep
// every digest; an intended change to the model or the rules is recorded
// with -update.
func TestExtractCorpusDigest(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: tags 5,225 articles")
	}
	reuters := filepath.Join(sharedData, "reuters21578.jsonl")
	bbc := filepath.Join(sharedData, "bbc")
	if _, err := os.Stat(reuters); err != nil {
		t.Skipf("shared data absent: %v", err)
	}
	var bbcDirs []string
	for _, topic := range []string{"business", "entertainment", "politics", "sport", "tech"} {
		bbcDirs = append(bbcDirs, filepath.Join(bbc, topic))
	}
	ex := newTestExtractor(t)
	var got strings.Builder
	for _, c := range []struct {
		name  string
		src   Source
		count int
	}{
		{"reuters", limitSource(PathSource([]string{reuters}, nil), 3000), 3000},
		{"bbc", PathSource(bbcDirs, nil), 2225},
	} {
		var h hash.Hash
		n, first := 0, 0
		flush := func() {
			if h != nil {
				fmt.Fprintf(&got, "%s %d-%d %s\n", c.name, first, n-1, hex.EncodeToString(h.Sum(nil)))
				h = nil
			}
		}
		err := c.src(t.Context(), func(r Record) error {
			if r.Err != nil {
				t.Errorf("%s: %v", r.Location(), r.Err)
				return nil
			}
			if r.Article.Validate() != nil {
				return nil
			}
			if h == nil {
				h, first = sha256.New(), n
			}
			writeExtraction(h, ex, r.Article)
			n++
			if n%digestBlock == 0 {
				flush()
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		flush()
		if n != c.count {
			t.Errorf("%s: %d articles, want %d", c.name, n, c.count)
		}
	}
	path := filepath.Join("testdata", "entities", "corpus.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got.String()); diff != "" {
		t.Errorf("%s mismatch: extraction changed in these blocks of articles (-want +got):\n%s", path, diff)
	}
}

// writeExtraction writes what extraction makes of one article to w: the
// masked text, the tagger's spans and Extract's result.
func writeExtraction(w hash.Hash, ex *EntityExtractor, a Article) {
	_, masked, shouting := taggerText(a.Title, a.Body)
	fmt.Fprintf(w, "%t\x00%s\x00", shouting, masked)
	for _, e := range ex.tagger.Extract(masked) {
		fmt.Fprintf(w, "%s:%d:%d:%s\x00", e.Type, e.Start, e.End, e.Text)
	}
	e := ex.Extract(a.Title, a.Body)
	for _, list := range [][]string{e.Persons, e.Organizations, e.Places, e.Evidence} {
		fmt.Fprintf(w, "\x01%d\x00%s\x00", len(list), strings.Join(list, "\x00"))
	}
	w.Write([]byte{'\n'})
}
