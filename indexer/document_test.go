package indexer

import (
	"testing"
	"time"
)

func TestEnsureIDIsStableAndDistinguishes(t *testing.T) {
	day := time.Date(2019, 1, 3, 0, 0, 0, 0, time.UTC)
	base := Article{Title: "Envoy missing", Body: "The acting ambassador left.", Source: "Reuters", Published: day}
	id := func(a Article) string { a.EnsureID(); return a.ID }
	tests := []struct {
		name string
		a, b Article
		same bool
	}{
		{"same article twice", base, base, true},
		{"dated: body edits keep the id", base, Article{Title: base.Title, Body: "Updated text.", Source: base.Source, Published: day}, true},
		{"other date", base, Article{Title: base.Title, Body: base.Body, Source: base.Source, Published: day.AddDate(0, 0, 1)}, false},
		{"other outlet", base, Article{Title: base.Title, Body: base.Body, Source: "AP", Published: day}, false},
		{"undated same headline, other text", Article{Title: "Markets", Body: "Up."}, Article{Title: "Markets", Body: "Down."}, false},
		{"undated identical", Article{Title: "Markets", Body: "Up."}, Article{Title: "Markets", Body: "Up."}, true},
		{"given id wins", Article{ID: "x1", Title: "a"}, Article{ID: "x1", Title: "b"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := id(tt.a) == id(tt.b); got != tt.same {
				t.Errorf("ids %s and %s: same = %v, want %v", id(tt.a), id(tt.b), got, tt.same)
			}
		})
	}
}
