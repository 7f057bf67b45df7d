package indexer

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"
)

// Field names in the Bleve index. The search package builds queries from
// these, so they are the contract between the two packages.
const (
	FieldTitle         = "title"
	FieldBody          = "body"
	FieldTitleExact    = "title_exact" // unstemmed copies: exact forms and prefixes as written
	FieldBodyExact     = "body_exact"
	FieldSource        = "source"      // keyword: facets and exact filters
	FieldSourceText    = "source_text" // analysed copy: outlet names searchable as words
	FieldURL           = "url"
	FieldPublished     = "published"
	FieldAuthor        = "author"
	FieldCategory      = "category"
	FieldTags          = "tags"
	FieldPersons       = "persons"       // keyword, canonical names
	FieldOrganizations = "organizations" // keyword, canonical names
	FieldPlaces        = "places"        // keyword, canonical names
	FieldPersonsText   = "persons_text"  // analysed copies of the canonical names
	FieldOrgsText      = "organizations_text"
	FieldPlacesText    = "places_text"
	FieldMeta          = "meta"
	// FieldEntityEvidence is a keyword field of per-article evidence for
	// archive-level entity reconciliation ("lc:company",
	// "ab:sec=securities and exchange commission", "sn:baker=james
	// baker"; see ArticleEntities.Evidence): indexed only, so that
	// archive-wide counts are document frequencies, which deletes and
	// re-ingests keep right.
	FieldEntityEvidence = "entity_evidence"
	FieldPublishedDay   = "published_day"  // keyword YYYY-MM-DD: counts over time from one terms facet
	FieldPublishedSort  = "published_sort" // keyword RFC 3339 UTC: date order that cursors can resume
	DocType             = "article"

	// FieldDupSig is the article's MinHash signature (package neardup),
	// computed at ingest from the body (or the title), as a keyword with
	// doc values: near-duplicate grouping reads it as a column.
	FieldDupSig = "dup_sig"

	// FieldIngested is when the write that put the article in the index
	// began (IngestStamp's format), as a keyword with doc values: feeds
	// order undated articles by it and alerts resume after it. One write
	// shares one stamp, so the field adds a term per write, not per
	// article.
	FieldIngested = "ingested"
)

// IngestStampLayout is the fixed-width UTC layout of FieldIngested, so
// that its string order is time order.
const IngestStampLayout = "2006-01-02T15:04:05.000000000Z"

// ErrNoContent is returned for a record with neither title nor body.
var ErrNoContent = errors.New("record has neither title nor body")

// Article is one news article as the indexer receives it from any input
// format and as the search service returns it.
type Article struct {
	ID            string            `json:"id"`
	Title         string            `json:"title"`
	Body          string            `json:"body"`
	Source        string            `json:"source,omitempty"`
	URL           string            `json:"url,omitempty"`
	Published     time.Time         `json:"published,omitzero"`
	Author        string            `json:"author,omitempty"`
	Category      string            `json:"category,omitempty"`
	Tags          []string          `json:"tags,omitempty"`
	Persons       []string          `json:"persons,omitempty"`
	Organizations []string          `json:"organizations,omitempty"`
	Places        []string          `json:"places,omitempty"`
	Meta          map[string]string `json:"meta,omitempty"`
	// EntityEvidence is what entity extraction found for archive-level
	// reconciliation (FieldEntityEvidence); never returned by the API.
	EntityEvidence []string `json:"-"`
	// Ingested is the stamp of the write that indexed the article
	// (FieldIngested); the Ingester sets it, whatever the input says.
	Ingested string `json:"-"`
}

// EnsureID fills in a stable ID when the input gave none, so that
// re-ingesting the same input replaces documents instead of duplicating
// them: a hash of source, title and date when the article has a title and
// a date, else of source, title and text (two undated articles that share
// a headline, common in wire copy, stay two articles).
func (a *Article) EnsureID() {
	if a.ID != "" {
		return
	}
	h := sha256.New()
	if a.Title != "" && !a.Published.IsZero() {
		h.Write([]byte("t\x00" + a.Source + "\x00" + a.Title + "\x00" + a.Published.UTC().Format(time.RFC3339)))
	} else {
		h.Write([]byte("b\x00" + a.Source + "\x00" + a.Title + "\x00" + a.Body))
	}
	a.ID = hex.EncodeToString(h.Sum(nil)[:8])
}

// Validate reports whether the article has something to search.
func (a *Article) Validate() error {
	if strings.TrimSpace(a.Title) == "" && strings.TrimSpace(a.Body) == "" {
		return ErrNoContent
	}
	return nil
}
