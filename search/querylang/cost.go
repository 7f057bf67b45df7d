package querylang

import (
	"context"
	"fmt"

	index "github.com/blevesearch/bleve_index_api"

	"newsdex/indexer"
)

// A query's cost is the number of index entries (postings) its words and
// phrases read. Plain words are read once however often they are repeated
// (the BM25 searcher merges them), so their cost is bounded by the
// vocabulary; a phrase reads every word's postings again and checks
// positions, so a query of many phrases over common words ("mln said" OR
// "dlrs said" OR ...) read millions of postings, past the search timeout,
// on Reuters. Measured there on a loaded 2-core machine: about 1 µs per
// plain posting and 2-3 µs per phrase posting.
const (
	// minQueryPostings is the budget on a small archive.
	minQueryPostings = 1_000_000
	// postingsPerArticle lets the budget grow with the archive, so one
	// very common word stays searchable in millions of articles.
	postingsPerArticle = 2
	// phraseWeight is what one phrase posting costs relative to a plain one.
	phraseWeight = 2
	// MaxFuzzyWords bounds the fuzzy words (word~) in one query. Each walks
	// the term dictionary of every field it searches with a Levenshtein
	// automaton, whatever it matches: 300 fuzzy words that matched almost
	// nothing took 1.9 s on Reuters, so 64 take about 0.4 s.
	MaxFuzzyWords = 64
)

// postingsBudget is the most postings one query may read in an archive of
// docs articles.
func postingsBudget(docs uint64) uint64 {
	return max(minQueryPostings, postingsPerArticle*docs)
}

// CheckCost refuses a query whose words and phrases would read more
// postings of r than the budget, or that has more than MaxFuzzyWords fuzzy
// words, before it runs: it returns a *QueryError at the clause that
// crossed the bound. The terms prefix and fuzzy words expand to are
// bounded by the service's MaxTermExpansion instead. analyze is the
// index's analysis (MappingAnalyze). r may be nil, as for an index alias,
// which has no single reader: its parts bound themselves by the search
// timeout only, and only the fuzzy-word bound applies. Other errors are
// the index's.
func CheckCost(r index.IndexReader, node Node, analyze func(field, text string) []string) error {
	if t := nthFuzzy(node, MaxFuzzyWords+1); t != nil {
		qe := qerr(t.Pos, "more than %d fuzzy words", MaxFuzzyWords)
		qe.Hint = "use ~ on the few words that may be misspelt"
		return qe
	}
	if r == nil {
		return nil
	}
	// Most queries fit the budget even if every word were in every
	// article, and then need no look-ups (each opens the word's postings in
	// every segment, a few per cent of a search).
	if most, budget, err := costBound(r, node, analyze); err != nil {
		return err
	} else if most <= budget {
		return nil
	}
	cost, budget, pos, err := queryCost(r, node, analyze)
	if err != nil {
		return err
	}
	if cost <= budget {
		return nil
	}
	qe := qerr(pos, "the query would read %d index entries; the limit is %d", cost, budget)
	qe.Hint = "remove repeated or very common words, above all in phrases"
	return qe
}

// costBound returns the most node could cost, were every word in every
// article, and the budget.
func costBound(r index.IndexReader, node Node, analyze func(field, text string) []string) (most, budget uint64, err error) {
	docs, err := r.DocCount()
	if err != nil {
		return 0, 0, fmt.Errorf("query cost: %w", err)
	}
	budget = postingsBudget(docs)
	most, _, err = weighCost(node, analyze, budget, func(string, string) (uint64, error) { return docs, nil })
	return most, budget, err
}

// queryCost returns the weighted postings node reads, the budget, and the
// position of the clause at which the cost passed the budget (0 if not).
func queryCost(r index.IndexReader, node Node, analyze func(field, text string) []string) (cost, budget uint64, pos int, err error) {
	docs, err := r.DocCount()
	if err != nil {
		return 0, 0, 0, fmt.Errorf("query cost: %w", err)
	}
	budget = postingsBudget(docs)
	dfs := map[fieldTerm]uint64{}
	df := func(field, term string) (uint64, error) {
		k := fieldTerm{field, term}
		if n, ok := dfs[k]; ok {
			return n, nil
		}
		// The reader only looks the term up in each segment's dictionary.
		tr, err := r.TermFieldReader(context.Background(), []byte(term), field, false, false, false)
		if err != nil {
			return 0, fmt.Errorf("query cost: %w", err)
		}
		n := tr.Count()
		if err := tr.Close(); err != nil {
			return 0, fmt.Errorf("query cost: %w", err)
		}
		dfs[k] = n
		return n, nil
	}
	cost, pos, err = weighCost(node, analyze, budget, df)
	if err != nil {
		return 0, 0, 0, err
	}
	return cost, budget, pos, nil
}

type fieldTerm struct{ field, term string }

// weighCost returns the weighted postings node reads when each word has
// the document frequency df gives, and the position of the clause at
// which the cost passed budget (0 if not).
func weighCost(node Node, analyze func(field, text string) []string, budget uint64, df func(field, term string) (uint64, error)) (cost uint64, pos int, err error) {
	plainSeen := map[fieldTerm]bool{}
	// add counts one word or phrase in every field it searches.
	add := func(scope, text string, phrase, exact bool, at int) error {
		for _, f := range costFields(scope) {
			if exact {
				f = ExactField(f)
			}
			terms := analyze(f, text)
			for _, t := range terms {
				n, err := df(f, t)
				if err != nil {
					return err
				}
				if len(terms) > 1 && phrase {
					cost += phraseWeight * n
					continue
				}
				if k := (fieldTerm{f, t}); !plainSeen[k] {
					plainSeen[k] = true
					cost += n
				}
			}
		}
		if cost > budget && pos == 0 {
			pos = at
		}
		return nil
	}
	var walk func(Node) error
	walk = func(n Node) error {
		switch n := n.(type) {
		case *Term:
			if n.Prefix || n.Fuzziness != 0 {
				return nil
			}
			return add(n.Field, n.Text, false, n.Exact, n.Pos)
		case *Phrase:
			// Prefix words are bounded by the term expansion limit instead.
			return add(n.Field, withoutPrefixWords(n.Text), true, n.Exact, n.Pos)
		case *And:
			for _, c := range n.Clauses {
				if err := walk(c); err != nil {
					return err
				}
			}
		case *Or:
			for _, c := range n.Clauses {
				if err := walk(c); err != nil {
					return err
				}
			}
		case *Not:
			return walk(n.Clause)
		case *Must:
			return walk(n.Clause)
		}
		return nil
	}
	if err := walk(node); err != nil {
		return 0, 0, err
	}
	return cost, pos, nil
}

// nthFuzzy returns the n-th fuzzy word of the query, or nil if it has
// fewer.
func nthFuzzy(n Node, nth int) *Term {
	var found *Term
	seen := 0
	var walk func(Node)
	walk = func(n Node) {
		if found != nil {
			return
		}
		switch n := n.(type) {
		case *Term:
			if n.Fuzziness != 0 {
				if seen++; seen == nth {
					found = n
				}
			}
		case *And:
			for _, c := range n.Clauses {
				walk(c)
			}
		case *Or:
			for _, c := range n.Clauses {
				walk(c)
			}
		case *Not:
			walk(n.Clause)
		case *Must:
			walk(n.Clause)
		}
	}
	walk(n)
	return found
}

// costFields are the index fields a word in scope is searched in, as the
// translator's fields method has them.
func costFields(scope string) []string {
	switch scope {
	case "":
		return []string{indexer.FieldTitle, indexer.FieldBody}
	case ScopeTitle:
		return []string{indexer.FieldTitle}
	case ScopeBody:
		return []string{indexer.FieldBody}
	case ScopeSource:
		return []string{indexer.FieldSourceText}
	case ScopePerson:
		return []string{indexer.FieldPersonsText}
	case ScopeOrg:
		return []string{indexer.FieldOrgsText}
	case ScopePlace:
		return []string{indexer.FieldPlacesText}
	}
	return nil
}
