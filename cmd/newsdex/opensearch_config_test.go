package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenSearchConfig(t *testing.T) {
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, []byte("-----BEGIN CERTIFICATE-----\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, yaml, want string }{
		{"default is bleve", "", ""},
		{"opensearch defaults", "index:\n  backend: opensearch\n", ""},
		{"full", "index:\n  backend: opensearch\n  opensearch:\n    urls: [https://a:9200, http://b:9201]\n    name: news-2026\n    shards: 6\n    replicas: 2\n    username: u\n    password: p\n    ca_file: " + ca + "\n", ""},
		{"unknown backend", "index:\n  backend: elastic\n", "index.backend must be bleve or opensearch"},
		{"no urls", "index:\n  backend: opensearch\n  opensearch:\n    urls: []\n", "index.opensearch.urls is empty"},
		{"bad url", "index:\n  backend: opensearch\n  opensearch:\n    urls: [127.0.0.1:9200]\n", "index.opensearch.urls[0]"},
		{"url with path", "index:\n  backend: opensearch\n  opensearch:\n    urls: [http://a:9200/news]\n", "index.opensearch.urls[0]"},
		{"upper-case name", "index:\n  backend: opensearch\n  opensearch:\n    name: News\n", "index.opensearch.name"},
		{"no shards", "index:\n  backend: opensearch\n  opensearch:\n    shards: 0\n", "index.opensearch.shards"},
		{"negative replicas", "index:\n  backend: opensearch\n  opensearch:\n    replicas: -1\n", "index.opensearch.replicas"},
		{"user without password", "index:\n  backend: opensearch\n  opensearch:\n    username: u\n", "username and password go together"},
		{"missing ca", "index:\n  backend: opensearch\n  opensearch:\n    ca_file: /nonexistent/ca.pem\n", "index.opensearch.ca_file"},
		{"typo", "index:\n  opensearch:\n    url: [http://a:9200]\n", "url"},
		// Only the backend in use is checked.
		{"bleve ignores cluster keys", "index:\n  opensearch:\n    shards: 0\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, err := loadConfig(path)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if tt.yaml == "" && cfg.Index.Backend != "bleve" {
					t.Errorf("default backend %q, want bleve", cfg.Index.Backend)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestOpenSearchConfigFromEnv(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("NEWSDEX_INDEX_BACKEND", "opensearch")
	t.Setenv("NEWSDEX_INDEX_OPENSEARCH_URLS", "http://127.0.0.1:9200,http://127.0.0.1:9201")
	t.Setenv("NEWSDEX_INDEX_OPENSEARCH_REPLICAS", "0")
	cfg, err := loadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	o := cfg.Index.OpenSearch
	if cfg.Index.Backend != "opensearch" || len(o.URLs) != 2 || o.URLs[1] != "http://127.0.0.1:9201" || o.Replicas != 0 || o.Name != "newsdex" {
		t.Errorf("env not applied: %+v %+v", cfg.Index.Backend, o)
	}
	opts, err := openSearchOptions(cfg)
	if err != nil || opts.Index != "newsdex" || opts.Shards != 1 {
		t.Errorf("options %+v, %v", opts, err)
	}
}
