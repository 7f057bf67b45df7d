package search

import (
	"errors"
	"strings"
	"testing"
)

// FuzzWithFilter: a with value either names one entity of a known type
// or is refused as an invalid request; it never panics.
func FuzzWithFilter(f *testing.F) {
	for _, s := range []string{"person:Ann Lee", "org:", "place: Leith", "source:Reuters", "Ann Lee", ":", "person::x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, w string) {
		flt, name, err := withFilter(w)
		if err != nil {
			if !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("withFilter(%q) error %v does not wrap ErrInvalidRequest", w, err)
			}
			return
		}
		n := len(flt.Persons) + len(flt.Orgs) + len(flt.Places) + len(flt.Sources)
		if n != 1 || name == "" || strings.TrimSpace(name) != name {
			t.Fatalf("withFilter(%q) = %+v, %q", w, flt, name)
		}
	})
}
