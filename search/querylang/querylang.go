package querylang

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrInvalidQuery is wrapped by every *QueryError, so callers (the HTTP
// layer) can map any malformed user query to 400 with errors.Is.
var ErrInvalidQuery = errors.New("invalid query")

// QueryError says what is wrong with a query and where: Pos is a 0-based
// byte offset into the query string, 0 <= Pos <= len(query).
type QueryError struct {
	Pos  int
	Msg  string
	Hint string // optional advice on how to fix it, printed after the position
}

// Error returns "MSG at POS", followed by "; HINT" when there is a hint.
func (e *QueryError) Error() string {
	s := e.Msg + " at " + strconv.Itoa(e.Pos)
	if e.Hint != "" {
		s += "; " + e.Hint
	}
	return s
}

// Unwrap makes errors.Is(err, ErrInvalidQuery) true.
func (e *QueryError) Unwrap() error { return ErrInvalidQuery }

func qerr(pos int, format string, args ...any) *QueryError {
	return &QueryError{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// Defaults for QueryOptions. They bound the work a hostile query can cause.
const (
	DefaultMaxQueryLength = 4096
	DefaultMaxClauses     = 1024
	DefaultMaxDepth       = 32
	// MaxProximity bounds the slop of "a b"~N so the proximity check stays cheap.
	MaxProximity = 100
)

// QueryOptions tunes ParseQuery. Zero fields take the defaults.
type QueryOptions struct {
	// DefaultOperator joins juxtaposed clauses: "and" (default) or "or".
	DefaultOperator string
	// MaxLength is the longest query accepted, in bytes (default 4096).
	MaxLength int
	// MaxClauses is the most terms (words, phrases, ranges) accepted (default 1024).
	MaxClauses int
	// MaxDepth is the deepest parenthesis nesting accepted (default 32).
	MaxDepth int
}

func (o QueryOptions) withDefaults() (QueryOptions, bool, error) {
	var or bool
	switch strings.ToLower(o.DefaultOperator) {
	case "", "and":
	case "or":
		or = true
	default:
		return o, false, fmt.Errorf("query options: unknown default operator %q, want \"and\" or \"or\"", o.DefaultOperator)
	}
	if o.MaxLength <= 0 {
		o.MaxLength = DefaultMaxQueryLength
	}
	if o.MaxClauses <= 0 {
		o.MaxClauses = DefaultMaxClauses
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	return o, or, nil
}

// Field scopes a query may name. Published only takes dates.
const (
	ScopeTitle     = "title"
	ScopeBody      = "body"
	ScopeSource    = "source"
	ScopePerson    = "person"
	ScopeOrg       = "org"
	ScopePlace     = "place"
	ScopePublished = "published"
)

// knownScope returns the canonical (lower-case) scope name.
func knownScope(name string) (string, bool) {
	switch s := strings.ToLower(name); s {
	case ScopeTitle, ScopeBody, ScopeSource, ScopePerson, ScopeOrg, ScopePlace, ScopePublished:
		return s, true
	}
	return "", false
}

// Node is a parsed query. String prints a canonical form that parses back
// to the same tree (whatever the default operator), so it is stable for
// golden tests and logs.
type Node interface {
	String() string
	node()
}

// FuzzyAuto is Term.Fuzziness for a bare "word~": the edit distance grows
// with the word's length (0 up to 2 letters, 1 up to 5, else 2).
const FuzzyAuto = -1

// MatchAll is the empty query: it matches every document.
type MatchAll struct{}

// Term is one word, optionally field-scoped, prefix (word*) or fuzzy
// (word~N), or an exact form (=word). A prefix matches the words as
// written (not their stems), so Prefix and Exact never go together.
type Term struct {
	Field     string // scope name ("title", "person", ...); "" means title and body
	Text      string // unescaped
	Prefix    bool
	Fuzziness int  // 0 exact, 1 or 2, or FuzzyAuto
	Exact     bool // =word: the word as written, case-insensitive, not stemmed
	Pos       int
}

// Phrase is a quoted phrase; Slop > 0 allows that many position moves
// ("a b"~N). Exact (="a b") matches its words as written. A word of the
// phrase ending in * is a prefix over the words as written
// ("immigra* policy").
type Phrase struct {
	Field string
	Text  string
	Slop  int
	Exact bool
	Pos   int
}

// DateRange is published:[From TO To]. From and To are "*" (open) or a date
// in one of the forms ParseQuery accepts; a bound at day (month, year)
// granularity covers the whole day (month, year).
type DateRange struct {
	Field         string // always "published" for parsed queries
	From, To      string
	FromInclusive bool
	ToInclusive   bool
	Pos           int
}

// And matches documents matching all clauses. Not clauses exclude.
type And struct{ Clauses []Node }

// Or matches documents matching at least one clause. As in Elasticsearch,
// a Not clause excludes documents from the whole group, and when any clause
// is a Must, only the Must clauses are required and the rest only add score.
type Or struct{ Clauses []Node }

// Not is NOT x or -x. Alone it matches every document except x's.
type Not struct{ Clause Node }

// Must is +x: x is required even inside an OR group.
type Must struct{ Clause Node }

func (MatchAll) node()   {}
func (*Term) node()      {}
func (*Phrase) node()    {}
func (*DateRange) node() {}
func (*And) node()       {}
func (*Or) node()        {}
func (*Not) node()       {}
func (*Must) node()      {}

func (MatchAll) String() string { return "" }

func (t *Term) String() string {
	var b strings.Builder
	if t.Field != "" {
		b.WriteString(t.Field)
		b.WriteByte(':')
	}
	if t.Exact {
		b.WriteByte('=')
	}
	writeEscapedWord(&b, t.Text)
	if t.Prefix {
		b.WriteByte('*')
	}
	switch {
	case t.Fuzziness == FuzzyAuto:
		b.WriteByte('~')
	case t.Fuzziness > 0:
		b.WriteByte('~')
		b.WriteString(strconv.Itoa(t.Fuzziness))
	}
	return b.String()
}

func (p *Phrase) String() string {
	var b strings.Builder
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteByte(':')
	}
	if p.Exact {
		b.WriteByte('=')
	}
	b.WriteByte('"')
	for _, r := range p.Text {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	if p.Slop > 0 {
		b.WriteByte('~')
		b.WriteString(strconv.Itoa(p.Slop))
	}
	return b.String()
}

func (r *DateRange) String() string {
	open, closing := "{", "}"
	if r.FromInclusive {
		open = "["
	}
	if r.ToInclusive {
		closing = "]"
	}
	return r.Field + ":" + open + r.From + " TO " + r.To + closing
}

func (a *And) String() string { return joinClauses(a.Clauses, " AND ") }
func (o *Or) String() string  { return joinClauses(o.Clauses, " OR ") }
func (n *Not) String() string { return "-" + unaryOperand(n.Clause) }
func (m *Must) String() string {
	return "+" + unaryOperand(m.Clause)
}

func joinClauses(cs []Node, sep string) string {
	var b strings.Builder
	for i, c := range cs {
		if i > 0 {
			b.WriteString(sep)
		}
		switch c.(type) {
		case *And, *Or:
			b.WriteString("(" + c.String() + ")")
		default:
			b.WriteString(c.String())
		}
	}
	return b.String()
}

// unaryOperand parenthesises anything that is not a leaf: "-(a OR b)", and
// "-(-a)" because "--a" is rejected as a stacked operator.
func unaryOperand(c Node) string {
	switch c.(type) {
	case *Term, *Phrase, *DateRange:
		return c.String()
	}
	return "(" + c.String() + ")"
}

// writeEscapedWord escapes whatever the lexer would otherwise read as syntax.
func writeEscapedWord(b *strings.Builder, s string) {
	if s == "AND" || s == "OR" || s == "NOT" {
		b.WriteByte('\\')
		b.WriteString(s)
		return
	}
	for i, r := range s {
		switch {
		case unicode.IsSpace(r), strings.ContainsRune(`()":\*~`, r):
			b.WriteByte('\\')
		case i == 0 && strings.ContainsRune("+-[{=", r):
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
}

// ---- lexer ----

type tokKind int

const (
	tokEOF tokKind = iota
	tokWord
	tokPhrase
	tokField
	tokRange
	tokLParen
	tokRParen
	tokAnd
	tokOr
	tokNot
	tokPlus
	tokMinus
	tokError // a lexing error; the parser reports it when it gets there
)

type token struct {
	kind      tokKind
	pos       int
	text      string // word/phrase text, field name
	prefix    bool
	fuzziness int
	slop      int
	exact     bool // =word, ="phrase"
	rng       *DateRange
	err       *QueryError
}

func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of query"
	case tokLParen:
		return `"("`
	case tokRParen:
		return `")"`
	case tokAnd:
		return "AND"
	case tokOr:
		return "OR"
	case tokNot:
		return "NOT"
	case tokPlus:
		return `"+"`
	case tokMinus:
		return `"-"`
	case tokField:
		return strconv.Quote(t.text + ":")
	}
	return "term"
}

type lexer struct {
	s    string
	i    int
	toks []token
	// terms counts words, phrases and ranges, for MaxClauses.
	terms     int
	firstOver int // position of the first term past the limit
	limit     int
}

func isDelim(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return r == ')' || unicode.IsSpace(r)
}

func (l *lexer) emit(t token) {
	if t.kind == tokWord || t.kind == tokPhrase || t.kind == tokRange {
		l.terms++
		if l.terms == l.limit+1 {
			l.firstOver = t.pos
		}
	}
	l.toks = append(l.toks, t)
}

// run lexes the whole input; a lexing error ends the token list with a
// tokError so that earlier syntax errors are still reported first.
func (l *lexer) run() {
	afterField := false
	for {
		// A field's value starts right after its colon: "title:" followed by
		// a space never gets here (lexWord rejects it).
		for !afterField && l.i < len(l.s) {
			r, n := utf8.DecodeRuneInString(l.s[l.i:])
			if !unicode.IsSpace(r) {
				break
			}
			l.i += n
		}
		if l.i >= len(l.s) {
			l.toks = append(l.toks, token{kind: tokEOF, pos: len(l.s)})
			return
		}
		if c := l.s[l.i]; afterField && (c == '[' || c == '{') {
			field := l.toks[len(l.toks)-1]
			if field.text != ScopePublished {
				l.fail(qerr(l.i, "range on %q", field.text+":"), "ranges are only supported on published:")
				return
			}
			t, err := l.lexRange(field.pos)
			if err != nil {
				l.fail(err, "")
				return
			}
			l.emit(t)
			afterField = false
			continue
		}
		t, err := l.next()
		if err != nil {
			l.fail(err, "")
			return
		}
		l.emit(t)
		afterField = t.kind == tokField
	}
}

func (l *lexer) fail(err *QueryError, hint string) {
	if hint != "" {
		err.Hint = hint
	}
	l.toks = append(l.toks, token{kind: tokError, pos: err.Pos, err: err})
}

// next lexes one token at a non-space position.
func (l *lexer) next() (token, *QueryError) {
	start := l.i
	switch c := l.s[start]; c {
	case '(':
		l.i++
		return token{kind: tokLParen, pos: start}, nil
	case ')':
		l.i++
		return token{kind: tokRParen, pos: start}, nil
	case '"':
		return l.lexPhrase()
	case '=':
		return l.lexExact()
	case '+', '-':
		if isDelim(l.s, start+1) {
			return token{}, qerr(start, "missing term after %q", string(c))
		}
		l.i++
		if c == '+' {
			return token{kind: tokPlus, pos: start}, nil
		}
		return token{kind: tokMinus, pos: start}, nil
	case '*':
		return token{}, qerr(start, "leading wildcard is not supported")
	case '~':
		return token{}, qerr(start, `missing word before "~"`)
	case ':':
		if !isDelim(l.s, start+1) {
			return token{}, qerr(start, `missing field name before ":"`)
		}
	}
	return l.lexWord()
}

func (l *lexer) lexPhrase() (token, *QueryError) {
	start := l.i
	var b strings.Builder
	i := start + 1
	closed := false
	for i < len(l.s) {
		c := l.s[i]
		if c == '\\' {
			if i+1 >= len(l.s) {
				return token{}, qerr(i, "nothing to escape after \\")
			}
			_, n := utf8.DecodeRuneInString(l.s[i+1:])
			b.WriteString(l.s[i+1 : i+1+n])
			i += 1 + n
			continue
		}
		if c == '"' {
			closed = true
			i++
			break
		}
		b.WriteByte(c)
		i++
	}
	if !closed {
		return token{}, qerr(start, "unclosed quote")
	}
	text := b.String()
	if strings.TrimSpace(text) == "" {
		return token{}, qerr(start, "empty phrase")
	}
	for _, m := range prefixWordRE.FindAllStringIndex(text, -1) {
		if utf8.RuneCountInString(text[m[0]:m[1]-1]) < 2 {
			e := qerr(min(start+1+m[0], len(l.s)), "prefix %q is too short", text[m[0]:m[1]])
			e.Hint = "use at least 2 characters before *"
			return token{}, e
		}
	}
	slop := 0
	if i < len(l.s) && l.s[i] == '~' {
		tilde := i
		i++
		j := i
		for j < len(l.s) && l.s[j] >= '0' && l.s[j] <= '9' {
			j++
		}
		if j == i {
			e := qerr(tilde, `missing number after "~"`)
			e.Hint = `write "a b"~3 for words at most 3 positions apart`
			return token{}, e
		}
		if j-i > 3 {
			return token{}, qerr(i, "proximity %s is too large; the limit is %d", l.s[i:j], MaxProximity)
		}
		slop, _ = strconv.Atoi(l.s[i:j])
		if slop > MaxProximity {
			return token{}, qerr(i, "proximity %d is too large; the limit is %d", slop, MaxProximity)
		}
		i = j
	}
	if !isDelim(l.s, i) {
		r, _ := utf8.DecodeRuneInString(l.s[i:])
		return token{}, qerr(i, "unexpected %q after phrase", string(r))
	}
	l.i = i
	return token{kind: tokPhrase, pos: start, text: text, slop: slop}, nil
}

// lexExact reads =word or ="phrase": a word or phrase as written.
func (l *lexer) lexExact() (token, *QueryError) {
	start := l.i
	hint := `write =word or ="a phrase", with nothing between = and the word`
	if isDelim(l.s, start+1) {
		e := qerr(start, `missing word after "="`)
		e.Hint = hint
		return token{}, e
	}
	switch l.s[start+1] {
	case '=', '+', '-', '(':
		e := qerr(start+1, "unexpected %q after \"=\"", l.s[start+1:start+2])
		e.Hint = hint
		return token{}, e
	case '"':
		l.i = start + 1
		t, err := l.lexPhrase()
		if err != nil {
			return t, err
		}
		t.pos, t.exact = start, true
		return t, nil
	}
	l.i = start + 1
	t, err := l.lexWord()
	if err != nil {
		return t, err
	}
	switch {
	case t.kind == tokField:
		e := qerr(start, "= before the field %q", t.text+":")
		e.Hint = "put = after the colon: " + t.text + ":=word"
		return token{}, e
	case t.kind != tokWord:
		e := qerr(start+1, "operator %s cannot be an exact word", t.describe())
		e.Hint = `escape it: =\` + t.describe()
		return token{}, e
	case t.fuzziness != 0:
		e := qerr(start, "an exact word cannot be fuzzy")
		e.Hint = "remove the = or the ~"
		return token{}, e
	}
	// A prefix already matches the words as written: =immigra* is immigra*.
	t.pos, t.exact = start, !t.prefix
	return t, nil
}

// lexWord reads a word with its escapes and its *, ~N or field: suffix.
func (l *lexer) lexWord() (token, *QueryError) {
	start := l.i
	var b strings.Builder
	escaped := false
	i := start
	for i < len(l.s) {
		r, n := utf8.DecodeRuneInString(l.s[i:])
		if unicode.IsSpace(r) || r == '(' || r == ')' || r == '"' {
			break
		}
		switch r {
		case '\\':
			if i+1 >= len(l.s) {
				return token{}, qerr(i, "nothing to escape after \\")
			}
			_, m := utf8.DecodeRuneInString(l.s[i+1:])
			b.WriteString(l.s[i+1 : i+1+m])
			escaped = true
			i += 1 + m
			continue
		case '*':
			if b.Len() == 0 {
				return token{}, qerr(i, "leading wildcard is not supported")
			}
			if !isDelim(l.s, i+1) {
				return token{}, qerr(i, "wildcard * is only allowed at the end of a word")
			}
			text := b.String()
			if utf8.RuneCountInString(text) < 2 {
				e := qerr(start, "prefix %q is too short", text+"*")
				e.Hint = "use at least 2 characters before *"
				return token{}, e
			}
			l.i = i + 1
			return token{kind: tokWord, pos: start, text: text, prefix: true}, nil
		case '~':
			if b.Len() == 0 {
				return token{}, qerr(i, `missing word before "~"`)
			}
			tilde := i
			j := i + 1
			for j < len(l.s) && l.s[j] >= '0' && l.s[j] <= '9' {
				j++
			}
			fz := FuzzyAuto
			if j > i+1 {
				d, err := strconv.Atoi(l.s[i+1 : j])
				if err != nil || d < 1 || d > 2 {
					e := qerr(tilde, "fuzziness %s is not supported", l.s[i+1:j])
					e.Hint = "use word~1 or word~2 (at most 2 edits)"
					return token{}, e
				}
				fz = d
			}
			if !isDelim(l.s, j) {
				r2, _ := utf8.DecodeRuneInString(l.s[j:])
				return token{}, qerr(j, "unexpected %q after %q", string(r2), l.s[tilde:j])
			}
			l.i = j
			return token{kind: tokWord, pos: start, text: b.String(), fuzziness: fz}, nil
		case ':':
			if isDelim(l.s, i+1) {
				// A colon ending a word ("COVID-19: vaccine") is punctuation,
				// except after a field name, where a term was clearly meant.
				if scope, ok := knownScope(b.String()); ok && !escaped {
					e := qerr(start, "missing term after %q", scope+":")
					e.Hint = "remove the space after the colon"
					return token{}, e
				}
				b.WriteByte(':')
				i++
				continue
			}
			name := b.String()
			if name == "" {
				return token{}, qerr(i, `missing field name before ":"`)
			}
			scope, ok := knownScope(name)
			if !ok || escaped {
				e := qerr(start, "unknown field %q", name)
				e.Hint = "quote it or remove the colon"
				return token{}, e
			}
			l.i = i + 1
			return token{kind: tokField, pos: start, text: scope}, nil
		}
		b.WriteRune(r)
		i += n
	}
	l.i = i
	text := b.String()
	if !escaped {
		switch text {
		case "AND":
			return token{kind: tokAnd, pos: start}, nil
		case "OR":
			return token{kind: tokOr, pos: start}, nil
		case "NOT":
			return token{kind: tokNot, pos: start}, nil
		}
	}
	return token{kind: tokWord, pos: start, text: text}, nil
}

// lexRange reads [from TO to] with [] inclusive and {} exclusive ends.
func (l *lexer) lexRange(fieldPos int) (token, *QueryError) {
	start := l.i
	s := l.s
	i := start + 1
	skip := func() {
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			if !unicode.IsSpace(r) {
				return
			}
			i += n
		}
	}
	word := func() (string, int) {
		p := i
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			if unicode.IsSpace(r) || r == ']' || r == '}' {
				break
			}
			i += n
		}
		return s[p:i], p
	}
	unclosed := func() (token, *QueryError) {
		e := qerr(start, "unclosed range")
		e.Hint = "write published:[2019-01-01 TO 2019-12-31]"
		return token{}, e
	}
	skip()
	from, fromPos := word()
	if i >= len(s) {
		return unclosed()
	}
	if from == "" {
		return token{}, qerr(i, "missing start date in range")
	}
	skip()
	kw, kwPos := word()
	if kw != "TO" {
		if kw == "" && i >= len(s) {
			return unclosed()
		}
		return token{}, qerr(kwPos, `expected "TO" in range`)
	}
	skip()
	to, toPos := word()
	if i >= len(s) {
		return unclosed()
	}
	if to == "" {
		return token{}, qerr(i, "missing end date in range")
	}
	skip()
	if i >= len(s) {
		return unclosed()
	}
	if s[i] != ']' && s[i] != '}' {
		return token{}, qerr(i, "expected ] or } to close the range")
	}
	r := &DateRange{
		Field: ScopePublished, From: from, To: to,
		FromInclusive: s[start] == '[', ToInclusive: s[i] == ']',
		Pos: fieldPos,
	}
	i++
	if !isDelim(s, i) {
		c, _ := utf8.DecodeRuneInString(s[i:])
		return token{}, qerr(i, "unexpected %q after range", string(c))
	}
	if err := checkRange(r, fromPos, toPos); err != nil {
		return token{}, err
	}
	l.i = i
	return token{kind: tokRange, pos: fieldPos, rng: r}, nil
}

func checkRange(r *DateRange, fromPos, toPos int) *QueryError {
	var lo, hi time.Time
	var err error
	if r.From != "*" {
		if lo, _, err = parseQueryDate(r.From); err != nil {
			return badDate(fromPos, r.From)
		}
	}
	if r.To != "*" {
		if hi, _, err = parseQueryDate(r.To); err != nil {
			return badDate(toPos, r.To)
		}
	}
	if r.From != "*" && r.To != "*" && lo.After(hi) {
		return qerr(fromPos, "range start %s is after its end %s", r.From, r.To)
	}
	return nil
}

func badDate(pos int, s string) *QueryError {
	e := qerr(pos, "invalid date %q", s)
	e.Hint = "use YYYY, YYYY-MM, YYYY-MM-DD or RFC 3339 (2019-06-01T12:00:00Z)"
	return e
}

// dateUnit is how much time a date written in the query covers.
type dateUnit int

const (
	unitInstant dateUnit = iota
	unitDay
	unitMonth
	unitYear
)

// parseQueryDate parses the date forms the language accepts. Dates without
// a zone are UTC.
func parseQueryDate(s string) (time.Time, dateUnit, error) {
	layouts := []struct {
		layout string
		unit   dateUnit
	}{
		{"2006", unitYear},
		{"2006-01", unitMonth},
		{"2006-01-02", unitDay},
		{time.RFC3339Nano, unitInstant},
		{"2006-01-02T15:04:05", unitInstant},
	}
	for _, l := range layouts {
		t, err := time.Parse(l.layout, s)
		if err == nil {
			if t.Year() < 1678 || t.Year() > 2261 {
				// Bleve stores dates as int64 nanoseconds.
				return time.Time{}, 0, fmt.Errorf("date %q out of range", s)
			}
			return t.UTC(), l.unit, nil
		}
	}
	return time.Time{}, 0, fmt.Errorf("invalid date %q", s)
}

func addUnit(t time.Time, u dateUnit) time.Time {
	switch u {
	case unitDay:
		return t.AddDate(0, 0, 1)
	case unitMonth:
		return t.AddDate(0, 1, 0)
	case unitYear:
		return t.AddDate(1, 0, 0)
	}
	return t
}

// ---- parser ----

type parser struct {
	toks     []token
	i        int
	or       bool
	maxDepth int
	open     []int // positions of the open parentheses, innermost last
}

// ParseQuery parses a user query:
//
//	climate deal            all words (or any, with DefaultOperator "or")
//	"kim jong un"  "a b"~3  phrase; words within 3 position moves
//	a AND b, a OR b, NOT a, -a, +a, ( )   precedence NOT > AND > OR
//	title: body: source: person: org: place:   scope a word, phrase or (group)
//	elect*  climte~  climte~1  prefix (2+ chars), fuzzy (auto, 1 or 2 edits)
//	published:[2019-01 TO 2019-12-31}  published:{2019 TO *]  published:2019
//	\ escapes the next character: COVID-19\:vaccine, \AND
//
// A colon ending a word ("COVID-19: vaccine") is text; an unknown field
// before a term ("COVID-19:vaccine") is an error, never a silent field
// query. An empty or all-space query is MatchAll.
// Malformed queries and queries over the limits return a *QueryError
// (errors.Is(err, ErrInvalidQuery)); an unknown DefaultOperator returns a
// plain error, since that is the caller's mistake, not the user's.
func ParseQuery(s string, opts QueryOptions) (Node, error) {
	opts, or, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if len(s) > opts.MaxLength {
		return nil, qerr(opts.MaxLength, "query is %d bytes long; the limit is %d", len(s), opts.MaxLength)
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			return nil, qerr(i, "invalid UTF-8")
		case r == 0:
			return nil, qerr(i, "NUL byte")
		case unicode.IsControl(r) && !unicode.IsSpace(r):
			return nil, qerr(i, "control character %U", r)
		}
		i += n
	}
	if strings.TrimFunc(s, unicode.IsSpace) == "" {
		return MatchAll{}, nil
	}
	lx := &lexer{s: s, limit: opts.MaxClauses}
	lx.run()
	if lx.terms > opts.MaxClauses {
		return nil, qerr(lx.firstOver, "query has %d terms; the limit is %d", lx.terms, opts.MaxClauses)
	}
	p := &parser{toks: lx.toks, or: or, maxDepth: opts.MaxDepth}
	n, qe := p.parseOr("")
	if qe != nil {
		return nil, qe
	}
	switch t := p.peek(); t.kind {
	case tokEOF:
		return n, nil
	case tokError:
		return nil, t.err
	default:
		return nil, qerr(t.pos, "unexpected %s", t.describe())
	}
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) advance() token {
	t := p.toks[p.i]
	if t.kind != tokEOF && t.kind != tokError {
		p.i++
	}
	return t
}

func startsOperand(k tokKind) bool {
	switch k {
	case tokWord, tokPhrase, tokField, tokLParen, tokNot, tokPlus, tokMinus:
		return true
	}
	return false
}

// parseOr: and ( (OR | juxtaposition when the default is OR) and )*
func (p *parser) parseOr(field string) (Node, *QueryError) {
	first, err := p.parseAnd(field)
	if err != nil {
		return nil, err
	}
	clauses := []Node{first}
	for {
		t := p.peek()
		if t.kind == tokOr {
			p.advance()
			if err := p.needOperand(t); err != nil {
				return nil, err
			}
		} else if !(p.or && startsOperand(t.kind)) {
			break
		}
		c, err := p.parseAnd(field)
		if err != nil {
			return nil, err
		}
		clauses = append(clauses, c)
	}
	return mkOr(clauses), nil
}

// parseAnd: unary ( (AND | juxtaposition when the default is AND) unary )*
func (p *parser) parseAnd(field string) (Node, *QueryError) {
	first, err := p.parseUnary(field)
	if err != nil {
		return nil, err
	}
	clauses := []Node{first}
	for {
		t := p.peek()
		if t.kind == tokAnd {
			p.advance()
			if err := p.needOperand(t); err != nil {
				return nil, err
			}
		} else if p.or || !startsOperand(t.kind) {
			break
		}
		c, err := p.parseUnary(field)
		if err != nil {
			return nil, err
		}
		clauses = append(clauses, c)
	}
	return mkAnd(clauses), nil
}

// needOperand checks that a term follows the binary operator op.
func (p *parser) needOperand(op token) *QueryError {
	t := p.peek()
	if t.kind == tokError {
		return t.err
	}
	if !startsOperand(t.kind) {
		return qerr(op.pos, "missing term after %s", op.describe())
	}
	return nil
}

func (p *parser) parseUnary(field string) (Node, *QueryError) {
	t := p.peek()
	if t.kind != tokNot && t.kind != tokPlus && t.kind != tokMinus {
		return p.parsePrimary(field)
	}
	p.advance()
	nt := p.peek()
	switch nt.kind {
	case tokNot, tokPlus, tokMinus:
		return nil, qerr(nt.pos, "operator %s cannot follow %s", nt.describe(), t.describe())
	case tokError:
		return nil, nt.err
	}
	if !startsOperand(nt.kind) {
		return nil, qerr(t.pos, "missing term after %s", t.describe())
	}
	c, err := p.parsePrimary(field)
	if err != nil {
		return nil, err
	}
	if t.kind == tokPlus {
		return &Must{Clause: c}, nil
	}
	return &Not{Clause: c}, nil
}

func (p *parser) parsePrimary(field string) (Node, *QueryError) {
	t := p.advance()
	switch t.kind {
	case tokError:
		return nil, t.err
	case tokLParen:
		return p.parseGroup(t, field)
	case tokField:
		if field != "" {
			return nil, qerr(t.pos, "field %q inside %q", t.text+":", field+":")
		}
		return p.parseScoped(t)
	case tokWord:
		return &Term{Field: field, Text: t.text, Prefix: t.prefix, Fuzziness: t.fuzziness, Exact: t.exact, Pos: t.pos}, nil
	case tokPhrase:
		return &Phrase{Field: field, Text: t.text, Slop: t.slop, Exact: t.exact, Pos: t.pos}, nil
	case tokRParen:
		return nil, qerr(t.pos, `unexpected ")"`)
	case tokAnd, tokOr:
		return nil, qerr(t.pos, "missing term before %s", t.describe())
	case tokEOF:
		if n := len(p.open); n > 0 {
			return nil, qerr(p.open[n-1], "unclosed parenthesis")
		}
		return nil, qerr(t.pos, "unexpected end of query")
	}
	return nil, qerr(t.pos, "unexpected %s", t.describe())
}

func (p *parser) parseGroup(lp token, field string) (Node, *QueryError) {
	if len(p.open) >= p.maxDepth {
		return nil, qerr(lp.pos, "parentheses nest %d deep; the limit is %d", len(p.open)+1, p.maxDepth)
	}
	p.open = append(p.open, lp.pos)
	if p.peek().kind == tokRParen {
		return nil, qerr(lp.pos, "empty parentheses")
	}
	n, err := p.parseOr(field)
	if err != nil {
		return nil, err
	}
	switch t := p.advance(); t.kind {
	case tokRParen:
	case tokError:
		return nil, t.err
	case tokEOF:
		return nil, qerr(lp.pos, "unclosed parenthesis")
	default:
		return nil, qerr(t.pos, "unexpected %s", t.describe())
	}
	p.open = p.open[:len(p.open)-1]
	return n, nil
}

// parseScoped parses what follows "field:": a word, a phrase, a group or,
// for published:, a date range or a single date.
func (p *parser) parseScoped(f token) (Node, *QueryError) {
	t := p.peek()
	if t.kind == tokError {
		return nil, t.err
	}
	if f.text == ScopePublished {
		p.advance()
		switch {
		case t.kind == tokRange:
			return t.rng, nil
		case t.kind == tokWord && !t.prefix && t.fuzziness == 0 && !t.exact:
			r := &DateRange{Field: ScopePublished, From: t.text, To: t.text, FromInclusive: true, ToInclusive: true, Pos: f.pos}
			if _, _, err := parseQueryDate(t.text); err != nil {
				return nil, badDate(t.pos, t.text)
			}
			return r, nil
		}
		e := qerr(t.pos, "published: needs a date or a date range")
		e.Hint = "write published:2019-06 or published:[2019-01-01 TO 2019-12-31]"
		return nil, e
	}
	switch t.kind {
	case tokWord, tokPhrase, tokLParen:
		return p.parsePrimary(f.text)
	case tokEOF, tokRParen, tokAnd, tokOr:
		return nil, qerr(f.pos, "missing term after %q", f.text+":")
	case tokField:
		return nil, qerr(t.pos, "field %q inside %q", t.text+":", f.text+":")
	}
	e := qerr(t.pos, "unexpected %s after %q", t.describe(), f.text+":")
	if t.kind == tokMinus || t.kind == tokPlus || t.kind == tokNot {
		e.Hint = fmt.Sprintf("put the operator before the field: -%s:word", f.text)
	}
	return nil, e
}

// mkAnd flattens nested ANDs: (a AND (b AND -c)) == a AND b AND -c.
func mkAnd(cs []Node) Node {
	if len(cs) == 1 {
		return cs[0]
	}
	out := make([]Node, 0, len(cs))
	for _, c := range cs {
		if a, ok := c.(*And); ok {
			out = append(out, a.Clauses...)
			continue
		}
		out = append(out, c)
	}
	return &And{Clauses: out}
}

// mkOr flattens nested ORs unless the inner one has NOT or + clauses, which
// apply to their own group only.
func mkOr(cs []Node) Node {
	if len(cs) == 1 {
		return cs[0]
	}
	out := make([]Node, 0, len(cs))
	for _, c := range cs {
		if o, ok := c.(*Or); ok && !hasModifiers(o.Clauses) {
			out = append(out, o.Clauses...)
			continue
		}
		out = append(out, c)
	}
	return &Or{Clauses: out}
}

func hasModifiers(cs []Node) bool {
	for _, c := range cs {
		switch c.(type) {
		case *Not, *Must:
			return true
		}
	}
	return false
}

// Terms returns the positive words of the query (words, prefixes with
// their *, exact forms with a leading =, and the words of phrases), in
// query order without duplicates, trimmed of surrounding punctuation, for
// highlighting: the snippet matcher marks every word starting with a
// prefix, and exact forms only as written. Words under a NOT are left out.
func Terms(n Node) []string { return terms(n, true) }

// WordTerms is Terms without the words of phrases, for a concordance that
// shows each phrase as a whole (Phrases).
func WordTerms(n Node) []string { return terms(n, false) }

// Phrases returns the positive phrases of the query, in query order.
func Phrases(n Node) []*Phrase {
	var out []*Phrase
	walkPositive(n, func(n Node) {
		if p, ok := n.(*Phrase); ok {
			out = append(out, p)
		}
	})
	return out
}

// walkPositive calls visit on every clause of the query that is not under
// a NOT, descending through AND, OR and +.
func walkPositive(n Node, visit func(Node)) {
	switch n := n.(type) {
	case *And:
		for _, c := range n.Clauses {
			walkPositive(c, visit)
		}
	case *Or:
		for _, c := range n.Clauses {
			walkPositive(c, visit)
		}
	case *Must:
		walkPositive(n.Clause, visit)
	default:
		visit(n)
	}
}

func terms(n Node, phrases bool) []string {
	var out []string
	seen := map[string]bool{}
	add := func(w string, prefix, exact bool) {
		w = strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if w == "" {
			return
		}
		switch {
		case prefix:
			w += "*"
		case exact:
			w = "=" + w
		}
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	walkPositive(n, func(n Node) {
		switch n := n.(type) {
		case *Term:
			words := strings.Fields(n.Text)
			for i, w := range words {
				add(w, n.Prefix && i == len(words)-1, n.Exact)
			}
		case *Phrase:
			if !phrases {
				return
			}
			for _, w := range strings.Fields(n.Text) {
				add(w, strings.HasSuffix(w, "*") && len(strings.TrimRight(w, "*")) > 0, n.Exact)
			}
		}
	})
	return out
}
