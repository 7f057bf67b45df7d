package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/blevesearch/bleve/v2"

	"newsdex/search"
	"newsdex/search/alert"
	"newsdex/search/httpapi"
)

// alertStateFile remembers what each alert has sent, in the index folder.
const alertStateFile = "newsdex-alert-state.json"

// alertHook returns a function that runs the configured alerts against
// sr, logging their errors; nil when no alerts are configured.
func alertHook(cfg Config, sr alert.Searcher, logger *slog.Logger) (func(context.Context), error) {
	if len(cfg.Alerts) == 0 {
		return nil, nil
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
	logger = logger.With(slog.String("component", "alerts"))
	al, err := alert.New(alerts, filepath.Join(cfg.Index.Dir, alertStateFile),
		alert.Options{PageSize: min(100, cfg.Search.MaxSize)}, logger)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) {
		if err := al.Check(ctx, sr); err != nil && ctx.Err() == nil {
			logger.Error("alerts", slog.String("error", err.Error()))
		}
	}, nil
}

// indexAlertHook is alertHook over a search service of its own on idx,
// for the commands that do not serve.
func indexAlertHook(cfg Config, idx bleve.Index, logger *slog.Logger) (func(context.Context), error) {
	if len(cfg.Alerts) == 0 {
		return nil, nil
	}
	aliases, err := loadAliases(cfg)
	if err != nil {
		return nil, err
	}
	svc, err := search.NewService(idx, searchLimits(cfg), logger, aliases)
	if err != nil {
		return nil, err
	}
	return alertHook(cfg, svc, logger)
}
