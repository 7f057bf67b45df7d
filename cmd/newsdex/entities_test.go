package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// The entities command corrects the built-in corpus's index and the
// corrections show in searches run later by another process.
func TestEntitiesCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	if _, _, err := runCmd(t, "index", "--index", dir, "../../data/articles.txt"); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, "entities", "list", "--index", dir, "--type", "person", "--prefix", "jo song")
	if err != nil || !strings.Contains(out, "Jo Song Gil") || !strings.Contains(out, "       5  person") {
		t.Fatalf("list: %q %v", out, err)
	}
	steps := []struct {
		args    []string
		wantOut string
		wantErr string
	}{
		{[]string{"rename", "--type", "person", "Jo Song Gil", "Jo Song-gil"}, "Jo Song-gil", ""},
		{[]string{"block", "--type", "person", "Trump"}, "[blocked]", ""},
		{[]string{"retype", "--type", "place", "Panmunjom", "org"}, "org    Panmunjom", ""},
		{[]string{"merge", "--type", "place", "--into", "North Korea", "North Korea"}, "", "into itself"},
		{[]string{"block", "--type", "person", "Nobody Here"}, "", "no such entity"},
		{[]string{"block", "--type", "company", "Trump"}, "", "type \"company\""},
		{[]string{"block", "Trump"}, "", "needs --type"},
		{[]string{"frobnicate"}, "", "unknown entities action"},
	}
	for _, st := range steps {
		out, _, err := runCmd(t, append([]string{"entities", st.args[0], "--index", dir}, st.args[1:]...)...)
		if st.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), st.wantErr) {
				t.Errorf("%v: err = %v, want %q", st.args, err, st.wantErr)
			}
			continue
		}
		if err != nil || !strings.Contains(out, st.wantOut) {
			t.Errorf("%v: %q %v, want %q", st.args, out, err, st.wantOut)
		}
	}
	out, _, err = runCmd(t, "search", "--index", dir, "--facets", "person,org", "")
	if err != nil || !strings.Contains(out, "Jo Song-gil") || strings.Contains(out, "Trump") {
		t.Errorf("search after corrections: %q %v", out, err)
	}
	out, _, err = runCmd(t, "entities", "list", "--index", dir, "--type", "org", "--prefix", "panmun")
	if err != nil || !strings.Contains(out, "org    Panmunjom") {
		t.Errorf("retyped entity not listed as an org: %q %v", out, err)
	}
	out, _, err = runCmd(t, "entities", "export", "--index", dir)
	if err != nil || !strings.Contains(out, "blocked:") || !strings.Contains(out, "- Trump") {
		t.Errorf("export: %q %v", out, err)
	}
}
