package indexer

import (
	"bytes"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"newsdex/indexer/ner"
)

// EntityExtractor finds the people, organisations and places an article
// names and gives each one canonical name, so that a facet shows one
// bucket per real entity however the article spells or shortens it.
// It is safe for concurrent use.
type EntityExtractor struct {
	tagger  *ner.Tagger
	aliases *Aliases
}

// NewEntityExtractor returns an extractor tagging with tagger and
// canonicalising with aliases (which may be nil).
func NewEntityExtractor(tagger *ner.Tagger, aliases *Aliases) *EntityExtractor {
	return &EntityExtractor{tagger: tagger, aliases: aliases}
}

// ArticleEntities is what Extract finds in one article.
type ArticleEntities struct {
	Persons, Organizations, Places []string
	// Evidence is the article's testimony for archive-level
	// reconciliation, deduplicated and sorted (see FieldEntityEvidence):
	//   - "lc:<key>": a one-word name whose word the article also writes
	//     in lower case ("Company" and "the company said");
	//   - "ab:<short>=<long>": the article pairs a short form with a long
	//     one (an explicit "Securities and Exchange Commission (SEC)", an
	//     acronym spelling a name's initials, a word that begins the
	//     first word of the article's one organisation starting with it:
	//     "Fed" and "Federal Reserve Board");
	//   - "sn:<short>=<full>": a surname-only (or Korean given-name)
	//     mention was joined to a full person name.
	//
	// Keys are NameKey forms of the names as output.
	Evidence []string
}

// Extract returns the canonical names of the people, organisations and
// places an article names (title + body), each once, in order of first
// mention, and the article's evidence for archive-level reconciliation.
//
// Only prose is tagged: all-capitals lines (unless the whole article is
// in capitals), table and statistics lines, sign-offs, datelines and
// bylines are blanked out first (see taggerText).
//
// Within the article: spellings that differ only in case, hyphens or dots
// are one name; titles ("President", "Mr"), a leading "the", angle
// brackets and possessives are stripped; names that are only a corporate
// suffix or a single letter are dropped; spans the tagger split inside
// one name ("Standard & Poor's", "General Agreement on Tariffs and
// Trade") are joined; each name gets one type, the alias table's if it
// knows the name, else the majority of its mentions' (the first
// mention's on a tie); and a surname-only mention ("Jo", "Mr Thae") joins
// the full name with that surname given earlier in the article (or,
// failing that, the only such full name in it), unless several full names
// share the surname. Korean and Chinese names put the family name first,
// others last.
func (e *EntityExtractor) Extract(title, body string) ArticleEntities {
	text, masked, shouting := taggerText(title, body)
	ents := e.tagger.Extract(masked)
	ms := make([]mention, 0, len(ents))
	for _, ent := range ents {
		ms = append(ms, mention{typ: ent.Type, text: ent.Text, start: ent.Start, end: ent.End})
	}
	return resolveMentions(ms, e.aliases, articleText{text: text, masked: masked, shouting: shouting})
}

// articleText is the text an article's mentions were found in.
type articleText struct {
	text     string // title and body as written
	masked   string // text with non-prose blanked out: what the tagger read
	shouting bool   // the article has no lower-case letter
}

// mention is one tagged name in an article, in text order, with its byte
// offsets in the article text (both 0 when unknown).
type mention struct {
	typ        ner.Type
	text       string
	start, end int
}

// name is a mention after cleaning.
type name struct {
	words  []string // display words, titles and possessive stripped
	key    string   // NameKey of the words
	typ    ner.Type
	titled bool // a title was stripped: "Mr Thae" names a person
	pos    int  // mention index
}

// entity is one real-world entity of an article: the names that refer
// to it, the first of them earliest in the text.
type entity struct {
	words     []string // as first written
	key       string
	typ       ner.Type
	canonical string // alias-table name, if known
	names     []*name
	first     int
	// For full person names: the keys a surname-only or (Korean)
	// given-name-only mention of them has.
	surname, given string
	display        string // as output; "" if not output
	displayKey     string // NameKey(display)
}

// resolveMentions turns an article's mentions, in text order, into
// canonical person, organisation and place names in order of first
// mention, with the article's evidence. It is Extract without the
// tagger, so the rules can be tested on their own; art may be empty
// (mentions without offsets), which leaves out the rules that read the
// text around the names.
func resolveMentions(ms []mention, aliases *Aliases, art articleText) ArticleEntities {
	masked := art.masked
	if masked == "" {
		masked = art.text
	}
	ms, pairs := joinSpans(ms, masked)
	var names []*name
	nameOf := make([]*name, len(ms)) // the mention's (first) name
	for i, m := range ms {
		parts, np := splitAtTitle(m)
		for _, part := range parts[:np] {
			if n := cleanName(part, i); n != nil {
				names = append(names, n)
				if nameOf[i] == nil {
					nameOf[i] = n
				}
			}
		}
	}

	// Group spellings of one name and settle each group's type: the
	// alias table's kind if it knows the name, else a vote.
	groups := map[string]*entity{}
	var order []*entity
	for _, n := range names {
		g := groups[n.key]
		if g == nil {
			g = &entity{first: n.pos, words: n.words, key: n.key}
			groups[n.key] = g
			order = append(order, g)
		}
		g.names = append(g.names, n)
	}
	for _, g := range order {
		g.typ = voteType(g.names)
		if kind, canonical, ok := aliasKind(aliases, g.words, g.typ); ok {
			g.typ, g.canonical = kind, canonical
		} else if g.names[0].titled && len(g.names[0].words) > 0 {
			// "President Trump" is a person whatever the tagger said
			// about the span.
			g.typ = ner.PER
		}
	}

	var ev evidence
	// Explicit short forms: "Securities and Exchange Commission (SEC)"
	// and tickers that the article also uses as a name.
	for _, p := range pairs {
		long := nameOf[p.long]
		shortKey := NameKey(p.short)
		if long == nil || shortKey == "" {
			continue
		}
		target := groups[long.key]
		short := groups[shortKey]
		if p.weak && (short == nil || len(short.names) == 0) {
			continue
		}
		if short != nil && short != target && len(short.names) > 0 && short.canonical == "" && short.typ != ner.PER {
			target.names = append(target.names, short.names...)
			short.names = nil
		}
		ev.abbrev(shortKey, target)
	}

	// Full person names, for resolving surname-only mentions.
	var full []*entity
	for _, g := range order {
		if g.typ == ner.PER && len(g.words) >= 2 {
			g.surname, g.given = surnameKey(g.words), givenKey(g.words)
			full = append(full, g)
		}
	}
	// Move each short mention that matches exactly one full name to it.
	for _, g := range order {
		if len(g.words) >= 2 && !isGivenName(g.key, full) {
			continue
		}
		if g.canonical != "" && g.typ != ner.PER {
			continue // a known place or organisation, not a surname
		}
		kept := g.names[:0:0]
		for _, n := range g.names {
			if target := resolveShort(n, full); target != nil && target != g {
				target.names = append(target.names, n)
				ev.surname(n.key, target)
				continue
			}
			kept = append(kept, n)
		}
		if len(kept) < len(g.names) {
			g.names = kept
			if len(kept) > 0 && g.canonical == "" {
				g.typ = voteType(kept)
			}
		}
	}
	mergeAcronyms(order, &ev)
	for _, g := range order {
		if len(g.names) > 0 {
			g.first = g.names[0].pos
			for _, n := range g.names {
				g.first = min(g.first, n.pos)
			}
		}
	}

	placeKeys := map[string]bool{}
	for _, g := range order {
		if g.typ == ner.LOC && len(g.names) > 0 {
			placeKeys[g.key] = true
			if g.canonical != "" {
				placeKeys[NameKey(g.canonical)] = true
			}
		}
	}

	// Output in order of first mention, one bucket per canonical name.
	var out ArticleEntities
	slices.SortStableFunc(order, func(a, b *entity) int { return a.first - b.first })
	type kindName struct{ kind, name string }
	seen := map[kindName]bool{}
	for _, g := range order {
		if len(g.names) == 0 {
			continue
		}
		display := g.canonical
		if display == "" {
			display = displayName(g.names, art.shouting)
		}
		if display == "" || isStopNameOf(display) {
			continue
		}
		if g.typ == ner.LOC && isDemonym(display, placeKeys, aliases) {
			continue
		}
		var kind string
		switch g.typ {
		case ner.PER:
			kind = KindPerson
		case ner.ORG:
			kind = KindOrganization
		case ner.LOC:
			kind = KindPlace
		default:
			continue
		}
		if c, ok := aliases.Canonical(kind, display); ok {
			display = c
		}
		g.display, g.displayKey = display, NameKey(display)
		if seen[kindName{kind, display}] {
			continue
		}
		seen[kindName{kind, display}] = true
		switch kind {
		case KindPerson:
			out.Persons = append(out.Persons, display)
		case KindOrganization:
			out.Organizations = append(out.Organizations, display)
		case KindPlace:
			out.Places = append(out.Places, display)
		}
	}
	out.Evidence = ev.terms(order, art.text)
	return out
}

// evidence collects an article's pairs of short and long names until the
// long names' output spellings are known.
type evidence struct {
	pairs []evidencePair
}

type evidencePair struct {
	prefix, short string
	long          *entity
}

func (ev *evidence) abbrev(short string, long *entity) {
	ev.pairs = append(ev.pairs, evidencePair{"ab:", short, long})
}

func (ev *evidence) surname(short string, full *entity) {
	ev.pairs = append(ev.pairs, evidencePair{"sn:", short, full})
}

// terms renders the evidence (see ArticleEntities.Evidence) once every
// output entity has its display name; order is the article's entities,
// text the article as written.
func (ev *evidence) terms(order []*entity, text string) []string {
	var out []string
	for _, p := range ev.pairs {
		if p.long.display == "" {
			continue
		}
		if long := p.long.displayKey; long != p.short {
			out = append(out, p.prefix+p.short+"="+long)
		}
	}
	// A one-word name that refers back to exactly one multi-word name of
	// the article: an organisation whose first word it begins ("Fed" and
	// "Federal Reserve Board"), or an organisation or place it ends ("the
	// Community" after "European Community"). Whatever the tagger made of
	// the short mention, it names the long one here; two candidates
	// ("the Bank" beside two banks) pair with neither.
	for _, g := range order {
		if g.display == "" || strings.ContainsRune(g.display, ' ') || !isLetters(g.display) {
			continue
		}
		short := g.displayKey
		runes := utf8.RuneCountInString(short)
		if runes < 2 {
			continue
		}
		var long *entity
		ambiguous := false
		for _, f := range order {
			if f == g || f.display == "" || !strings.ContainsRune(f.display, ' ') {
				continue
			}
			key := f.displayKey
			first, _, _ := strings.Cut(key, " ")
			begins := g.typ == ner.ORG && f.typ == ner.ORG && strings.HasPrefix(first, short)
			// A place ending a name is its place ("Italy" in "Bank of
			// Italy"), not a short form of it.
			ends := runes >= 3 && g.typ != ner.LOC && (f.typ == ner.ORG || f.typ == ner.LOC) &&
				hasWordSuffix(key, short)
			if !begins && !ends {
				continue
			}
			if long != nil && long.displayKey != key {
				ambiguous = true
				break
			}
			long = f
		}
		if long != nil && !ambiguous {
			out = append(out, "ab:"+short+"="+long.displayKey)
		}
	}
	// One-word names the article also writes in lower case: the keys
	// are words of letters, so one pass over the text's words finds
	// them all (out is sorted below).
	lower := map[string]bool{}
	for _, g := range order {
		if g.display != "" && isLetters(g.display) {
			lower[g.displayKey] = false
		}
	}
	markWords(text, lower)
	for w, found := range lower {
		if found {
			out = append(out, "lc:"+w)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// hasWordSuffix is strings.HasSuffix(key, " "+short) without building
// the string.
func hasWordSuffix(key, short string) bool {
	return len(key) > len(short) && key[len(key)-len(short)-1] == ' ' && strings.HasSuffix(key, short)
}

// isLetters reports a non-empty string of letters only: one plain word.
func isLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return s != ""
}

// markWords sets words[w] for each key w of words that text has as a
// whole word, exactly as given: a run of letters with no letter on
// either side. For keys of letters it is a search for each of them
// (strings.Index, then a check of the neighbours) in one pass.
func markWords(text string, words map[string]bool) {
	if len(words) == 0 {
		return
	}
	var lengths uint64 // bit n: some key has n bytes (n < 64)
	long := false
	for w := range words {
		if len(w) < 64 {
			lengths |= 1 << len(w)
		} else {
			long = true
		}
	}
	for i := 0; i < len(text); {
		r, n := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(text[i:])
		}
		if !unicode.IsLetter(r) {
			i += n
			continue
		}
		j := i + n
		for j < len(text) {
			r, n := rune(text[j]), 1
			if r >= utf8.RuneSelf {
				r, n = utf8.DecodeRuneInString(text[j:])
			}
			if !unicode.IsLetter(r) {
				break
			}
			j += n
		}
		if n := j - i; (n < 64 && lengths&(1<<n) != 0) || (n >= 64 && long) {
			if _, ok := words[text[i:j]]; ok {
				words[text[i:j]] = true
			}
		}
		i = j
	}
}

// mergeAcronyms moves an all-capitals one-word name ("AP", "CSW") into
// the organisation or place whose initials it spells ("Associated
// Press"), when exactly one in the article does, and records the pair.
func mergeAcronyms(order []*entity, ev *evidence) {
	for _, g := range order {
		if len(g.words) != 1 || len(g.names) == 0 || g.canonical != "" {
			continue
		}
		w := g.words[0]
		if n := utf8.RuneCountInString(w); n < 2 || n > 6 || !isAllCapsWord(w) {
			continue
		}
		var target *entity
		for _, f := range order {
			if f == g || len(f.words) < 2 || (f.typ != ner.ORG && f.typ != ner.LOC) || initials(f.words) != w {
				continue
			}
			if target != nil {
				target = nil
				break
			}
			target = f
		}
		if target != nil {
			target.names = append(target.names, g.names...)
			g.names = nil
			ev.abbrev(g.key, target)
		}
	}
}

func isAllCapsWord(w string) bool {
	for _, r := range w {
		if !unicode.IsUpper(r) {
			return false
		}
	}
	return true
}

// initials are the first letters of a name's words, leaving out "of",
// "the", "and", "for" and "&".
func initials(words []string) string {
	var b strings.Builder
	for _, w := range words {
		switch strings.ToLower(w) {
		case "of", "the", "and", "for", "on", "&", "de", "du", "des":
			continue
		}
		r, _ := utf8.DecodeRuneInString(w)
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// isDemonym reports a place name that is a people's name derived from
// another place of the article (placeKeys) or the alias table ("North Koreans" next
// to "North Korea"): the tagger's mistake for MISC.
func isDemonym(display string, placeKeys map[string]bool, aliases *Aliases) bool {
	key := NameKey(display)
	for _, r := range []struct{ suffix, place string }{
		{"ns", ""}, {"n", ""}, {"s", ""}, {"ians", "y"}, {"ian", "y"}, {"ns", "y"}, {"n", "y"},
		{"ese", ""}, {"ese", "a"}, {"s", "y"},
	} {
		base, ok := strings.CutSuffix(key, r.suffix)
		if !ok || base == "" {
			continue
		}
		base += r.place
		if placeKeys[base] {
			return true
		}
		if _, known := aliases.Canonical(KindPlace, base); known {
			return true
		}
	}
	return false
}

// voteType is the majority type of the names' mentions, MISC only if
// nothing else was said, the earliest mention's type on a tie.
func voteType(names []*name) ner.Type {
	var votes [4]int
	for _, n := range names {
		votes[n.typ]++
	}
	best := names[0].typ
	for _, t := range []ner.Type{ner.PER, ner.ORG, ner.LOC} {
		if votes[t] > votes[best] || (best == ner.MISC && votes[t] > 0) {
			best = t
		}
	}
	if best != ner.MISC && votes[best] == votes[names[0].typ] && names[0].typ != ner.MISC {
		best = names[0].typ
	}
	return best
}

// aliasKind looks the name up in the alias table's person, organisation
// and place sections; where it is in several, the tagger's type decides.
func aliasKind(aliases *Aliases, words []string, tagged ner.Type) (ner.Type, string, bool) {
	if aliases == nil {
		return 0, "", false
	}
	key := joinedKey(words) // Canonical's key of the joined words, once for all three
	var found []ner.Type
	var names []string
	for _, k := range []struct {
		kind string
		typ  ner.Type
	}{{KindPerson, ner.PER}, {KindOrganization, ner.ORG}, {KindPlace, ner.LOC}} {
		if c, ok := aliases.byKind[k.kind][key]; ok {
			if k.typ == tagged {
				return k.typ, c, true
			}
			found = append(found, k.typ)
			names = append(names, c)
		}
	}
	if len(found) == 0 {
		return 0, "", false
	}
	return found[0], names[0], true
}

// splitAtTitle splits a span the tagger ran across an organisation and
// a titled person ("NPR Senior European Correspondent Sylvia Poggioli",
// "Bank of England Governor Mervyn King") into the two. The person part
// must be a full name unless the span was tagged as a person; the
// organisation part is kept only from a span not tagged as a person.
func splitAtTitle(m mention) (parts [2]namePart, n int) {
	words := strings.Fields(m.text)
	for i := 1; i < len(words)-1; i++ {
		if title, modifier, _ := titleWord(words[i]); !title && !modifier {
			continue
		}
		end := i + titleLength(words[i:])
		if end == i || end >= len(words) {
			continue
		}
		person := words[end:]
		if len(person) < 2 && m.typ != ner.PER {
			break
		}
		if m.typ != ner.PER {
			parts[n] = namePart{typ: m.typ, words: words[:i:i]}
			n++
		}
		parts[n] = namePart{typ: ner.PER, words: words[i:]}
		return parts, n + 1
	}
	parts[0] = namePart{typ: m.typ, words: words}
	return parts, 1
}

// namePart is a mention, or one of the two names splitAtTitle found in
// it, as words.
type namePart struct {
	typ   ner.Type
	words []string
}

// cleanName strips angle brackets, titles, a leading "the" and
// possessives from a mention and folds its spelling; nil if nothing
// name-like is left, or only a single letter ("S") or corporate suffixes
// ("Ltd", "Co Inc").
func cleanName(m namePart, pos int) *name {
	words := m.words
	kept := words[:0]
	for _, w := range words {
		// Reuters writes company names in angle brackets: <Sedio N.V.>.
		if w = strings.Trim(w, "<>"); w != "" {
			kept = append(kept, w)
		}
	}
	words = kept
	if len(words) > 0 {
		words[len(words)-1] = stripPossessive(words[len(words)-1])
	}
	n := &name{typ: m.typ, pos: pos}
	// Titles come off person names; on other spans only an honorific
	// that names a person ("Ambassador Jo Song Gil" tagged ORG), so that
	// "General Motors" keeps its first word.
	if cut := titleLength(words); cut > 0 && cut < len(words) &&
		(m.typ == ner.PER || isTitleHonorific(words[cut-1])) {
		words = words[cut:]
		n.titled = true
	}
	// "then-Ambassador" style prefixes have been handled with titles;
	// leading "the" is not part of a name.
	if len(words) > 1 && (words[0] == "the" || words[0] == "The" || words[0] == "THE") {
		words = words[1:]
	}
	n.words = words
	n.key = joinedKey(words)
	if n.key == "" || letterCount(n.key) <= 1 || allCorpSuffixes(words) {
		return nil
	}
	return n
}

// joinedKey is NameKey(strings.Join(words, " ")) with the joined words
// on the stack (for names of up to 128 bytes).
func joinedKey(words []string) string {
	var jbuf [128]byte
	j := jbuf[:0]
	for i, w := range words {
		if i > 0 {
			j = append(j, ' ')
		}
		j = append(j, w...)
	}
	var kbuf [128]byte
	k := appendNameKey(kbuf[:0], string(j))
	if len(words) == 1 && string(k) == words[0] {
		return words[0]
	}
	return string(k)
}

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// titleLength returns how many leading words of a name are a title or
// honorific ("Mr", "President", "Prime Minister", "then-Ambassador",
// "Foreign Minister"): a run of title words and their modifiers ending
// in a title word.
func titleLength(words []string) int {
	cut := 0
	for i, w := range words {
		switch title, modifier, _ := titleWord(w); {
		case title:
			cut = i + 1
		case modifier:
		default:
			return cut
		}
	}
	return cut
}

// titleWord folds a word for the title lists, dropping "then-" and
// "ex-" prefixes, and reports which lists it is on. The folded word lives
// on the stack: extraction asks this of most words of every name.
func titleWord(w string) (title, modifier, honorific bool) {
	var buf [64]byte
	k := appendNameKey(buf[:0], w)
	for _, p := range []string{"then ", "ex ", "former "} {
		k = bytes.TrimPrefix(k, []byte(p))
	}
	return isTitle(string(k)), isTitleModifier(string(k)), isHonorific(string(k))
}

// countFields is len(strings.Fields(s)) without the slice.
func countFields(s string) int {
	n := 0
	inField := false
	for i := 0; i < len(s); {
		c := s[i]
		space := false
		if c < utf8.RuneSelf {
			space = c == ' ' || ('\t' <= c && c <= '\r')
			i++
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			space = unicode.IsSpace(r)
			i += size
		}
		if !space && !inField {
			n++
		}
		inField = !space
	}
	return n
}

func isTitleHonorific(w string) bool {
	_, _, honorific := titleWord(w)
	return honorific
}

// isHonorific lists the titles that only ever precede a person's name.
func isHonorific(k string) bool {
	switch k {
	case "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "president", "ambassador",
		"senator", "sen", "governor", "gov", "mayor", "premier", "chancellor", "minister", "pope":
		return true
	}
	return false
}

func isTitle(k string) bool {
	switch k {
	case "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "lord", "lady",
		"president", "premier", "minister", "chancellor", "ambassador", "envoy", "senator", "sen",
		"rep", "representative", "congressman", "congresswoman", "governor", "gov", "mayor",
		"judge", "justice", "gen", "general", "lt", "col", "colonel", "capt", "captain", "maj",
		"sgt", "sergeant", "adm", "admiral", "commander", "marshal", "chairman", "chairwoman",
		"chairperson", "secretary", "king", "queen", "prince", "princess", "pope", "cardinal",
		"bishop", "archbishop", "rev", "reverend", "father", "sheikh", "emir", "comrade",
		"spokesman", "spokeswoman", "spokesperson", "lawmaker", "correspondent", "reporter",
		"leader", "dictator", "chief", "director", "officer", "diplomat", "defector":
		return true
	}
	return false
}

func isTitleModifier(k string) bool {
	switch k {
	case "vice", "prime", "deputy", "acting", "former", "then", "senior", "foreign", "defence",
		"defense", "finance", "interior", "trade", "state", "first", "supreme", "grand",
		"executive", "lieutenant", "major", "attorney", "european", "north", "south", "korean":
		return true
	}
	return false
}

// isStopNameOf is isStopName of a name's NameKey, folded on the stack.
func isStopNameOf(name string) bool {
	var buf [64]byte
	return isStopName(string(appendNameKey(buf[:0], name)))
}

// isStopName reports names that are not useful as facets on their own:
// compass points standing for "the North" and stray abbreviations.
func isStopName(key string) bool {
	switch key {
	case "north", "south", "east", "west", "no", "st", "mr", "mrs", "ms", "dr":
		return true
	}
	return false
}

// familyFirst reports whether a full name puts the family name first: a
// Korean or Chinese family name followed by a two-syllable given name,
// written as two words or hyphenated ("Kim Jong Un", "Kim Jong-un",
// "Xi Jinping" is not matched: one-word given names are too ambiguous).
func familyFirst(words []string) bool {
	if len(words) < 2 || len(words) > 3 {
		return false
	}
	var buf [64]byte
	if !isEastAsianFamilyName(string(appendNameKey(buf[:0], words[0]))) {
		return false
	}
	if len(words) == 3 {
		return true
	}
	return strings.ContainsAny(words[1], "-‐")
}

// surnameKey is the key a surname-only mention of a full name would have.
func surnameKey(words []string) string {
	if familyFirst(words) {
		return NameKey(words[0])
	}
	return NameKey(words[len(words)-1])
}

// givenKey is the key of a Korean full name's given name ("Song Gil" for
// "Jo Song Gil"), which also refers to the person; "" for other names.
func givenKey(words []string) string {
	if !familyFirst(words) {
		return ""
	}
	return NameKey(strings.Join(words[1:], " "))
}

func isGivenName(key string, full []*entity) bool {
	for _, f := range full {
		if f.given == key {
			return true
		}
	}
	return false
}

// resolveShort finds the full name a short mention refers to: the one
// full name with its surname (or Korean given name) mentioned before it,
// else the only such full name in the article; nil when there is none or
// it is ambiguous.
func resolveShort(n *name, full []*entity) *entity {
	var before, all []*entity
	for _, f := range full {
		if f.key == n.key || (f.surname != n.key && f.given != n.key) {
			continue
		}
		all = append(all, f)
		if f.first < n.pos {
			before = append(before, f)
		}
	}
	switch {
	case len(before) == 1:
		return before[0]
	case len(before) == 0 && len(all) == 1:
		return all[0]
	}
	return nil
}

// displayName picks how an entity without an alias-table name is shown:
// the most complete spelling (most name parts), then the most common
// spelling, with hyphens read as spaces ("Kim Min-ki" and "Kim Min Ki"
// both show as "Kim Min Ki", so articles that spell a name either way
// share one facet bucket); all-capitals spellings only if there is no
// other, and then in title case unless it is one word in a mixed-case
// article (an acronym: "OPEC").
func displayName(names []*name, shouting bool) string {
	var best string
	if len(names) == 1 {
		best = unhyphenated(names[0].words) // most names are mentioned once
	} else {
		best = mostCompleteSpelling(names)
	}
	// An all-capitals word in mixed-case text is an acronym written so
	// on purpose ("OPEC", "USDA"); in a shouting article, or a name of
	// several words, capitals are only emphasis.
	if isAllCaps(best) && (shouting || strings.ContainsRune(best, ' ')) {
		best = titleCase(best)
	}
	return best
}

// mostCompleteSpelling is displayName's choice among several names
// before capitals are dealt with.
func mostCompleteSpelling(names []*name) string {
	most := 0
	fields := make([]int, len(names))
	for i, n := range names {
		fields[i] = countFields(n.key)
		most = max(most, fields[i])
	}
	spelling := make([]string, len(names))
	counts := map[string]int{}
	for i, n := range names {
		if fields[i] == most {
			spelling[i] = unhyphenated(n.words)
			counts[spelling[i]]++
		}
	}
	best, bestScore := "", -1
	for i := range names {
		if fields[i] != most {
			continue
		}
		s := spelling[i]
		score := counts[s]
		if !isAllCaps(s) {
			score += 1 << 20
		}
		if score > bestScore {
			best, bestScore = s, score
		}
	}
	return best
}

// unhyphenated is a spelling with hyphens read as spaces and the letter
// after a hyphen capitalised: "Kim Min-ki" and "Kim Min Ki" are the same
// spelling for counting.
func unhyphenated(words []string) string {
	if !slices.ContainsFunc(words, func(w string) bool { return strings.IndexByte(w, '-') >= 0 }) {
		return strings.Join(words, " ")
	}
	var b strings.Builder
	up := false
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		for _, r := range w {
			switch {
			case r == '-':
				b.WriteByte(' ')
				up = true
			case up:
				b.WriteRune(unicode.ToUpper(r))
				up = false
			default:
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

func isAllCaps(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsLetter(r) {
			letters++
		}
	}
	return letters > 3
}

// titleCase turns "KIM JONG-UN" into "Kim Jong-un", leaving short words
// and dotted abbreviations ("UN", "U.S.") alone.
func titleCase(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		if utf8.RuneCountInString(w) <= 2 || strings.Contains(w, ".") {
			continue
		}
		var b strings.Builder
		start := true
		for _, r := range w {
			if start {
				b.WriteRune(unicode.ToUpper(r))
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
			start = !unicode.IsLetter(r) && r != '\'' && r != '’' && r != '-'
		}
		words[i] = b.String()
	}
	return strings.Join(words, " ")
}

// isEastAsianFamilyName lists common Korean (South and North
// romanisations) and Chinese family names.
func isEastAsianFamilyName(k string) bool {
	switch k {
	case "kim", "lee", "yi", "ri", "rhee", "park", "pak", "bak", "choi", "choe", "jung", "jeong",
		"chung", "kang", "cho", "jo", "yoon", "yun", "jang", "chang", "lim", "im", "rim", "han",
		"oh", "o", "seo", "suh", "shin", "sin", "kwon", "hwang", "ahn", "an", "song", "ryu", "yoo",
		"hong", "jeon", "chun", "jun", "ko", "koh", "moon", "mun", "son", "sohn", "yang", "bae",
		"baek", "paek", "heo", "hur", "nam", "sim", "shim", "roh", "noh", "ro", "ha", "kwak",
		"sung", "seong", "cha", "joo", "ju", "woo", "u", "koo", "ku", "min", "na", "ra", "jin",
		"ji", "chi", "eom", "um", "chae", "won", "bang", "pang", "kong", "hyun", "hyon", "ham",
		"byun", "pyon", "yeo", "yo", "choo", "do", "to", "so", "seok", "sok", "ma", "gil", "kil",
		"yeon", "yon", "wi", "pyo", "myung", "myong", "ban", "pan", "wang", "geum", "kum", "ok",
		"yook", "yuk", "maeng", "je", "mo", "tak", "thae", "tae", "ryang", "ryom", "ryo",
		"xi", "li", "zhang", "liu", "chen", "huang", "zhao", "wu", "zhou", "xu", "sun", "zhu",
		"hu", "guo", "he", "gao", "lin", "luo", "zheng", "liang", "xie", "tang", "deng", "feng",
		"cao", "peng", "zeng", "xiao", "tian", "dong", "yuan", "cai", "jiang", "yu", "du",
		"ye", "cheng", "wei", "su", "lu", "ding", "ren", "shen", "yao", "jia", "fan", "fang",
		"mao", "qian", "wen", "bo":
		return true
	}
	return false
}
