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

func newMetrics(reg *prometheus.Registry, docCount, diskFull, mergeWaiting func() float64) *metrics {
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
