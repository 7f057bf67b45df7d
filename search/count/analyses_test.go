package count

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"newsdex/indexer"
)

func TestShares(t *testing.T) {
	all := []Bucket{{"2020-01", 10}, {"2020-03", 4}}
	parts := []Part{
		{Query: "oil", Total: 7, Buckets: []Bucket{{"2020-01", 5}, {"2020-03", 1}}},
		{Query: "gold", Source: "AP", Total: 2, Buckets: []Bucket{{"2020-03", 2}}},
	}
	gotAll, series, err := Shares("month", all, parts)
	if err != nil {
		t.Fatal(err)
	}
	wantAll := []Bucket{{"2020-01", 10}, {"2020-02", 0}, {"2020-03", 4}}
	if diff := cmp.Diff(wantAll, gotAll); diff != "" {
		t.Errorf("all (-want +got):\n%s", diff)
	}
	want := []Series{
		{Query: "oil", Total: 7, Buckets: []ShareBucket{{"2020-01", 5, 0.5}, {"2020-02", 0, 0}, {"2020-03", 1, 0.25}}},
		{Query: "gold", Source: "AP", Total: 2, Buckets: []ShareBucket{{"2020-01", 0, 0}, {"2020-02", 0, 0}, {"2020-03", 2, 0.5}}},
	}
	if diff := cmp.Diff(want, series); diff != "" {
		t.Errorf("series (-want +got):\n%s", diff)
	}
	// Nothing dated: no keys, but every series, with empty buckets.
	gotAll, series, err = Shares("day", nil, parts[:1])
	if err != nil || len(gotAll) != 0 || len(series) != 1 || series[0].Buckets == nil || len(series[0].Buckets) != 0 {
		t.Errorf("undated: all %v series %+v err %v", gotAll, series, err)
	}
	if _, _, err := Shares("fortnight", all, nil); err == nil {
		t.Error("an unknown interval gave no error")
	}
}

func TestWriteTimelineCSV(t *testing.T) {
	all := []Bucket{{"2020", 8}, {"2021", 0}}
	series := []Series{
		{Query: "", Total: 8, Buckets: []ShareBucket{{"2020", 8, 1}, {"2021", 0, 0}}},
		{Query: "=HYPERLINK(1)", Total: 2, Buckets: []ShareBucket{{"2020", 2, 0.25}, {"2021", 0, 0}}},
		{Query: "oil", Source: "Wire, Ltd", Total: 1, Buckets: []ShareBucket{{"2020", 1, 0.125}, {"2021", 0, 0}}},
	}
	guard := func(s string) string {
		if strings.HasPrefix(s, "=") {
			return "'" + s
		}
		return s
	}
	var b bytes.Buffer
	if err := WriteTimelineCSV(&b, all, series, guard); err != nil {
		t.Fatal(err)
	}
	assertGolden(t, "timeline.csv", b.Bytes())
	var raw bytes.Buffer
	if err := WriteTimelineCSV(&raw, all, series, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(raw.String(), ",=HYPERLINK(1),=HYPERLINK(1) share,") {
		t.Errorf("nil cell changed the header: %s", raw.String())
	}
}

func TestDraw(t *testing.T) {
	var refs []Ref
	for i := range 30 {
		refs = append(refs, Ref{ID: string(rune('a'+i%26)) + strings.Repeat("x", i/26), Stratum: uint32(i % 3)}) // 0: no outlet
	}
	SortRefs(refs)
	strata := []string{"Beta", "Alpha"} // numbers 1 and 2
	tests := []struct {
		name   string
		n      int
		strata []string
	}{
		{"uniform", 9, nil},
		{"stratified", 9, strata},
		{"more than there are", 50, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Draw(refs, tt.n, 7, tt.strata)
			if want := min(tt.n, len(refs)); len(got) != want {
				t.Fatalf("%d drawn, want %d", len(got), want)
			}
			if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
				t.Errorf("draw %v is not sorted and distinct", got)
			}
			if diff := cmp.Diff(got, Draw(refs, tt.n, 7, tt.strata)); diff != "" {
				t.Errorf("same seed, another draw:\n%s", diff)
			}
			if tt.strata != nil {
				per := map[uint32]int{}
				stratum := map[string]uint32{}
				for _, r := range refs {
					stratum[r.ID] = r.Stratum
				}
				for _, id := range got {
					per[stratum[id]]++
				}
				if per[0] != 3 || per[1] != 3 || per[2] != 3 {
					t.Errorf("per stratum %v, want 3 each (10 of 30 each)", per)
				}
			}
		})
	}
}

func TestTermCounter(t *testing.T) {
	an := indexer.NewMapping().AnalyzerNamed(indexer.AnalyzerText)
	if an == nil {
		t.Fatal("no text analyzer in the mapping")
	}
	tc := NewTermCounter(an)
	tc.Add("Defectors flee", "The defectors said 2019 was hard. A defector's story, x.")
	tc.Add("Defectors again", "Defectors and the regime.")
	tc.Add("Markets", "Markets rose 3%.")
	if tc.Docs() != 3 {
		t.Errorf("%d docs, want 3", tc.Docs())
	}
	terms := map[string]int{}
	for term, st := range tc.out {
		terms[term] = st.docs
	}
	stem := string(an.Analyze([]byte("defectors"))[0].Term)
	if terms[stem] != 2 {
		t.Errorf("%q in %d articles, want 2 (terms %v)", stem, terms[stem], terms)
	}
	for _, no := range []string{"the", "2019", "x", "3"} {
		for term := range terms {
			if term == no {
				t.Errorf("%q counted: stop words, numbers and one-letter words never are", no)
			}
		}
	}
	// Written "Defectors" 3 times, "defectors" and "defector's" once: the
	// most common form wins (lower case only breaks ties).
	if got := tc.SurfaceForm(stem); got != "Defectors" {
		t.Errorf("surface form of %q = %q, want Defectors", stem, got)
	}
	if got := tc.SurfaceForm("nosuchterm"); got != "nosuchterm" {
		t.Errorf("unknown term's surface form = %q", got)
	}
}
