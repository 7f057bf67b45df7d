package entity

import (
	"errors"
	"strings"
	"testing"

	"newsdex/indexer"
)

func TestKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Texaco Inc", "texaco"},
		{"TEXACO", "texaco"},
		{"Texaco's", "texaco"},
		{"<National Amusements Inc>", "national amusements"},
		{"The World Bank", "world bank"},
		{"U.K.", "uk"},
		{"Kim Jong-un", "kim jong un"},
		{"Goldman Sachs & Co", "goldman sachs"},
		{"Royal Dutch/Shell Group", "royal dutch/shell group"},
		{"Inc", "inc"}, // a suffix alone stays, and is junk
	}
	for _, tt := range tests {
		if got, _ := Key(tt.in); got != tt.want {
			t.Errorf("Key(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// stored builds stored names from (type, value, docs) triples.
func stored(specs ...any) []Name {
	var out []Name
	for i := 0; i+2 < len(specs); i += 3 {
		out = append(out, Name{Type: specs[i].(string), Value: specs[i+1].(string), Docs: specs[i+2].(int)})
	}
	return out
}

// entityOf returns the display name and type of the entity holding a
// stored value, and whether it is blocked.
func entityOf(t *testing.T, tab *Table, typ, value string) (string, string, bool) {
	t.Helper()
	i, ok := tab.Lookup(typ, value)
	if !ok {
		t.Fatalf("no entity for %s %q", typ, value)
	}
	e := tab.Entities[i]
	return e.Name, e.Type, e.Blocked
}

func TestResolve(t *testing.T) {
	names := stored(
		Org, "Fed", 172, Org, "FED", 171, Org, "Federal Reserve", 222, Org, "Federal Reserve Board", 143,
		Place, "U.K.", 520, Place, "Britain", 371, Place, "United Kingdom", 40,
		Org, "IBM", 90, Org, "International Business Machines Corp", 30,
		Org, "Texaco", 60, Org, "Texaco Inc", 50, Person, "Texaco", 3,
		Org, "SEC", 300, Org, "Securities and Exchange Commission", 400,
		Person, "Reagan", 500, Person, "Ronald Reagan", 24, Person, "Nancy Reagan", 1,
		Person, "Baker", 26, Person, "James Baker", 216, Person, "Howard Baker", 29,
		Org, "Opec", 120, Org, "OPEC", 30,
		Org, "ITC", 20, Org, "International Trade Commission", 25, Place, "UAE", 30, Place, "United Arab Emirates", 40,
		Place, "Calif", 80, Place, "California", 240, Place, "N.J.", 30, Place, "New Jersey", 100,
		Place, "CO", 40, Org, "Ltd", 96, Org, "S", 30,
		Person, "Company", 25, Org, "Bank", 172,
		Place, "West Germany", 447, Place, "West German", 272, Person, "Kuwaiti", 44, Place, "Kuwait", 200,
		Person, "Chrysler", 38, Org, "Chrysler Corp", 88,
		Org, "Moody", 200, Org, "Moody's Investors Service Inc", 136,
		Person, "Nigel Lawson", 48, Org, "Exchequer Nigel Lawson", 47,
		Org, "Commission", 124, Org, "EC Commission", 65, Org, "Federal Trade Commission", 40, Org, "International Trade Commission", 30,
		Person, "Willy de Clercq", 20, Person, "de Clercq", 5, Org, "House", 200, Org, "House Agriculture Committee", 30,
		Org, "White House", 150, Org, "House Ways and Means Committee", 20,
		Org, "European Community", 246, Person, "Community", 20, Org, "Community", 8,
	)
	var ev Evidence
	ev.Add("lc:company", 20)
	ev.Add("lc:bank", 150)
	ev.Add("lc:reagan", 0)
	ev.Add("ab:moody=moody's investors service", 60)
	ev.Add("ab:commission=ec commission", 60)
	ev.Add("ab:commission=federal trade commission", 40)
	ev.Add("ab:commission=international trade commission", 30)
	ev.Add("ab:community=european community", 25)
	ev.Add("sn:lawson=nigel lawson", 3)
	ev.Add("ab:house=house agriculture committee", 10)
	ev.Add("ab:house=white house", 20)
	ev.Add("ab:house=house ways and means committee", 10)
	tab := Resolve(names, ev, nil, nil)

	same := [][2]string{ // stored values (type:value) that must be one entity
		{"org:Fed", "org:Federal Reserve Board"}, {"org:FED", "org:Federal Reserve"},
		{"place:U.K.", "place:Britain"}, {"place:United Kingdom", "place:Britain"},
		{"org:IBM", "org:International Business Machines Corp"},
		{"org:Texaco", "org:Texaco Inc"}, {"person:Texaco", "org:Texaco"},
		{"org:SEC", "org:Securities and Exchange Commission"},
		{"person:Reagan", "person:Ronald Reagan"},
		{"org:Opec", "org:OPEC"},
		{"org:ITC", "org:International Trade Commission"}, {"place:UAE", "place:United Arab Emirates"},
		{"place:Calif", "place:California"}, {"place:N.J.", "place:New Jersey"},
		{"person:Chrysler", "org:Chrysler Corp"},
		{"org:Moody", "org:Moody's Investors Service Inc"},
		{"org:Exchequer Nigel Lawson", "person:Nigel Lawson"},
		{"person:Community", "org:European Community"}, {"org:Community", "org:European Community"},
	}
	apart := [][2]string{
		{"person:Baker", "person:James Baker"}, {"person:Baker", "person:Howard Baker"},
		{"place:CO", "place:California"},
	}
	of := func(ref string) string {
		typ, value, _ := strings.Cut(ref, ":")
		name, _, _ := entityOf(t, tab, typ, value)
		return name
	}
	for _, p := range same {
		a, b := of(p[0]), of(p[1])
		if a != b {
			t.Errorf("%s is %q but %s is %q: want one entity", p[0], a, p[1], b)
		}
	}
	for _, p := range apart {
		if a, b := of(p[0]), of(p[1]); a == b {
			t.Errorf("%s and %s are both %q: want them apart", p[0], p[1], a)
		}
	}
	display := []struct{ typ, value, name, etype string }{
		{Org, "Opec", "OPEC", Org},
		{Org, "Fed", "Federal Reserve", Org},
		{Org, "SEC", "Securities and Exchange Commission", Org},
		{Person, "Reagan", "Ronald Reagan", Person},
		{Person, "Chrysler", "Chrysler Corp", Org},
		{Place, "U.K.", "United Kingdom", Place},
		{Org, "Moody", "Moody's Investors Service Inc", Org},
		{Org, "Exchequer Nigel Lawson", "Nigel Lawson", Person},
		{Person, "Willy de Clercq", "Willy de Clercq", Person},
		{Org, "ITC", "International Trade Commission", Org},
	}
	for _, d := range display {
		name, typ, _ := entityOf(t, tab, d.typ, d.value)
		if name != d.name || typ != d.etype {
			t.Errorf("%s %q shows as %s %q, want %s %q", d.typ, d.value, typ, name, d.etype, d.name)
		}
	}
	blocked := [][2]string{{Org, "Ltd"}, {Org, "S"}, {Person, "Company"}, {Org, "Bank"},
		{Place, "West German"}, {Person, "Kuwaiti"}, {Org, "Commission"}}
	for _, b := range blocked {
		if name, _, isBlocked := entityOf(t, tab, b[0], b[1]); !isBlocked {
			t.Errorf("%s %q (entity %q) is not blocked", b[0], b[1], name)
		}
	}
	for _, b := range [][2]string{{Org, "House"}, {Person, "Ronald Reagan"}, {Place, "Kuwait"}, {Place, "West Germany"}, {Org, "OPEC"}} {
		if name, _, isBlocked := entityOf(t, tab, b[0], b[1]); isBlocked {
			t.Errorf("%s %q (entity %q) is blocked", b[0], b[1], name)
		}
	}
}

func TestCorrections(t *testing.T) {
	names := stored(Org, "Fed", 172, Org, "Federal Reserve", 222, Org, "Opec", 120,
		Person, "Chrysler", 38, Person, "Reuter", 4640, Org, "Bundesbank", 160, Org, "Buba", 5)
	resolve := func(c *Corrections) *Table {
		a, err := c.Aliases()
		if err != nil {
			t.Fatal(err)
		}
		return Resolve(names, Evidence{}, nil, a)
	}
	c := &Corrections{}
	tab := resolve(c)
	steps := []struct {
		name    string
		do      func(*Table) (string, error)
		wantErr error
		check   func(*Table) bool
	}{
		{"rename", func(t *Table) (string, error) { return c.Rename(t, Org, "Opec", "OPEC") }, nil,
			func(t *Table) bool { n, _, _ := entityOfQuiet(t, Org, "Opec"); return n == "OPEC" }},
		{"retype", func(t *Table) (string, error) { return c.Retype(t, Person, "Chrysler", Org) }, nil,
			func(t *Table) bool { _, typ, _ := entityOfQuiet(t, Person, "Chrysler"); return typ == Org }},
		{"block", func(t *Table) (string, error) { return c.Block(t, Person, "Reuter") }, nil,
			func(t *Table) bool { _, _, b := entityOfQuiet(t, Person, "Reuter"); return b }},
		{"unblock", func(t *Table) (string, error) { return c.Unblock(t, Person, "Reuter") }, nil,
			func(t *Table) bool { _, _, b := entityOfQuiet(t, Person, "Reuter"); return !b }},
		{"split an auto merge", func(t *Table) (string, error) { return c.Split(t, Org, "Fed") }, nil,
			func(t *Table) bool {
				a, _, _ := entityOfQuiet(t, Org, "Fed")
				b, _, _ := entityOfQuiet(t, Org, "Federal Reserve")
				return a != b
			}},
		{"merge back", func(t *Table) (string, error) { return c.Merge(t, Org, []string{"Fed"}, "Federal Reserve") }, nil,
			func(t *Table) bool { a, _, _ := entityOfQuiet(t, Org, "Fed"); return a == "Federal Reserve" }},
		{"merge chain: Buba into Bundesbank", func(t *Table) (string, error) { return c.Merge(t, Org, []string{"Buba"}, "Bundesbank") }, nil,
			func(t *Table) bool { a, _, _ := entityOfQuiet(t, Org, "Buba"); return a == "Bundesbank" }},
		{"merge chain: Bundesbank into a new name", func(t *Table) (string, error) {
			return c.Merge(t, Org, []string{"Bundesbank"}, "Deutsche Bundesbank")
		}, nil, func(t *Table) bool {
			a, _, _ := entityOfQuiet(t, Org, "Buba")
			b, _, _ := entityOfQuiet(t, Org, "Bundesbank")
			return a == "Deutsche Bundesbank" && b == a
		}},
		{"merge into itself", func(t *Table) (string, error) { return c.Merge(t, Org, []string{"Fed"}, "Federal Reserve") }, ErrInvalid, nil},
		{"unknown name", func(t *Table) (string, error) { return c.Block(t, Org, "No Such Body") }, ErrNotFound, nil},
		{"wrong type", func(t *Table) (string, error) { return c.Block(t, "company", "Fed") }, ErrInvalid, nil},
		{"retype to a bad type", func(t *Table) (string, error) { return c.Retype(t, Org, "Fed", "thing") }, ErrInvalid, nil},
		{"retype to the same type", func(t *Table) (string, error) { return c.Retype(t, Org, "Fed", Org) }, ErrInvalid, nil},
		{"rename onto another entity", func(t *Table) (string, error) { return c.Rename(t, Org, "OPEC", "Federal Reserve") }, ErrInvalid, nil},
		{"split a lone name", func(t *Table) (string, error) { return c.Split(t, Person, "Reuter") }, ErrInvalid, nil},
		{"empty merge", func(t *Table) (string, error) { return c.Merge(t, Org, nil, "X") }, ErrInvalid, nil},
	}
	for _, st := range steps {
		_, err := st.do(tab)
		if st.wantErr != nil {
			if !errors.Is(err, st.wantErr) {
				t.Errorf("%s: err = %v, want %v", st.name, err, st.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		// Round-trip the corrections as they are stored.
		b, err := c.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if c, err = ParseCorrections(b); err != nil {
			t.Fatalf("%s: corrections do not parse back: %v\n%s", st.name, err, b)
		}
		tab = resolve(c)
		if !st.check(tab) {
			t.Errorf("%s: not in effect; corrections:\n%s", st.name, b)
		}
	}
	// The export is an alias table the index accepts back, with the same
	// entities.
	out, err := Export(tab)
	if err != nil {
		t.Fatal(err)
	}
	back, err := indexer.ParseAliases(out)
	if err != nil {
		t.Fatalf("export does not parse as an alias table: %v\n%s", err, out)
	}
	again := Resolve(names, Evidence{}, back, nil)
	for _, n := range names {
		a, _, ab := entityOfQuiet(tab, n.Type, n.Value)
		b, _, bb := entityOfQuiet(again, n.Type, n.Value)
		if a != b || ab != bb {
			t.Errorf("%s %q: %q (blocked %v) before export, %q (blocked %v) after", n.Type, n.Value, a, ab, b, bb)
		}
	}
}

func entityOfQuiet(tab *Table, typ, value string) (string, string, bool) {
	i, ok := tab.Lookup(typ, value)
	if !ok {
		return "", "", false
	}
	e := tab.Entities[i]
	return e.Name, e.Type, e.Blocked
}

// A correction that takes a spelling from a configured entry leaves the
// export loadable: no spelling under two entries.
func TestCorrectionTakesListedSpelling(t *testing.T) {
	config, err := indexer.ParseAliases([]byte("persons:\n  Kim Jong Un: [Kim Jong-un, Kim Jongun]\n"))
	if err != nil {
		t.Fatal(err)
	}
	corr, err := indexer.ParseAliases([]byte("persons:\n  Kim Jongun: []\n"))
	if err != nil {
		t.Fatal(err)
	}
	tab := Resolve(stored(Person, "Kim Jong Un", 4, Person, "Kim Jongun", 1), Evidence{}, config, corr)
	a, _, _ := entityOfQuiet(tab, Person, "Kim Jong Un")
	b, _, _ := entityOfQuiet(tab, Person, "Kim Jongun")
	if a == b {
		t.Fatalf("the correction did not split Kim Jongun off (%q)", a)
	}
	out, err := Export(tab)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := indexer.ParseAliases(out); err != nil {
		t.Errorf("export does not load back: %v\n%s", err, out)
	}
}
