package ner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// toyDocs is a small labelled corpus: templated sentences about people,
// organisations and places, with enough repetition to learn from.
func toyDocs() []Document {
	people := [][]string{{"Anna", "Berg"}, {"Jo", "Song", "Gil"}, {"Peter", "Blackburn"}, {"Maria", "Costa"}}
	orgs := [][]string{{"Acme", "Corp"}, {"Unification", "Ministry"}, {"Red", "Cross"}}
	places := [][]string{{"Rome"}, {"Seoul"}, {"North", "Korea"}, {"Oslo"}}
	var docs []Document
	for d := range 12 {
		var doc Document
		for s := range 3 {
			i := d*3 + s
			var sent Sentence
			add := func(words []string, typ string) {
				for _, w := range words {
					sent.Words = append(sent.Words, w)
					if typ == "" {
						sent.Tags = append(sent.Tags, "O")
					} else {
						sent.Tags = append(sent.Tags, "I-"+typ)
					}
				}
			}
			add(people[i%len(people)], "PER")
			add([]string{"said", "in"}, "")
			add(places[(i/2)%len(places)], "LOC")
			add([]string{"that", "the"}, "")
			add(orgs[(i/3)%len(orgs)], "ORG")
			add([]string{"would", "help", "."}, "")
			doc.Sentences = append(doc.Sentences, sent)
		}
		docs = append(docs, doc)
	}
	return docs
}

func toyClusters(t testing.TB) *Clusters {
	t.Helper()
	var sents [][]string
	for range 5 {
		for _, d := range toyDocs() {
			for _, s := range d.Sentences {
				sents = append(sents, s.Words)
			}
		}
	}
	c, err := BuildClusters(context.Background(), sents, ClusterOptions{Sizes: []int{4, 8}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func toyModel(t testing.TB) *Model {
	t.Helper()
	m, err := Train(context.Background(), toyDocs(), TrainOptions{Epochs: 5, Clusters: toyClusters(t), GazFolds: 3})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTrainLearnsToyCorpus(t *testing.T) {
	m := toyModel(t)
	sc := NewTagger(m).Evaluate(toyDocs())
	if f := sc.All().F1(); f < 0.99 {
		var b strings.Builder
		sc.Write(&b)
		t.Errorf("training-set F1 = %.3f, want ~1:\n%s", f, b.String())
	}
	got := NewTagger(m).Extract("Maria Costa said in Seoul that the Red Cross would help.")
	want := []Entity{
		{Type: PER, Text: "Maria Costa", Start: 0, End: 11},
		{Type: LOC, Text: "Seoul", Start: 20, End: 25},
		{Type: ORG, Text: "Red Cross", Start: 35, End: 44},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Extract mismatch (-want +got):\n%s", diff)
	}
}

func TestTrainErrors(t *testing.T) {
	if _, err := Train(context.Background(), nil, TrainOptions{}); err == nil {
		t.Error("Train(nil) succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Train(ctx, toyDocs(), TrainOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Train(cancelled) = %v, want context.Canceled", err)
	}
}

// TestFastPathMatchesFeatures checks the Tagger's precomputed word
// vectors, in both passes, against scoring every feature of every token
// directly.
func TestFastPathMatchesFeatures(t *testing.T) {
	m := toyModel(t)
	tg := NewTagger(m)
	doc := [][]string{
		{"Maria", "Costa", "’s", "office", "in", "Pyongyang", "(", "North", "Korea", ")", "said", "."},
		{"UNKNOWN", "WORDS", "IN", "CAPITALS", "1996-08-22", "COSTA"},
		{"Jo"},
		{"Costa", "met", "Jo", "in", "Seoul", "."},
	}
	sc := tg.getScratch()
	defer tg.pool.Put(sc)
	sc.sents = resize(sc.sents, len(doc))
	ntok := 0
	for i, words := range doc {
		sc.sents[i].words = normalizeAll(words)
		tg.lookup(sc, &sc.sents[i])
		ntok += len(words)
	}
	prepareDoc(sc.sents, m.gaz, m.lex, &sc.doc)
	emit, forced, tags := make([]float32, ntok*numTags), make([]bool, ntok), make([]int, ntok)
	var feats []uint32
	check := func(pass int, s *sentence, emit []float32, forced []bool) {
		t.Helper()
		for i := range s.words {
			if forced[i] {
				continue
			}
			want := make([]float32, numTags)
			feats = m.tokenFeatures(feats[:0], s, i)
			if pass == 2 {
				feats = nonlocalFeatures(feats, s, i)
			}
			for _, f := range feats {
				m.feats.addTo(want, f)
			}
			got := emit[i*numTags : (i+1)*numTags]
			for j := range want {
				if math.Abs(float64(want[j]-got[j])) > 1e-3 {
					t.Fatalf("pass %d token %q tag %d: fast %v, features %v", pass, s.words[i], j, got[j], want[j])
				}
			}
		}
	}
	off := 0
	for si := range sc.sents {
		s := &sc.sents[si]
		k := len(s.words)
		tg.emissions(sc, s, emit[off*numTags:(off+k)*numTags], forced[off:off+k])
		check(1, s, emit[off*numTags:(off+k)*numTags], forced[off:off+k])
		tg.lat.viterbi(emit[off*numTags:(off+k)*numTags], forced[off:off+k], tags[off:off+k], &sc.vs)
		off += k
	}
	if !prepareNonLocal(sc.sents, tags, forced, &sc.doc) {
		t.Fatal("no non-local evidence in a document that repeats names")
	}
	off = 0
	for si := range sc.sents {
		s := &sc.sents[si]
		k := len(s.words)
		tg.addNonLocal(sc, s, emit[off*numTags:(off+k)*numTags], forced[off:off+k])
		check(2, s, emit[off*numTags:(off+k)*numTags], forced[off:off+k])
		off += k
	}
}

func TestModelRoundTrip(t *testing.T) {
	m := toyModel(t)
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	m2, err := ReadModel(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var buf2 bytes.Buffer
	if err := m2.Save(&buf2); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), buf2.Bytes()) {
		t.Error("model changes when saved, read and saved again")
	}
	text := "Anna Berg said in Rome that Acme Corp would help. Jo said so too."
	if diff := cmp.Diff(NewTagger(m).Extract(text), NewTagger(m2).Extract(text)); diff != "" {
		t.Errorf("read model tags differently (-saved +read):\n%s", diff)
	}
}

func TestReadModelErrors(t *testing.T) {
	var buf bytes.Buffer
	if err := toyModel(t).Save(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"not gzip", []byte("newsdex-ner\x00")},
		{"truncated", good[:len(good)/2]},
		{"other gzip", gzipped(t, []byte("hello"))},
		{"trailing data", gzipped(t, append(ungzipped(t, good), 0))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Load(bytes.NewReader(tt.in)); !errors.Is(err, ErrBadModel) {
				t.Errorf("Load = %v, want ErrBadModel", err)
			}
		})
	}
}

// FuzzLoad feeds corrupted models to Load: it must fail cleanly or give a
// tagger that works.
func FuzzLoad(f *testing.F) {
	var buf bytes.Buffer
	if err := toyModel(f).Save(&buf); err != nil {
		f.Fatal(err)
	}
	raw := ungzipped(f, buf.Bytes())
	f.Add(raw)
	f.Add(raw[:len(raw)/3])
	f.Add([]byte("newsdex-ner\x00\x02\x11\x04"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		tg, err := Load(bytes.NewReader(gzipped(t, raw)))
		if err != nil {
			if !errors.Is(err, ErrBadModel) {
				t.Fatalf("Load error %v does not wrap ErrBadModel", err)
			}
			return
		}
		tg.Extract("Anna Berg said in Rome that Acme Corp would help.")
	})
}

func TestConcurrentTagging(t *testing.T) {
	tg := NewTagger(toyModel(t))
	texts := []string{
		"Anna Berg said in Rome that Acme Corp would help.",
		"Jo Song Gil said in Seoul that the Unification Ministry would help.",
		"Nothing to see here.",
	}
	want := make([][]Entity, len(texts))
	for i, s := range texts {
		want[i] = tg.Extract(s)
	}
	errs := make(chan error, 64)
	done := make(chan struct{})
	for g := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for k := range 50 {
				i := (g + k) % len(texts)
				if diff := cmp.Diff(want[i], tg.Extract(texts[i])); diff != "" {
					errs <- fmt.Errorf("text %d: %s", i, diff)
					return
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
