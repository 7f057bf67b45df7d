package indexer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
)

// ErrIndexLocked means another process holds the index open for writing.
var ErrIndexLocked = errors.New("index is in use by another process")

// lockTimeout bounds the wait for Bleve's bolt file lock, which otherwise
// blocks forever when a second process opens the same index.
const lockTimeout = "2s"

// Open opens the index at dir, creating it with NewMapping when absent.
// It reports whether the index was created. A second writer fails with
// ErrIndexLocked instead of hanging.
func Open(dir string) (idx bleve.Index, created bool, err error) {
	cfg := bleveConfig(nil)
	idx, err = bleve.OpenUsing(dir, cfg)
	if err == nil {
		return idx, false, nil
	}
	if !errors.Is(err, bleve.ErrorIndexPathDoesNotExist) && !errors.Is(err, bleve.ErrorIndexMetaMissing) {
		return nil, false, openError(dir, err)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, false, fmt.Errorf("create index %s: %w", dir, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		return nil, false, fmt.Errorf("open index %s: directory exists and is not a newsdex index", dir)
	}
	_ = os.Remove(dir) // NewUsing wants to create it
	idx, err = bleve.NewUsing(dir, NewMapping(), scorch.Name, scorch.Name, cfg)
	if err != nil {
		return nil, false, fmt.Errorf("create index %s: %w", dir, err)
	}
	return idx, true, nil
}

// OpenExisting opens an index for writing, failing when there is none
// (rather than creating one, as Open does).
func OpenExisting(dir string) (bleve.Index, error) {
	idx, err := bleve.OpenUsing(dir, bleveConfig(nil))
	if err != nil {
		return nil, openError(dir, err)
	}
	return idx, nil
}

// OpenReadOnly opens an existing index for searching only.
func OpenReadOnly(dir string) (bleve.Index, error) {
	idx, err := bleve.OpenUsing(dir, bleveConfig(map[string]any{"read_only": true}))
	if err != nil {
		return nil, openError(dir, err)
	}
	return idx, nil
}

// NewMemIndex returns an empty in-memory index with the production mapping,
// for tests and throw-away evaluation runs.
func NewMemIndex() (bleve.Index, error) {
	return bleve.NewUsing("", NewMapping(), scorch.Name, scorch.Name, nil)
}

func openError(dir string, err error) error {
	if strings.Contains(err.Error(), "timeout") {
		return fmt.Errorf("open index %s: %w (stop the other newsdex process using it, or point --index elsewhere)", dir, ErrIndexLocked)
	}
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) || errors.Is(err, bleve.ErrorIndexMetaMissing) {
		return fmt.Errorf("open index %s: no index there (build one with `newsdex index`)", dir)
	}
	return fmt.Errorf("open index %s: %w", dir, err)
}

// ErrNoIngestStamps means the index was built before FieldIngested: Bleve
// keeps an index's mapping from its creation, so its articles never get
// ingest stamps, and alerts, which read them, cannot work on it.
var ErrNoIngestStamps = errors.New("the index was built before ingest stamps (field \"ingested\"); alerts need them: rebuild it with newsdex index into a new folder")

// CheckIngestStamps returns ErrNoIngestStamps for an index whose mapping
// has no FieldIngested.
func CheckIngestStamps(idx bleve.Index) error {
	if idx.Mapping().FieldMappingForPath(FieldIngested).Type == "" {
		return ErrNoIngestStamps
	}
	return nil
}
