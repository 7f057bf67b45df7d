// Package warc ingests web archives: the HTML responses of WARC files
// (such as Common Crawl's CC-NEWS) become articles, extracted as the
// fetcher extracts live pages. WARC files are read with
// github.com/nlnwa/gowarc.
package warc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"os"
	"path/filepath"
	"strings"

	"github.com/nlnwa/gowarc/v3"

	"newsdex/indexer"
	"newsdex/indexer/fetch"
)

// maxPayloadBytes caps one archived page; larger ones are skipped.
const maxPayloadBytes = 5 << 20

// IsWARC reports whether path names a WARC file by its extension.
func IsWARC(path string) bool {
	p := strings.ToLower(path)
	return strings.HasSuffix(p, ".warc") || strings.HasSuffix(p, ".warc.gz")
}

// Source reads the WARC files among paths (folders are walked for
// .warc and .warc.gz files). Every response record with status 200 and
// an HTML Content-Type becomes an article: the text, title and author
// extracted from the page, the URL from WARC-Target-URI, the date from
// the page's metadata or else WARC-Date, and the outlet from outlet(url).
// Pages without article text are emitted as skipped records. A file
// that cannot be read to the end (truncated, corrupt) is reported
// through onFileError after the records before the damage went in.
func Source(paths []string, outlet func(pageURL string) string, onFileError func(path string, err error)) indexer.Source {
	if onFileError == nil {
		onFileError = func(string, error) {}
	}
	return func(ctx context.Context, emit func(indexer.Record) error) error {
		for _, root := range paths {
			err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				if err != nil {
					onFileError(path, err)
					return nil
				}
				if d.IsDir() || (path != root && !IsWARC(path)) {
					return nil
				}
				err = readFile(ctx, path, outlet, emit)
				var stop emitError
				if errors.As(err, &stop) {
					return stop.err
				}
				if err != nil {
					onFileError(path, err)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
}

// emitError carries an error from emit, which stops the ingest, apart
// from the file's own errors, which do not.
type emitError struct{ err error }

func (e emitError) Error() string { return e.err.Error() }

func readFile(ctx context.Context, path string, outlet func(string) string, emit func(indexer.Record) error) error {
	r, err := gowarc.NewWarcFileReader(path, 0,
		gowarc.WithSyntaxErrorPolicy(gowarc.ErrWarn),
		gowarc.WithSpecViolationPolicy(gowarc.ErrWarn),
		gowarc.WithUnknownRecordTypePolicy(gowarc.ErrIgnore),
		gowarc.WithBlockErrorPolicy(gowarc.ErrWarn),
		gowarc.WithBufferTmpDir(os.TempDir()))
	if err != nil {
		return fmt.Errorf("open WARC: %w", err)
	}
	defer r.Close()
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return emitError{err}
		}
		rec, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("WARC damaged or truncated after %d records (at byte %d): %w", n, rec.Offset, err)
		}
		n++
		if cut := truncation(rec.Validation); cut != nil {
			rec.Close()
			return fmt.Errorf("WARC truncated in record %d (at byte %d): %w", n, rec.Offset, cut)
		}
		out, ok, err := record(rec, outlet)
		rec.Close()
		if err != nil && errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("WARC truncated in record %d (at byte %d): %w", n, rec.Offset, err)
		}
		if !ok {
			continue
		}
		out.File, out.Line = path, n
		if err := emit(out); err != nil {
			return emitError{err}
		}
	}
}

// truncation finds, among a record's validation findings, the sign that
// the file ends inside it: fewer bytes than its Content-Length says, or
// no end-of-record marker. gowarc reports these as findings rather than
// errors, and has no error values for them, hence the text match.
func truncation(findings []error) error {
	for _, f := range findings {
		s := f.Error()
		if strings.Contains(s, "content length mismatch") || strings.Contains(s, "end of record marker") {
			return f
		}
	}
	return nil
}

// record turns one WARC record into an article record; ok is false for
// records that are not archived HTML pages (requests, metadata, images,
// redirects, errors).
func record(rec gowarc.Record, outlet func(string) string) (out indexer.Record, ok bool, err error) {
	wr := rec.WarcRecord
	if wr == nil || wr.Type() != gowarc.Response {
		return out, false, nil
	}
	blk, isHTTP := wr.Block().(gowarc.HttpResponseBlock)
	if !isHTTP || blk.HttpStatusCode() != 200 {
		return out, false, nil
	}
	ct := ""
	if h := blk.HttpHeader(); h != nil {
		ct = h.Get("Content-Type")
	}
	if mt, _, _ := mime.ParseMediaType(ct); mt != "text/html" && mt != "application/xhtml+xml" {
		return out, false, nil
	}
	target := strings.Trim(wr.WarcHeader().Get(gowarc.WarcTargetURI), "<>")
	payload, err := blk.PayloadBytes()
	if err != nil {
		return indexer.Record{Err: fmt.Errorf("%s: read payload: %w", target, err)}, true, err
	}
	body, err := io.ReadAll(io.LimitReader(payload, maxPayloadBytes+1))
	if err != nil {
		return indexer.Record{Err: fmt.Errorf("%s: read payload: %w", target, err)}, true, err
	}
	if len(body) > maxPayloadBytes {
		return indexer.Record{Err: fmt.Errorf("%s: page larger than %d MiB", target, maxPayloadBytes>>20)}, true, nil
	}
	p, err := fetch.Extract(body, target, ct)
	if err != nil {
		return indexer.Record{Err: fmt.Errorf("%s: %w", target, err)}, true, nil
	}
	a := indexer.Article{ID: indexer.URLID(target), Title: p.Title, Body: p.Body, Author: p.Author,
		URL: target, Published: p.Published, Source: outlet(target)}
	crawled, terr := wr.WarcHeader().GetTime(gowarc.WarcDate)
	if a.Published.IsZero() && terr == nil {
		a.Published = crawled.UTC()
	}
	if p.Canonical != "" && p.Canonical != target {
		a.Meta = map[string]string{"canonical": p.Canonical}
	}
	return indexer.Record{Article: a}, true, nil
}
