package indexer

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

// taggerText is the text the tagger reads for an article, title and body
// joined, with what is not prose replaced by spaces so that byte offsets
// still point into the original text. Blanked out are:
//   - all-capitals lines (wire headlines such as "BAHIA COCOA REVIEW"),
//     unless the whole article is in capitals (shouting is then true and
//     the article is tagged as it is);
//   - table rows and statistics lines in the body ("Shr 34 cts vs 1.19
//     dlrs", "Nine Mths"): see bodyLineKinds;
//   - a wire sign-off ending the body ("REUTER"), and a leading dateline
//     ("NEW YORK, March 3 - ") or byline ("By John Smith").
//
// A blanked line reads as an indented line to the tagger's tokenizer, so
// no sentence runs across it.
func taggerText(title, body string) (text, masked string, shouting bool) {
	text = body
	bodyAt := 0
	if strings.TrimSpace(title) != "" {
		text = title + "\n\n" + body
		bodyAt = len(title) + 2
	}
	shouting = !hasLower(text)
	b := []byte(text)
	if bodyAt > 0 && !shouting && isCapsLine(title) {
		blank(b, 0, len(title))
	}
	maskBody(b, bodyAt, shouting)
	if string(b) == text {
		return text, text, shouting // nothing blanked: no second copy
	}
	return text, string(b), shouting
}

// lineKind is what a body line is for tagging.
type lineKind uint8

const (
	lineBlank lineKind = iota
	lineProse
	lineCaps  // all capitals in a mixed-case article
	lineTable // numbers, abbreviations, labels
)

// bodyLine is one physical line of the body.
type bodyLine struct {
	start, end int // byte offsets of the line, without its newline
	para       bool
	open       bool // does not end a sentence: continues on the next line
	own        lineKind
	kind       lineKind
}

// maskBody blanks out the body lines that are not prose and the body's
// sign-off, dateline and byline; the body starts at offset at of b.
func maskBody(b []byte, at int, shouting bool) {
	lines := bodyLineKinds(string(b[at:]), shouting)
	for _, l := range lines {
		if l.kind == lineCaps || l.kind == lineTable {
			blank(b, at+l.start, at+l.end)
		}
	}
	maskSignOff(b, at)
	maskDatelineByline(b, at, lines)
}

// bodyLineKinds classifies each line of body. A line is prose unless
//   - it has no lower-case letter (and the article has: shouting is
//     false), or
//   - at least half its tokens (two or more) hold a digit, or
//   - it has no function word ("the", "of", "said", ...) and either holds
//     a digit or is a label of at most three tokens without sentence
//     punctuation ("Nine Mths", "Qtr").
//
// Prose wraps across lines (Reuters breaks lines at about 65 columns), so
// a line that continues an unfinished prose line of its paragraph is
// prose, and so is an unfinished line that a prose line continues
// ("Texas Commerce Bancshares Inc's Texas" / "Commerce Bank said it...").
// A paragraph starts at an indented line or after a blank line.
func bodyLineKinds(body string, shouting bool) []bodyLine {
	var lines []bodyLine
	prevBlank := true
	for start := 0; start <= len(body); {
		end := strings.IndexByte(body[start:], '\n')
		if end < 0 {
			end = len(body)
		} else {
			end += start
		}
		line := body[start:end]
		l := bodyLine{start: start, end: end}
		l.para = prevBlank || (len(line) > 0 && (line[0] == ' ' || line[0] == '\t'))
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			l.own = lineBlank
		} else {
			l.open = !endsSentence(trimmed)
			l.own = classifyLine(trimmed, shouting)
		}
		prevBlank = trimmed == ""
		l.kind = l.own
		lines = append(lines, l)
		start = end + 1
	}
	for i := 1; i < len(lines); i++ {
		l, prev := &lines[i], lines[i-1]
		if (l.kind == lineTable || l.kind == lineCaps) && !l.para && prev.kind == lineProse && prev.open {
			l.kind = lineProse
		}
	}
	for i := len(lines) - 2; i >= 0; i-- {
		l, next := &lines[i], lines[i+1]
		if l.kind == lineTable && l.open && !next.para && next.own == lineProse {
			l.kind = lineProse
		}
	}
	return lines
}

// classifyLine is a line's kind on its own evidence (see bodyLineKinds).
func classifyLine(line string, shouting bool) lineKind {
	if !shouting && isCapsLine(line) {
		return lineCaps
	}
	tokens, numeric, function := 0, 0, 0
	for i := 0; i < len(line); {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
			i++
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' && line[j] != '\r' {
			j++
		}
		if j == i {
			break
		}
		tok := line[i:j]
		i = j
		tokens++
		if hasDigit(tok) {
			numeric++
		} else if isFunctionWord(tok) {
			function++
		}
	}
	switch {
	case tokens >= 2 && 2*numeric >= tokens:
		return lineTable
	case function == 0 && (numeric > 0 || (tokens <= 3 && !endsSentence(line))):
		return lineTable
	}
	return lineProse
}

// functionWords are English closed-class words (and "said"): prose has
// them, table rows and labels do not.
var functionWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`the a an of to in on at by for from with and or but as is are was
		were be been being has have had will would can could may might should shall must do does did
		said says say that which who whom whose it its this these those their his her he she they we
		our you not after before than into over under about against between during while because
		if when where also there then so such`) {
		m[w] = true
	}
	return m
}()

// hasDigit is strings.ContainsAny(s, "0123456789").
func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			return true
		}
	}
	return false
}

// isFunctionWord reports whether a token, stripped of punctuation and
// lower-cased, is a function word.
func isFunctionWord(tok string) bool {
	tok = trimNonLetters(tok)
	if len(tok) == 0 || len(tok) > 8 {
		return false
	}
	var buf [8]byte
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return functionWords[string(buf[:len(tok)])]
}

// trimNonLetters is strings.TrimFunc(s, not unicode.IsLetter), with the
// ends of ASCII strings trimmed byte by byte.
func trimNonLetters(s string) string {
	i, j := 0, len(s)
	for i < j && s[i] < utf8.RuneSelf && !isASCIILetter(s[i]) {
		i++
	}
	for j > i && s[j-1] < utf8.RuneSelf && !isASCIILetter(s[j-1]) {
		j--
	}
	if (i < j && s[i] >= utf8.RuneSelf) || (j > i && s[j-1] >= utf8.RuneSelf) {
		return strings.TrimFunc(s[i:j], func(r rune) bool { return !unicode.IsLetter(r) })
	}
	return s[i:j]
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// endsSentence reports whether a trimmed line ends with sentence
// punctuation, closing quotes and brackets aside.
func endsSentence(line string) bool {
	line = strings.TrimRight(line, "\"')]”’»")
	if line == "" {
		return false
	}
	switch line[len(line)-1] {
	case '.', '!', '?', ':', ';':
		return true
	}
	return false
}

// isCapsLine reports a line with at least two letters and no lower-case
// letter.
func isCapsLine(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsLetter(r) {
			letters++
		}
	}
	return letters >= 2
}

func hasLower(s string) bool {
	for _, r := range s {
		if unicode.IsLower(r) {
			return true
		}
	}
	return false
}

// blank replaces b[from:to] with spaces, keeping newlines.
func blank(b []byte, from, to int) {
	for i := from; i < to; i++ {
		if b[i] != '\n' {
			b[i] = ' '
		}
	}
}

// maskSignOff blanks a wire sign-off ending the body: one or two
// capitalised words of letters ("REUTER", "Reuter") at the very end that
// stand apart from the text before them: after two or more spaces, after
// a sentence's end ("... said. REUTER") or on a line of their own that
// does not continue an unfinished line.
func maskSignOff(b []byte, at int) {
	end := len(b)
	for end > at && isSpaceByte(b[end-1]) {
		end--
	}
	start := end
	for range 2 {
		j := start
		for j > at && !isSpaceByte(b[j-1]) {
			j--
		}
		if j == start || !isSignOffWord(b[j:start]) {
			return
		}
		start = j
		p := start
		for p > at && isSpaceByte(b[p-1]) {
			p--
		}
		if p == at {
			return // the whole body
		}
		sep := b[p:start]
		prev := b[p-1]
		sentenceEnd := prev == '.' || prev == '!' || prev == '?' || prev == '"' || prev == ')'
		if len(sep) >= 2 || sentenceEnd {
			blank(b, start, end)
			return
		}
	}
}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\r'
}

// isSignOffWord reports a capitalised word of letters, trailing dots
// allowed ("Reuter...").
func isSignOffWord(w []byte) bool {
	for len(w) > 0 && w[len(w)-1] == '.' {
		w = w[:len(w)-1]
	}
	r, _ := utf8.DecodeRune(w)
	if len(w) == 0 || !unicode.IsUpper(r) {
		return false
	}
	for _, r := range string(w) {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// maskDatelineByline blanks a dateline opening the body ("NEW YORK, March
// 3 - ", "LONDON (Reuters) - ") and a byline line ("By John Smith").
func maskDatelineByline(b []byte, at int, lines []bodyLine) {
	first := 0
	for first < len(lines) && lines[first].own == lineBlank {
		first++
	}
	if first == len(lines) {
		return
	}
	l := lines[first]
	// Only the start of the line matters (a byline starts "By", a
	// dateline ends within datelineLength's first 120 bytes), so a long
	// line is not copied whole.
	raw := b[at+l.start : at+l.end]
	lead := len(raw) - len(bytes.TrimLeftFunc(raw, unicode.IsSpace))
	trimmed := bytes.TrimSpace(raw)
	if bytes.HasPrefix(trimmed, []byte("By")) || bytes.HasPrefix(trimmed, []byte("BY")) {
		if isByline(string(trimmed)) {
			blank(b, at+l.start, at+l.end)
			return
		}
	}
	if n := datelineLength(string(trimmed[:min(len(trimmed), datelineHead)])); n > 0 {
		blank(b, at+l.start+lead, at+l.start+lead+n)
	}
}

// datelineHead is how much of a line datelineLength reads.
const datelineHead = 120

// isByline reports a line "By" followed by at most eight capitalised
// words (or "and", "&", commas).
func isByline(line string) bool {
	words := strings.Fields(line)
	if len(words) < 2 || len(words) > 9 || words[0] != "By" && words[0] != "BY" {
		return false
	}
	for _, w := range words[1:] {
		w = strings.TrimRight(w, ",")
		if w == "and" || w == "&" {
			continue
		}
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) {
			return false
		}
	}
	return !strings.HasSuffix(line, ".") || len(words[len(words)-1]) <= 3
}

// datelineLength is the length of a dateline opening line (through its
// dash and the space after it), or 0: at most ten words before " - "
// (or "--", en or em dash), all capitalised or in brackets, and either
// the part before any comma or bracket in capitals ("NEW YORK, March 3",
// "LONDON (Reuters)") or a comma and a digit ("Paris, June 5").
func datelineLength(line string) int {
	head := line
	if len(head) > datelineHead {
		head = head[:datelineHead]
	}
	sep, sepLen := -1, 0
	for _, d := range []string{" - ", " -- ", " – ", " — "} {
		if k := strings.Index(head, d); k > 0 && (sep < 0 || k < sep) {
			sep, sepLen = k, len(d)
		}
	}
	if sep < 0 {
		return 0
	}
	prefix := head[:sep]
	words := strings.Fields(prefix)
	if len(words) > 10 {
		return 0
	}
	inParen := false
	for _, w := range words {
		if strings.HasPrefix(w, "(") {
			inParen = true
		}
		r, _ := utf8.DecodeRuneInString(strings.TrimLeft(w, "("))
		if !inParen && !unicode.IsUpper(r) && !unicode.IsDigit(r) {
			return 0
		}
		if strings.HasSuffix(w, ")") {
			inParen = false
		}
	}
	place := prefix
	if k := strings.IndexAny(place, ",("); k >= 0 {
		place = place[:k]
	}
	if isCapsLine(place) || (strings.Contains(prefix, ",") && strings.ContainsAny(prefix, "0123456789")) {
		return sep + sepLen
	}
	return 0
}
