package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/blevesearch/bleve/v2"

	"newsdex/indexer"
	"newsdex/search"
	"newsdex/search/alert"
	"newsdex/search/httpapi"
)

// alertStateFile remembers how far each alert has read and what it has
// sent, in the index folder.
const alertStateFile = "newsdex-alert-state.json"

// settledFunc gives the ingest stamp up to which every write has ended
// (indexer.Ingester.Settled).
type settledFunc func(context.Context) (string, error)

// newAlerter builds the configured alerts over idx; nil when there are
// none. An index built before ingest stamps is an error: its writes would
// never reach the alerts, and saying so beats staying silent.
func newAlerter(cfg Config, idx bleve.Index, logger *slog.Logger) (*alert.Alerter, error) {
	if len(cfg.Alerts) == 0 {
		return nil, nil
	}
	if err := indexer.CheckIngestStamps(idx); err != nil {
		return nil, fmt.Errorf("alerts on %s: %w (or remove alerts from the config)", cfg.Index.Dir, err)
	}
	aliases, err := loadAliases(cfg)
	if err != nil {
		return nil, err
	}
	var alerts []alert.Alert
	for i, a := range cfg.Alerts {
		f, err := httpapi.FilterFromConfig(a.Filters, aliases)
		if err != nil {
			return nil, fmt.Errorf("alerts[%d]: %w", i, err)
		}
		alerts = append(alerts, alert.Alert{Name: a.Name, Query: a.Query, Filters: f, Webhook: a.Webhook})
	}
	return alert.New(alerts, filepath.Join(cfg.Index.Dir, alertStateFile),
		alert.Options{PageSize: min(100, cfg.Search.MaxSize)}, logger.With(slog.String("component", "alerts")))
}

// startAlerts runs the alerts in the background over sr: once at start,
// catching up on what was written while nothing watched, then after every
// write w makes, whichever path it came by (HTTP writes, the fetcher).
// The returned function stops them and waits until they have; with no
// alerts configured it does nothing.
func startAlerts(ctx context.Context, cfg Config, idx bleve.Index, w *indexer.Writer, sr alert.Searcher, logger *slog.Logger) (wait func(), err error) {
	al, err := newAlerter(cfg, idx, logger)
	if err != nil || al == nil {
		return func() {}, err
	}
	kick := make(chan struct{}, 1)
	w.OnWrite = func(indexer.Summary) {
		select {
		case kick <- struct{}{}:
		default: // a check is already due; it will see this write too
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		al.Run(ctx, sr, w.Settled, kick)
	}()
	return func() { cancel(); <-done }, nil
}

// checkAlertsOnce runs the alerts once, for the commands that write and
// exit (index, fetch --once), over a search service of its own on idx.
func checkAlertsOnce(ctx context.Context, cfg Config, idx bleve.Index, settled settledFunc, logger *slog.Logger) error {
	al, err := newAlerter(cfg, idx, logger)
	if err != nil || al == nil {
		return err
	}
	aliases, err := loadAliases(cfg)
	if err != nil {
		return err
	}
	svc, err := search.NewService(idx, searchLimits(cfg), logger, aliases)
	if err != nil {
		return err
	}
	upTo, err := settled(ctx)
	if err != nil {
		return err
	}
	if err := al.Check(ctx, svc, upTo); err != nil {
		return fmt.Errorf("alerts: %w", err)
	}
	return nil
}
