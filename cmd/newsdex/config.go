package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/viper"

	"newsdex/search/httpapi"
	"newsdex/search/rank"
)

// Config is every setting newsdex reads. It is the only place that knows
// about viper: the rest of the program gets plain values from it.
type Config struct {
	Index  IndexConfig  `mapstructure:"index"`
	Server ServerConfig `mapstructure:"server"`
	Search SearchConfig `mapstructure:"search"`
	Log    LogConfig    `mapstructure:"log"`
	Ingest IngestConfig `mapstructure:"ingest"`

	// Alerts are saved searches whose new matches go to webhooks.
	Alerts []AlertConfig `mapstructure:"alerts"`
}

// AlertConfig is a saved search whose new matches are posted to Webhook
// after each fetch or ingest.
type AlertConfig struct {
	Name    string              `mapstructure:"name"`
	Query   string              `mapstructure:"q"`
	Filters map[string][]string `mapstructure:"filters"`
	Webhook string              `mapstructure:"webhook"`
}

// IngestConfig is the fetcher of feeds and pages (newsdex fetch, and
// serve when Sources is set).
type IngestConfig struct {
	Sources              string        `mapstructure:"sources"`
	UserAgent            string        `mapstructure:"user_agent"`
	Interval             time.Duration `mapstructure:"interval"`
	HostDelay            time.Duration `mapstructure:"host_delay"`
	Timeout              time.Duration `mapstructure:"timeout"`
	MaxPageBytes         int64         `mapstructure:"max_page_bytes"`
	MaxFeedBytes         int64         `mapstructure:"max_feed_bytes"`
	MaxRedirects         int           `mapstructure:"max_redirects"`
	Retries              int           `mapstructure:"retries"`
	MaxItemsPerFeed      int           `mapstructure:"max_items_per_feed"`
	AllowPrivateNetworks bool          `mapstructure:"allow_private_networks"`
	StaleAfter           time.Duration `mapstructure:"stale_after"`
	StateHorizon         time.Duration `mapstructure:"state_horizon"`
}

// IndexConfig says where the index lives and how ingest writes it.
type IndexConfig struct {
	Dir        string `mapstructure:"dir"`
	Aliases    string `mapstructure:"aliases"`
	BatchDocs  int    `mapstructure:"batch_docs"`
	BatchBytes int    `mapstructure:"batch_bytes"`
	Workers    int    `mapstructure:"workers"`
	Entities   bool   `mapstructure:"entities"`
	// RestoreMaxBytes caps what `newsdex restore` unpacks (0: only the
	// target's free space limits it).
	RestoreMaxBytes int64 `mapstructure:"restore_max_bytes"`
	// Backend is where articles live: bleve (the embedded index in Dir)
	// or opensearch (a cluster; issue 18, opensearch.go).
	Backend    string           `mapstructure:"backend"`
	OpenSearch OpenSearchConfig `mapstructure:"opensearch"`
}

// ServerConfig is the HTTP service.
type ServerConfig struct {
	Addr              string          `mapstructure:"addr"`
	ReadHeaderTimeout time.Duration   `mapstructure:"read_header_timeout"`
	ShutdownTimeout   time.Duration   `mapstructure:"shutdown_timeout"`
	MaxBodyBytes      int64           `mapstructure:"max_body_bytes"`
	CORS              CORSConfig      `mapstructure:"cors"`
	AdminKeys         []string        `mapstructure:"admin_keys"`
	PublicKeys        []PublicKey     `mapstructure:"public_keys"`
	RateLimit         RateLimitConfig `mapstructure:"rate_limit"`
	PublicFullText    bool            `mapstructure:"public_full_text"`
	TrustedProxies    []string        `mapstructure:"trusted_proxies"`
	MaxBackups        int             `mapstructure:"max_backups"`
}

// CORSConfig lists the browser origins allowed to call the API.
type CORSConfig struct {
	AllowedOrigins []string `mapstructure:"allowed_origins"`
}

// PublicKey is a read key for a site that embeds the search, optionally
// limited to part of the archive and to its own request rate.
type PublicKey struct {
	Key    string              `mapstructure:"key"`
	Filter map[string][]string `mapstructure:"filter"`
	RPS    float64             `mapstructure:"rps"`
	Burst  int                 `mapstructure:"burst"`
}

// RateLimitConfig is the per-client token bucket; RPS 0 turns it off.
type RateLimitConfig struct {
	RPS   float64 `mapstructure:"rps"`
	Burst int     `mapstructure:"burst"`
}

// SearchConfig bounds and tunes queries.
type SearchConfig struct {
	DefaultOperator  string        `mapstructure:"default_operator"`
	Timeout          time.Duration `mapstructure:"timeout"`
	MaxQueryLength   int           `mapstructure:"max_query_length"`
	MaxClauses       int           `mapstructure:"max_clauses"`
	MaxDepth         int           `mapstructure:"max_depth"`
	MaxTermExpansion int           `mapstructure:"max_term_expansion"`
	MaxSize          int           `mapstructure:"max_size"`
	MaxOffset        int           `mapstructure:"max_offset"`
	MaxFacetSize     int           `mapstructure:"max_facet_size"`
	TitleBoost       float64       `mapstructure:"title_boost"`
	RecencyBoost     float64       `mapstructure:"recency_boost"`
	// Research analytics (issue 13).
	MaxAnalysisSize   int `mapstructure:"max_analysis_size"`
	SignificantSample int `mapstructure:"significant_sample"`
	// Near-duplicate grouping (issue 13, package neardup).
	NearDuplicateJaccard     float64 `mapstructure:"near_duplicate_jaccard"`
	NearDuplicateContainment float64 `mapstructure:"near_duplicate_containment"`
	// Ranking (issue 16, package rank): BM25, proximity, feedback.
	BM25K1          float64 `mapstructure:"bm25_k1"`
	BM25B           float64 `mapstructure:"bm25_b"`
	ProximityWeight float64 `mapstructure:"proximity_weight"`
	FeedbackDocs    int     `mapstructure:"feedback_docs"`
	FeedbackTerms   int     `mapstructure:"feedback_terms"`
	FeedbackOrig    float64 `mapstructure:"feedback_question_weight"`
}

// ranking returns the rank settings the config sets, the rest as
// rank.DefaultParams has them.
func (s SearchConfig) ranking() rank.Params {
	p := rank.DefaultParams()
	p.K1, p.B, p.ProxWeight = s.BM25K1, s.BM25B, s.ProximityWeight
	p.FeedbackDocs, p.FeedbackTerms, p.FeedbackOrig = s.FeedbackDocs, s.FeedbackTerms, s.FeedbackOrig
	return p
}

// LogConfig chooses the log format and level.
type LogConfig struct {
	Format string `mapstructure:"format"`
	Level  string `mapstructure:"level"`
}

// defaults are built into the binary and match config.yaml, so a config
// file needs to set only what it changes.
var defaults = map[string]any{
	"index.dir":                         "data/index",
	"index.aliases":                     "",
	"index.batch_docs":                  1000,
	"index.batch_bytes":                 8 << 20,
	"index.workers":                     0,
	"index.entities":                    true,
	"index.backend":                     "bleve",
	"index.opensearch.urls":             []string{"http://127.0.0.1:9200"},
	"index.opensearch.name":             "newsdex",
	"index.opensearch.shards":           1,
	"index.opensearch.replicas":         1,
	"index.opensearch.username":         "",
	"index.opensearch.password":         "",
	"index.opensearch.ca_file":          "",
	"server.addr":                       "127.0.0.1:8080",
	"server.read_header_timeout":        "5s",
	"server.shutdown_timeout":           "10s",
	"server.max_body_bytes":             10 << 20,
	"server.cors.allowed_origins":       []string{},
	"server.admin_keys":                 []string{},
	"server.public_keys":                []map[string]any{},
	"server.rate_limit.rps":             0.0,
	"server.rate_limit.burst":           20,
	"server.public_full_text":           true,
	"server.trusted_proxies":            []string{},
	"server.max_backups":                1,
	"index.restore_max_bytes":           0,
	"search.default_operator":           "and",
	"search.timeout":                    "5s",
	"search.max_query_length":           4096,
	"search.max_clauses":                1024,
	"search.max_depth":                  32,
	"search.max_term_expansion":         2000,
	"search.max_size":                   100,
	"search.max_offset":                 1000,
	"search.max_facet_size":             100,
	"search.title_boost":                2.0,
	"search.recency_boost":              0.0,
	"search.max_analysis_size":          200,
	"search.significant_sample":         1000,
	"search.near_duplicate_jaccard":     0.5,
	"search.near_duplicate_containment": 0.8,
	"search.bm25_k1":                    1.2,
	"search.bm25_b":                     0.75,
	"search.proximity_weight":           1.0,
	"search.feedback_docs":              5,
	"search.feedback_terms":             20,
	"search.feedback_question_weight":   0.5,
	"log.format":                        "text",
	"log.level":                         "info",

	// The fetcher (fetch.go).
	"ingest.sources":                "",
	"ingest.user_agent":             "newsdex/1.0 (+https://github.com/newsdex/newsdex)",
	"ingest.interval":               "30m",
	"ingest.host_delay":             "1s",
	"ingest.timeout":                "20s",
	"ingest.max_page_bytes":         5 << 20,
	"ingest.max_feed_bytes":         10 << 20,
	"ingest.max_redirects":          5,
	"ingest.retries":                2,
	"ingest.max_items_per_feed":     200,
	"ingest.allow_private_networks": false,
	"ingest.stale_after":            "48h",
	"ingest.state_horizon":          "720h",

	// Saved searches posting new matches to webhooks (alerts.go).
	"alerts": []map[string]any{},
}

// defaultConfigFile is read when --config is not given, if it exists.
const defaultConfigFile = "config.yaml"

// loadConfig layers the built-in defaults, the config file and NEWSDEX_*
// environment variables. path "" means config.yaml if present; a path that
// was asked for explicitly must exist.
func loadConfig(path string) (Config, error) {
	v := viper.New()
	for k, val := range defaults {
		v.SetDefault(k, val)
	}
	explicit := path != ""
	if !explicit {
		path = defaultConfigFile
	}
	v.SetConfigFile(path)
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil {
		if explicit || !errors.Is(err, fs.ErrNotExist) {
			return Config{}, fmt.Errorf("read config %s: %w", path, err)
		}
	}
	v.SetEnvPrefix("NEWSDEX")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	var cfg Config
	if err := v.UnmarshalExact(&cfg); err != nil {
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(c.Index.Dir != "", "index.dir is empty")
	check(c.Index.BatchDocs > 0, "index.batch_docs must be positive, got %d", c.Index.BatchDocs)
	check(c.Index.BatchBytes > 0, "index.batch_bytes must be positive, got %d", c.Index.BatchBytes)
	switch c.Index.Backend {
	case "bleve":
	case "opensearch":
		errs = append(errs, c.Index.OpenSearch.validate()...)
		// Alerts read the Bleve index's ingest stamps (alerts.go).
		check(len(c.Alerts) == 0, "alerts need index.backend: bleve; remove alerts or use the bleve backend")
	default:
		check(false, "index.backend must be bleve or opensearch, got %q", c.Index.Backend)
	}
	check(c.Index.Workers >= 0, "index.workers must be 0 (all cores) or positive, got %d", c.Index.Workers)
	check(c.Server.Addr != "", "server.addr is empty")
	check(c.Server.MaxBodyBytes > 0, "server.max_body_bytes must be positive")
	check(c.Server.MaxBackups > 0, "server.max_backups must be positive, got %d", c.Server.MaxBackups)
	check(c.Index.RestoreMaxBytes >= 0, "index.restore_max_bytes must be 0 (no cap) or positive, got %d", c.Index.RestoreMaxBytes)
	check(c.Server.RateLimit.RPS >= 0, "server.rate_limit.rps must be >= 0")
	check(c.Server.RateLimit.RPS == 0 || c.Server.RateLimit.Burst > 0, "server.rate_limit.burst must be positive when rps is set")
	for i, k := range c.Server.PublicKeys {
		check(k.Key != "", "server.public_keys[%d].key is empty", i)
		check(k.RPS >= 0 && k.Burst >= 0, "server.public_keys[%d]: rps and burst must be >= 0", i)
		check(!slices.Contains(c.Server.AdminKeys, k.Key), "server.public_keys[%d].key is also an admin key", i)
		if _, err := httpapi.FilterFromConfig(k.Filter, nil); err != nil {
			check(false, "server.public_keys[%d].%v", i, err)
		}
	}
	for i, k := range c.Server.AdminKeys {
		check(len(k) >= 16, "server.admin_keys[%d] is shorter than 16 characters", i)
	}
	op := strings.ToLower(c.Search.DefaultOperator)
	check(op == "and" || op == "or", "search.default_operator must be and or or, got %q", c.Search.DefaultOperator)
	check(c.Search.Timeout > 0, "search.timeout must be positive")
	check(c.Search.MaxQueryLength > 0, "search.max_query_length must be positive")
	check(c.Search.MaxClauses > 0, "search.max_clauses must be positive")
	check(c.Search.MaxDepth > 0, "search.max_depth must be positive")
	check(c.Search.MaxTermExpansion > 0, "search.max_term_expansion must be positive")
	check(c.Search.MaxSize > 0, "search.max_size must be positive")
	check(c.Search.MaxOffset >= 0, "search.max_offset must be >= 0")
	check(c.Search.MaxFacetSize > 0, "search.max_facet_size must be positive")
	check(c.Search.TitleBoost > 0, "search.title_boost must be positive")
	check(c.Search.RecencyBoost >= 0, "search.recency_boost must be >= 0")
	check(c.Search.BM25K1 > 0 && c.Search.BM25K1 <= 100, "search.bm25_k1 must be positive (at most 100)")
	check(c.Search.BM25B >= 0 && c.Search.BM25B <= 1, "search.bm25_b must be between 0 and 1")
	check(c.Search.ProximityWeight >= 0 && c.Search.ProximityWeight <= 100, "search.proximity_weight must be between 0 and 100")
	check(c.Search.FeedbackDocs >= 0 && c.Search.FeedbackDocs <= 100, "search.feedback_docs must be between 0 and 100")
	check(c.Search.FeedbackTerms >= 0 && c.Search.FeedbackTerms <= 200, "search.feedback_terms must be between 0 and 200")
	check(c.Search.FeedbackOrig >= 0 && c.Search.FeedbackOrig <= 1, "search.feedback_question_weight must be between 0 and 1")
	check(c.Search.MaxAnalysisSize > 0, "search.max_analysis_size must be positive")
	check(c.Search.SignificantSample > 0, "search.significant_sample must be positive")
	check(c.Search.NearDuplicateJaccard > 0 && c.Search.NearDuplicateJaccard <= 1, "search.near_duplicate_jaccard must be in (0, 1]")
	check(c.Search.NearDuplicateContainment > 0 && c.Search.NearDuplicateContainment <= 1, "search.near_duplicate_containment must be in (0, 1]")
	in := c.Ingest
	check(strings.TrimSpace(in.UserAgent) != "" && !strings.ContainsAny(in.UserAgent, "\r\n"), "ingest.user_agent must be one non-empty line")
	check(in.Interval >= time.Minute, "ingest.interval must be at least 1m, got %s", in.Interval)
	check(in.HostDelay >= 0, "ingest.host_delay must be >= 0")
	check(in.Timeout > 0, "ingest.timeout must be positive")
	check(in.MaxPageBytes > 0, "ingest.max_page_bytes must be positive")
	check(in.MaxFeedBytes > 0, "ingest.max_feed_bytes must be positive")
	check(in.MaxRedirects > 0 && in.MaxRedirects <= 20, "ingest.max_redirects must be between 1 and 20, got %d", in.MaxRedirects)
	check(in.Retries >= 0 && in.Retries <= 10, "ingest.retries must be between 0 and 10, got %d", in.Retries)
	check(in.MaxItemsPerFeed > 0, "ingest.max_items_per_feed must be positive")
	check(in.StaleAfter >= 0, "ingest.stale_after must be >= 0 (0: never flag)")
	check(in.StateHorizon >= 24*time.Hour, "ingest.state_horizon must be at least 24h (the sources' last-day counts read it), got %s", in.StateHorizon)
	alertNames := map[string]bool{}
	for i, a := range c.Alerts {
		check(strings.TrimSpace(a.Name) != "", "alerts[%d].name is empty", i)
		check(!alertNames[a.Name], "alerts[%d].name %q is used twice", i, a.Name)
		alertNames[a.Name] = true
		u, err := url.Parse(a.Webhook)
		check(err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "",
			"alerts[%d].webhook must be an http(s) URL, got %q", i, a.Webhook)
		if _, err := httpapi.FilterFromConfig(a.Filters, nil); err != nil {
			check(false, "alerts[%d].%v", i, err)
		}
	}
	check(c.Log.Format == "text" || c.Log.Format == "json", "log.format must be text or json, got %q", c.Log.Format)
	switch strings.ToLower(c.Log.Level) {
	case "debug", "info", "warn", "error":
	default:
		check(false, "log.level must be debug, info, warn or error, got %q", c.Log.Level)
	}
	return errors.Join(errs...)
}

// aliasesFile returns the configured alias table, or nil for the built-in one.
func (c Config) aliasesFile() ([]byte, error) {
	if c.Index.Aliases == "" {
		return nil, nil
	}
	b, err := os.ReadFile(c.Index.Aliases)
	if err != nil {
		return nil, fmt.Errorf("read aliases: %w", err)
	}
	return b, nil
}
