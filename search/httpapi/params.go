package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"newsdex/search"
)

// params returns a request's parameters: the URL query, merged for POST
// with a form body or a JSON object body (whose arrays become repeated
// values), so GET and POST take the same names.
func params(c *gin.Context) (url.Values, error) {
	v := c.Request.URL.Query()
	if c.Request.Method != http.MethodPost || c.Request.Body == nil {
		return v, nil
	}
	ct, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	switch ct {
	case "application/json":
		var body map[string]any
		dec := json.NewDecoder(c.Request.Body)
		dec.UseNumber()
		if err := dec.Decode(&body); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, err
			}
			if errors.Is(err, io.EOF) {
				return v, nil
			}
			return nil, badRequest("body is not a JSON object: " + err.Error())
		}
		for k, val := range body {
			switch x := val.(type) {
			case []any:
				for _, e := range x {
					v.Add(k, fmt.Sprint(e))
				}
			case nil:
			default:
				v.Set(k, fmt.Sprint(x))
			}
		}
	case "application/x-www-form-urlencoded", "multipart/form-data", "":
		if err := c.Request.ParseForm(); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, err
			}
			return nil, badRequest("malformed form body")
		}
		for k, vals := range c.Request.PostForm {
			v[k] = append(v[k], vals...)
		}
	default:
		return nil, badRequest(fmt.Sprintf("unsupported Content-Type %q (want application/json or a form)", ct))
	}
	return v, nil
}

// searchRequest reads the search parameters shared by search, facets,
// keyword-in-context and export.
func searchRequest(v url.Values) (search.Request, error) {
	req := search.Request{
		Query:     v.Get("q"),
		Sort:      v.Get("sort"),
		Cursor:    v.Get("cursor"),
		Histogram: v.Get("histogram"),
		Mode:      v.Get("mode"),
		Highlight: true,
	}
	req.Filters.Sources = nonEmpty(v["source"])
	req.Filters.Persons = nonEmpty(v["person"])
	req.Filters.Orgs = nonEmpty(v["org"])
	req.Filters.Places = nonEmpty(v["place"])
	var err error
	if req.Filters.FromDate, err = dateParam(v, "from_date"); err != nil {
		return req, err
	}
	if req.Filters.ToDate, err = dateParam(v, "to_date"); err != nil {
		return req, err
	}
	if req.Size, err = intParam(v, "size"); err != nil {
		return req, err
	}
	if req.From, err = intParam(v, "from"); err != nil {
		return req, err
	}
	if req.FacetSize, err = intParam(v, "facet_size"); err != nil {
		return req, err
	}
	for _, f := range v["facets"] {
		for _, name := range strings.Split(f, ",") {
			if name = strings.TrimSpace(name); name != "" {
				req.Facets = append(req.Facets, name)
			}
		}
	}
	if h := v.Get("highlight"); h != "" {
		b, err := strconv.ParseBool(h)
		if err != nil {
			return req, badRequest(fmt.Sprintf("highlight must be true or false, got %q", h))
		}
		req.Highlight = b
	}
	if h := v.Get("compact"); h != "" {
		b, err := strconv.ParseBool(h)
		if err != nil {
			return req, badRequest(fmt.Sprintf("compact must be true or false, got %q", truncate(h, 20)))
		}
		req.Compact = b
	}
	return req, nil
}

func nonEmpty(vals []string) []string {
	var out []string
	for _, s := range vals {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func intParam(v url.Values, name string) (int, error) {
	s := v.Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 1<<30 {
		return 0, badRequest(fmt.Sprintf("%s must be a non-negative integer, got %q", name, truncate(s, 40)))
	}
	return n, nil
}

// boolParam reads a true/false parameter; absent is false.
func boolParam(v url.Values, name string) (bool, error) {
	s := v.Get(name)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, badRequest(fmt.Sprintf("%s must be true or false, got %q", name, truncate(s, 20)))
	}
	return b, nil
}

// dateParam accepts YYYY-MM-DD, YYYY-MM, YYYY or RFC 3339.
func dateParam(v url.Values, name string) (time.Time, error) {
	s := strings.TrimSpace(v.Get(name))
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.DateOnly, time.RFC3339, "2006-01", "2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, badRequest(fmt.Sprintf("%s must be a date like 2019-01-31, got %q", name, truncate(s, 40)))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
