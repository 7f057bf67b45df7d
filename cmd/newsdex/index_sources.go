package main

import (
	"context"
	"fmt"
	"os"

	"newsdex/indexer"
	"newsdex/indexer/fetch"
	"newsdex/indexer/warc"
)

// indexInputs are the flags of `newsdex index` that choose how its paths
// are read (index.go keeps the rest).
type indexInputs struct {
	mapSpec string // --map FIELD=COLUMN,...
	preset  string // --format NAME
	sources string // --sources FILE: host → outlet for web archives
	// pages, when set (--fetch), fetches and extracts the page of every
	// article that has a URL but no text, such as Media Cloud's stories.
	pages *fetch.Fetcher
}

// check reports a bad --map or --format before anything is opened.
func (in indexInputs) check() error {
	_, err := in.source(nil, nil)
	return err
}

// source returns what `newsdex index` reads from paths: WARC files
// (given, or found in folders) as web archives; the rest with --map or
// --format as CSV and JSON Lines with renamed columns, otherwise every
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
	}
	if err != nil {
		return nil, usageError{err.Error()}
	}
	var files, archives []string
	for _, p := range paths {
		fi, statErr := os.Stat(p)
		switch {
		case warc.IsWARC(p):
			archives = append(archives, p)
		case statErr == nil && fi.IsDir():
			files = append(files, p)
			archives = append(archives, p) // the WARC files inside
		default:
			files = append(files, p)
		}
	}
	var outlets *fetch.SourceList
	if len(archives) > 0 && in.sources != "" {
		if outlets, err = fetch.LoadSources(in.sources); err != nil {
			return nil, err
		}
	}
	var srcs []indexer.Source
	if len(files) > 0 {
		if m != nil {
			srcs = append(srcs, m.Source(files, onFileError))
		} else {
			srcs = append(srcs, indexer.PathSource(files, onFileError))
		}
	}
	if len(archives) > 0 {
		srcs = append(srcs, warc.Source(archives, outlets.Outlet, onFileError))
	}
	return func(ctx context.Context, emit func(indexer.Record) error) error {
		if in.pages != nil {
			emit = in.withPages(ctx, emit, onFileError)
		}
		for _, s := range srcs {
			if err := s(ctx, emit); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

// withPages fills in the text of title-only articles from their pages.
// A page that cannot be had leaves the article title-only, reported
// through onFileError under its URL.
func (in indexInputs) withPages(ctx context.Context, emit func(indexer.Record) error, onFileError func(string, error)) func(indexer.Record) error {
	return func(r indexer.Record) error {
		a := &r.Article
		if r.Err == nil && a.Body == "" && a.URL != "" {
			p, err := in.pages.Page(ctx, a.URL)
			switch {
			case ctx.Err() != nil:
				return ctx.Err()
			case err != nil:
				if onFileError != nil {
					onFileError(r.Location(), fmt.Errorf("kept title only: %w", err))
				}
			default:
				a.Body = p.Body
				if a.Title == "" {
					a.Title = p.Title
				}
				if a.Author == "" {
					a.Author = p.Author
				}
				if a.Published.IsZero() {
					a.Published = p.Published
				}
			}
		}
		return emit(r)
	}
}
