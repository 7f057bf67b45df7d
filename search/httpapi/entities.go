package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"newsdex/search"
)

// Entity list and name bounds.
const (
	defaultEntities = 20  // entities listed when size is not given
	maxEntitiesCap  = 100 // the list's cap when the searcher does not say its max facet size
	maxEntityName   = 300 // bytes of a name or prefix; no real name is longer
	maxMergeNames   = 1000
)

// entityTypes are the entity types as the API names them.
var entityTypes = []string{search.EntityPerson, search.EntityOrg, search.EntityPlace}

// limited is a searcher that tells its limits; *search.Service does.
type limited interface {
	Limits() search.Limits
}

var _ limited = (*search.Service)(nil)

// entityList is the response to GET /api/v1/entities.
type entityList struct {
	Entities []search.Entity `json:"entities"`
}

// entityResult is the response to a correction: the entity after it.
type entityResult struct {
	Entity search.Entity `json:"entity"`
}

// entityEditor returns the searcher's EntityEditor. On failure it has
// written the error response (503 before the index is open, 501 when the
// searcher has no entity support) and ok is false.
func (s *Server) entityEditor(c *gin.Context) (ed EntityEditor, sr Searcher, ok bool) {
	sr = s.current()
	if sr == nil {
		s.writeError(c, errNotReady)
		return nil, nil, false
	}
	ed, ok = sr.(EntityEditor)
	if !ok {
		s.writeError(c, errNotImplemented)
		return nil, nil, false
	}
	return ed, sr, true
}

// maxEntities is the largest list size: the searcher's max facet size,
// else maxEntitiesCap.
func maxEntities(sr Searcher) int {
	if l, ok := sr.(limited); ok {
		if n := l.Limits().MaxFacetSize; n > 0 {
			return n
		}
	}
	return maxEntitiesCap
}

// handleEntities answers GET /api/v1/entities: the archive's entities of
// one type (or all), whose name or an alias starts with prefix, most
// articles first. It reads the whole archive, so a public key limited to
// part of it is refused (guarded.Entities).
func (s *Server) handleEntities(c *gin.Context) {
	ed, sr, ok := s.entityEditor(c)
	if !ok {
		return
	}
	v := c.Request.URL.Query()
	typ, err := entityType("type", v.Get("type"), true)
	if err != nil {
		s.writeError(c, err)
		return
	}
	prefix := strings.TrimSpace(v.Get("prefix"))
	if err := checkName("prefix", prefix, true); err != nil {
		s.writeError(c, err)
		return
	}
	size, err := intParam(v, "size")
	if err != nil {
		s.writeError(c, err)
		return
	}
	if size == 0 {
		size = defaultEntities
	}
	if limit := maxEntities(sr); size > limit {
		s.writeError(c, badRequest(fmt.Sprintf("size must be between 1 and %d, got %d", limit, size)))
		return
	}
	list, err := ed.Entities(c.Request.Context(), typ, prefix, size)
	if err != nil {
		s.writeError(c, err)
		return
	}
	if len(list) > size { // the contract says size; do not trust it to the byte
		list = list[:size]
	}
	out := entityList{Entities: make([]search.Entity, 0, len(list))}
	for _, e := range list {
		out.Entities = append(out.Entities, normEntity(e))
	}
	// A correction changes the list at once; nothing may keep an old copy.
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
}

// handleEntityExport answers GET /api/v1/entities/export (admin): the
// alias table with every correction, as YAML, to keep or to re-index with.
func (s *Server) handleEntityExport(c *gin.Context) {
	ed, _, ok := s.entityEditor(c)
	if !ok {
		return
	}
	b, err := ed.ExportEntities(c.Request.Context())
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="aliases.yaml"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/yaml", b)
}

// entityBody is the JSON body of one correction endpoint.
type entityBody interface {
	check() error
	logAttrs() []slog.Attr
}

// mergeBody: merge the names into one entity, into (existing or new).
type mergeBody struct {
	Type  string   `json:"type"`
	Names []string `json:"names"`
	Into  string   `json:"into"`
}

func (b *mergeBody) check() error {
	if err := checkType(&b.Type); err != nil {
		return err
	}
	if len(b.Names) == 0 {
		return badRequest("names is required: the names to merge, as an array of strings")
	}
	if len(b.Names) > maxMergeNames {
		return badRequest(fmt.Sprintf("names: at most %d names in one merge, got %d", maxMergeNames, len(b.Names)))
	}
	for i := range b.Names {
		if err := trimName(fmt.Sprintf("names[%d]", i), &b.Names[i]); err != nil {
			return err
		}
	}
	return trimName("into", &b.Into)
}

func (b *mergeBody) logAttrs() []slog.Attr {
	names := make([]string, 0, min(len(b.Names), 10))
	for _, n := range b.Names[:min(len(b.Names), 10)] {
		names = append(names, truncate(n, 100))
	}
	return []slog.Attr{slog.String("type", b.Type), slog.Any("names", names), slog.Int("merged", len(b.Names)),
		slog.String("into", truncate(b.Into, 100))}
}

// renameBody: give the entity a new display name.
type renameBody struct {
	Type string `json:"type"`
	Name string `json:"name"`
	To   string `json:"to"`
}

func (b *renameBody) check() error {
	if err := checkType(&b.Type); err != nil {
		return err
	}
	if err := trimName("name", &b.Name); err != nil {
		return err
	}
	return trimName("to", &b.To)
}

func (b *renameBody) logAttrs() []slog.Attr {
	return []slog.Attr{slog.String("type", b.Type), slog.String("name", truncate(b.Name, 100)), slog.String("to", truncate(b.To, 100))}
}

// retypeBody: move the entity to another type.
type retypeBody struct {
	Type string `json:"type"`
	Name string `json:"name"`
	To   string `json:"to"`
}

func (b *retypeBody) check() error {
	if err := checkType(&b.Type); err != nil {
		return err
	}
	if err := trimName("name", &b.Name); err != nil {
		return err
	}
	to, err := entityType("to", b.To, false)
	b.To = to
	return err
}

func (b *retypeBody) logAttrs() []slog.Attr {
	return []slog.Attr{slog.String("type", b.Type), slog.String("name", truncate(b.Name, 100)), slog.String("to", b.To)}
}

// nameBody names one entity: block, unblock, split.
type nameBody struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

func (b *nameBody) check() error {
	if err := checkType(&b.Type); err != nil {
		return err
	}
	return trimName("name", &b.Name)
}

func (b *nameBody) logAttrs() []slog.Attr {
	return []slog.Attr{slog.String("type", b.Type), slog.String("name", truncate(b.Name, 100))}
}

// entityChange makes the handler of one correction endpoint (admin): the
// body is decoded strictly and checked, apply makes the change, and the
// answer is the entity after it. Each change is logged, as the record of
// who changed the archive's names when (the request id ties it to the
// request line).
func entityChange[B any, P interface {
	*B
	entityBody
}](s *Server, op string, apply func(ctx context.Context, ed EntityEditor, b P) (search.Entity, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		ed, _, ok := s.entityEditor(c)
		if !ok {
			return
		}
		b := P(new(B))
		if err := decodeStrict(c.Request.Body, b); err != nil {
			s.writeError(c, err)
			return
		}
		if err := b.check(); err != nil {
			s.writeError(c, err)
			return
		}
		ctx := c.Request.Context()
		e, err := apply(ctx, ed, b)
		if err != nil {
			s.writeError(c, err)
			return
		}
		e = normEntity(e)
		attrs := append([]slog.Attr{slog.String("request_id", c.GetString(requestIDKey)), slog.String("op", op)}, b.logAttrs()...)
		attrs = append(attrs, slog.Group("result", slog.String("type", e.Type), slog.String("name", truncate(e.Name, 100)),
			slog.Int("count", e.Count), slog.Int("aliases", len(e.Aliases)), slog.Bool("blocked", e.Blocked)))
		s.logger.LogAttrs(ctx, slog.LevelInfo, "entity changed", attrs...)
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, entityResult{Entity: e})
	}
}

func (s *Server) handleEntityMerge() gin.HandlerFunc {
	return entityChange(s, "merge", func(ctx context.Context, ed EntityEditor, b *mergeBody) (search.Entity, error) {
		return ed.MergeEntities(ctx, b.Type, b.Names, b.Into)
	})
}

func (s *Server) handleEntityRename() gin.HandlerFunc {
	return entityChange(s, "rename", func(ctx context.Context, ed EntityEditor, b *renameBody) (search.Entity, error) {
		return ed.RenameEntity(ctx, b.Type, b.Name, b.To)
	})
}

func (s *Server) handleEntityRetype() gin.HandlerFunc {
	return entityChange(s, "retype", func(ctx context.Context, ed EntityEditor, b *retypeBody) (search.Entity, error) {
		return ed.RetypeEntity(ctx, b.Type, b.Name, b.To)
	})
}

func (s *Server) handleEntityBlock() gin.HandlerFunc {
	return entityChange(s, "block", func(ctx context.Context, ed EntityEditor, b *nameBody) (search.Entity, error) {
		return ed.BlockEntity(ctx, b.Type, b.Name)
	})
}

func (s *Server) handleEntityUnblock() gin.HandlerFunc {
	return entityChange(s, "unblock", func(ctx context.Context, ed EntityEditor, b *nameBody) (search.Entity, error) {
		return ed.UnblockEntity(ctx, b.Type, b.Name)
	})
}

func (s *Server) handleEntitySplit() gin.HandlerFunc {
	return entityChange(s, "split", func(ctx context.Context, ed EntityEditor, b *nameBody) (search.Entity, error) {
		return ed.SplitEntity(ctx, b.Type, b.Name)
	})
}

// normEntity gives an entity's lists their JSON form: [] rather than null.
func normEntity(e search.Entity) search.Entity {
	if e.Aliases == nil {
		e.Aliases = []string{}
	}
	return e
}

// entityType checks a type parameter or field: person, org or place, or
// "" when optional.
func entityType(field, v string, optional bool) (string, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "" && optional:
		return "", nil
	case v == "":
		return "", badRequest(field + " is required: person, org or place")
	}
	for _, t := range entityTypes {
		if v == t {
			return v, nil
		}
	}
	return "", badRequest(fmt.Sprintf("%s must be person, org or place, got %s", field, strconv.Quote(truncate(v, 40))))
}

func checkType(typ *string) error {
	t, err := entityType("type", *typ, false)
	*typ = t
	return err
}

// trimName trims a name field and checks it is there and sane.
func trimName(field string, name *string) error {
	*name = strings.TrimSpace(*name)
	return checkName(field, *name, false)
}

func checkName(field, name string, optional bool) error {
	switch {
	case name == "" && !optional:
		return badRequest(field + " is required")
	case len(name) > maxEntityName:
		return badRequest(fmt.Sprintf("%s is too long: %d bytes, at most %d", field, len(name), maxEntityName))
	case !utf8.ValidString(name):
		return badRequest(field + " is not valid UTF-8")
	case strings.ContainsRune(name, 0):
		return badRequest(field + " contains a NUL character")
	}
	return nil
}

// decodeStrict reads one JSON object into v: unknown fields, values of
// the wrong type and anything after the object are errors that say what
// is wrong, so a typo is never silently ignored.
func decodeStrict(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError(err, v)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return err
		}
		return badRequest("body has data after the JSON object; send exactly one object")
	}
	return nil
}

// bodyError turns a JSON decoding error into a client error naming the
// problem.
func bodyError(err error, v any) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return err
	}
	want := "send a JSON object with " + fieldList(v)
	if errors.Is(err, io.EOF) {
		return badRequest("empty body: " + want)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return badRequest("body is not valid JSON: it ends early")
	}
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return badRequest(fmt.Sprintf("body is not valid JSON: %v (at byte %d)", se, se.Offset))
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		if te.Field == "" {
			return badRequest(fmt.Sprintf("body must be a JSON object, got %s: %s", te.Value, want))
		}
		return badRequest(fmt.Sprintf("field %s must be %s, got %s", te.Field, jsonKind(te.Type), te.Value))
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return badRequest(fmt.Sprintf("unknown field %s: %s", truncate(name, 60), want))
	}
	return badRequest("body is not a valid JSON object: " + truncate(err.Error(), 200))
}

// fieldList names the JSON fields of the struct v points to.
func fieldList(v any) string {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var names []string
	for f := range t.Fields() {
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	switch len(names) {
	case 0:
		return "no fields"
	case 1:
		return "the field " + names[0]
	}
	return "the fields " + strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// jsonKind names a Go type as JSON calls it.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array of " + strings.TrimPrefix(strings.TrimPrefix(jsonKind(t.Elem()), "a "), "an ") + "s"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "a number"
	}
	return "a " + t.Kind().String()
}
