package fetch

import (
	"bufio"
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// robots is what one host's robots.txt says to this crawler (RFC 9309).
type robots struct {
	rules      []robotsRule
	disallowed bool          // the whole site (robots.txt unreachable: 5xx, network error)
	delay      time.Duration // Crawl-delay, if any
}

type robotsRule struct {
	allow   bool
	pattern string
}

// parseRobots reads a robots.txt for the product token agent (lower
// case, e.g. "newsdex"): the rules of the groups naming it, else those of
// "*". It never fails; lines it does not understand are ignored.
func parseRobots(body string, agent string) *robots {
	type group struct {
		agents []string
		rules  []robotsRule
		delay  time.Duration
	}
	var groups []*group
	var cur *group
	inAgents := false
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key = strings.ToLower(strings.TrimSpace(key))
		val = strings.TrimSpace(val)
		switch key {
		case "user-agent":
			if !inAgents || cur == nil {
				cur = &group{}
				groups = append(groups, cur)
			}
			cur.agents = append(cur.agents, strings.ToLower(val))
			inAgents = true
		case "allow", "disallow":
			inAgents = false
			if cur == nil {
				continue
			}
			if key == "disallow" && val == "" {
				continue // "Disallow:" allows everything
			}
			cur.rules = append(cur.rules, robotsRule{allow: key == "allow", pattern: val})
		case "crawl-delay":
			inAgents = false
			if cur == nil {
				continue
			}
			if f, err := strconv.ParseFloat(val, 64); err == nil && f > 0 && f < 3600 {
				cur.delay = time.Duration(f * float64(time.Second))
			}
		default:
			// Sitemap and unknown lines do not end a group's agent list
			// in practice; leave inAgents as is.
		}
	}
	r := &robots{}
	var star []*group
	matched := false
	for _, g := range groups {
		for _, a := range g.agents {
			switch {
			case a == "*":
				star = append(star, g)
			case a != "" && strings.HasPrefix(agent, a):
				matched = true
				r.rules = append(r.rules, g.rules...)
				r.delay = max(r.delay, g.delay)
			}
		}
	}
	if !matched {
		for _, g := range star {
			r.rules = append(r.rules, g.rules...)
			r.delay = max(r.delay, g.delay)
		}
	}
	return r
}

// allowed reports whether path (with its query) may be fetched: the
// longest matching rule wins, and Allow wins a tie.
func (r *robots) allowed(path string) bool {
	if r.disallowed {
		return false
	}
	if path == "" {
		path = "/"
	}
	best, allow := -1, true
	for _, rule := range r.rules {
		if !robotsMatch(rule.pattern, path) {
			continue
		}
		n := len(rule.pattern)
		if n > best || (n == best && rule.allow) {
			best, allow = n, rule.allow
		}
	}
	return allow
}

// robotsMatch matches a robots.txt path pattern: a prefix, where "*"
// matches any run of characters and a final "$" anchors the end.
func robotsMatch(pattern, path string) bool {
	anchored := strings.HasSuffix(pattern, "$")
	pattern = strings.TrimSuffix(pattern, "$")
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(path, parts[0]) {
		return false
	}
	pos := len(parts[0])
	for i, p := range parts[1:] {
		last := i == len(parts)-2
		if last && anchored {
			return strings.HasSuffix(path[pos:], p)
		}
		j := strings.Index(path[pos:], p)
		if j < 0 {
			return false
		}
		pos += j + len(p)
	}
	if anchored && len(parts) == 1 {
		return pos == len(path)
	}
	return true
}

// robotsCache keeps each host's robots.txt for a day.
type robotsCache struct {
	mu      sync.Mutex
	entries map[string]robotsEntry
}

type robotsEntry struct {
	r       *robots
	fetched time.Time
}

const robotsTTL = 24 * time.Hour

// robotsAllowed fetches (or recalls) the robots.txt of u's host and reports
// whether u may be fetched. A 4xx robots.txt allows everything; a 5xx or
// an unreachable one disallows everything until it is fetched again.
//
// The error is ErrForbiddenAddress when the host may not be reached at
// all, and ctx's error.
func (c *client) robotsAllowed(ctx context.Context, cache *robotsCache, u *url.URL) (bool, time.Duration, error) {
	key := u.Scheme + "://" + strings.ToLower(u.Host)
	cache.mu.Lock()
	e, ok := cache.entries[key]
	cache.mu.Unlock()
	if !ok || time.Since(e.fetched) > robotsTTL {
		r, err := c.fetchRobots(ctx, key)
		if err != nil {
			return false, 0, err
		}
		e = robotsEntry{r: r, fetched: time.Now()}
		cache.mu.Lock()
		cache.entries[key] = e
		cache.mu.Unlock()
	}
	p := u.EscapedPath()
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return e.r.allowed(p), e.r.delay, nil
}

func (c *client) fetchRobots(ctx context.Context, base string) (*robots, error) {
	resp, err := c.get(ctx, base+"/robots.txt", nil, 512<<10)
	if err != nil {
		var se statusError
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case errors.Is(err, ErrForbiddenAddress):
			return nil, err
		case errors.As(err, &se) && se.code >= 400 && se.code < 500:
			return &robots{}, nil
		}
		return &robots{disallowed: true}, nil
	}
	return parseRobots(string(resp.Body), c.agentToken()), nil
}

// agentToken is the product token of the User-Agent, matched against
// robots.txt's User-agent lines.
func (c *client) agentToken() string {
	tok, _, _ := strings.Cut(c.opts.UserAgent, "/")
	tok, _, _ = strings.Cut(tok, " ")
	return strings.ToLower(strings.TrimSpace(tok))
}
