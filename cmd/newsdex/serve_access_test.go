package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"newsdex/search"
	"newsdex/search/httpapi"
)

// TestAccessConfig checks the access settings travel from config.yaml to
// the HTTP layer, and that broken key settings stop the service.
func TestAccessConfig(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		want    httpapi.Options
		wantErr string
	}{
		{
			name: "keys, origins and rates",
			yaml: `server:
  cors: {allowed_origins: ["https://news.example.org"]}
  admin_keys: [admin-key-0123456789]
  rate_limit: {rps: 2.5, burst: 5}
  public_full_text: false
  trusted_proxies: [10.0.0.0/8]
  public_keys:
    - key: pk_site
      filter: {source: [Telegraph], from_date: ["2019-01-01"]}
      rps: 10
      burst: 20
    - key: pk_all
`,
			want: httpapi.Options{
				MaxBodyBytes:   10 << 20,
				CORSOrigins:    []string{"https://news.example.org"},
				AdminKeys:      []string{"admin-key-0123456789"},
				RateLimit:      httpapi.Rate{RPS: 2.5, Burst: 5},
				TrustedProxies: []string{"10.0.0.0/8"},
				MaxBackups:     1,
				PublicKeys: []httpapi.PublicKey{
					{Key: "pk_site", Filter: search.Filters{Sources: []string{"The Telegraph"}, FromDate: mustDay(t, "2019-01-01")},
						Rate: httpapi.Rate{RPS: 10, Burst: 20}},
					{Key: "pk_all"},
				},
			},
		},
		{
			name:    "unknown filter field",
			yaml:    "server:\n  public_keys:\n    - key: pk\n      filter: {outlet: [X]}\n",
			wantErr: "server.public_keys[0].filter outlet: unknown field",
		},
		{
			name:    "public key that is also an admin key",
			yaml:    "server:\n  admin_keys: [admin-key-0123456789]\n  public_keys:\n    - key: admin-key-0123456789\n",
			wantErr: "server.public_keys[0].key is also an admin key",
		},
		{
			name:    "short admin key",
			yaml:    "server:\n  admin_keys: [short]\n",
			wantErr: "server.admin_keys[0] is shorter than 16 characters",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, err := loadConfig(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := apiOptions(cfg, slog.New(slog.DiscardHandler))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

func mustDay(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
