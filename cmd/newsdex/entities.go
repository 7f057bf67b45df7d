package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/blevesearch/bleve/v2"

	"newsdex/indexer"
	"newsdex/search"
)

const entitiesUsage = `Usage:
  newsdex entities list    [--index DIR] [--type T] [--prefix P] [--size N] [--json]
  newsdex entities merge   [--index DIR] --type T --into NAME NAME...
  newsdex entities rename  [--index DIR] --type T NAME NEW_NAME
  newsdex entities retype  [--index DIR] --type T NAME NEW_TYPE
  newsdex entities block   [--index DIR] --type T NAME
  newsdex entities unblock [--index DIR] --type T NAME
  newsdex entities split   [--index DIR] --type T NAME
  newsdex entities export  [--index DIR]
T is person, org or place. Corrections need the index not in use (stop
serve, or make them over HTTP with an admin key). With index.backend
opensearch they go to the cluster, and running servers see them within
a second.
`

// runEntities implements "newsdex entities ACTION": the archive's
// entities, listed and corrected as over HTTP.
func runEntities(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(stderr, entitiesUsage)
		return usageError{"entities needs an action: list, merge, rename, retype, block, unblock, split or export"}
	}
	action := args[0]
	fs, configPath := newFlagSet("entities "+action, stderr)
	dir := fs.String("index", "", "index directory (default: index.dir from config)")
	typ := fs.String("type", "", "entity type: person, org or place")
	prefix := fs.String("prefix", "", "list: names starting with this")
	size := fs.Int("size", 20, "list: entities to show")
	into := fs.String("into", "", "merge: the name of the merged entity")
	asJSON := fs.Bool("json", false, "list: print JSON as the HTTP API does")
	fs.Usage = func() { fmt.Fprint(stderr, entitiesUsage); fs.PrintDefaults() }
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	want := map[string]int{"list": 0, "export": 0, "block": 1, "unblock": 1, "split": 1, "rename": 2, "retype": 2}
	n, known := want[action]
	switch {
	case action == "merge":
		if fs.NArg() == 0 || *into == "" {
			return usageError{"entities merge needs --into NAME and the names to merge"}
		}
	case !known:
		fmt.Fprint(stderr, entitiesUsage)
		return usageError{fmt.Sprintf("unknown entities action %q", action)}
	case fs.NArg() != n:
		return usageError{fmt.Sprintf("entities %s takes %d argument(s), got %d; quote names with spaces", action, n, fs.NArg())}
	}
	if action != "list" && action != "export" && *typ == "" {
		return usageError{fmt.Sprintf("entities %s needs --type person, org or place", action)}
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		return err
	}
	if flagSet(fs, "index") {
		cfg.Index.Dir = *dir
	}
	svc, closeSvc, err := openEntities(ctx, cfg, action == "list" || action == "export", stderr)
	if err != nil {
		return err
	}
	defer closeSvc()

	var e search.Entity
	switch action {
	case "list":
		es, err := svc.Entities(ctx, *typ, *prefix, *size)
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(map[string]any{"entities": es})
		}
		for _, e := range es {
			printEntity(stdout, e)
		}
		return nil
	case "export":
		b, err := svc.ExportEntities(ctx)
		if err != nil {
			return err
		}
		_, err = stdout.Write(b)
		return err
	case "merge":
		e, err = svc.MergeEntities(ctx, *typ, fs.Args(), *into)
	case "rename":
		e, err = svc.RenameEntity(ctx, *typ, fs.Arg(0), fs.Arg(1))
	case "retype":
		e, err = svc.RetypeEntity(ctx, *typ, fs.Arg(0), fs.Arg(1))
	case "block":
		e, err = svc.BlockEntity(ctx, *typ, fs.Arg(0))
	case "unblock":
		e, err = svc.UnblockEntity(ctx, *typ, fs.Arg(0))
	case "split":
		e, err = svc.SplitEntity(ctx, *typ, fs.Arg(0))
	}
	if err != nil {
		return err
	}
	printEntity(stdout, e)
	return nil
}

func printEntity(w io.Writer, e search.Entity) {
	blocked := ""
	if e.Blocked {
		blocked = "  [blocked]"
	}
	fmt.Fprintf(w, "%8d  %-6s %s%s\n", e.Count, e.Type, e.Name, blocked)
	if len(e.Aliases) > 0 {
		fmt.Fprintf(w, "          also: %s\n", strings.Join(e.Aliases, "; "))
	}
}

// entityService is what the entities command asks either backend.
type entityService interface {
	Entities(ctx context.Context, typ, prefix string, size int) ([]search.Entity, error)
	MergeEntities(ctx context.Context, typ string, names []string, into string) (search.Entity, error)
	RenameEntity(ctx context.Context, typ, name, to string) (search.Entity, error)
	RetypeEntity(ctx context.Context, typ, name, to string) (search.Entity, error)
	BlockEntity(ctx context.Context, typ, name string) (search.Entity, error)
	UnblockEntity(ctx context.Context, typ, name string) (search.Entity, error)
	SplitEntity(ctx context.Context, typ, name string) (search.Entity, error)
	ExportEntities(ctx context.Context) ([]byte, error)
}

// openEntities opens the configured backend for the entities command,
// and returns what closes it.
func openEntities(ctx context.Context, cfg Config, readOnly bool, stderr io.Writer) (entityService, func(), error) {
	logger := newLogger(cfg.Log, stderr)
	if cfg.Index.Backend == backendOpenSearch {
		c, err := openSearchClient(ctx, cfg, logger) // opensearch.go
		if err != nil {
			return nil, nil, err
		}
		svc, err := openSearchService(cfg, c, logger)
		if err != nil {
			c.Close()
			return nil, nil, err
		}
		return svc, func() { c.Close() }, nil
	}
	idx, err := openForEntities(cfg.Index.Dir, readOnly)
	if err != nil {
		return nil, nil, err
	}
	aliases, err := loadAliases(cfg)
	if err != nil {
		idx.Close()
		return nil, nil, err
	}
	svc, err := search.NewService(idx, searchLimits(cfg), logger, aliases)
	if err != nil {
		idx.Close()
		return nil, nil, err
	}
	return svc, func() { idx.Close() }, nil
}

// openForEntities opens an existing index: read-only to list, for writing
// to correct (which fails at once when serve holds it).
func openForEntities(dir string, readOnly bool) (bleve.Index, error) {
	if readOnly {
		return indexer.OpenReadOnly(dir)
	}
	idx, err := indexer.OpenExisting(dir)
	if err != nil {
		return nil, err
	}
	return indexer.Guard(idx, dir, indexer.SpaceOptions{}), nil
}
