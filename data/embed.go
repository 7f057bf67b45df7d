// Package data holds what newsdex ships inside its binary: the built-in
// corpus and the alias table, so that `newsdex serve` works on a fresh
// machine with nothing else on disk.
package data

import "embed"

// Corpus is the built-in news corpus (the archive text format).
//
//go:embed articles.txt
var Corpus embed.FS

// CorpusFile is the name of the built-in corpus inside Corpus.
const CorpusFile = "articles.txt"

// Aliases is the default alias table (YAML), used when config names no file.
//
//go:embed aliases.yaml
var Aliases []byte
