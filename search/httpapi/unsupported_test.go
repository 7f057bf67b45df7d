package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"newsdex/search"
)

// unsupportedSearcher is a backend without the timeline (the opensearch
// backend's answer for features it lacks).
type unsupportedSearcher struct{ fakeSearcher }

func (unsupportedSearcher) Timeline(context.Context, search.TimelineRequest) (*search.Timeline, error) {
	return nil, fmt.Errorf("the timeline analysis is not available with the opensearch backend yet: %w", errors.ErrUnsupported)
}

// A feature the backend lacks is 501 with the backend's own message,
// not a 500 (issue 18).
func TestUnsupportedIs501(t *testing.T) {
	s := newTestServer(t, unsupportedSearcher{})
	var body apiError
	rec := do(t, s, http.MethodGet, "/api/v1/timeline?q=oil", nil, &body)
	if rec.Code != http.StatusNotImplemented || body.Error.Code != "not_implemented" ||
		!strings.Contains(body.Error.Message, "opensearch backend") {
		t.Fatalf("got %d %+v, want 501 naming the backend", rec.Code, body)
	}
}
