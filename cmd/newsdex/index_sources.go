package main

import (
	"newsdex/indexer"
)

// indexInputs are the flags of `newsdex index` that choose how its paths
// are read (index.go keeps the rest).
type indexInputs struct {
	mapSpec string // --map FIELD=COLUMN,...
	preset  string // --format NAME
}

// check reports a bad --map or --format before anything is opened.
func (in indexInputs) check() error {
	_, err := in.source(nil, nil)
	return err
}

// source returns what `newsdex index` reads from paths: with --map or
// --format, CSV and JSON Lines with renamed columns; otherwise every
// supported format as detected.
func (in indexInputs) source(paths []string, onFileError func(string, error)) (indexer.Source, error) {
	if in.mapSpec != "" && in.preset != "" {
		return nil, usageError{"give --map or --format, not both"}
	}
	var m *indexer.FieldMap
	var err error
	switch {
	case in.mapSpec != "":
		m, err = indexer.ParseFieldMap(in.mapSpec)
	case in.preset != "":
		m, err = indexer.Preset(in.preset)
	default:
		return indexer.PathSource(paths, onFileError), nil
	}
	if err != nil {
		return nil, usageError{err.Error()}
	}
	return m.Source(paths, onFileError), nil
}
