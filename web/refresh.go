package web

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// RefreshStats is what one refresh did: what Config.Refresh reports.
type RefreshStats struct {
	// Fetched is the feeds and pages downloaded.
	Fetched int `json:"fetched"`
	// NotModified is the feeds and pages that answered 304 Not Modified.
	NotModified int `json:"not_modified"`
	// Failed is the feeds and pages that could not be fetched or read.
	Failed int `json:"failed"`
	// Added, Updated, Removed and Unchanged count articles in the index.
	Added     int `json:"added"`
	Updated   int `json:"updated"`
	Removed   int `json:"removed"`
	Unchanged int `json:"unchanged"`
}

// refreshMetrics count refreshes and their outcomes.
type refreshMetrics struct {
	runs     *prometheus.CounterVec
	fetches  *prometheus.CounterVec
	articles *prometheus.CounterVec
	duration prometheus.Histogram
	last     prometheus.Gauge
}

func newRefreshMetrics(reg prometheus.Registerer) *refreshMetrics {
	m := &refreshMetrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsrag_refresh_runs_total",
			Help: "Refreshes of the index from its sources, by result (ok, error).",
		}, []string{"result"}),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsrag_refresh_fetches_total",
			Help: "Feed and page requests made by refreshes, by outcome (fetched, not_modified, failed).",
		}, []string{"outcome"}),
		articles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newsrag_refresh_articles_total",
			Help: "Articles seen by refreshes, by what happened to them in the index (added, updated, removed, unchanged).",
		}, []string{"outcome"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "newsrag_refresh_duration_seconds",
			Help:    "Time one refresh took, fetching and indexing.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}),
		last: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "newsrag_refresh_last_success_timestamp_seconds",
			Help: "When the last successful refresh ended, in Unix seconds (0: none yet).",
		}),
	}
	// Every series exists from the start, so a dashboard sees zeros.
	for _, r := range []string{"ok", "error"} {
		m.runs.WithLabelValues(r)
	}
	for _, o := range []string{"fetched", "not_modified", "failed"} {
		m.fetches.WithLabelValues(o)
	}
	for _, o := range []string{"added", "updated", "removed", "unchanged"} {
		m.articles.WithLabelValues(o)
	}
	reg.MustRegister(m.runs, m.fetches, m.articles, m.duration, m.last)
	return m
}

// observe records one refresh.
func (m *refreshMetrics) observe(st RefreshStats, err error, took time.Duration) {
	m.fetches.WithLabelValues("fetched").Add(float64(st.Fetched))
	m.fetches.WithLabelValues("not_modified").Add(float64(st.NotModified))
	m.fetches.WithLabelValues("failed").Add(float64(st.Failed))
	m.duration.Observe(took.Seconds())
	if err != nil {
		m.runs.WithLabelValues("error").Inc()
		return
	}
	m.runs.WithLabelValues("ok").Inc()
	m.articles.WithLabelValues("added").Add(float64(st.Added))
	m.articles.WithLabelValues("updated").Add(float64(st.Updated))
	m.articles.WithLabelValues("removed").Add(float64(st.Removed))
	m.articles.WithLabelValues("unchanged").Add(float64(st.Unchanged))
	m.last.SetToCurrentTime()
}

// refreshLoop calls cfg.Refresh every cfg.RefreshEvery until ctx ends. A
// failed refresh is logged and counted; the index in use stays as it was.
func (s *Server) refreshLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.RefreshEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		start := time.Now()
		st, err := s.cfg.Refresh(ctx)
		took := time.Since(start)
		if ctx.Err() != nil {
			return // shutting down: not a failure
		}
		s.metrics.refresh.observe(st, err, took)
		if err != nil {
			s.log.Error("refresh failed; still serving the previous index", "err", err, "took", took)
			continue
		}
		s.log.Info("refreshed", "fetched", st.Fetched, "not_modified", st.NotModified, "failed", st.Failed,
			"added", st.Added, "updated", st.Updated, "removed", st.Removed, "unchanged", st.Unchanged, "took", took)
	}
}
