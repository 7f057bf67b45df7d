package fetch

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Source is one outlet and the feeds it is followed by.
type Source struct {
	Name     string        // the outlet, as the articles' source
	Feeds    []string      // RSS, Atom, JSON Feed or news sitemap URLs
	Interval time.Duration // between polls; 0 takes Options.Interval
}

// SourceList is a parsed sources file.
type SourceList struct {
	Sources []Source
	// Hosts maps a host name to its outlet, for pages that reach the index
	// without a feed (web archives). Every feed's host maps to its source
	// unless the file says otherwise.
	Hosts map[string]string
}

// Outlet returns the outlet for a page URL's host: from Hosts (also for
// "www." variants), else the host name itself.
func (l *SourceList) Outlet(pageURL string) string {
	u, err := url.Parse(pageURL)
	if err != nil || u.Hostname() == "" {
		return ""
	}
	h := strings.ToLower(u.Hostname())
	if l != nil {
		if o, ok := l.Hosts[h]; ok {
			return o
		}
		if o, ok := l.Hosts[strings.TrimPrefix(h, "www.")]; ok {
			return o
		}
	}
	return strings.TrimPrefix(h, "www.")
}

type sourcesFile struct {
	Sources []struct {
		Name     string   `yaml:"name"`
		Feeds    []string `yaml:"feeds"`
		Interval string   `yaml:"interval"`
	} `yaml:"sources"`
	Hosts map[string]string `yaml:"hosts"`
}

// maxSourcesBytes bounds a sources file.
const maxSourcesBytes = 16 << 20

// LoadSources reads and parses a sources file.
func LoadSources(path string) (*SourceList, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read sources: %w", err)
	}
	l, err := ParseSources(b)
	if err != nil {
		return nil, fmt.Errorf("sources %s: %w", path, err)
	}
	return l, nil
}

// ParseSources parses a sources file:
//
//	sources:
//	  - name: Example Gazette
//	    feeds: [https://example.org/rss.xml]
//	    interval: 30m
//	hosts:
//	  archive.example.org: Example Gazette
//
// Unknown keys, a source without a name or feeds, a feed that is not an
// absolute http(s) URL, a name given twice and a bad interval are errors,
// all of them reported at once.
func ParseSources(b []byte) (*SourceList, error) {
	if len(b) > maxSourcesBytes {
		return nil, fmt.Errorf("larger than %d MiB", maxSourcesBytes>>20)
	}
	var f sourcesFile
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parse: %w", err)
	}
	var errs []error
	l := &SourceList{Hosts: map[string]string{}}
	names := map[string]bool{}
	for i, s := range f.Sources {
		where := fmt.Sprintf("sources[%d]", i)
		name := strings.TrimSpace(s.Name)
		if name == "" {
			errs = append(errs, fmt.Errorf("%s: name is empty", where))
		} else {
			where = fmt.Sprintf("source %q", name)
			if names[strings.ToLower(name)] {
				errs = append(errs, fmt.Errorf("%s: named twice", where))
			}
			names[strings.ToLower(name)] = true
		}
		src := Source{Name: name}
		if s.Interval != "" {
			d, err := time.ParseDuration(s.Interval)
			switch {
			case err != nil:
				errs = append(errs, fmt.Errorf("%s: interval %q: want a duration like 30m", where, s.Interval))
			case d < time.Minute:
				errs = append(errs, fmt.Errorf("%s: interval %s is shorter than a minute", where, d))
			}
			src.Interval = d
		}
		if len(s.Feeds) == 0 {
			errs = append(errs, fmt.Errorf("%s: no feeds", where))
		}
		for _, raw := range s.Feeds {
			u, err := checkURL(strings.TrimSpace(raw))
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: feed %q: %w", where, raw, err))
				continue
			}
			src.Feeds = append(src.Feeds, u.String())
			h := strings.ToLower(u.Hostname())
			if _, ok := l.Hosts[h]; !ok && name != "" {
				l.Hosts[h] = name
			}
		}
		l.Sources = append(l.Sources, src)
	}
	for h, o := range f.Hosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" || strings.ContainsAny(h, "/: ") || strings.TrimSpace(o) == "" {
			errs = append(errs, fmt.Errorf("hosts: %q: %q: want a host name and an outlet", h, o))
			continue
		}
		l.Hosts[h] = strings.TrimSpace(o)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return l, nil
}

// checkURL accepts absolute http and https URLs only.
func checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("scheme %q not allowed (want http or https)", u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, errors.New("no host")
	}
	return u, nil
}
