package indexer

import "testing"

func TestNormalizeURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://Example.ORG/a?utm_source=x&id=3#top", "https://example.org/a?id=3"},
		{"HTTP://example.org:80", "http://example.org/"},
		{"https://example.org:8443/x", "https://example.org:8443/x"},
		{" not a url ", "not a url"},
	}
	for _, tt := range tests {
		if got := NormalizeURL(tt.in); got != tt.want {
			t.Errorf("NormalizeURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if URLID("https://example.org/a#x") != URLID("https://EXAMPLE.org/a?utm_medium=rss") {
		t.Error("URLID differs for the same page")
	}
	if URLID("https://example.org/a") == URLID("https://example.org/b") {
		t.Error("URLID equal for different pages")
	}
}
