package ner_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"newsdex/data"
	"newsdex/indexer/ner"
)

const sharedData = "../../../shared/data"

// reutersTexts returns the title and body of the first n Reuters-21578
// stories that have a body.
func reutersTexts(b *testing.B, n int) []string {
	f, err := os.Open(filepath.Join(sharedData, "reuters21578.jsonl"))
	if errors.Is(err, os.ErrNotExist) {
		b.Skip("shared data not present")
	}
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var out []string
	for sc.Scan() && len(out) < n {
		var a struct{ Title, Body string }
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			b.Fatal(err)
		}
		if a.Body != "" {
			out = append(out, a.Title+"\n\n"+a.Body)
		}
	}
	return out
}

// bbcTexts returns the BBC articles of one topic folder.
func bbcTexts(b *testing.B, topic string) []string {
	files, err := filepath.Glob(filepath.Join(sharedData, "bbc", topic, "*.txt"))
	if err != nil || len(files) == 0 {
		b.Skip("shared data not present")
	}
	var out []string
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, string(src))
	}
	return out
}

func loadShipped(b *testing.B) *ner.Tagger {
	t, err := ner.Load(bytes.NewReader(data.NERModel))
	if err != nil {
		b.Fatal(err)
	}
	return t
}

// BenchmarkExtract measures tokenising and tagging raw article text on
// one goroutine; MB/s is article text per core.
func BenchmarkExtract(b *testing.B) {
	corpora := []struct {
		name  string
		texts func(*testing.B) []string
	}{
		{"reuters", func(b *testing.B) []string { return reutersTexts(b, 2000) }},
		{"bbc-politics", func(b *testing.B) []string { return bbcTexts(b, "politics") }},
		{"bbc-business", func(b *testing.B) []string { return bbcTexts(b, "business") }},
	}
	for _, c := range corpora {
		b.Run(c.name, func(b *testing.B) {
			tagger := loadShipped(b)
			texts := c.texts(b)
			n, ents := 0, 0
			for _, t := range texts {
				n += len(t)
			}
			b.SetBytes(int64(n))
			b.ReportAllocs()
			var buf []ner.Entity
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			cpu0, runs := threadCPU(), 0
			for b.Loop() {
				ents = 0
				for _, t := range texts {
					buf = tagger.AppendEntities(buf[:0], t)
					ents += len(buf)
				}
				runs++
			}
			if cpu := threadCPU() - cpu0; cpu > 0 {
				b.ReportMetric(float64(n*runs)/1e6/cpu.Seconds(), "MB/cpu-s")
			}
			b.ReportMetric(float64(ents), "entities/op")
		})
	}
}

func BenchmarkTokenize(b *testing.B) {
	texts := reutersTexts(b, 2000)
	n := 0
	for _, t := range texts {
		n += len(t)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, t := range texts {
			ner.Tokenize(t)
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	b.SetBytes(int64(len(data.NERModel)))
	b.ReportAllocs()
	for b.Loop() {
		loadShipped(b)
	}
}
