package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/viper"

	"newsdex/search/httpapi"
)

// Config is every setting newsdex reads. It is the only place that knows
// about viper: the rest of the program gets plain values from it.
type Config struct {
	Index  IndexConfig  `mapstructure:"index"`
	Server ServerConfig `mapstructure:"server"`
	Search SearchConfig `mapstructure:"search"`
	Log    LogConfig    `mapstructure:"log"`
}

// IndexConfig says where the index lives and how ingest writes it.
type IndexConfig struct {
	Dir        string `mapstructure:"dir"`
	Aliases    string `mapstructure:"aliases"`
	BatchDocs  int    `mapstructure:"batch_docs"`
	BatchBytes int    `mapstructure:"batch_bytes"`
	Workers    int    `mapstructure:"workers"`
	Entities   bool   `mapstructure:"entities"`
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
	"log.format":                        "text",
	"log.level":                         "info",
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
	check(c.Index.Workers >= 0, "index.workers must be 0 (all cores) or positive, got %d", c.Index.Workers)
	check(c.Server.Addr != "", "server.addr is empty")
	check(c.Server.MaxBodyBytes > 0, "server.max_body_bytes must be positive")
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
	check(c.Search.MaxAnalysisSize > 0, "search.max_analysis_size must be positive")
	check(c.Search.SignificantSample > 0, "search.significant_sample must be positive")
	check(c.Search.NearDuplicateJaccard > 0 && c.Search.NearDuplicateJaccard <= 1, "search.near_duplicate_jaccard must be in (0, 1]")
	check(c.Search.NearDuplicateContainment > 0 && c.Search.NearDuplicateContainment <= 1, "search.near_duplicate_containment must be in (0, 1]")
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
