package search

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"
)

// ExportPageSize is the number of hits Export reads from the index at a
// time: large enough that paging costs little, small enough that memory
// stays flat whatever the number of matches.
const ExportPageSize = 500

// errStopExport is returned by an emit function to end a walk early
// without an error (KWIC's line limit).
var errStopExport = errors.New("stop export")

// Export calls emit for every match of req, in req's sort order, reading
// the index ExportPageSize hits at a time through the cursor, so there is
// no cap on the number of matches and memory does not grow with them.
// emit receives the exact total with every hit. req.Size, Facets and
// Histogram are ignored; req.From and req.Cursor must be unset, as an
// export always starts at the first match. With req.FullText each hit's
// Body holds the whole stored body.
//
// Export returns the total. Errors before the first emit are the request's
// (they wrap ErrInvalidRequest for a bad query or filter); an error that
// emit returns ends the walk and is returned as is. If the index changes
// during an export, later pages reflect the change.
func (s *Service) Export(ctx context.Context, req Request, emit func(total uint64, h Hit) error) (uint64, error) {
	return s.walk(ctx, req, ExportPageSize, emit)
}

// walk is Export with a page size of the caller's choosing.
func (s *Service) walk(ctx context.Context, req Request, pageSize int, emit func(total uint64, h Hit) error) (uint64, error) {
	// A copy of the service whose page size limit admits these pages;
	// the public MaxSize still bounds what one search may return.
	pager := *s
	pager.lim.MaxSize = max(pager.lim.MaxSize, pageSize)
	pager.lim.MaxOffset = max(pager.lim.MaxOffset, pageSize)
	return WalkPages(ctx, req, pageSize, pager.Search, emit)
}

// WalkPages reads every match of req, pageSize hits at a time through
// the cursor, with searchPage (a search whose limits admit such pages),
// and calls emit with the total and each hit. Both backends' exports and
// KWIC walk with it.
func WalkPages(ctx context.Context, req Request, pageSize int, searchPage func(context.Context, Request) (*Result, error), emit func(total uint64, h Hit) error) (uint64, error) {
	if req.From != 0 || req.Cursor != "" {
		return 0, fmt.Errorf("%w: from and cursor do not apply here: every match is read from the first", ErrInvalidRequest)
	}
	req.Size, req.Facets, req.Histogram = pageSize, nil, ""
	var total uint64
	for page := 0; ; page++ {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		res, err := searchPage(ctx, req)
		if err != nil {
			if page > 0 {
				return total, fmt.Errorf("export page %d: %w", page+1, err)
			}
			return 0, err
		}
		total = res.Total
		for _, h := range res.Hits {
			if err := emit(total, h); err != nil {
				return total, err
			}
		}
		if res.NextCursor == "" {
			return total, nil
		}
		req.Cursor = res.NextCursor
	}
}

// SnippetText turns a snippet (HTML-escaped text with matches in <mark>)
// into plain text, for exports read by programs rather than browsers.
func SnippetText(snippet string) string {
	return html.UnescapeString(strings.NewReplacer("<mark>", "", "</mark>", "").Replace(snippet))
}
