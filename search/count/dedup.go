package count

// Dedup returns the matches to leave out so that every matching story
// counts once: of the matches in one near-duplicate group, all but the
// earliest. Choosing among the matches, not the whole group, keeps a
// story whose earliest copy does not match (another outlet filtered out,
// a paragraph the query needs cut from it) with the copy that does.
// group gives an article's group and its place in it (0 the earliest,
// as the groups order them); ok is false for an article without copies.
// Matches are listed once each, in any order; the result follows it.
func Dedup(matches []string, group func(id string) (g string, rank int, ok bool)) []string {
	type pick struct {
		id   string
		rank int
	}
	first := map[string]pick{}
	for _, id := range matches {
		g, r, ok := group(id)
		if !ok {
			continue
		}
		if p, seen := first[g]; !seen || r < p.rank {
			first[g] = pick{id, r}
		}
	}
	var out []string
	for _, id := range matches {
		if g, _, ok := group(id); ok && first[g].id != id {
			out = append(out, id)
		}
	}
	return out
}
