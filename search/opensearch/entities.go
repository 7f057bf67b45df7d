package opensearch

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"newsdex/indexer/entity"
	"newsdex/search"
)

// Entities lists the archive's entities of one type ("" for all) whose
// name or a spelling starts with prefix, most articles first, with exact
// article counts, as search.Service's Entities.
func (s *Service) Entities(ctx context.Context, typ, prefix string, size int) ([]search.Entity, error) {
	if typ != "" && !entity.ValidType(typ) {
		return nil, fmt.Errorf("%w: type %q (want person, org or place)", search.ErrInvalidRequest, typ)
	}
	if size <= 0 {
		size = search.DefaultFacetSize
	}
	if size > s.lim.MaxFacetSize {
		return nil, fmt.Errorf("%w: size must be between 1 and %d, got %d", search.ErrInvalidRequest, s.lim.MaxFacetSize, size)
	}
	ar, err := s.arch.get(ctx)
	if err != nil {
		return nil, err
	}
	all := obj{"match_all": obj{}}
	fields := []string{}
	for _, t := range entity.Types {
		fields = append(fields, entity.Field(t))
	}
	vc, err := s.valueCounts(ctx, all, fields)
	if err != nil {
		return nil, err
	}
	need := map[string]facetNeed{}
	for _, t := range entity.Types {
		need[t] = facetNeed{size: -1}
	}
	counts, err := s.entityCounts(ctx, all, vc, ar, need)
	if err != nil {
		return nil, err
	}
	p := strings.ToLower(strings.TrimSpace(prefix))
	var out []search.Entity
	for i := range ar.table.Entities {
		e := &ar.table.Entities[i]
		if (typ != "" && e.Type != typ) || (e.Blocked && p == "") || !matchesPrefix(e, p) {
			continue
		}
		out = append(out, search.Entity{Type: e.Type, Name: e.Name, Count: counts[e.Type+"\x00"+e.Name],
			Aliases: e.Aliases(), Blocked: e.Blocked})
	}
	slices.SortStableFunc(out, func(a, b search.Entity) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Name, b.Name)
	})
	if len(out) > size {
		out = out[:size]
	}
	if out == nil {
		out = []search.Entity{}
	}
	return out, nil
}

func matchesPrefix(e *entity.Entity, p string) bool {
	if p == "" || strings.HasPrefix(strings.ToLower(e.Name), p) {
		return true
	}
	for _, n := range e.Names {
		if strings.HasPrefix(strings.ToLower(n.Value), p) {
			return true
		}
	}
	return false
}

// Entity corrections need a place in the cluster to keep them (Bleve
// keeps them inside its index); until then they answer 501.

// MergeEntities is not available on this backend yet.
func (s *Service) MergeEntities(context.Context, string, []string, string) (search.Entity, error) {
	return search.Entity{}, unsupported("entity corrections (merge)")
}

// RenameEntity is not available on this backend yet.
func (s *Service) RenameEntity(context.Context, string, string, string) (search.Entity, error) {
	return search.Entity{}, unsupported("entity corrections (rename)")
}

// RetypeEntity is not available on this backend yet.
func (s *Service) RetypeEntity(context.Context, string, string, string) (search.Entity, error) {
	return search.Entity{}, unsupported("entity corrections (retype)")
}

// BlockEntity is not available on this backend yet.
func (s *Service) BlockEntity(context.Context, string, string) (search.Entity, error) {
	return search.Entity{}, unsupported("entity corrections (block)")
}

// UnblockEntity is not available on this backend yet.
func (s *Service) UnblockEntity(context.Context, string, string) (search.Entity, error) {
	return search.Entity{}, unsupported("entity corrections (unblock)")
}

// SplitEntity is not available on this backend yet.
func (s *Service) SplitEntity(context.Context, string, string) (search.Entity, error) {
	return search.Entity{}, unsupported("entity corrections (split)")
}

// ExportEntities is not available on this backend yet.
func (s *Service) ExportEntities(context.Context) ([]byte, error) {
	return nil, unsupported("the entity alias export")
}
