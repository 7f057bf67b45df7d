package search

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"newsdex/indexer"
)

func TestCheckEntities(t *testing.T) {
	ctx := context.Background()
	logger := slog.New(slog.DiscardHandler)
	newIndex := func(t *testing.T) *Service {
		t.Helper()
		idx, err := indexer.NewMemIndex()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { idx.Close() })
		ing := indexer.NewIngester(idx, indexer.IngestOptions{}, logger, nil, nil)
		if _, err := ing.Ingest(ctx, articleSource(entityArticles)); err != nil {
			t.Fatal(err)
		}
		svc, err := NewService(idx, Limits{}, logger, nil)
		if err != nil {
			t.Fatal(err)
		}
		return svc
	}
	tests := []struct {
		name         string
		corrections  string // raw internal value; "" for corrections made through the service
		wantProblems []string
		wantWarnings []string
	}{
		{name: "corrections made by the service", wantProblems: nil, wantWarnings: nil},
		{name: "no corrections", corrections: "\n"},
		{name: "do not parse", corrections: "persons: [unclosed\n",
			wantProblems: []string{"store/root.bolt: internal value newsdex.entity.corrections: does not parse"}},
		{name: "names no longer in the index",
			corrections: "organizations:\n  Chrysler Corporation: [Chrysler Corp, Chrysler Motors]\n  Gone Ltd: [Gone]\nblocked:\n  persons: [Reuter, Nobody]\n",
			wantWarnings: []string{
				`organizations "Chrysler Corporation": the spelling "Chrysler Motors" is no longer in the index`,
				`organizations "Gone Ltd": the spelling "Gone" is no longer in the index`,
				`organizations "Gone Ltd": neither the name nor any of its spellings`,
				`blocked persons: the blocked name "Nobody" is no longer in the index`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := newIndex(t)
			if tt.corrections == "" {
				if _, err := svc.BlockEntity(ctx, EntityPerson, "Reuter"); err != nil {
					t.Fatal(err)
				}
				if _, err := svc.RenameEntity(ctx, EntityOrg, "Chrysler Corp", "Chrysler Corporation"); err != nil {
					t.Fatal(err)
				}
			} else if err := svc.idx.SetInternal(correctionsKey, []byte(tt.corrections)); err != nil {
				t.Fatal(err)
			}
			rep, err := CheckEntities(ctx, svc.idx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Articles != uint64(len(entityArticles)) || rep.Names == 0 {
				t.Errorf("read %d articles, %d names; want %d articles", rep.Articles, rep.Names, len(entityArticles))
			}
			match := func(kind string, got []indexer.Problem, want []string) {
				if len(got) != len(want) {
					t.Errorf("%s: got %d, want %d: %v", kind, len(got), len(want), got)
					return
				}
				for i, w := range want {
					if !strings.Contains(got[i].String(), w) {
						t.Errorf("%s %d: %q does not contain %q", kind, i, got[i], w)
					}
				}
			}
			match("problems", rep.Problems, tt.wantProblems)
			match("warnings", rep.Warnings, tt.wantWarnings)
		})
	}
}
