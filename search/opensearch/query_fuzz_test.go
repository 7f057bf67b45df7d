package opensearch

import (
	"encoding/json"
	"testing"

	"newsdex/search/querylang"
)

// Any query the parser accepts translates to DSL that marshals to JSON;
// nothing panics.
func FuzzTranslate(f *testing.F) {
	for _, s := range []string{"", "defector", `"acting ambassador"~2`, "immigra* -rice", `="interest rat*"`,
		"title:(oil OR gas)", "published:[2019-01 TO *]", "+a b OR -c", "COVID-19", "person:\"kim jong un\"", "the AND war"} {
		f.Add(s)
	}
	tr, err := newTranslator(2)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q string) {
		node, err := querylang.ParseQuery(q, querylang.QueryOptions{})
		if err != nil {
			return
		}
		dsl, err := tr.Translate(node)
		if err != nil {
			t.Fatalf("%q parsed but did not translate: %v", q, err)
		}
		if _, err := json.Marshal(dsl); err != nil {
			t.Fatalf("%q: %v", q, err)
		}
	})
}
