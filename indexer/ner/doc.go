// Package ner finds the names of people, organisations, places and other
// named things (PER, ORG, LOC, MISC) in English news text.
//
// It is a first-order averaged-perceptron sequence tagger over BILOU tags,
// decoded with Viterbi, with word, shape, affix, word-cluster, gazetteer,
// lexicon and document-level features, run twice over a document: the
// second pass also sees the first pass's labels of the same words and
// word sequences elsewhere in it (nonlocal.go). Everything it needs at run time is in the model
// file; nothing is downloaded and no cgo is used. The package also holds
// the raw-text tokenizer, the CoNLL reader and scorer used to evaluate it,
// and the trainer that builds the model.
//
// A Tagger is immutable once loaded and safe for concurrent use; per-call
// scratch space comes from a pool inside the Tagger, so tagging allocates
// almost nothing per token.
package ner
