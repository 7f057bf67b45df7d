package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
)

// usageError is a mistake on the command line; it exits with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

const usage = `newsdex: full-text search for news archives

Usage:
  newsdex index  [--index DIR] [--config FILE] PATH...   ingest files and folders
  newsdex fetch  [--index DIR] [--config FILE] [--once] SOURCES.yaml   poll feeds, index new articles
  newsdex sources [--index DIR] [--json] [SOURCES.yaml]                each source's health
  newsdex search [--index DIR] [--json] [--size N] [--facets source,person,org,place] QUERY
  newsdex timeline [--interval month] [--split source] [filters] [--format json|csv] [QUERY...]
  newsdex significant --field terms|person|org|place [--background QUERY] [filters] QUERY
  newsdex cooccurrence [--types person,org,place] [--size N] [filters] [--format json|csv|gexf] QUERY
  newsdex serve  [--index DIR] [--addr HOST:PORT] [--config FILE] [--force]
  newsdex stats  [--index DIR]
  newsdex check  [--index DIR]                            verify checksums and read every article
  newsdex backup [--index DIR] DEST                       online copy of the index (DEST.tar or -: a tar)
  newsdex restore FILE.tar DIR                            unpack a backup tar into DIR and check it
  newsdex compact [--index DIR]                           merge the index's segments into one, after a bulk load
  newsdex entities list|merge|rename|retype|block|unblock|split|export [--index DIR] ...
  newsdex bench  --index DIR --queries FILE [--concurrency N] [--duration D]
  newsdex eval ner [--out FILE] CONLL_FILE
  newsdex eval relevance [--run FILE] DIR
  newsdex train ner [--out FILE] CONLL_FILE

Run "newsdex COMMAND --help" for a command's flags.
`

// run is the whole program; main only supplies the process's context,
// arguments and streams, so tests can call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "index":
		return runIndex(ctx, rest, stdout, stderr)
	case "fetch":
		return runFetch(ctx, rest, stdout, stderr)
	case "sources":
		return runSources(ctx, rest, stdout, stderr)
	case "search":
		return runSearch(ctx, rest, stdout, stderr)
	case "timeline":
		return runTimeline(ctx, rest, stdout, stderr)
	case "significant":
		return runSignificant(ctx, rest, stdout, stderr)
	case "cooccurrence":
		return runCooccurrence(ctx, rest, stdout, stderr)
	case "serve":
		return runServe(ctx, rest, stdout, stderr)
	case "stats":
		return runStats(ctx, rest, stdout, stderr)
	case "check":
		return runCheck(ctx, rest, stdout, stderr)
	case "bench":
		return runBench(ctx, rest, stdout, stderr)
	case "backup":
		return runBackup(ctx, rest, stdout, stderr)
	case "restore":
		return runRestore(ctx, rest, stdout, stderr)
	case "compact":
		return runCompact(ctx, rest, stdout, stderr)
	case "entities":
		return runEntities(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "eval":
		return runSubcommand(ctx, cmd, rest, map[string]commandFunc{"ner": runEvalNER, "relevance": runEvalRelevance}, stdout, stderr)
	case "train":
		return runSubcommand(ctx, cmd, rest, map[string]commandFunc{"ner": runTrainNER}, stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}

type commandFunc func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// runSubcommand runs a two-word command such as "eval ner".
func runSubcommand(ctx context.Context, cmd string, args []string, subs map[string]commandFunc, stdout, stderr io.Writer) error {
	names := make([]string, 0, len(subs))
	for k := range subs {
		names = append(names, k)
	}
	slices.Sort(names)
	if len(args) == 0 {
		return usageError{fmt.Sprintf("%s needs a subcommand: %s", cmd, strings.Join(names, ", "))}
	}
	f, ok := subs[args[0]]
	if !ok {
		return usageError{fmt.Sprintf("unknown %s subcommand %q (want %s)", cmd, args[0], strings.Join(names, ", "))}
	}
	return f(ctx, args[1:], stdout, stderr)
}

// newFlagSet returns a flag set that reports errors instead of exiting and
// registers --config, which every command takes.
func newFlagSet(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("newsdex "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "", "config file (default: ./config.yaml if present)")
	return fs, config
}

// parseFlags parses args, turning flag mistakes into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	return nil
}

// flagSet reports whether the named flag was given on the command line,
// so flags override config only when the user set them.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

func newLogger(cfg LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Level)) // validated in Config.Validate
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
