package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the Prometheus series the service exports, in a registry of
// its own so tests and several servers in one process do not collide.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	noSpace  prometheus.Counter
}

func newMetrics(reg *prometheus.Registry, docCount, diskFull, mergeWaiting func() float64, sources func() SourcesFunc) *metrics {
	m := &metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsdex_http_requests_total",
			Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "newsdex_http_request_duration_seconds",
			Help:    "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
	}
	m.noSpace = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "newsdex_write_no_space_total",
		Help: "Writes (articles, deletions, entity corrections) answered 507 because the index's disk is full.",
	})
	reg.MustRegister(m.requests, m.latency, m.noSpace,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "newsdex_index_disk_full",
			Help: "1 when the last write to the index was refused for lack of disk space, or a merge waits for space, else 0.",
		}, diskFull),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "newsdex_index_merge_waiting_for_space",
			Help: "1 while Bleve's merger is held back because the index's disk lacks room for the merge, else 0.",
		}, mergeWaiting),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "newsdex_index_documents",
			Help: "Articles in the index.",
		}, docCount),
		newSourceCollector(sources),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

func (m *metrics) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched" // keeps label cardinality bounded
		}
		m.requests.WithLabelValues(route, c.Request.Method, strconv.Itoa(c.Writer.Status())).Inc()
		m.latency.WithLabelValues(route, c.Request.Method).Observe(time.Since(start).Seconds())
	}
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// sourceCollector exports the fetcher's per-source health at each scrape.
// Its only label is the source's name, and the sources are those of the
// sources file, so the series are bounded by that file.
type sourceCollector struct {
	sources                              func() SourcesFunc
	fetches, failures, added, updated    *prometheus.Desc
	total, lastDay, lastSuccess, lastArt *prometheus.Desc
	failing, stale                       *prometheus.Desc
}

func newSourceCollector(sources func() SourcesFunc) *sourceCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, []string{"source"}, nil)
	}
	return &sourceCollector{sources: sources,
		fetches:     d("newsdex_source_fetches_total", "Polls of the source's feeds."),
		failures:    d("newsdex_source_fetch_failures_total", "Polls of the source's feeds that failed."),
		added:       d("newsdex_source_articles_added_total", "New articles indexed from the source."),
		updated:     d("newsdex_source_articles_updated_total", "Articles indexed again from the source because its feed said they changed."),
		total:       d("newsdex_source_articles_total", "Articles indexed from the source, new or updated."),
		lastDay:     d("newsdex_source_articles_last_day", "Articles taken from the source in the last 24 hours."),
		lastSuccess: d("newsdex_source_last_success_timestamp_seconds", "When a poll of one of the source's feeds last succeeded (Unix time); absent if never."),
		lastArt:     d("newsdex_source_last_article_timestamp_seconds", "When the source last gave an article (Unix time); absent if never."),
		failing:     d("newsdex_source_failing", "1 when one of the source's feeds is failing now, else 0."),
		stale:       d("newsdex_source_stale", "1 when the source has given no article for ingest.stale_after, else 0."),
	}
}

func (c *sourceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.fetches, c.failures, c.added, c.updated, c.total, c.lastDay, c.lastSuccess, c.lastArt, c.failing, c.stale} {
		ch <- d
	}
}

func (c *sourceCollector) Collect(ch chan<- prometheus.Metric) {
	f := c.sources()
	if f == nil {
		return
	}
	bit := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	for _, h := range f() {
		m := func(d *prometheus.Desc, t prometheus.ValueType, v float64) {
			ch <- prometheus.MustNewConstMetric(d, t, v, h.Name)
		}
		m(c.fetches, prometheus.CounterValue, float64(h.Fetches))
		m(c.failures, prometheus.CounterValue, float64(h.Failures))
		m(c.added, prometheus.CounterValue, float64(h.Added))
		m(c.updated, prometheus.CounterValue, float64(h.Updated))
		m(c.total, prometheus.CounterValue, float64(h.Total))
		m(c.lastDay, prometheus.GaugeValue, float64(h.LastDay))
		if !h.LastSuccess.IsZero() {
			m(c.lastSuccess, prometheus.GaugeValue, float64(h.LastSuccess.UnixMilli())/1000)
		}
		if !h.LastArticle.IsZero() {
			m(c.lastArt, prometheus.GaugeValue, float64(h.LastArticle.UnixMilli())/1000)
		}
		m(c.failing, prometheus.GaugeValue, bit(h.LastError != ""))
		m(c.stale, prometheus.GaugeValue, bit(h.Stale))
	}
}
