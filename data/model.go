package data

import _ "embed"

// NERModel is the trained named-entity tagger (package indexer/ner's
// binary format), built by "newsdex train ner" from CoNLL-2003 English
// and Reuters-21578 text, neither of which is in the repository.
//
//go:embed ner.model
var NERModel []byte
