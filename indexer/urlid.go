package indexer

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
)

// URLID is the stable ID of an article known by its URL (fetched pages,
// web archives, exports that carry a URL): the same page gets the same ID
// however it reached the index, so fetching it again replaces it. The URL
// is normalised first (NormalizeURL); "u" marks the ID as URL-derived.
func URLID(rawURL string) string {
	h := sha256.Sum256([]byte(NormalizeURL(rawURL)))
	return "u" + hex.EncodeToString(h[:10])
}

// NormalizeURL lower-cases the scheme and host, drops the default port,
// the fragment and utm_* tracking parameters, so trivially different
// spellings of one page's URL compare equal. A string that does not parse
// as a URL is returned trimmed.
func NormalizeURL(rawURL string) string {
	s := strings.TrimSpace(rawURL)
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return s
	}
	u.Scheme = strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	u.Fragment, u.RawFragment = "", ""
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if strings.HasPrefix(strings.ToLower(k), "utm_") {
				q.Del(k)
			}
		}
		u.RawQuery = q.Encode()
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String()
}
