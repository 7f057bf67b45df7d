package httpapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"newsdex/indexer"
)

// Backuper streams a consistent snapshot of the index as a tar while it
// keeps serving. *indexer.Guarded satisfies it.
type Backuper interface {
	Backup(ctx context.Context, w io.Writer) (indexer.BackupSummary, error)
}

var _ Backuper = (*indexer.Guarded)(nil)

// SetBackuper enables GET /api/v1/admin/backup (with admin keys).
func (s *Server) SetBackuper(b Backuper) { s.backuper.Store(&b) }

// handleBackup answers GET /api/v1/admin/backup (admin) with a tar of
// the index as it was when the request arrived; searches and writes go on
// meanwhile. `newsdex restore FILE.tar DIR` unpacks and checks it. Once
// the body has begun, an error can no longer change the status: the
// connection is cut instead, and the tar then lacks its manifest and
// root.bolt, so restore refuses it.
func (s *Server) handleBackup(c *gin.Context) {
	p := s.backuper.Load()
	if p == nil {
		s.deny(c, http.StatusServiceUnavailable, "backup_unavailable",
			"backups are not available: the index is not open yet, or is served read-only (serve --force)")
		return
	}
	// Each backup pins a snapshot (its segment files outlive merges) and
	// keeps a core copying: a few at once are a cheap way to fill a disk
	// or starve searches.
	select {
	case s.backups <- struct{}{}:
		defer func() { <-s.backups }()
	default:
		c.Header("Retry-After", strconv.Itoa(s.backupRetryAfter()))
		s.deny(c, http.StatusTooManyRequests, "backup_in_progress", fmt.Sprintf(
			"%d backup(s) already streaming, the most server.max_backups allows; try again when it has finished", s.opts.MaxBackups))
		return
	}
	start := time.Now()
	defer func() { s.lastBackup.Store(int64(time.Since(start))) }()
	name := "newsdex-backup-" + start.UTC().Format("20060102T150405Z") + ".tar"
	c.Header("Content-Type", "application/x-tar")
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	sum, err := (*p).Backup(c.Request.Context(), c.Writer)
	if err != nil {
		if !c.Writer.Written() {
			s.writeError(c, err)
			return
		}
		s.logger.LogAttrs(c.Request.Context(), slog.LevelError, "backup failed while streaming",
			slog.String("request_id", c.GetString(requestIDKey)), slog.String("error", err.Error()),
			slog.Int64("bytes", sum.Bytes))
		panic(http.ErrAbortHandler) // cut the connection: the client must not take a partial tar for a backup
	}
	s.logger.LogAttrs(c.Request.Context(), slog.LevelInfo, "backup streamed",
		slog.Int("files", sum.Files), slog.Int64("bytes", sum.Bytes), slog.Duration("took", time.Since(start)))
}

// backupRetryAfter is the Retry-After for a backup refused while others
// stream: as long as the last one took, in whole seconds, at least 1 (10
// before any has finished).
func (s *Server) backupRetryAfter() int {
	d := time.Duration(s.lastBackup.Load())
	if d == 0 {
		return 10
	}
	return max(1, int((d+time.Second-1)/time.Second))
}
