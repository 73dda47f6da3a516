package delivery

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics count what the worker does.
type Metrics struct {
	Sent, Failed, Dead *prometheus.CounterVec
	Pending            prometheus.Gauge
}

// NewMetrics registers kept_notifications_{sent,failed,dead}_total{channel}
// and kept_notifications_pending on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		Sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kept_notifications_sent_total",
			Help: "Deliveries sent, by channel."}, []string{"channel"}),
		Failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kept_notifications_failed_total",
			Help: "Failed delivery attempts, by channel."}, []string{"channel"}),
		Dead: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kept_notifications_dead_total",
			Help: "Deliveries given up after the last attempt, by channel."}, []string{"channel"}),
		Pending: prometheus.NewGauge(prometheus.GaugeOpts{Name: "kept_notifications_pending",
			Help: "Deliveries waiting to be sent or retried."}),
	}
	for _, c := range []prometheus.Collector{m.Sent, m.Failed, m.Dead, m.Pending} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("notifications metrics: %w", err)
		}
	}
	return m, nil
}

func (m *Metrics) sent(ch string) {
	if m != nil {
		m.Sent.WithLabelValues(ch).Inc()
	}
}

func (m *Metrics) failed(ch string) {
	if m != nil {
		m.Failed.WithLabelValues(ch).Inc()
	}
}

func (m *Metrics) dead(ch string) {
	if m != nil {
		m.Dead.WithLabelValues(ch).Inc()
	}
}
