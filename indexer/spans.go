package indexer

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"newsdex/indexer/ner"
)

// abPair is a short form the text pairs with a long name: "SEC" in
// "Securities and Exchange Commission (SEC)", or a stock ticker in
// "British Petroleum Co Plc <BP>".
type abPair struct {
	short string // as written
	long  int    // index of the long name's mention
	// weak pairs (tickers) only count when the short form is also
	// mentioned as a name elsewhere in the article.
	weak bool
}

// joinSpans repairs the tagger's spans with the text around them (text
// has the spans' offsets; mentions without offsets are returned as they
// are):
//   - Reuters marks company names with angle brackets: spans inside
//     "<Fichtel und Sachs AG>" become one organisation; a bracketed ticker
//     after a name ("<BP>") is not a name but may pair with it;
//   - two spans with only "&" between them are one organisation
//     ("Standard & Poor's"), as are two single letters with "and" ("S and
//     P");
//   - "X and Y" is one organisation when Y ends in a corporate suffix and
//     X is not itself complete ("Standard and Poor's Corp", "Alex Brown
//     and Sons Inc", but not "Brown and AFG Industries Inc"), when a
//     single word joins a possessive single word that is not of the same
//     person or place type ("Standard and Poor's"), or when the article
//     joined the same words by one of these rules elsewhere;
//   - two organisation spans joined by "of", "on" or "for" are one
//     ("General Agreement" on "Tariffs and Trade");
//   - a span that is only a corporate suffix joins the name before it
//     when only space, a comma or a bracketed word is between them
//     ("Cheung Kong (Holdings) Ltd").
//
// Lists ("Japan and Britain", "IBM and Apple", "House and Senate") stay
// apart. It also returns the explicit short/long pairs it saw.
func joinSpans(ms []mention, text string) ([]mention, []abPair) {
	if text == "" || len(ms) == 0 {
		return ms, nil
	}
	for _, m := range ms {
		if m.end <= m.start || m.end > len(text) {
			return ms, nil
		}
	}
	var pairs []abPair
	ms, pairs = bracketNames(ms, text)
	for i := range ms {
		prevEnd := 0
		if i > 0 {
			prevEnd = ms[i-1].end
		}
		ms[i] = extendLeft(ms[i], text, prevEnd)
		nextStart := len(text)
		if i+1 < len(ms) {
			nextStart = ms[i+1].start
		}
		ms[i] = extendRight(ms[i], text, nextStart)
	}

	joined := map[string]bool{} // keys of names joined by a strong rule
	var out []mention
	for pass := range 2 {
		out = out[:0]
		for _, m := range ms {
			if len(out) > 0 {
				if j, ok := joinPair(out[len(out)-1], m, text, joined, pass); ok {
					out[len(out)-1] = j
					continue
				}
			}
			out = append(out, m)
		}
		if len(joined) == 0 {
			break
		}
	}
	// Pair indexes refer to ms; map them through the joins by offsets.
	for i := range pairs {
		long := ms[pairs[i].long]
		for k, m := range out {
			if m.start <= long.start && long.end <= m.end {
				pairs[i].long = k
				break
			}
		}
	}
	pairs = append(pairs, parenPairs(out, text)...)
	return out, pairs
}

// bracketNames handles Reuters' angle brackets (see joinSpans).
func bracketNames(ms []mention, text string) ([]mention, []abPair) {
	if !strings.Contains(text, "<") {
		return ms, nil
	}
	var out []mention
	var pairs []abPair
	i := 0
	for pos := 0; ; {
		lt := strings.IndexByte(text[pos:], '<')
		if lt < 0 {
			break
		}
		lt += pos
		gt := strings.IndexAny(text[lt+1:], "<>")
		if gt < 0 {
			break
		}
		gt += lt + 1
		pos = gt
		if text[gt] != '>' || gt-lt > 120 || strings.Contains(text[lt:gt], "\n\n") {
			continue
		}
		content := strings.TrimSpace(text[lt+1 : gt])
		for i < len(ms) && ms[i].end <= lt {
			out = append(out, ms[i])
			i++
		}
		inside := i
		for inside < len(ms) && ms[inside].start <= gt {
			inside++
		}
		if inside == i || !hasLetter(content) {
			continue
		}
		if isTicker(content) {
			if len(out) > 0 && strings.TrimSpace(text[out[len(out)-1].end:lt]) == "" {
				short, _, _ := strings.Cut(content, ".")
				pairs = append(pairs, abPair{short: short, long: len(out) - 1, weak: true})
			}
		} else {
			start := lt + 1 + strings.Index(text[lt+1:gt], content)
			out = append(out, mention{typ: ner.ORG, text: content, start: start, end: start + len(content)})
		}
		i = inside
	}
	out = append(out, ms[i:]...)
	// pairs point into out, which is what joinSpans goes on with.
	return out, pairs
}

// isTicker reports a stock symbol: one token without lower-case letters,
// such as "BP", "CKGH.HK" or "BMW.F".
func isTicker(s string) bool {
	if len(s) > 12 || strings.ContainsAny(s, " \t\n") {
		return false
	}
	return !hasLower(s)
}

// joinPair joins two adjacent mentions if the rules of joinSpans say
// they are one name. In pass 1 it also joins pairs whose joined key was
// joined by a strong rule in pass 0.
func joinPair(a, b mention, text string, joined map[string]bool, pass int) (mention, bool) {
	if a.end > b.start {
		return a, false
	}
	between := text[a.end:b.start]
	if strings.Contains(between, "\n\n") || len(between) > 24 {
		return a, false
	}
	glue := strings.TrimSpace(between)
	if len(glue) > 3 && !(strings.HasPrefix(glue, "(") && strings.HasSuffix(glue, ")")) {
		return a, false // no rule below joins across such glue
	}
	aw, bw := strings.Fields(a.text), strings.Fields(b.text)
	if len(aw) == 0 || len(bw) == 0 {
		return a, false
	}
	join := func() (mention, bool) {
		m := mention{typ: ner.ORG, text: text[a.start:b.end], start: a.start, end: b.end}
		if pass == 0 {
			joined[joinKey(m.text)] = true
		}
		return m, true
	}
	aComplete := isCorpSuffixWord(aw[len(aw)-1]) || isPossessive(aw[len(aw)-1]) || possessiveAt(text, a.end)
	switch strings.ToLower(glue) {
	case "&":
		return join()
	case "and", "und", "et":
		switch {
		case isLetterName(a.text) && isLetterName(b.text):
			return join()
		case isCorpSuffixWord(bw[len(bw)-1]) && !aComplete && len(aw) <= 3 && !isLetterName(a.text) &&
			(len(bw) == 1 || !isAllCapsWord(strings.Trim(bw[0], "<>"))):
			return join()
		case len(aw) == 1 && len(bw) == 1 && !aComplete && (isPossessive(bw[0]) || possessiveAt(text, b.end)) &&
			!(a.typ == ner.PER && b.typ == ner.PER) && !(a.typ == ner.LOC && b.typ == ner.LOC):
			return join()
		case pass == 1 && joined[joinKey(text[a.start:b.end])]:
			return mention{typ: ner.ORG, text: text[a.start:b.end], start: a.start, end: b.end}, true
		}
	case "of", "on", "for":
		if a.typ == ner.ORG && b.typ == ner.ORG && !aComplete {
			return join()
		}
	case "", ",":
		if allCorpSuffixes(bw) && !aComplete {
			return join()
		}
	default:
		if allCorpSuffixes(bw) && !aComplete && strings.HasPrefix(glue, "(") && strings.HasSuffix(glue, ")") &&
			!strings.ContainsAny(glue[1:len(glue)-1], "()") {
			return join()
		}
	}
	return a, false
}

// extendLeft takes into a span the untagged capitalised word the tagger
// left out before "&" or "and" ("Standard and [Poor's Corp]", "Standard
// and [Poor]'s", "Procter & [Gamble]"), under the rules joinPair uses for
// two spans; the word must lie after prevEnd.
func extendLeft(m mention, text string, prevEnd int) mention {
	i := m.start
	skip := func(space bool) {
		for i > prevEnd && (text[i-1] == ' ' || text[i-1] == '\n' || text[i-1] == '\t') == space {
			i--
		}
	}
	skip(true)
	glueEnd := i
	skip(false)
	glue := text[i:glueEnd]
	if glue != "&" && glue != "and" && glue != "und" {
		return m
	}
	skip(true)
	wordEnd := i
	skip(false)
	w := text[i:wordEnd]
	r, _ := utf8.DecodeRuneInString(w)
	if w == "" || !unicode.IsUpper(r) || !isLetters(w) || isFunctionWord(w) || isCorpSuffixWord(w) {
		return m
	}
	mw := strings.Fields(m.text)
	suffixed := len(mw) >= 2 && isCorpSuffixWord(mw[len(mw)-1]) && !isAllCapsWord(mw[0])
	possessive := len(mw) == 1 && m.typ != ner.PER && m.typ != ner.LOC && (isPossessive(mw[0]) || possessiveAt(text, m.end))
	if glue != "&" && !suffixed && !possessive {
		return m
	}
	return mention{typ: ner.ORG, text: text[i:m.end], start: i, end: m.end}
}

// extendRight takes into an organisation span the untagged words the
// tagger left out after "of", "on" or "for" when they are a run of at
// least two capitalised words joined by "and" or "&" ("General Agreement
// [on Tariffs and Trade]", "Organisation [for Economic Cooperation and
// Development]"); a single capitalised word is more often a weekday or a
// place. The run must end before nextStart.
func extendRight(m mention, text string, nextStart int) mention {
	if m.typ != ner.ORG {
		return m
	}
	i := m.end
	word := func() string {
		for i < nextStart && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t') {
			i++
		}
		j := i
		for j < nextStart && text[j] != ' ' && text[j] != '\n' && text[j] != '\t' {
			j++
		}
		w := text[i:j]
		i = j
		return w
	}
	switch word() {
	case "of", "on", "for":
	default:
		return m
	}
	end, capitals, joined := m.end, 0, false
	for {
		save := i
		w := word()
		r, _ := utf8.DecodeRuneInString(w)
		switch {
		case w != "" && unicode.IsUpper(r) && isLetters(w) && !isFunctionWord(w):
			capitals++
			end = i
			continue
		case (w == "and" || w == "&") && capitals > 0:
			joined = true
			continue
		}
		i = save
		break
	}
	if capitals < 2 || !joined || end <= m.end {
		return m
	}
	return mention{typ: ner.ORG, text: text[m.start:end], start: m.start, end: end}
}

// joinKey is the key of a joined name without its corporate suffixes and
// possessive, so that "Standard and Poor's Corp" and "Standard and Poor"
// match.
func joinKey(s string) string {
	words := strings.Fields(s)
	for len(words) > 1 && isCorpSuffixWord(words[len(words)-1]) {
		words = words[:len(words)-1]
	}
	if n := len(words); n > 0 {
		words[n-1] = stripPossessive(words[n-1])
	}
	return NameKey(strings.Join(words, " "))
}

// parenPairs finds explicit abbreviations: a multi-word name followed by
// a bracketed short form, "Securities and Exchange Commission (SEC)", or
// a short form followed by the bracketed name, "GATT (General Agreement
// on Tariffs and Trade)".
func parenPairs(ms []mention, text string) []abPair {
	var pairs []abPair
	for i, m := range ms {
		if m.typ == ner.PER || countFields(m.text) < 2 {
			continue
		}
		// Long (SHORT)
		rest := text[m.end:min(len(text), m.end+16)]
		if t := strings.TrimLeft(rest, " \t\n"); strings.HasPrefix(t, "(") {
			if k := strings.IndexByte(t, ')'); k > 0 && isShortForm(t[1:k]) {
				pairs = append(pairs, abPair{short: t[1:k], long: i})
				continue
			}
		}
		// SHORT (Long)
		if i > 0 {
			s := ms[i-1]
			before := strings.TrimSpace(text[s.end:m.start])
			after := strings.TrimLeft(text[m.end:min(len(text), m.end+4)], " \t\n")
			if before == "(" && strings.HasPrefix(after, ")") && isShortForm(s.text) {
				pairs = append(pairs, abPair{short: s.text, long: i})
			}
		}
	}
	return pairs
}

// isShortForm reports an abbreviation: one token of at most ten
// characters, starting with a capital, with two or more capitals and no
// more lower-case letters than capitals ("SEC", "GATT", "ICCO", "MITI").
func isShortForm(s string) bool {
	if len(s) > 10 || len(s) < 2 || strings.ContainsAny(s, " \t\n") {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s)
	if !unicode.IsUpper(r) {
		return false
	}
	upper, lower := 0, 0
	for _, r := range s {
		switch {
		case unicode.IsUpper(r):
			upper++
		case unicode.IsLower(r):
			lower++
		}
	}
	return upper >= 2 && lower <= upper
}

// isLetterName reports a name that is one letter ("S", "P.").
func isLetterName(s string) bool {
	if countFields(s) != 1 {
		return false
	}
	var buf [64]byte
	return letterCount(string(appendNameKey(buf[:0], s))) == 1
}

func letterCount(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// possessiveAt reports whether text has a possessive ending at i, which
// the tagger's tokenizer splits from the name: "Poor" + "'s".
func possessiveAt(text string, i int) bool {
	rest := text[i:]
	return strings.HasPrefix(rest, "'s") || strings.HasPrefix(rest, "’s") || strings.HasPrefix(rest, "'S")
}

func isPossessive(w string) bool {
	return stripPossessive(w) != w
}

func stripPossessive(w string) string {
	for _, suf := range []string{"'s", "’s", "'S", "’S", "'", "’"} {
		if strings.HasSuffix(w, suf) && len(w) > len(suf) {
			return strings.TrimSuffix(w, suf)
		}
	}
	return w
}

// isCorpSuffix reports a word (as a NameKey) that marks a company's legal
// form: "Inc", "Corp", "Co", "Ltd", "PLC", "AG", "SA", "NV"...
func isCorpSuffix(k string) bool {
	switch k {
	case "inc", "incorporated", "corp", "corporation", "co", "cos", "company", "ltd", "limited",
		"plc", "llc", "lp", "llp", "ag", "sa", "nv", "bv", "gmbh", "spa", "sarl", "srl", "ab",
		"asa", "oy", "oyj", "kk", "kg", "cie", "pty", "pte", "bhd", "berhad", "sdn":
		return true
	}
	return false
}

// isCorpSuffixWord is isCorpSuffix of the word's NameKey, folded on the
// stack.
func isCorpSuffixWord(w string) bool {
	var buf [64]byte
	return isCorpSuffix(string(appendNameKey(buf[:0], w)))
}

func allCorpSuffixes(words []string) bool {
	for _, w := range words {
		if !isCorpSuffixWord(strings.Trim(w, "<>.,")) {
			return false
		}
	}
	return len(words) > 0
}
