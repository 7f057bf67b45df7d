package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"newsdex/search"
)

// entityRows is the fake archive's entities for the entity endpoint tests.
func entityRows() []search.Entity {
	return []search.Entity{
		{Type: "person", Name: "Kim Jong Un", Count: 12, Aliases: []string{"Kim Jong-un"}},
		{Type: "person", Name: "Thae Yong Ho", Count: 5, Aliases: []string{}},
		{Type: "person", Name: "Reuter", Count: 3},
		{Type: "person", Name: "Chrysler", Count: 2, Aliases: []string{}},
		{Type: "org", Name: "United Nations", Count: 9, Aliases: []string{"UN"}},
		{Type: "org", Name: "Opec", Count: 6, Aliases: []string{}},
		{Type: "org", Name: "Fed", Count: 4, Aliases: []string{}},
		{Type: "org", Name: "FED", Count: 2, Aliases: []string{}},
		{Type: "org", Name: "Federal Reserve Board", Count: 1, Aliases: []string{}},
		{Type: "place", Name: "Pyongyang", Count: 8, Aliases: []string{"P'yongyang"}},
	}
}

// newEntityServer serves a fake entity table (and no searches) with opts.
func newEntityServer(t testing.TB, opts Options) (*Server, *entityTable) {
	t.Helper()
	table := newEntityTable(entityRows()...)
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 1 << 16
	}
	s := New(slog.New(slog.DiscardHandler), opts)
	s.SetSearcher(editingSearcher{fakeSearcher{errors.New("no searches in this test")}, table})
	return s, table
}

// entityNames returns the names of a list response, in order.
func entityNames(t testing.TB, rec *httptest.ResponseRecorder) []string {
	t.Helper()
	var res entityList
	decode(t, rec, &res)
	names := []string{}
	for _, e := range res.Entities {
		names = append(names, e.Name)
	}
	return names
}

// writeCalls are a fake's calls that change something.
func writeCalls(calls []string) []string {
	var out []string
	for _, c := range calls {
		if !strings.HasPrefix(c, "list ") && c != "export" {
			out = append(out, c)
		}
	}
	return out
}

func TestEntityList(t *testing.T) {
	tests := []struct {
		name      string
		target    string
		want      []string // names in order
		wantCall  string
		wantCode  int
		wantError string
	}{
		{"all types, most articles first, 20 by default", "/api/v1/entities", []string{"Kim Jong Un", "United Nations", "Pyongyang",
			"Opec", "Thae Yong Ho", "Fed", "Reuter", "Chrysler", "FED", "Federal Reserve Board"}, "list   20", 200, ""},
		{"one type", "/api/v1/entities?type=org", []string{"United Nations", "Opec", "Fed", "FED", "Federal Reserve Board"}, "list org  20", 200, ""},
		{"prefix of a name, any case", "/api/v1/entities?type=org&prefix=fed", []string{"Fed", "FED", "Federal Reserve Board"}, "list org fed 20", 200, ""},
		{"prefix of an alias", "/api/v1/entities?prefix=P%27yong", []string{"Pyongyang"}, "list  P'yong 20", 200, ""},
		{"prefix trimmed", "/api/v1/entities?type=org&prefix=+UN+", []string{"United Nations"}, "list org UN 20", 200, ""},
		{"size", "/api/v1/entities?type=person&size=2", []string{"Kim Jong Un", "Thae Yong Ho"}, "list person  2", 200, ""},
		{"size at the cap", "/api/v1/entities?type=place&size=100", []string{"Pyongyang"}, "list place  100", 200, ""},
		{"nothing matches", "/api/v1/entities?prefix=zzz", []string{}, "list  zzz 20", 200, ""},
		{"unknown parameters are ignored", "/api/v1/entities?type=place&q=x&debug=1", []string{"Pyongyang"}, "list place  20", 200, ""},
		{"bad type", "/api/v1/entities?type=people", nil, "", 400, `type must be person, org or place, got "people"`},
		{"type in capitals", "/api/v1/entities?type=Person", nil, "", 400, "type must be person, org or place"},
		{"size over the cap", "/api/v1/entities?size=101", nil, "", 400, "size must be between 1 and 100, got 101"},
		{"size not a number", "/api/v1/entities?size=ten", nil, "", 400, `size must be a non-negative integer, got "ten"`},
		{"negative size", "/api/v1/entities?size=-1", nil, "", 400, "size must be a non-negative integer"},
		{"prefix too long", "/api/v1/entities?prefix=" + strings.Repeat("p", 301), nil, "", 400, "prefix is too long"},
		{"prefix not UTF-8", "/api/v1/entities?prefix=%ff", nil, "", 400, "prefix is not valid UTF-8"},
		{"prefix with NUL", "/api/v1/entities?prefix=a%00", nil, "", 400, "prefix contains a NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, table := newEntityServer(t, Options{})
			rec := get(t, s, tt.target)
			if rec.Code != tt.wantCode {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.wantCode, rec.Body)
			}
			if tt.wantCode != 200 {
				var e apiError
				decode(t, rec, &e)
				if e.Error.Code != "bad_request" || !strings.Contains(e.Error.Message, tt.wantError) {
					t.Errorf("error %+v, want bad_request with %q", e.Error, tt.wantError)
				}
				if calls := table.Calls(); len(calls) != 0 {
					t.Errorf("the editor was called: %q", calls)
				}
				return
			}
			if diff := cmp.Diff(tt.want, entityNames(t, rec)); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{tt.wantCall}, table.Calls()); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", cc)
			}
		})
	}
}

// TestEntityListShape pins the JSON of a list: every field, and an
// entity without aliases has [] rather than null.
func TestEntityListShape(t *testing.T) {
	s, _ := newEntityServer(t, Options{})
	rec := get(t, s, "/api/v1/entities?type=person&prefix=re")
	want := `{"entities":[{"type":"person","name":"Reuter","count":3,"aliases":[]}]}`
	if got := rec.Body.String(); got != want {
		t.Errorf("body %s\nwant %s", got, want)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
}

// limitedEditor is an editor that tells its limits, as the search
// service does.
type limitedEditor struct {
	editingSearcher
	max int
}

func (l limitedEditor) Limits() search.Limits { return search.Limits{MaxFacetSize: l.max} }

func TestEntityListSizeFollowsMaxFacetSize(t *testing.T) {
	for _, public := range []bool{false, true} {
		var opts Options
		var h map[string]string
		if public { // the list goes through guarded, which must pass the limits on
			opts.PublicKeys = []PublicKey{{Key: testWideKey}}
			h = bearerHeader(testWideKey)
		}
		s := New(slog.New(slog.DiscardHandler), opts)
		s.SetSearcher(limitedEditor{editingSearcher{fakeSearcher{}, newEntityTable(entityRows()...)}, 30})
		if rec := (request{target: "/api/v1/entities?size=30", header: h}).do(t, s); rec.Code != 200 {
			t.Errorf("public %v: size=30: %d %s", public, rec.Code, rec.Body)
		}
		rec := request{target: "/api/v1/entities?size=31", header: h}.do(t, s)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "size must be between 1 and 30") {
			t.Errorf("public %v: size=31: %d %s, want 400 naming the max facet size", public, rec.Code, rec.Body)
		}
	}
}

// TestEntityAccess: anyone who may search may list entities, except a
// public key limited to part of the archive; corrections and the export
// need an admin key, as POST /api/v1/articles does.
func TestEntityAccess(t *testing.T) {
	open := Options{}
	admin := Options{AdminKeys: []string{testAdminKey}}
	keyed := Options{AdminKeys: []string{testAdminKey}, PublicKeys: []PublicKey{
		{Key: testPublicKey, Filter: search.Filters{Sources: []string{"Alpha Times"}}},
		{Key: testWideKey},
	}}
	list := func(h map[string]string) request { return request{target: "/api/v1/entities?type=org", header: h} }
	rename := func(h map[string]string) request {
		return request{method: http.MethodPost, target: "/api/v1/entities/rename", body: `{"type":"org","name":"Opec","to":"OPEC"}`, header: h}
	}
	export := func(h map[string]string) request { return request{target: "/api/v1/entities/export", header: h} }
	tests := []struct {
		name     string
		opts     Options
		req      request
		want     int
		wantCode string
	}{
		{"open server: anyone lists", open, list(nil), 200, ""},
		{"open server: corrections disabled", open, rename(bearerHeader(testAdminKey)), 403, "writes_disabled"},
		{"open server: export disabled", open, export(bearerHeader(testAdminKey)), 403, "writes_disabled"},
		{"admin keys: anyone lists", admin, list(nil), 200, ""},
		{"admin keys: rename without a key", admin, rename(nil), 401, "unauthorized"},
		{"admin keys: rename with a wrong key", admin, rename(bearerHeader("admin-key-wrong-wrong")), 401, "unauthorized"},
		{"admin keys: admin key as a parameter does not count", admin, request{method: http.MethodPost,
			target: "/api/v1/entities/rename?key=" + testAdminKey, body: `{"type":"org","name":"Opec","to":"OPEC"}`}, 401, "unauthorized"},
		{"admin keys: rename with the admin key", admin, rename(bearerHeader(testAdminKey)), 200, ""},
		{"admin keys: export without a key", admin, export(nil), 401, "unauthorized"},
		{"admin keys: export with the admin key", admin, export(bearerHeader(testAdminKey)), 200, ""},
		{"public keys: no key may not list", keyed, list(nil), 401, "unauthorized"},
		{"public keys: a whole-archive key lists", keyed, list(bearerHeader(testWideKey)), 200, ""},
		{"public keys: a whole-archive key as a parameter lists", keyed, request{target: "/api/v1/entities?type=org&key=" + testWideKey}, 200, ""},
		{"public keys: a key limited to one outlet may not list", keyed, list(bearerHeader(testPublicKey)), 403, "forbidden"},
		{"public keys: the admin lists", keyed, list(bearerHeader(testAdminKey)), 200, ""},
		{"public keys: a public key may not rename", keyed, rename(bearerHeader(testWideKey)), 401, "unauthorized"},
		{"public keys: a public key may not export", keyed, export(bearerHeader(testWideKey)), 401, "unauthorized"},
		{"public keys: the admin renames", keyed, rename(bearerHeader(testAdminKey)), 200, ""},
		{"public keys: the admin exports", keyed, export(bearerHeader(testAdminKey)), 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, table := newEntityServer(t, tt.opts)
			rec := tt.req.do(t, s)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.want, rec.Body)
			}
			if tt.wantCode != "" {
				if code := errorCode(t, rec); code != tt.wantCode {
					t.Errorf("error code %q, want %q", code, tt.wantCode)
				}
				if calls := table.Calls(); len(calls) != 0 {
					t.Errorf("a refused request reached the editor: %q", calls)
				}
			}
			if tt.want == 401 && rec.Header().Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
}

// TestEntityCorrections drives each correction endpoint with the admin
// key: the answer is the entity after the change, and bad bodies are
// refused with a message naming the problem before the editor is asked.
func TestEntityCorrections(t *testing.T) {
	tests := []struct {
		name     string
		path     string // under /api/v1/entities/
		body     string
		want     int
		wantCode string
		wantMsg  string         // in the error message
		entity   *search.Entity // the answer, for 200
		call     string         // the editor call made; "" for none
	}{
		{name: "merge into a new name", path: "merge", body: `{"type":"org","names":["Fed","FED"],"into":"Federal Reserve"}`, want: 200,
			entity: &search.Entity{Type: "org", Name: "Federal Reserve", Count: 6, Aliases: []string{"Fed", "FED"}},
			call:   "merge org Fed|FED into Federal Reserve"},
		{name: "merge into an existing entity", path: "merge", body: `{"type":"org","names":["Fed"],"into":"Federal Reserve Board"}`, want: 200,
			entity: &search.Entity{Type: "org", Name: "Federal Reserve Board", Count: 5, Aliases: []string{"Fed"}},
			call:   "merge org Fed into Federal Reserve Board"},
		{name: "rename", path: "rename", body: `{"type":"org","name":"Opec","to":"OPEC"}`, want: 200,
			entity: &search.Entity{Type: "org", Name: "OPEC", Count: 6, Aliases: []string{"Opec"}}, call: "rename org Opec to OPEC"},
		{name: "names are trimmed", path: "rename", body: `{"type":" org ","name":"  Opec ","to":" OPEC\t"}`, want: 200,
			entity: &search.Entity{Type: "org", Name: "OPEC", Count: 6, Aliases: []string{"Opec"}}, call: "rename org Opec to OPEC"},
		{name: "retype", path: "retype", body: `{"type":"person","name":"Chrysler","to":"org"}`, want: 200,
			entity: &search.Entity{Type: "org", Name: "Chrysler", Count: 2, Aliases: []string{}}, call: "retype person Chrysler to org"},
		{name: "block", path: "block", body: `{"type":"person","name":"Reuter"}`, want: 200,
			entity: &search.Entity{Type: "person", Name: "Reuter", Count: 3, Aliases: []string{}, Blocked: true}, call: "block person Reuter"},
		{name: "unblock", path: "unblock", body: `{"type":"person","name":"Reuter"}`, want: 200,
			entity: &search.Entity{Type: "person", Name: "Reuter", Count: 3, Aliases: []string{}}, call: "unblock person Reuter"},
		{name: "split", path: "split", body: `{"type":"place","name":"Pyongyang"}`, want: 200,
			entity: &search.Entity{Type: "place", Name: "Pyongyang", Count: 8, Aliases: []string{}}, call: "split place Pyongyang"},
		{name: "a name may be an alias", path: "block", body: `{"type":"org","name":"UN"}`, want: 200,
			entity: &search.Entity{Type: "org", Name: "United Nations", Count: 9, Aliases: []string{"UN"}, Blocked: true}, call: "block org UN"},

		// The editor refuses.
		{name: "unknown name", path: "rename", body: `{"type":"org","name":"Nobody","to":"Somebody"}`, want: 404, wantCode: "not_found",
			wantMsg: `org "Nobody"`, call: "rename org Nobody to Somebody"},
		{name: "unknown name in a merge", path: "merge", body: `{"type":"org","names":["Fed","Nobody"],"into":"Federal Reserve"}`, want: 404,
			wantCode: "not_found", wantMsg: "Nobody", call: "merge org Fed|Nobody into Federal Reserve"},
		{name: "unknown name to split", path: "split", body: `{"type":"person","name":"Nobody"}`, want: 404, wantCode: "not_found", call: "split person Nobody"},
		{name: "merge into itself", path: "merge", body: `{"type":"org","names":["Fed"],"into":"fed"}`, want: 400, wantCode: "bad_request",
			wantMsg: "into itself", call: "merge org Fed into fed"},
		{name: "retype to the same type", path: "retype", body: `{"type":"person","name":"Reuter","to":"person"}`, want: 400,
			wantCode: "bad_request", wantMsg: "already a person", call: "retype person Reuter to person"},

		// Refused before the editor is asked.
		{name: "bad type", path: "rename", body: `{"type":"company","name":"Opec","to":"OPEC"}`, want: 400, wantCode: "bad_request",
			wantMsg: `type must be person, org or place, got "company"`},
		{name: "no type", path: "block", body: `{"name":"Reuter"}`, want: 400, wantCode: "bad_request", wantMsg: "type is required"},
		{name: "retype to a bad type", path: "retype", body: `{"type":"person","name":"Chrysler","to":"company"}`, want: 400,
			wantCode: "bad_request", wantMsg: `to must be person, org or place, got "company"`},
		{name: "retype without to", path: "retype", body: `{"type":"person","name":"Chrysler"}`, want: 400, wantCode: "bad_request", wantMsg: "to is required"},
		{name: "no name", path: "block", body: `{"type":"person"}`, want: 400, wantCode: "bad_request", wantMsg: "name is required"},
		{name: "blank name", path: "unblock", body: `{"type":"person","name":"  "}`, want: 400, wantCode: "bad_request", wantMsg: "name is required"},
		{name: "rename to nothing", path: "rename", body: `{"type":"org","name":"Opec","to":""}`, want: 400, wantCode: "bad_request", wantMsg: "to is required"},
		{name: "merge without names", path: "merge", body: `{"type":"org","names":[],"into":"X"}`, want: 400, wantCode: "bad_request", wantMsg: "names is required"},
		{name: "merge a blank name", path: "merge", body: `{"type":"org","names":["Fed",""],"into":"X"}`, want: 400, wantCode: "bad_request", wantMsg: "names[1] is required"},
		{name: "merge into nothing", path: "merge", body: `{"type":"org","names":["Fed"]}`, want: 400, wantCode: "bad_request", wantMsg: "into is required"},
		{name: "name too long", path: "block", body: `{"type":"person","name":"` + strings.Repeat("n", 301) + `"}`, want: 400,
			wantCode: "bad_request", wantMsg: "name is too long: 301 bytes, at most 300"},
		{name: "malformed JSON", path: "merge", body: `{"type":"org","names":["Fed"`, want: 400, wantCode: "bad_request", wantMsg: "body is not valid JSON: it ends early"},
		{name: "not JSON", path: "rename", body: `type=org&name=Opec&to=OPEC`, want: 400, wantCode: "bad_request", wantMsg: "body is not valid JSON: invalid character"},
		{name: "empty body", path: "block", body: "", want: 400, wantCode: "bad_request",
			wantMsg: "empty body: send a JSON object with the fields type and name"},
		{name: "an array", path: "block", body: `[{"type":"person","name":"Reuter"}]`, want: 400, wantCode: "bad_request",
			wantMsg: "body must be a JSON object, got array"},
		{name: "unknown field", path: "block", body: `{"type":"person","name":"Reuter","to":"org"}`, want: 400, wantCode: "bad_request",
			wantMsg: `unknown field "to": send a JSON object with the fields type and name`},
		{name: "unknown field in a merge", path: "merge", body: `{"type":"org","names":["Fed"],"into":"X","force":true}`, want: 400,
			wantCode: "bad_request", wantMsg: `unknown field "force": send a JSON object with the fields type, names and into`},
		{name: "names not an array", path: "merge", body: `{"type":"org","names":"Fed","into":"X"}`, want: 400, wantCode: "bad_request",
			wantMsg: "field names must be an array of strings, got string"},
		{name: "a name that is a number", path: "rename", body: `{"type":"org","name":7,"to":"OPEC"}`, want: 400, wantCode: "bad_request",
			wantMsg: "field name must be a string, got number"},
		{name: "a names element that is an object", path: "merge", body: `{"type":"org","names":["Fed",{}],"into":"X"}`, want: 400,
			wantCode: "bad_request", wantMsg: "must be a string, got object"},
		{name: "a second object after the first", path: "block", body: `{"type":"person","name":"Reuter"}{"type":"person","name":"Chrysler"}`,
			want: 400, wantCode: "bad_request", wantMsg: "body has data after the JSON object"},
		{name: "trailing garbage", path: "block", body: `{"type":"person","name":"Reuter"} xyz`, want: 400, wantCode: "bad_request",
			wantMsg: "body has data after the JSON object"},
		{name: "body over the limit", path: "merge", body: `{"type":"org","into":"X","names":["` + strings.Repeat("a", 70_000) + `"]}`,
			want: 413, wantCode: "too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, table := newEntityServer(t, Options{AdminKeys: []string{testAdminKey}})
			rec := request{method: http.MethodPost, target: "/api/v1/entities/" + tt.path, body: tt.body,
				header: map[string]string{"Authorization": "Bearer " + testAdminKey, "Content-Type": "application/json"}}.do(t, s)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.want, rec.Body)
			}
			var wantCalls []string
			if tt.call != "" {
				wantCalls = []string{tt.call}
			}
			if diff := cmp.Diff(wantCalls, table.Calls()); diff != "" {
				t.Errorf("editor calls (-want +got):\n%s", diff)
			}
			if tt.want != 200 {
				var e apiError
				decode(t, rec, &e)
				if e.Error.Code != tt.wantCode || !strings.Contains(e.Error.Message, tt.wantMsg) {
					t.Errorf("error %+v, want %s with %q", e.Error, tt.wantCode, tt.wantMsg)
				}
				return
			}
			var res entityResult
			decode(t, rec, &res)
			if diff := cmp.Diff(*tt.entity, res.Entity); diff != "" {
				t.Errorf("entity (-want +got):\n%s", diff)
			}
			if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", cc)
			}
		})
	}
}

// TestEntityMergeChain merges twice, the second time the result of the
// first, and checks the list shows one entity under every old name.
func TestEntityMergeChain(t *testing.T) {
	s, table := newEntityServer(t, Options{AdminKeys: []string{testAdminKey}})
	post := func(path, body string) *httptest.ResponseRecorder {
		t.Helper()
		return request{method: http.MethodPost, target: "/api/v1/entities/" + path, body: body, header: bearerHeader(testAdminKey)}.do(t, s)
	}
	steps := []struct {
		path, body string
		want       int
		entity     search.Entity
	}{
		{"merge", `{"type":"org","names":["Fed","FED"],"into":"Federal Reserve"}`, 200,
			search.Entity{Type: "org", Name: "Federal Reserve", Count: 6, Aliases: []string{"Fed", "FED"}}},
		{"merge", `{"type":"org","names":["Federal Reserve"],"into":"Federal Reserve Board"}`, 200,
			search.Entity{Type: "org", Name: "Federal Reserve Board", Count: 7, Aliases: []string{"Federal Reserve", "Fed", "FED"}}},
		{"rename", `{"type":"org","name":"Federal Reserve Board","to":"Federal Reserve System"}`, 200,
			search.Entity{Type: "org", Name: "Federal Reserve System", Count: 7, Aliases: []string{"Federal Reserve", "Fed", "FED", "Federal Reserve Board"}}},
	}
	for i, st := range steps {
		rec := post(st.path, st.body)
		if rec.Code != st.want {
			t.Fatalf("step %d: status %d: %s", i, rec.Code, rec.Body)
		}
		var res entityResult
		decode(t, rec, &res)
		if diff := cmp.Diff(st.entity, res.Entity); diff != "" {
			t.Errorf("step %d: entity (-want +got):\n%s", i, diff)
		}
	}
	// Every old name finds the one entity now.
	for _, prefix := range []string{"Fed", "FED", "federal reserve b"} {
		rec := get(t, s, "/api/v1/entities?type=org&prefix="+strings.ReplaceAll(prefix, " ", "+"))
		if diff := cmp.Diff([]string{"Federal Reserve System"}, entityNames(t, rec)); diff != "" {
			t.Errorf("prefix %q (-want +got):\n%s", prefix, diff)
		}
	}
	// An old name is the entity itself now: merging it in is a mistake.
	rec := post("merge", `{"type":"org","names":["FED"],"into":"Federal Reserve System"}`)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "into itself") {
		t.Errorf("merging an alias into its entity: %d %s, want 400", rec.Code, rec.Body)
	}
	if n := len(writeCalls(table.Calls())); n != 4 {
		t.Errorf("%d changes reached the editor, want 4: %q", n, table.Calls())
	}
}

func TestEntityExport(t *testing.T) {
	s, _ := newEntityServer(t, Options{AdminKeys: []string{testAdminKey}})
	rec := request{target: "/api/v1/entities/export", header: bearerHeader(testAdminKey)}.do(t, s)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	for h, want := range map[string]string{
		"Content-Type":        "application/yaml",
		"Content-Disposition": `attachment; filename="aliases.yaml"`,
		"Cache-Control":       "no-store",
	} {
		if got := rec.Header().Get(h); got != want {
			t.Errorf("%s %q, want %q", h, got, want)
		}
	}
	want := "persons:\n  Kim Jong Un: [Kim Jong-un]\norganizations:\n  United Nations: [UN]\nplaces:\n  Pyongyang: [P'yongyang]\n"
	if diff := cmp.Diff(want, rec.Body.String()); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}

// TestEntityEndpointsNeedAnEditor: a searcher without entity support
// answers every entity endpoint with 501, also behind the public-key
// guard; before the index is open they are 503 like the rest.
func TestEntityEndpointsNeedAnEditor(t *testing.T) {
	endpoints := []request{
		{target: "/api/v1/entities"},
		{target: "/api/v1/entities/export"},
		{method: http.MethodPost, target: "/api/v1/entities/merge", body: `{"type":"org","names":["Fed"],"into":"X"}`},
		{method: http.MethodPost, target: "/api/v1/entities/rename", body: `{"type":"org","name":"Opec","to":"OPEC"}`},
		{method: http.MethodPost, target: "/api/v1/entities/retype", body: `{"type":"person","name":"Chrysler","to":"org"}`},
		{method: http.MethodPost, target: "/api/v1/entities/block", body: `{"type":"person","name":"Reuter"}`},
		{method: http.MethodPost, target: "/api/v1/entities/unblock", body: `{"type":"person","name":"Reuter"}`},
		{method: http.MethodPost, target: "/api/v1/entities/split", body: `{"type":"org","name":"Fed"}`},
	}
	servers := []struct {
		name     string
		opts     Options
		searcher Searcher
		want     int
		code     string
	}{
		{"plain searcher", Options{AdminKeys: []string{testAdminKey}}, fakeSearcher{}, 501, "not_implemented"},
		{"plain searcher behind public keys", Options{AdminKeys: []string{testAdminKey}, PublicKeys: []PublicKey{{Key: testWideKey}}}, fakeSearcher{}, 501, "not_implemented"},
		{"no index yet", Options{AdminKeys: []string{testAdminKey}}, nil, 503, "not_ready"},
	}
	for _, sv := range servers {
		for _, ep := range endpoints {
			t.Run(sv.name+"/"+ep.target, func(t *testing.T) {
				var logs syncBuffer
				s := New(slog.New(slog.NewTextHandler(&logs, nil)), sv.opts)
				if sv.searcher != nil {
					s.SetSearcher(sv.searcher)
				}
				ep.header = bearerHeader(testAdminKey)
				rec := ep.do(t, s)
				if rec.Code != sv.want {
					t.Fatalf("status %d, want %d: %s", rec.Code, sv.want, rec.Body)
				}
				var e apiError
				decode(t, rec, &e)
				if e.Error.Code != sv.code {
					t.Errorf("error %+v, want %s", e.Error, sv.code)
				}
				if sv.want == 501 && strings.Contains(logs.String(), "request failed") {
					t.Errorf("a %d was logged as a failure: %s", sv.want, logs.String())
				}
			})
		}
	}
}

// TestEntityChangeLogged: each correction leaves a log line saying what
// changed, tied to its request id.
func TestEntityChangeLogged(t *testing.T) {
	var logs syncBuffer
	table := newEntityTable(entityRows()...)
	s := New(slog.New(slog.NewJSONHandler(&logs, nil)), Options{AdminKeys: []string{testAdminKey}, MaxBodyBytes: 1 << 16})
	s.SetSearcher(editingSearcher{fakeSearcher{}, table})
	rec := request{method: http.MethodPost, target: "/api/v1/entities/merge", body: `{"type":"org","names":["Fed","FED"],"into":"Federal Reserve"}`,
		header: map[string]string{"Authorization": "Bearer " + testAdminKey, "X-Request-Id": "merge-42"}}.do(t, s)
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var line string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `"msg":"entity changed"`) {
			line = l
		}
	}
	for _, want := range []string{`"request_id":"merge-42"`, `"op":"merge"`, `"type":"org"`, `"names":["Fed","FED"]`, `"into":"Federal Reserve"`,
		`"result":{"type":"org","name":"Federal Reserve","count":6,"aliases":2,"blocked":false}`} {
		if !strings.Contains(line, want) {
			t.Errorf("log line %q lacks %s", line, want)
		}
	}
	if strings.Contains(logs.String(), testAdminKey) {
		t.Error("the admin key is in the log")
	}
}
