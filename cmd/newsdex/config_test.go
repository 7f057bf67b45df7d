package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// builtinConfig is the config with no file at all.
func builtinConfig(t *testing.T) Config {
	t.Helper()
	t.Chdir(t.TempDir()) // no config.yaml here
	cfg, err := loadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// The shipped config.yaml must say exactly what the binary assumes.
func TestConfigFileMatchesBuiltinDefaults(t *testing.T) {
	abs, err := filepath.Abs("../../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fromFile, err := loadConfig(abs)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(builtinConfig(t), fromFile); diff != "" {
		t.Errorf("config.yaml differs from the built-in defaults (-builtin +file):\n%s", diff)
	}
}

func TestConfigLayers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "partial.yaml")
	if err := os.WriteFile(path, []byte("server:\n  addr: 0.0.0.0:9000\nsearch:\n  timeout: 2s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NEWSDEX_SEARCH_MAX_SIZE", "50")
	t.Setenv("NEWSDEX_SERVER_CORS_ALLOWED_ORIGINS", "https://a.example,https://b.example")
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.Addr != "0.0.0.0:9000" || cfg.Search.Timeout != 2*time.Second {
		t.Errorf("file values not applied: %+v", cfg)
	}
	if cfg.Index.Dir != "data/index" || cfg.Search.MaxOffset != 1000 {
		t.Errorf("keys the file does not set lost their defaults: %+v", cfg)
	}
	if cfg.Search.MaxSize != 50 {
		t.Errorf("env override: max_size = %d, want 50", cfg.Search.MaxSize)
	}
	if diff := cmp.Diff([]string{"https://a.example", "https://b.example"}, cfg.Server.CORS.AllowedOrigins); diff != "" {
		t.Errorf("env list override (-want +got):\n%s", diff)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"typo in key", "serch:\n  timeout: 2s\n", "serch"},
		{"bad operator", "search:\n  default_operator: xor\n", "default_operator"},
		{"bad duration", "search:\n  timeout: soon\n", "timeout"},
		{"short admin key", "server:\n  admin_keys: [abc]\n", "admin_keys[0]"},
		{"not yaml", "index: [\n", "read config"},
		{"short state horizon", "ingest:\n  state_horizon: 1h\n", "ingest.state_horizon must be at least 24h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := loadConfig(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
	if _, err := loadConfig(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("an explicit --config that does not exist must be an error")
	}
}
