package search

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2"
	index "github.com/blevesearch/bleve_index_api"

	"newsdex/indexer"
	"newsdex/indexer/entity"
)

// EntityCheck is what CheckEntities found.
type EntityCheck struct {
	Corrections int    // corrected and blocked names looked up
	Names       int    // stored entity names in the index
	Articles    uint64 // articles whose stored entity names were read
	// Problems make the archive's entities wrong or unreadable: restore
	// a backup or re-ingest. Warnings are corrections naming names the
	// index no longer has (their articles were deleted or re-ingested
	// under other spellings): harmless, and an editor may remove them.
	Problems, Warnings []indexer.Problem
}

// correctionsWhere is where the corrections are, for reports.
var correctionsWhere = "store/root.bolt: internal value " + string(correctionsKey)

// CheckEntities checks the entity data of idx as the service reads it:
// the researchers' corrections parse, every name they correct or block
// resolves against the stored names (resolved with aliases, the
// configured alias table, as serve does), the entity fields' term
// dictionaries read, and every article's stored names can be read and
// are in their field's dictionary. It returns an error only when it
// cannot check at all (ctx done).
func CheckEntities(ctx context.Context, idx bleve.Index, aliases *indexer.Aliases) (EntityCheck, error) {
	var rep EntityCheck
	problem := func(where, format string, args ...any) {
		rep.Problems = append(rep.Problems, indexer.Problem{File: where, Problem: fmt.Sprintf(format, args...)})
	}
	var corr *entity.Corrections
	raw, err := idx.GetInternal(correctionsKey)
	if err != nil {
		problem(correctionsWhere, "unreadable: %v", err)
	} else if corr, err = entity.ParseCorrections(raw); err != nil {
		problem(correctionsWhere, "does not parse: %v", err)
		corr = nil
	}
	names, ev, err := readNames(ctx, idx)
	if err != nil {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		problem("index (entity term dictionaries)", "%v", err)
		return rep, nil
	}
	rep.Names = len(names)
	stored := map[string]map[string]bool{} // by field: stored values
	for _, typ := range entity.Types {
		stored[entity.Field(typ)] = map[string]bool{}
	}
	storedKeys := map[string]bool{}
	for _, n := range names {
		stored[entity.Field(n.Type)][n.Value] = true
		k, _ := entity.Key(n.Value)
		storedKeys[k] = true
	}
	if corr != nil {
		ca, err := corr.Aliases()
		if err != nil {
			problem(correctionsWhere, "%v", err)
		} else {
			checkCorrections(corr, entity.Resolve(names, ev, aliases, ca), storedKeys, &rep)
		}
	}
	if err := checkStoredNames(ctx, idx, stored, &rep); err != nil {
		return rep, err
	}
	return rep, nil
}

// checkCorrections warns about every corrected or blocked name that
// resolves to no entity and no stored name.
func checkCorrections(c *entity.Corrections, t *entity.Table, storedKeys map[string]bool, rep *EntityCheck) {
	// A spelling resolves when the index stores it; a name (a display
	// name, canonical or blocked) also when it names an entity that has
	// stored names. The table lists a correction's spellings whether or
	// not they are stored, so spellings are looked up by key only.
	stored := func(name string) bool {
		k, _ := entity.Key(name)
		return storedKeys[k]
	}
	resolves := func(typ, name string) bool {
		if stored(name) {
			return true
		}
		i := t.Find(typ, name)
		return i >= 0 && len(t.Entities[i].Names) > 0
	}
	warn := func(where, format string, args ...any) {
		rep.Warnings = append(rep.Warnings, indexer.Problem{File: where, Problem: fmt.Sprintf(format, args...)})
	}
	sections := []struct {
		typ, name string
		m         map[string][]string
	}{{entity.Person, "persons", c.Persons}, {entity.Org, "organizations", c.Organizations}, {entity.Place, "places", c.Places}}
	for _, s := range sections {
		for _, canonical := range sortedKeys(s.m) {
			where := fmt.Sprintf("%s, %s %q", correctionsWhere, s.name, canonical)
			rep.Corrections++
			found := resolves(s.typ, canonical)
			for _, v := range s.m[canonical] {
				rep.Corrections++
				if stored(v) {
					found = true
					continue
				}
				warn(where, "the spelling %q is no longer in the index", v)
			}
			if !found {
				warn(where, "neither the name nor any of its spellings is in the index any more")
			}
		}
	}
	for _, kind := range sortedKeys(c.Blocked) {
		typ := ""
		for _, ty := range entity.Types {
			if entity.Kind(ty) == kind {
				typ = ty
			}
		}
		for _, name := range c.Blocked[kind] {
			rep.Corrections++
			if typ == "" || !resolves(typ, name) {
				warn(fmt.Sprintf("%s, blocked %s", correctionsWhere, kind), "the blocked name %q is no longer in the index", name)
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// maxNameProblems caps the per-article reports of checkStoredNames; the
// count of articles with problems is always complete.
const maxNameProblems = 50

// checkStoredNames reads every live article's stored entity names and
// reports those missing from their field's term dictionary (stored and
// indexed data disagree) and articles that cannot be read.
func checkStoredNames(ctx context.Context, idx bleve.Index, stored map[string]map[string]bool, rep *EntityCheck) (err error) {
	adv, err := idx.Advanced()
	if err != nil {
		rep.Problems = append(rep.Problems, indexer.Problem{File: "index", Problem: "open for reading: " + err.Error()})
		return nil
	}
	r, err := adv.Reader()
	if err != nil {
		rep.Problems = append(rep.Problems, indexer.Problem{File: "index", Problem: "open for reading: " + err.Error()})
		return nil
	}
	defer r.Close()
	ids, err := r.DocIDReaderAll()
	if err != nil {
		rep.Problems = append(rep.Problems, indexer.Problem{File: "index", Problem: "list articles: " + err.Error()})
		return nil
	}
	defer ids.Close()
	bad := 0
	report := func(where, format string, args ...any) {
		bad++
		if bad <= maxNameProblems {
			rep.Problems = append(rep.Problems, indexer.Problem{File: where, Problem: fmt.Sprintf(format, args...)})
		}
	}
	defer func() {
		if bad > maxNameProblems {
			rep.Problems = append(rep.Problems, indexer.Problem{File: "index",
				Problem: fmt.Sprintf("%d more problems with stored entity names not listed", bad-maxNameProblems)})
		}
	}()
	for {
		if rep.Articles%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		num, err := ids.Next()
		if err != nil {
			report("index", "list articles after %d: %v", rep.Articles, err)
			return nil
		}
		if num == nil {
			return nil
		}
		ext, err := r.ExternalID(num)
		if err != nil {
			report("index", "article number %v: %v", num, err)
			continue
		}
		doc, err := r.Document(ext)
		if err != nil || doc == nil {
			report("article "+ext, "stored fields unreadable: %v", err)
			continue
		}
		rep.Articles++
		doc.VisitFields(func(f index.Field) {
			dict, ok := stored[f.Name()]
			if !ok {
				return
			}
			if v := string(f.Value()); !dict[v] {
				report(fmt.Sprintf("article %s, field %s", ext, f.Name()),
					"the stored name %q is not in the field's index (stored and indexed data disagree)", strings.ToValidUTF8(v, "?"))
			}
		})
	}
}
