package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"newsdex/data"
	"newsdex/indexer"
	"newsdex/indexer/ner"
	"newsdex/indexer/ner/lexicon"
)

// loadTagger reads the NER model built into the binary.
func loadTagger() (*ner.Tagger, error) {
	t, err := ner.Load(bytes.NewReader(data.NERModel))
	if err != nil {
		return nil, fmt.Errorf("load built-in NER model: %w", err)
	}
	return t, nil
}

// newEntityExtractor loads the built-in model once and returns the
// extractor the ingest pipeline shares across its workers.
func newEntityExtractor(aliases *indexer.Aliases) (indexer.EntityFinder, error) {
	t, err := loadTagger()
	if err != nil {
		return nil, err
	}
	return indexer.NewEntityExtractor(t, aliases), nil
}

func readCoNLLFile(path string) (*ner.Corpus, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := ner.ReadCoNLL(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// runEvalNER implements "newsdex eval ner [--out FILE] CONLL_FILE": tag the
// tokens of a CoNLL file with the built-in model and print precision,
// recall and F1 per type and overall; --out writes each input line with the
// predicted tag (IOB1) appended as the last column, for conlleval.
func runEvalNER(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("newsdex eval ner", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "write the input lines with the predicted tag appended to `FILE`")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: newsdex eval ner [--out FILE] CONLL_FILE")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"eval ner needs one CONLL_FILE"}
	}
	corpus, err := readCoNLLFile(fs.Arg(0))
	if err != nil {
		return err
	}
	tagger, err := loadTagger()
	if err != nil {
		return err
	}
	began := time.Now()
	pred := make([]string, len(corpus.Lines))
	var score ner.Score
	tokens := 0
	for _, doc := range corpus.Docs {
		if err := ctx.Err(); err != nil {
			return err
		}
		words := make([][]string, len(doc.Sentences))
		for i, s := range doc.Sentences {
			words[i] = s.Words
			tokens += len(s.Words)
		}
		spans := tagger.TagDocument(words)
		for i, s := range doc.Sentences {
			score.Add(ner.SpansFromTags(s.Tags), spans[i])
			for j, tag := range ner.IOB1(spans[i], len(s.Words)) {
				pred[s.Line+j] = tag
			}
		}
	}
	elapsed := time.Since(began)
	if *out != "" {
		if err := writeTagged(*out, corpus.Lines, pred); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%s: %d documents, %d sentences, %d tokens, tagged in %s\n",
		fs.Arg(0), len(corpus.Docs), ner.NumSentences(corpus.Docs), tokens, elapsed.Round(time.Millisecond))
	fmt.Fprintln(stdout, "entity-level exact match (conlleval):")
	return score.Write(stdout)
}

// writeTagged writes lines with pred[i] appended to token lines; blank and
// -DOCSTART- lines are copied as they are.
func writeTagged(path string, lines, pred []string) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	w := bufio.NewWriter(f)
	for i, line := range lines {
		w.WriteString(line)
		if pred[i] != "" {
			w.WriteString(" ")
			w.WriteString(pred[i])
		}
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// runTrainNER implements "newsdex train ner [--dev-fraction F] [--out FILE]
// [--unlabelled FILE] CONLL_FILE": train the tagger on all but the last
// fraction F of the documents, report scores on those, and write the model.
// The shipped data/ner.model is built with
//
//	newsdex train ner --unlabelled ../shared/data/reuters21578.jsonl ../shared/data/conll2003/eng.train
func runTrainNER(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("newsdex train ner", flag.ContinueOnError)
	fs.SetOutput(stderr)
	devFraction := fs.Float64("dev-fraction", 0.15, "hold out this fraction of the documents (the last ones) for dev scores; 0 trains on all")
	out := fs.String("out", filepath.Join("data", "ner.model"), "write the model to `FILE`")
	unlabelled := fs.String("unlabelled", "", "learn word clusters from this unlabelled `FILE` (JSON Lines with title/body, or plain text)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: newsdex train ner [--dev-fraction F] [--out FILE] [--unlabelled FILE] CONLL_FILE")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"train ner needs one CONLL_FILE"}
	}
	if *devFraction < 0 || *devFraction >= 1 {
		return usageError{"--dev-fraction must be in [0, 1)"}
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	began := time.Now()
	corpus, err := readCoNLLFile(fs.Arg(0))
	if err != nil {
		return err
	}
	train, dev := ner.SplitDev(corpus.Docs, *devFraction)
	if ner.NumSentences(train) == 0 {
		return errors.New("train ner: no training sentences")
	}
	fmt.Fprintf(stdout, "train: %d documents, %d sentences; dev: %d documents, %d sentences (last %.0f%%)\n",
		len(train), ner.NumSentences(train), len(dev), ner.NumSentences(dev), 100**devFraction)
	opts := ner.TrainOptions{Dev: dev, Logger: logger, Lexicon: lexicon.Gountries()}
	fmt.Fprintf(stdout, "lexicon: %d country, capital, region and language names (gountries)\n", len(opts.Lexicon))
	if *unlabelled != "" {
		cl, err := buildClusters(ctx, *unlabelled, train, logger)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "clusters: %d words from %s and the training text\n", cl.Len(), *unlabelled)
		opts.Clusters = cl
	}
	model, err := ner.Train(ctx, train, opts)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := model.Save(&buf); err != nil {
		return err
	}
	// Score what will be shipped: the model as read back from its file.
	tagger, err := ner.Load(bytes.NewReader(buf.Bytes()))
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write model: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s (%.2f MB) after %s\n", *out, float64(buf.Len())/1e6, time.Since(began).Round(time.Second))
	if len(dev) > 0 {
		fmt.Fprintln(stdout, "dev scores, entity-level exact match:")
		return tagger.Evaluate(dev).Write(stdout)
	}
	return nil
}

// buildClusters learns word clusters from the unlabelled file plus the
// training sentences' own text.
func buildClusters(ctx context.Context, path string, train []ner.Document, logger *slog.Logger) (*ner.Clusters, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sents, err := ner.ReadUnlabelled(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, d := range train {
		for _, s := range d.Sentences {
			sents = append(sents, s.Words)
		}
	}
	return ner.BuildClusters(ctx, sents, ner.ClusterOptions{Logger: logger})
}
