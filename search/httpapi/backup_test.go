package httpapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"newsdex/indexer"
)

// fakeBackuper writes body, then fails with err if set.
type fakeBackuper struct {
	body string
	err  error
}

func (f fakeBackuper) Backup(_ context.Context, w io.Writer) (indexer.BackupSummary, error) {
	if f.body == "" {
		return indexer.BackupSummary{}, f.err
	}
	n, _ := io.WriteString(w, f.body)
	return indexer.BackupSummary{Files: 1, Bytes: int64(n)}, f.err
}

func TestBackupEndpoint(t *testing.T) {
	get := request{target: "/api/v1/admin/backup", header: bearerHeader(testAdminKey)}
	tests := []struct {
		name     string
		admin    []string
		b        Backuper
		req      request
		want     int
		wantCode string
	}{
		{"admin key", []string{testAdminKey}, fakeBackuper{body: "TAR"}, get, 200, ""},
		{"no admin keys: disabled", nil, fakeBackuper{body: "TAR"}, get, 403, "writes_disabled"},
		{"no key", []string{testAdminKey}, fakeBackuper{body: "TAR"}, request{target: get.target}, 401, "unauthorized"},
		{"no backuper (serve --force)", []string{testAdminKey}, nil, get, 503, "backup_unavailable"},
		{"fails before writing", []string{testAdminKey}, fakeBackuper{err: errors.New("disk gone")}, get, 500, "internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newAccessServer(t, Options{AdminKeys: tt.admin})
			if tt.b != nil {
				s.SetBackuper(tt.b)
			}
			rec := tt.req.do(t, s)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.want, rec.Body)
			}
			if tt.wantCode != "" {
				if code := errorCode(t, rec); code != tt.wantCode {
					t.Errorf("error code %q, want %q", code, tt.wantCode)
				}
				return
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/x-tar" {
				t.Errorf("Content-Type %q", ct)
			}
			if cd := rec.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="newsdex-backup-`) {
				t.Errorf("Content-Disposition %q", cd)
			}
			if rec.Body.String() != "TAR" {
				t.Errorf("body %q", rec.Body)
			}
		})
	}
}

// TestBackupCutOnError: a backup failing after its body began cuts the
// connection, so that no client takes the partial tar for a backup.
func TestBackupCutOnError(t *testing.T) {
	s := newAccessServer(t, Options{AdminKeys: []string{testAdminKey}})
	s.SetBackuper(fakeBackuper{body: strings.Repeat("x", 64<<10), err: errors.New("segment vanished")})
	ts := httptest.NewServer(s)
	defer ts.Close()
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/v1/admin/backup", nil)
	req.Header.Set("Authorization", "Bearer "+testAdminKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if _, err := io.ReadAll(res.Body); err == nil {
		t.Error("reading a failed backup's body ended cleanly; want an error (connection cut)")
	}
}
