package entity

import (
	"cmp"
	"slices"
	"strings"

	"newsdex/indexer"
)

// Name is one value stored in an entity field of the index, and the number
// of articles that hold it there.
type Name struct {
	Type  string // the field's type: Person, Org or Place
	Value string
	Docs  int
}

// Evidence is what the indexer recorded per article, counted over the
// archive (document frequencies of the evidence terms).
type Evidence struct {
	// Lower counts, per key of a one-word name, the articles that also
	// write the word in lower case.
	Lower map[string]int
	// Pairs counts, per short key, the articles that use it for a long
	// key: an acronym or short form beside its long form ("ab:" terms).
	Pairs map[string]map[string]int
	// Surnames counts, per surname key, the articles that join it to a
	// full name ("sn:" terms).
	Surnames map[string]map[string]int
}

// Add adds one evidence term and its document count to ev.
// Terms are "lc:KEY", "ab:SHORT=LONG" and "sn:SHORT=FULL"; others are
// ignored, so that older or newer indexes still load.
func (ev *Evidence) Add(term string, docs int) {
	kind, rest, ok := strings.Cut(term, ":")
	if !ok {
		return
	}
	switch kind {
	case "lc":
		if ev.Lower == nil {
			ev.Lower = map[string]int{}
		}
		ev.Lower[rest] += docs
	case "ab", "sn":
		short, long, ok := strings.Cut(rest, "=")
		if !ok || short == "" || long == "" {
			return
		}
		short, _ = Key(short)
		long, _ = Key(long)
		if short == long {
			return
		}
		m := &ev.Pairs
		if kind == "sn" {
			m = &ev.Surnames
		}
		if *m == nil {
			*m = map[string]map[string]int{}
		}
		if (*m)[short] == nil {
			(*m)[short] = map[string]int{}
		}
		(*m)[short][long] += docs
	}
}

// Entity is one entity of the archive.
type Entity struct {
	Type    string
	Name    string // display name
	Names   []Name // the stored values counted as it, most articles first
	Docs    int    // sum of Names' articles: an upper bound of its articles
	Blocked bool   // not an entity: left out of facets, filters and hits
	Pinned  bool   // its names come from the alias table or a correction
	// Listed are the spellings its alias-table entry lists, stored or not
	// (the indexer writes listed spellings under the entry's name).
	Listed []string
}

// Aliases returns the entity's other spellings, without its display name.
func (e *Entity) Aliases() []string {
	seen := map[string]bool{e.Name: true}
	out := []string{}
	for _, n := range e.Names {
		if !seen[n.Value] {
			seen[n.Value] = true
			out = append(out, n.Value)
		}
	}
	for _, v := range e.Listed {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// Table is the archive's entities and, for each stored name, the entity it
// belongs to. It is immutable once built.
type Table struct {
	Entities []Entity
	byValue  map[valueRef]int32
	// By type and Key: of the display name, and of any stored value.
	byName, byVariant map[valueRef]int32
}

type valueRef struct{ typ, value string }

// Lookup returns the index in Entities of the entity a stored value of
// type typ belongs to.
func (t *Table) Lookup(typ, value string) (int, bool) {
	if t == nil {
		return 0, false
	}
	i, ok := t.byValue[valueRef{typ, value}]
	return int(i), ok
}

// Find returns the entity a user means by name: the entity of that type
// shown under that name, else the one of that type with a stored value
// spelt that way (ignoring case, dots and suffixes), else -1. Where
// several match, the one with most articles.
func (t *Table) Find(typ, name string) int {
	if t == nil {
		return -1
	}
	key, _ := Key(name)
	if key == "" {
		return -1
	}
	if i, ok := t.byName[valueRef{typ, key}]; ok {
		return int(i)
	}
	if i, ok := t.byVariant[valueRef{typ, key}]; ok {
		return int(i)
	}
	return -1
}

// index builds the table's lookups; Entities are in order of articles,
// so the first entity to claim a key keeps it.
func (t *Table) index(keyOf func(string) string) {
	t.byValue = map[valueRef]int32{}
	t.byName = map[valueRef]int32{}
	t.byVariant = map[valueRef]int32{}
	claim := func(m map[valueRef]int32, r valueRef, i int) {
		if _, ok := m[r]; !ok {
			m[r] = int32(i)
		}
	}
	for i := range t.Entities {
		e := &t.Entities[i]
		claim(t.byName, valueRef{e.Type, keyOf(e.Name)}, i)
		for _, n := range e.Names {
			t.byValue[valueRef{n.Type, n.Value}] = int32(i)
			claim(t.byVariant, valueRef{e.Type, keyOf(n.Value)}, i)
		}
		for _, v := range e.Listed {
			claim(t.byVariant, valueRef{e.Type, keyOf(v)}, i)
		}
	}
}

// Thresholds of the archive's statistics, chosen on Reuters-21578 and
// checked on BBC News (README, Named entities).
const (
	// A one-word name is a common word when at least this share of its
	// articles also write it in lower case.
	lowerShare = 0.25
	// A short form joins the long form it is paired with in at least this
	// share of its pairings (and at least minPairs articles).
	pairShare = 0.6
	minPairs  = 2
	// A one-word name paired with at least genericForms different long
	// forms, none of them dominant, is a generic head word ("the Bank",
	// "the Commission"): no entity of its own.
	genericForms = 3
	// ... and when its pairings reach this share of its own articles:
	// "the House" pairs now and then ("House Agriculture Committee", "White
	// House") but mostly stands for itself; "the Bank" nearly always
	// points back to a bank the article named.
	genericPairs = 0.8
	// A surname joins the full name holding at least this share of the
	// articles of all full names with that surname.
	surnameShare = 0.9
)

// Resolve decides the archive's entities from its stored names, the
// evidence recorded at ingest, and the alias table (built-in or
// configured) overlaid by the researchers' corrections; either may be nil.
func Resolve(names []Name, ev Evidence, aliases, corrections *indexer.Aliases) *Table {
	r := newResolver()
	for _, n := range names {
		r.addName(n)
	}
	r.pin(aliases)
	r.pin(corrections)
	r.joinPlaces()
	r.joinKnownAcronyms()
	for _, key := range r.order {
		if root := r.find(groupNode(key)); strings.HasPrefix(root, "geo:") || strings.HasPrefix(root, "acr:") {
			r.fixed[root] = true
		}
	}
	generic := r.joinPairs(ev.Pairs, pairShare)
	r.joinPairs(ev.Surnames, surnameShare)
	r.joinInitials()
	r.joinSurnames()
	r.joinTitledPersons()
	t := r.table(ev, generic, aliases, corrections)
	r.blockDemonyms(t)
	return t
}

// group is the stored names that share a Key.
type group struct {
	key       string
	names     []Name
	votes     map[string]int // type -> articles
	docs      int
	corporate bool
	acronym   bool // some spelling is in capitals: "OPEC"
	titled    bool // a person's name behind other words: never its label
}

type resolver struct {
	geo    *gazetteer
	groups map[string]*group
	order  []string // group keys in first-seen order, for determinism

	// Union-find over node names: "k:KEY" for groups, "geo:…", "acr:…"
	// and "pin:TYPE:NAME" for what joins them.
	parent map[string]string
	pinOf  map[string]string // root -> pin node ("" if none)
	pins   map[string]pinInfo
	// listedBy is the pin whose entry lists a key last.
	listedBy map[string]string
	keys     map[string]string // Key memo
	// fixed are the roots a data set placed (a country, a state, a
	// built-in acronym): the archive's pairings do not move them.
	fixed map[string]bool
}

type pinInfo struct {
	typ, name string
	listed    []string
}

func newResolver() *resolver {
	return &resolver{geo: newGazetteer(), groups: map[string]*group{}, parent: map[string]string{},
		pinOf: map[string]string{}, pins: map[string]pinInfo{}, listedBy: map[string]string{}, fixed: map[string]bool{}, keys: map[string]string{}}
}

// key is Key without the corporate flag, remembered.
func (r *resolver) key(name string) string {
	k, ok := r.keys[name]
	if !ok {
		k, _ = Key(name)
		r.keys[name] = k
	}
	return k
}

func (r *resolver) addName(n Name) {
	key, corp := Key(n.Value)
	if key == "" {
		return
	}
	g := r.groups[key]
	if g == nil {
		g = &group{key: key, votes: map[string]int{}}
		r.groups[key] = g
		r.order = append(r.order, key)
	}
	g.names = append(g.names, n)
	g.votes[n.Type] += n.Docs
	g.docs += n.Docs
	g.corporate = g.corporate || corp
	g.acronym = g.acronym || (!strings.Contains(key, " ") && isAcronym(n.Value))
}

func (r *resolver) find(x string) string {
	if _, ok := r.parent[x]; !ok {
		r.parent[x] = x
		return x
	}
	for r.parent[x] != x {
		r.parent[x] = r.parent[r.parent[x]]
		x = r.parent[x]
	}
	return x
}

// union joins two nodes unless either is pinned to a correction (pinned
// entities have exactly the names their entry lists) and force is off.
func (r *resolver) union(a, b string, force bool) bool {
	ra, rb := r.find(a), r.find(b)
	if ra == rb {
		return true
	}
	pa, pb := r.pinOf[ra], r.pinOf[rb]
	if !force && (pa != "" || pb != "") {
		return false
	}
	if force && pa != "" && pb != "" && pa != pb {
		return false
	}
	r.parent[rb] = ra
	if pa == "" {
		r.pinOf[ra] = pb
	}
	delete(r.pinOf, rb)
	return true
}

func groupNode(key string) string { return "k:" + key }

// pin applies an alias table: each entry's names form one entity shown
// under the entry's name, with its section's type. A later table's entry
// takes a name from an earlier one.
func (r *resolver) pin(a *indexer.Aliases) {
	if a == nil {
		return
	}
	for _, typ := range Types {
		entries := a.Entries(Kind(typ))
		canonicals := make([]string, 0, len(entries))
		for c := range entries {
			canonicals = append(canonicals, c)
		}
		slices.Sort(canonicals)
		for _, c := range canonicals {
			node := "pin:" + typ + ":" + c
			r.pins[node] = pinInfo{typ: typ, name: c, listed: entries[c]}
			for _, v := range append([]string{c}, entries[c]...) {
				key, _ := Key(v)
				if key == "" {
					continue
				}
				// A later entry takes the spelling from an earlier one.
				if prev, ok := r.listedBy[key]; ok && prev != node {
					p := r.pins[prev]
					p.listed = slices.DeleteFunc(slices.Clone(p.listed), func(l string) bool { k, _ := Key(l); return k == key })
					r.pins[prev] = p
				}
				r.listedBy[key] = node
				gn := groupNode(key)
				// Take the name out of an earlier pin: re-root it alone.
				if root := r.find(gn); r.pinOf[root] != "" && r.pinOf[root] != node {
					r.detach(gn)
				}
				root := r.find(node)
				r.pinOf[root] = node
				r.union(node, gn, true)
			}
		}
	}
}

// detach moves a group node out of its set: the set's other members keep
// their root (a correction later in the tables wins over an earlier one).
func (r *resolver) detach(gn string) {
	root := r.find(gn)
	// Rebuild the set without gn.
	var members []string
	for x := range r.parent {
		if r.find(x) == root && x != gn {
			members = append(members, x)
		}
	}
	pin := r.pinOf[root]
	delete(r.pinOf, root)
	r.parent[gn] = gn
	if len(members) == 0 {
		return
	}
	newRoot := members[0]
	if pin != "" {
		newRoot = pin
	}
	for _, m := range members {
		r.parent[m] = newRoot
	}
	r.pinOf[newRoot] = pin
}

func (r *resolver) majority(g *group) string {
	best, bestVotes := "", -1
	for _, typ := range []string{Org, Place, Person} {
		if v := g.votes[typ]; v > bestVotes {
			best, bestVotes = typ, v
		}
	}
	return best
}

// joinPlaces joins names of one country or US state.
func (r *resolver) joinPlaces() {
	for _, key := range r.order {
		g := r.groups[key]
		if g.votes[Place]*3 < g.docs { // mostly not a place here: "Jordan" the person
			continue
		}
		for _, n := range g.names {
			if node, ok := r.geo.place(n.Value); ok {
				r.union("geo:"+node, groupNode(key), false)
				break
			}
		}
	}
}

// joinKnownAcronyms joins the built-in table's spellings.
func (r *resolver) joinKnownAcronyms() {
	for _, a := range knownAcronyms {
		node := "acr:" + a.display
		for _, v := range append([]string{a.display}, a.variants...) {
			key, _ := Key(v)
			if _, ok := r.groups[key]; ok {
				r.union(node, groupNode(key), false)
			}
		}
	}
}

// joinPairs joins a short form to the long form the archive pairs it with
// most, when that pairing holds at least share of its pairings. It
// returns the one-word short forms paired with many long forms and none
// dominant: generic head words.
func (r *resolver) joinPairs(pairs map[string]map[string]int, share float64) map[string]bool {
	generic := map[string]bool{}
	shorts := make([]string, 0, len(pairs))
	for s := range pairs {
		shorts = append(shorts, s)
	}
	slices.Sort(shorts)
	for _, s := range shorts {
		if r.groups[s] == nil || r.fixed[r.find(groupNode(s))] {
			continue
		}
		total, forms, best, bestN := 0, 0, "", 0
		for l, n := range pairs[s] {
			if r.groups[l] == nil {
				continue
			}
			total += n
			forms++
			if n > bestN || (n == bestN && l < best) {
				best, bestN = l, n
			}
		}
		switch {
		case best != "" && bestN >= minPairs && float64(bestN) >= share*float64(total):
			r.union(groupNode(best), groupNode(s), false)
		case forms >= genericForms && !strings.Contains(s, " ") && !r.groups[s].acronym &&
			float64(total) >= genericPairs*float64(r.groups[s].docs):
			generic[s] = true
		}
	}
	return generic
}

// joinTitledPersons joins a name that is a person's full name behind
// words the tagger took for part of it ("Exchequer Nigel Lawson" from
// "Chancellor of the Exchequer Nigel Lawson", "Governor Robin Leigh
// Pemberton") to that person, when the person has more articles.
func (r *resolver) joinTitledPersons() {
	for _, key := range r.order {
		words := strings.Fields(key)
		if len(words) < 3 {
			continue
		}
		g := r.groups[key]
		for cut := 1; cut <= len(words)-2; cut++ {
			p := r.groups[strings.Join(words[cut:], " ")]
			if p != nil && r.majority(p) == Person && r.majority(g) != Person && p.docs >= minPairs {
				if r.union(groupNode(p.key), groupNode(key), false) {
					g.titled = true
				}
				break
			}
		}
	}
}

// joinInitials joins an acronym nobody paired explicitly to the one
// organisation or place whose initials it spells.
func (r *resolver) joinInitials() {
	byInitials := map[string][]string{}
	for _, key := range r.order {
		g := r.groups[key]
		if strings.Count(key, " ") >= 1 && r.majority(g) != Person {
			in := initials(key)
			byInitials[in] = append(byInitials[in], key)
		}
	}
	joined := map[string]int{} // root -> groups in its set
	for _, key := range r.order {
		joined[r.find(groupNode(key))]++
	}
	for _, key := range r.order {
		g := r.groups[key]
		if !g.acronym || joined[r.find(groupNode(key))] > 1 {
			continue // already joined to its long form by a table or the archive
		}
		if c := byInitials[key]; len(c) == 1 && r.find(groupNode(key)) != r.find(groupNode(c[0])) {
			r.union(groupNode(c[0]), groupNode(key), false)
		}
	}
}

// joinSurnames joins a one-word person name to the full name that holds
// nearly all the archive's articles among full names with that surname.
func (r *resolver) joinSurnames() {
	bySurname := map[string][]*group{}
	for _, key := range r.order {
		g := r.groups[key]
		words := strings.Fields(key)
		if len(words) >= 2 && len(words) <= 4 && r.majority(g) == Person {
			s := words[len(words)-1]
			bySurname[s] = append(bySurname[s], g)
		}
	}
	for _, key := range r.order {
		g := r.groups[key]
		if strings.Contains(key, " ") || r.majority(g) != Person {
			continue
		}
		cands := bySurname[key]
		total := 0
		var best *group
		for _, c := range cands {
			if c.docs < 2 {
				continue // one article: more likely a tagging slip than a rival
			}
			total += c.docs
			if best == nil || c.docs > best.docs {
				best = c
			}
		}
		if best != nil && float64(best.docs) >= surnameShare*float64(total) {
			r.union(groupNode(best.key), groupNode(key), false)
		}
	}
}

// table builds the entities from the sets.
func (r *resolver) table(ev Evidence, generic map[string]bool, tables ...*indexer.Aliases) *Table {
	sets := map[string][]*group{}
	var roots []string
	for _, key := range r.order {
		root := r.find(groupNode(key))
		if sets[root] == nil {
			roots = append(roots, root)
		}
		sets[root] = append(sets[root], r.groups[key])
	}
	t := &Table{}
	for _, root := range roots {
		gs := sets[root]
		e := Entity{}
		votes := map[string]int{}
		corporate, single := false, len(gs) == 1
		for _, g := range gs {
			e.Names = append(e.Names, g.names...)
			e.Docs += g.docs
			for typ, v := range g.votes {
				votes[typ] += v
			}
			corporate = corporate || g.corporate
		}
		slices.SortStableFunc(e.Names, func(a, b Name) int {
			return cmp.Or(b.Docs-a.Docs, strings.Compare(a.Value, b.Value), strings.Compare(a.Type, b.Type))
		})
		if corporate {
			votes[Org] += e.Docs / 2
		}
		for _, g := range gs {
			if r.geo.capital(g.key) {
				votes[Place] += e.Docs
			}
		}
		e.Type = argmax(votes)
		switch {
		case r.pinOf[root] != "":
			p := r.pins[r.pinOf[root]]
			e.Type, e.Name, e.Pinned, e.Listed = p.typ, p.name, true, p.listed
		case strings.HasPrefix(root, "acr:"):
			e.Name = strings.TrimPrefix(root, "acr:")
			for _, a := range knownAcronyms {
				if a.display == e.Name {
					e.Type = a.typ
				}
			}
		case strings.HasPrefix(root, "geo:state:"):
			e.Type, e.Name = Place, strings.TrimPrefix(root, "geo:state:") // "Colo." is Colorado
		case strings.HasPrefix(root, "geo:"):
			e.Type = Place
			e.Name = displayName(e.Names, Place, r.key)
		default:
			var label []Name
			for _, g := range gs {
				if !g.titled {
					label = append(label, g.names...)
				}
			}
			e.Name = displayName(label, e.Type, r.key)
		}
		if !e.Pinned && single {
			g := gs[0]
			if junkKey(g.key) || generic[g.key] || (!strings.Contains(g.key, " ") && !g.acronym &&
				float64(ev.Lower[g.key]) >= lowerShare*float64(g.docs)) {
				e.Blocked = true
			}
		}
		t.Entities = append(t.Entities, e)
	}
	rootIndex := make(map[string]int, len(roots))
	for i, rt := range roots {
		rootIndex[rt] = i
	}
	// Blocked names of the tables.
	for _, a := range tables {
		for _, typ := range Types {
			for _, name := range a.Blocked(Kind(typ)) {
				key, _ := Key(name)
				node := groupNode(key)
				if _, ok := r.groups[key]; !ok {
					if node = "pin:" + typ + ":" + name; r.pins[node].name == "" {
						continue
					}
				}
				if i, ok := rootIndex[r.find(node)]; ok {
					t.Entities[i].Blocked = true
				}
			}
		}
	}
	slices.SortStableFunc(t.Entities, func(a, b Entity) int {
		return cmp.Or(b.Docs-a.Docs, strings.Compare(a.Name, b.Name))
	})
	t.index(r.key)
	return t
}

func argmax(votes map[string]int) string {
	best, bestVotes := Org, -1
	for _, typ := range []string{Org, Place, Person} {
		if votes[typ] > bestVotes {
			best, bestVotes = typ, votes[typ]
		}
	}
	return best
}

// displayName picks how an entity is shown: its fullest name (most
// words), then a spelling that is not an abbreviation, then the spelling
// in most articles.
func displayName(names []Name, typ string, keyOf func(string) string) string {
	type cand struct {
		value, key  string
		words, docs int
	}
	var cands []cand
	for _, n := range names {
		k := keyOf(n.Value)
		cands = append(cands, cand{n.Value, k, len(strings.Fields(k)), n.Docs})
	}
	best := cands[0]
	for _, c := range cands[1:] {
		if better(c.value, c.key, c.words, c.docs, best.value, best.key, best.words, best.docs, typ) {
			best = c
		}
	}
	return unbracket(best.value)
}

// unbracket drops the angle brackets Reuters puts around company names
// ("<Sedio N.V.>"); other angle brackets are part of the text.
func unbracket(s string) string {
	if len(s) > 2 && s[0] == '<' && s[len(s)-1] == '>' && !strings.ContainsAny(s[1:len(s)-1], "<>") {
		return s[1 : len(s)-1]
	}
	return s
}

func better(v, k string, words, docs int, bv, bk string, bwords, bdocs int, typ string) bool {
	// The fullest name: "Ronald Reagan" over "Reagan", "Moody's Investors
	// Service" over "Moody"; for other than people only when the archive
	// uses it (a tenth of the other's articles), so that one article's
	// "United Kingdom of Great Britain and Northern Ireland" is no label.
	if words != bwords {
		fuller, fdocs, odocs := words > bwords, docs, bdocs
		if !fuller {
			fdocs, odocs = bdocs, docs
		}
		if typ == Person || fdocs*10 >= odocs {
			return fuller
		}
	}
	// A long form over its abbreviation: "Securities and Exchange
	// Commission" over "SEC", "Britain" over "U.K."; between spellings
	// of one key ("JAPAN", "Japan"; "OPEC", "Opec") the articles decide.
	if a, b := isAcronym(v), isAcronym(bv); a != b && k != bk {
		return !a
	}
	if docs != bdocs {
		return docs > bdocs
	}
	return v < bv
}

// blockDemonyms blocks names that are a people or an adjective of a place
// of the archive ("Kuwaiti", "West German", "Japanese"): the tagger's
// mistakes for a nationality, which is not an entity here.
func (r *resolver) blockDemonyms(t *Table) {
	places := map[string]int{} // key -> entity
	for i := range t.Entities {
		e := &t.Entities[i]
		if e.Type != Place || e.Blocked {
			continue
		}
		for _, n := range e.Names {
			k := r.key(n.Value)
			places[k] = i
		}
	}
	for i := range t.Entities {
		e := &t.Entities[i]
		if e.Pinned || e.Blocked || len(e.Names) == 0 {
			continue
		}
		k := r.key(e.Names[0].Value)
		if p, ok := demonymOf(k, places); ok && p != i {
			e.Blocked = true
		}
	}
}

// demonymOf returns the place entity whose key a key is formed from by a
// nationality suffix.
func demonymOf(key string, places map[string]int) (int, bool) {
	for _, s := range []struct{ suffix, place string }{
		{"i", ""}, {"ese", ""}, {"ese", "a"}, {"ian", ""}, {"ian", "a"}, {"ian", "ia"}, {"ian", "y"},
		{"an", ""}, {"an", "a"}, {"n", ""}, {"ish", ""}, {"ish", "land"}, {"", "y"}, {"ans", ""}, {"ns", ""},
	} {
		base, ok := strings.CutSuffix(key, s.suffix)
		if p, found := places[base+s.place]; ok && len(base) >= 3 && found {
			return p, true
		}
	}
	return 0, false
}
