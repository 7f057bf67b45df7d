package main

import (
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"

	"newsdex/search/opensearch"
)

// OpenSearchConfig is the cluster that holds the articles when
// index.backend is opensearch.
type OpenSearchConfig struct {
	URLs     []string `mapstructure:"urls"`
	Name     string   `mapstructure:"name"`
	Shards   int      `mapstructure:"shards"`
	Replicas int      `mapstructure:"replicas"`
	Username string   `mapstructure:"username"`
	Password string   `mapstructure:"password"`
	CAFile   string   `mapstructure:"ca_file"`
}

// indexName is what OpenSearch accepts as an index name, kept to the
// letters a shell and a URL path take without quoting.
var indexName = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,199}$`)

// validate lists what cannot work, each naming its key.
func (o OpenSearchConfig) validate() []error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(len(o.URLs) > 0, "index.opensearch.urls is empty: name at least one node, e.g. http://127.0.0.1:9200")
	for i, raw := range o.URLs {
		u, err := url.Parse(strings.TrimSpace(raw))
		check(err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && (u.Path == "" || u.Path == "/"),
			"index.opensearch.urls[%d] must be an http(s) URL of a node, like http://127.0.0.1:9200, got %q", i, raw)
	}
	check(indexName.MatchString(o.Name) && o.Name != "." && o.Name != "..",
		"index.opensearch.name must be a lower-case index name (a-z, 0-9, _ . -, not starting with them), got %q", o.Name)
	check(o.Shards >= 1 && o.Shards <= 1024, "index.opensearch.shards must be between 1 and 1024, got %d", o.Shards)
	check(o.Replicas >= 0 && o.Replicas <= 16, "index.opensearch.replicas must be between 0 and 16, got %d", o.Replicas)
	check((o.Username == "") == (o.Password == ""), "index.opensearch.username and password go together: set both or neither")
	if o.CAFile != "" {
		_, err := os.Stat(o.CAFile)
		check(err == nil, "index.opensearch.ca_file: %v", err)
	}
	return errs
}

// openSearchOptions copies the cluster settings from the config.
func openSearchOptions(cfg Config) (opensearch.Options, error) {
	o := cfg.Index.OpenSearch
	opts := opensearch.Options{
		URLs: o.URLs, Index: o.Name, Shards: o.Shards, Replicas: o.Replicas,
		Username: o.Username, Password: o.Password,
	}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return opts, fmt.Errorf("index.opensearch.ca_file: %w", err)
		}
		opts.CACert = pem
	}
	return opts, nil
}
