package indexer

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"newsdex/data"
	"newsdex/indexer/ner"
)

// newTestExtractor loads the built-in model and alias table.
func newTestExtractor(t testing.TB) *EntityExtractor {
	t.Helper()
	tagger, err := ner.Load(bytes.NewReader(data.NERModel))
	if err != nil {
		t.Fatal(err)
	}
	aliases, err := ParseAliases(data.Aliases)
	if err != nil {
		t.Fatal(err)
	}
	return NewEntityExtractor(tagger, aliases)
}

// seedArticles parses the built-in corpus.
func seedArticles(t testing.TB) []Article {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "data", "articles.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var arts []Article
	err = Parse(bytes.NewReader(src), "articles.txt", FormatArchive, func(r Record) error {
		if r.Err != nil {
			t.Fatalf("seed record %s: %v", r.Location(), r.Err)
		}
		arts = append(arts, r.Article)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) != 10 {
		t.Fatalf("seed corpus has %d articles, want 10", len(arts))
	}
	return arts
}

// seedEntities is what Extract found in one seed article.
type seedEntities struct {
	Title         string   `json:"title"`
	Persons       []string `json:"persons"`
	Organizations []string `json:"organizations"`
	Places        []string `json:"places"`
}

func extractSeed(t testing.TB, ex *EntityExtractor) []seedEntities {
	t.Helper()
	var out []seedEntities
	for _, a := range seedArticles(t) {
		e := ex.Extract(a.Title, a.Body)
		out = append(out, seedEntities{Title: a.Title, Persons: e.Persons, Organizations: e.Organizations, Places: e.Places})
	}
	return out
}

// TestExtractSeedGolden pins the entities of every seed article; run with
// -update after an intended change to the model or the rules.
func TestExtractSeedGolden(t *testing.T) {
	got, err := json.MarshalIndent(extractSeed(t, newTestExtractor(t)), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "entities", "seed.golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// TestExtractSeedFacets checks the person, organisation and place
// buckets the issue asks for over the 10 built-in articles.
func TestExtractSeedFacets(t *testing.T) {
	got := extractSeed(t, newTestExtractor(t))
	articles := map[string]map[string]int{} // kind -> name -> articles
	for _, k := range []string{KindPerson, KindOrganization, KindPlace} {
		articles[k] = map[string]int{}
	}
	for _, a := range got {
		for _, n := range a.Persons {
			articles[KindPerson][n]++
		}
		for _, n := range a.Organizations {
			articles[KindOrganization][n]++
		}
		for _, n := range a.Places {
			articles[KindPlace][n]++
		}
	}
	for _, tt := range []struct {
		kind, name string
		want       int
	}{
		{KindPerson, "Jo Song Gil", 5},
		{KindPerson, "Kim Jong Un", 4},
		{KindPerson, "Thae Yong Ho", 2},
		{KindPerson, "Jo", 0},
		{KindPerson, "Thae", 0},
		{KindPerson, "Trump", 2},
		{KindPerson, "Pyongyang", 0},
		{KindOrganization, "Pyongyang", 0},
		{KindPlace, "Unification Ministry", 0},
		{KindPerson, "Unification Ministry", 0},
	} {
		t.Run(tt.kind+"/"+tt.name, func(t *testing.T) {
			if got := articles[tt.kind][tt.name]; got != tt.want {
				t.Errorf("%s %q in %d articles, want %d", tt.kind, tt.name, got, tt.want)
			}
		})
	}
	if articles[KindPlace]["Pyongyang"] == 0 {
		t.Errorf("Pyongyang is in no article's places")
	}
	if articles[KindOrganization]["Unification Ministry"] == 0 {
		t.Errorf("Unification Ministry is in no article's organisations")
	}
	// One bucket per person: no person name is another's bare surname
	// or a different spelling of it.
	for n := range articles[KindPerson] {
		for m := range articles[KindPerson] {
			if n != m && NameKey(n) == NameKey(m) {
				t.Errorf("persons %q and %q are one name", n, m)
			}
		}
	}
}

// TestExtractConcurrent runs the extractor from several goroutines, as
// the ingest lanes do, and expects the sequential results.
func TestExtractConcurrent(t *testing.T) {
	ex := newTestExtractor(t)
	arts := seedArticles(t)
	want := extractSeed(t, ex)
	errs := make(chan string, 8*len(arts))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i, a := range arts {
				e := ex.Extract(a.Title, a.Body)
				got := seedEntities{Title: a.Title, Persons: e.Persons, Organizations: e.Organizations, Places: e.Places}
				if diff := cmp.Diff(want[i], got); diff != "" {
					errs <- diff
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for d := range errs {
		t.Errorf("concurrent Extract differs (-want +got):\n%s", d)
	}
}

func BenchmarkExtract(b *testing.B) {
	ex := newTestExtractor(b)
	arts := seedArticles(b)
	n := 0
	for _, a := range arts {
		n += len(a.Title) + len(a.Body)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, a := range arts {
			ex.Extract(a.Title, a.Body)
		}
	}
}

func TestResolveMentions(t *testing.T) {
	aliases, err := ParseAliases(data.Aliases)
	if err != nil {
		t.Fatal(err)
	}
	per := func(s string) mention { return mention{typ: ner.PER, text: s} }
	org := func(s string) mention { return mention{typ: ner.ORG, text: s} }
	loc := func(s string) mention { return mention{typ: ner.LOC, text: s} }
	misc := func(s string) mention { return mention{typ: ner.MISC, text: s} }
	type want struct{ Persons, Orgs, Places []string }
	tests := []struct {
		name string
		in   []mention
		want want
	}{
		{"spellings of one person",
			[]mention{per("Kim Jong-un"), per("Kim Jong Un"), per("KIM JONG UN")},
			want{Persons: []string{"Kim Jong Un"}}},
		{"Korean surname resolves to the earlier full name",
			[]mention{per("Jo Song Gil"), loc("Italy"), per("Jo"), loc("Jo")},
			want{Persons: []string{"Jo Song Gil"}, Places: []string{"Italy"}}},
		{"titled surname",
			[]mention{per("Thae Yong Ho"), per("Mr Thae"), per("Thae’s")},
			want{Persons: []string{"Thae Yong Ho"}}},
		{"Korean given name alone",
			[]mention{per("Jo Song Gil"), per("Song Gil")},
			want{Persons: []string{"Jo Song Gil"}}},
		{"Western surname is the last word",
			[]mention{per("Giuseppe Conte"), per("Conte"), per("Giuseppe")},
			want{Persons: []string{"Giuseppe Conte", "Giuseppe"}}},
		{"surname without a full name stays",
			[]mention{per("President Trump"), per("Trump")},
			want{Persons: []string{"Trump"}}},
		{"surname before the only full name",
			[]mention{per("Jo"), per("Jo Song Gil")},
			want{Persons: []string{"Jo Song Gil"}}},
		{"ambiguous surname is not resolved",
			[]mention{per("Kim Jong Un"), per("Kim Myong Song"), per("Kim")},
			want{Persons: []string{"Kim Jong Un", "Kim Myong Song", "Kim"}}},
		{"surname resolves to the one given earlier",
			[]mention{per("Kim Jong Un"), per("Kim"), per("Kim Min-ki")},
			want{Persons: []string{"Kim Jong Un", "Kim Min Ki"}}},
		{"majority type",
			[]mention{loc("Hoeryong"), per("Hoeryong"), loc("Hoeryong")},
			want{Places: []string{"Hoeryong"}}},
		{"tie goes to the first mention",
			[]mention{org("Hana"), loc("Hana")},
			want{Orgs: []string{"Hana"}}},
		{"alias table decides the type",
			[]mention{org("Kim Jong Un"), org("Kim Jong Un"), per("Kim Jong-un")},
			want{Persons: []string{"Kim Jong Un"}}},
		{"alias canonical names merge variants",
			[]mention{loc("U.S."), loc("United States"), loc("US"), org("UN"), org("South Korean Unification Ministry"), org("Unification Ministry")},
			want{Orgs: []string{"United Nations", "Unification Ministry"}, Places: []string{"United States"}}},
		{"honorific on an organisation span",
			[]mention{org("Ambassador Jo Song Gil"), per("Jo")},
			want{Persons: []string{"Jo Song Gil"}}},
		{"title word inside an organisation name stays",
			[]mention{org("General Motors")},
			want{Orgs: []string{"General Motors"}}},
		{"organisation and titled person in one span",
			[]mention{org("NPR Senior European Correspondent Sylvia Poggioli"), per("Poggioli")},
			want{Persons: []string{"Sylvia Poggioli"}, Orgs: []string{"NPR"}}},
		{"unknown hyphenated given name shown without hyphens, the same in every article",
			[]mention{per("Kim Min-ki"), per("Kim Min Ki"), per("Kim Min Ki")},
			want{Persons: []string{"Kim Min Ki"}}},
		{"capitals only if nothing else",
			[]mention{per("CHOI KYONG HUI"), per("Choi Kyong Hui")},
			want{Persons: []string{"Choi Kyong Hui"}}},
		{"capitals in title case",
			[]mention{per("CHOI KYONG HUI")},
			want{Persons: []string{"Choi Kyong Hui"}}},
		{"MISC and compass points are not facets",
			[]mention{misc("North Korean"), org("North"), loc("South")},
			want{}},
		{"MISC mention of a known person",
			[]mention{misc("Kim Jong-un")},
			want{Persons: []string{"Kim Jong Un"}}},
		{"order of first mention",
			[]mention{loc("Seoul"), per("Thae"), per("Kim Il-sung"), loc("Pyongyang"), per("Thae Yong Ho")},
			want{Persons: []string{"Thae Yong Ho", "Kim Il Sung"}, Places: []string{"Seoul", "Pyongyang"}}},
		{"acronym of a name in the article",
			[]mention{org("Associated Press"), org("AP"), org("Christian Solidarity Worldwide"), org("CSW")},
			want{Orgs: []string{"Associated Press", "Christian Solidarity Worldwide"}}},
		{"acronym of two names stays",
			[]mention{org("Air Force"), org("Asia Foundation"), org("AF")},
			want{Orgs: []string{"Air Force", "Asia Foundation", "AF"}}},
		{"people of a place are not a place",
			[]mention{loc("North Koreans"), loc("Italy"), loc("South Koreans"), loc("Italians"), loc("Texas")},
			want{Places: []string{"Italy", "Texas"}}},
		{"nothing", nil, want{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got want
			e := resolveMentions(tt.in, aliases, articleText{})
			got.Persons, got.Orgs, got.Places = e.Persons, e.Organizations, e.Places
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("resolveMentions mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// spansIn builds mentions with offsets: each spec is "TYPE:text", found
// in text after the previous one, as the tagger would report it.
func spansIn(t *testing.T, text string, specs ...string) []mention {
	t.Helper()
	var ms []mention
	at := 0
	for _, s := range specs {
		typ, span, _ := strings.Cut(s, ":")
		ty, ok := ner.ParseType(typ)
		if !ok {
			t.Fatalf("bad type in %q", s)
		}
		k := strings.Index(text[at:], span)
		if k < 0 {
			t.Fatalf("%q not in %q after %d", span, text, at)
		}
		k += at
		ms = append(ms, mention{typ: ty, text: span, start: k, end: k + len(span)})
		at = k + len(span)
	}
	return ms
}

// TestResolveMentionsInText covers the rules that read the text around
// the tagger's spans: joining split names, angle brackets, tickers,
// explicit abbreviations, acronyms and the evidence terms.
func TestResolveMentionsInText(t *testing.T) {
	aliases, err := ParseAliases(data.Aliases)
	if err != nil {
		t.Fatal(err)
	}
	type want struct{ Persons, Orgs, Places, Evidence []string }
	tests := []struct {
		name     string
		text     string
		spans    []string
		shouting bool
		want     want
	}{
		{"ampersand joins",
			"Acme Widget Corp was downgraded by Standard & Poor's Corp on Monday.",
			[]string{"ORG:Acme Widget Corp", "ORG:Standard", "ORG:Poor's Corp"}, false,
			want{Orgs: []string{"Acme Widget Corp", "Standard & Poor's Corp"}}},
		{"and before a possessive joins, a list of agencies stays a list",
			"The notes are rated AAA by Moody's and Standard and Poor's.",
			[]string{"ORG:Moody", "ORG:Standard", "ORG:Poor"}, false,
			want{Orgs: []string{"Moody", "Standard and Poor"}}},
		{"untagged first word of a suffixed name",
			"Standard and Poor's Corp said it lowered the rating.",
			[]string{"ORG:Poor's Corp"}, false,
			want{Orgs: []string{"Standard and Poor's Corp"}}},
		{"and before a corporate suffix joins",
			"The offering is managed by Alex Brown and Sons Inc and others.",
			[]string{"PER:Alex Brown", "ORG:Sons Inc"}, false,
			want{Orgs: []string{"Alex Brown and Sons Inc"}}},
		{"an acronym starts a new name",
			"The venture of Wagner and Brown and AFG Industries Inc was approved.",
			[]string{"PER:Wagner", "PER:Brown", "ORG:AFG Industries Inc"}, false,
			want{Persons: []string{"Wagner", "Brown"}, Orgs: []string{"AFG Industries Inc"}}},
		{"lists stay apart",
			"Japan and Britain agreed, the House and Senate voted, and IBM and Apple said no.",
			[]string{"LOC:Japan", "LOC:Britain", "ORG:House", "ORG:Senate", "ORG:IBM", "ORG:Apple"}, false,
			want{Orgs: []string{"House", "Senate", "IBM", "Apple"}, Places: []string{"Japan", "Britain"}}},
		{"organisation on organisation, with its explicit abbreviation",
			"A spokesman of the General Agreement on\nTariffs and Trade (GATT) said GATT would rule.",
			[]string{"ORG:General Agreement", "ORG:Tariffs and Trade", "ORG:GATT", "ORG:GATT"}, false,
			want{Orgs: []string{"General Agreement on Tariffs and Trade"}, Evidence: []string{"ab:gatt=general agreement on tariffs and trade"}}},
		{"untagged capitalised words after on join the organisation",
			"He told the General Agreement on\nTariffs and Trade that Reuters on Monday and the Fed on Tuesday agreed.",
			[]string{"ORG:General Agreement", "ORG:Reuters", "ORG:Fed"}, false,
			want{Orgs: []string{"General Agreement on Tariffs and Trade", "Reuters", "Fed"}}},
		{"abbreviation first, name in brackets",
			"The ICCO (International Cocoa Organization) met in London.",
			[]string{"ORG:ICCO", "ORG:International Cocoa Organization", "LOC:London"}, false,
			want{Orgs: []string{"International Cocoa Organization"}, Places: []string{"London"}, Evidence: []string{"ab:icco=international cocoa organization"}}},
		{"angle brackets mark one company name",
			"Viacom International Inc said <National Amusements Inc> raised its offer.",
			[]string{"ORG:Viacom International Inc", "ORG:National", "ORG:Amusements Inc>"}, false,
			want{Orgs: []string{"Viacom International Inc", "National Amusements Inc"}}},
		{"a ticker is no name, but pairs with the name it follows when used",
			"British Widget Co Plc <BWG> said its unit was sold. BWG shares rose. Viacom Inc <VIA> said nothing.",
			[]string{"ORG:British Widget Co Plc", "ORG:BWG", "ORG:BWG", "ORG:Viacom Inc", "ORG:VIA"}, false,
			want{Orgs: []string{"British Widget Co Plc", "Viacom Inc"}, Evidence: []string{"ab:bwg=british widget co plc"}}},
		{"a corporate suffix after a bracketed word",
			"Shares of Cheung Kong (Holdings) Ltd rose.",
			[]string{"ORG:Cheung Kong", "ORG:Ltd"}, false,
			want{Orgs: []string{"Cheung Kong (Holdings) Ltd"}}},
		{"suffixes and single letters alone are no names",
			"Ltd said S and CO, Inc.",
			[]string{"ORG:Ltd", "ORG:S", "LOC:CO", "ORG:Inc"}, false,
			want{}},
		{"leading the and angle brackets go",
			"Talks with the Federal Trade Commission and <Sedio N.V.> went on.",
			[]string{"ORG:the Federal Trade Commission", "ORG:<Sedio N.V.>"}, false,
			want{Orgs: []string{"Federal Trade Commission", "Sedio N.V."}}},
		{"acronyms keep capitals in mixed-case text",
			"OPEC oil ministers met the USDA and GATT officials.",
			[]string{"ORG:OPEC", "ORG:USDA", "ORG:GATT"}, false,
			want{Orgs: []string{"OPEC", "USDA", "GATT"}}},
		{"acronyms in title case in a shouting article",
			"OPEC MINISTERS MET USDA OFFICIALS",
			[]string{"ORG:OPEC", "ORG:USDA"}, true,
			want{Orgs: []string{"Opec", "Usda"}}},
		{"several words in capitals are title-cased",
			"Shares of ACME WIDGET rose.",
			[]string{"ORG:ACME WIDGET"}, false,
			want{Orgs: []string{"Acme Widget"}}},
		{"lower-case use of a one-word name",
			"Exchange officials said the exchange would grow.",
			[]string{"ORG:Exchange"}, false,
			want{Orgs: []string{"Exchange"}, Evidence: []string{"lc:exchange"}}},
		{"no lower-case evidence for part of a word",
			"Treasury officials sold treasuryware.",
			[]string{"ORG:Treasury"}, false,
			want{Orgs: []string{"Treasury"}}},
		{"one word beginning an organisation's first word",
			"The Federal Reserve Board met. The Fed said rates would hold.",
			[]string{"ORG:Federal Reserve Board", "ORG:Fed"}, false,
			want{Orgs: []string{"Federal Reserve Board", "Fed"}, Evidence: []string{"ab:fed=federal reserve board"}}},
		{"one word ending exactly one organisation refers back to it",
			"The European Community agreed. The Community will pay; a community of traders objected.",
			[]string{"ORG:European Community", "PER:Community"}, false,
			want{Persons: []string{"Community"}, Orgs: []string{"European Community"},
				Evidence: []string{"ab:community=european community", "lc:community"}}},
		{"a head word shared by two organisations pairs with neither",
			"The Bank of England and the Reserve Bank met. The Bank said little.",
			[]string{"ORG:Bank of England", "ORG:Reserve Bank", "ORG:Bank"}, false,
			want{Orgs: []string{"Bank of England", "Reserve Bank", "Bank"}}},
		{"acronym of initials is merged and recorded",
			"Associated Press reported it. AP said more.",
			[]string{"ORG:Associated Press", "ORG:AP"}, false,
			want{Orgs: []string{"Associated Press"}, Evidence: []string{"ab:ap=associated press"}}},
		{"surname joined to the full name",
			"Treasury Secretary James Baker spoke. Baker said the dollar was stable.",
			[]string{"ORG:Treasury", "PER:James Baker", "PER:Baker"}, false,
			want{Persons: []string{"James Baker"}, Orgs: []string{"Treasury"}, Evidence: []string{"sn:baker=james baker"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := spansIn(t, tt.text, tt.spans...)
			e := resolveMentions(ms, aliases, articleText{text: tt.text, masked: tt.text, shouting: tt.shouting})
			got := want{e.Persons, e.Organizations, e.Places, e.Evidence}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("resolveMentions mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExtractSkipsNonProse runs the built-in tagger on wire copy whose
// headline, table and sign-off hold nothing but junk names.
func TestExtractSkipsNonProse(t *testing.T) {
	ex := newTestExtractor(t)
	e := ex.Extract("ACME WIDGET CO <ACW> NINE MTHS NET",
		"Shr 34 cts vs 1.19 dlrs\n    Net 807,000 vs 2,858,000\n    Revs 12.1 mln vs 10.3 mln\n"+
			"    Nine Mths\n    Shr 1.02 dlrs vs 2.30 dlrs\n    Net 2,412,000 vs 5,123,000\n"+
			"    Revs 35.5 mln vs 31.2 mln\n        REUTER\n")
	if len(e.Persons)+len(e.Organizations)+len(e.Places) != 0 {
		t.Errorf("entities from headline, table and sign-off: %+v", e)
	}
	e = ex.Extract("OPEC OUTPUT SEEN STEADY",
		"Oil ministers of the Organization of Petroleum Exporting Countries\n"+
			"will keep output steady, OPEC officials told reporters in Vienna.\n"+
			"    OPEC output was 15.8 mln barrels per day in March, they said.\n Reuter\n")
	all := append(append(e.Persons, e.Organizations...), e.Places...)
	if !slices.Contains(e.Organizations, "OPEC") && !slices.Contains(e.Organizations, "Organization of Petroleum Exporting Countries") {
		t.Errorf("no OPEC among %q", e.Organizations)
	}
	for _, n := range all {
		if n == "Opec" || NameKey(n) == "reuter" {
			t.Errorf("junk name %q in %+v", n, e)
		}
	}
}

// TestExtractReutersJunk extracts entities from the first few thousand
// Reuters-21578 articles and checks properties every name must have: it
// is not a corporate suffix alone or a single letter, it was tagged in
// prose (its first word is in the text the tagger read, so no name comes
// from a headline, table line or sign-off blanked out), a one-word name
// in a mixed-case article is spelled as the article spells it (acronyms
// keep their capitals), and no "REUTER" sign-off is a name.
func TestExtractReutersJunk(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: extracts entities from 3000 articles")
	}
	f, err := os.Open(filepath.Join(sharedData, "reuters21578.jsonl"))
	if err != nil {
		t.Skipf("Reuters-21578 not available: %v", err)
	}
	defer f.Close()
	ex := newTestExtractor(t)
	aliases, err := ParseAliases(data.Aliases)
	if err != nil {
		t.Fatal(err)
	}
	known := func(n string) bool {
		for _, k := range []string{KindPerson, KindOrganization, KindPlace} {
			if _, ok := aliases.Canonical(k, n); ok {
				return true
			}
		}
		return false
	}
	dec := json.NewDecoder(f)
	acronyms := map[string]int{}
	for n := 0; n < 3000; n++ {
		var a Article
		if err := dec.Decode(&a); err != nil {
			break
		}
		e := ex.Extract(a.Title, a.Body)
		_, masked, shouting := taggerText(a.Title, a.Body)
		lowerMasked := strings.ToLower(masked)
		for _, n := range slices.Concat(e.Persons, e.Organizations, e.Places) {
			words := strings.Fields(n)
			switch {
			case allCorpSuffixes(words):
				t.Errorf("%s: corporate suffix alone %q", a.ID, n)
			case letterCount(NameKey(n)) <= 1:
				t.Errorf("%s: single letter %q", a.ID, n)
			case n == "REUTER" || NameKey(n) == "reuter" && !strings.Contains(strings.TrimRight(masked, " \n"), "Reuter"):
				t.Errorf("%s: sign-off %q is a name", a.ID, n)
			}
			if !known(n) && !strings.Contains(lowerMasked, strings.ToLower(strings.Trim(words[0], ".,"))) {
				t.Errorf("%s: %q was not tagged in prose", a.ID, n)
			}
			if len(words) == 1 && !shouting && isLetters(n) {
				if !known(n) && !containsWord(masked, n) {
					t.Errorf("%s: %q is not spelled as the article spells it", a.ID, n)
				}
			}
			switch n {
			case "OPEC", "GATT", "USDA", "Opec", "Gatt", "Usda":
				acronyms[n]++
			}
		}
	}
	// "Opec" only where an article writes it so (checked above).
	for _, n := range []string{"OPEC", "USDA"} {
		if acronyms[n] == 0 {
			t.Errorf("%q in no article", n)
		}
	}
	t.Logf("acronyms: %v", acronyms)
}
