package shape

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// A cursor carries the sort values of the last hit of a page, so the next
// page starts after it at any depth without From's linear cost. It also
// carries a fingerprint of the query, filters and sort, so a cursor cannot
// be replayed against a different search.
type cursor struct {
	V     int      `json:"v"`
	Fp    string   `json:"f"`
	After []string `json:"a"`
}

const (
	cursorVersion = 1
	maxCursorLen  = 4096
)

// EncodeCursor is the opaque cursor of a page whose last hit has the
// search-after values after, under the search fingerprint fp.
func EncodeCursor(fp string, after []string) string {
	b, _ := json.Marshal(cursor{V: cursorVersion, Fp: fp, After: after})
	return base64.RawURLEncoding.EncodeToString(b)
}

// ErrInvalidCursor is wrapped by every error of DecodeCursor.
var ErrInvalidCursor = errors.New("invalid cursor")

// DecodeCursor checks a client's cursor and returns its search-after
// values. Every failure wraps ErrInvalidCursor: a cursor is user input.
func DecodeCursor(s, fp string, sortLen int) ([]string, error) {
	bad := func(why string) error { return fmt.Errorf("%w: %s", ErrInvalidCursor, why) }
	if len(s) > maxCursorLen {
		return nil, bad("too long")
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, bad("not base64url")
	}
	var c cursor
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, bad("malformed")
	}
	if c.V != cursorVersion {
		return nil, bad("unknown version")
	}
	if c.Fp != fp {
		return nil, bad("it belongs to a different query, filter or sort")
	}
	if len(c.After) != sortLen {
		return nil, bad("wrong number of sort values")
	}
	if slices.ContainsFunc(c.After, func(v string) bool { return !utf8.ValidString(v) }) {
		return nil, bad("sort values are not UTF-8")
	}
	return c.After, nil
}
