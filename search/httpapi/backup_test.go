package httpapi

import (
	"context"
	"errors"
	"fmt"
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

// blockingBackuper streams until release is closed, saying on started
// when a backup has begun.
type blockingBackuper struct {
	started chan struct{}
	release chan struct{}
}

func (b blockingBackuper) Backup(ctx context.Context, w io.Writer) (indexer.BackupSummary, error) {
	io.WriteString(w, "TAR")
	b.started <- struct{}{}
	select {
	case <-b.release:
	case <-ctx.Done():
	}
	return indexer.BackupSummary{Files: 1, Bytes: 3}, nil
}

// TestConcurrentBackupsLimited: at most server.max_backups backups
// stream at once; one more is 429 backup_in_progress with Retry-After,
// and once one has finished the next is served.
func TestConcurrentBackupsLimited(t *testing.T) {
	get := request{target: "/api/v1/admin/backup", header: bearerHeader(testAdminKey)}
	for _, limit := range []int{0, 1, 2} { // 0: the default, 1
		allowed := max(limit, 1)
		t.Run(fmt.Sprintf("max_backups=%d", limit), func(t *testing.T) {
			s := newAccessServer(t, Options{AdminKeys: []string{testAdminKey}, MaxBackups: limit})
			b := blockingBackuper{started: make(chan struct{}), release: make(chan struct{})}
			s.SetBackuper(b)
			done := make(chan int, allowed)
			for range allowed {
				go func() { done <- get.do(t, s).Code }()
				<-b.started
			}
			rec := get.do(t, s)
			if rec.Code != http.StatusTooManyRequests || errorCode(t, rec) != "backup_in_progress" {
				t.Fatalf("backup %d while %d stream: %d %s, want 429 backup_in_progress", allowed+1, allowed, rec.Code, rec.Body)
			}
			if ra := rec.Header().Get("Retry-After"); ra != "10" {
				t.Errorf("Retry-After %q, want 10 before any backup has finished", ra)
			}
			if !strings.Contains(rec.Body.String(), "server.max_backups") {
				t.Errorf("message does not name the setting: %s", rec.Body)
			}
			close(b.release)
			for range allowed {
				if code := <-done; code != 200 {
					t.Errorf("streaming backup: %d", code)
				}
			}
			go func() { <-b.started }()
			if rec := get.do(t, s); rec.Code != 200 {
				t.Errorf("backup after the others finished: %d %s", rec.Code, rec.Body)
			}
		})
	}
}
