package stream

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Outcome label values of kept_stream_events_consumed_total.
const (
	OutcomeOK         = "ok"          // handled and acknowledged
	OutcomeError      = "error"       // handler failed; the entry stays pending for a retry
	OutcomeDeadLetter = "dead_letter" // moved to the dead-letter stream
)

// Metrics are the Prometheus metrics of stream consumers. One Metrics may be
// shared by any number of consumers in a process: every series is labelled
// with its stream and group, and the collectors are safe for concurrent use.
// A nil *Metrics records nothing.
type Metrics struct {
	consumed        *prometheus.CounterVec
	deleted         *prometheus.CounterVec
	deadLetters     *prometheus.CounterVec
	lag             *prometheus.GaugeVec
	pending         *prometheus.GaugeVec
	deadLetterLen   *prometheus.GaugeVec
	handlerDuration *prometheus.HistogramVec
}

// NewMetrics creates the metrics and registers them with reg (nil: not
// registered). Calling it twice with the same registry returns metrics bound
// to the already registered collectors, so each service of the all-in-one
// binary may call it without coordinating.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		consumed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kept_stream_events_consumed_total",
			Help: "Stream entries processed by consumers, by event type and outcome (ok, error, dead_letter).",
		}, []string{"stream", "group", "type", "outcome"}),
		deleted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kept_stream_deleted_entries_total",
			Help: "Pending entries found deleted from the stream (trimmed or XDEL) and acknowledged without handling.",
		}, []string{"stream", "group"}),
		deadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kept_stream_dead_letters_total",
			Help: "Entries moved to the dead-letter stream.",
		}, []string{"stream", "group"}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "kept_stream_consumer_lag",
			Help: "Entries not yet delivered to the group (XINFO GROUPS lag); -1 when Redis cannot tell.",
		}, []string{"stream", "group"}),
		pending: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "kept_stream_pending",
			Help: "Entries delivered to the group but not yet acknowledged.",
		}, []string{"stream", "group"}),
		deadLetterLen: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "kept_stream_dead_letter_length",
			Help: "Length of a dead-letter stream; the label is the dead-letter stream's name.",
		}, []string{"stream"}),
		handlerDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kept_stream_handler_seconds",
			Help:    "Time spent in event handlers.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 8), // 1ms .. ~16s
		}, []string{"stream", "group"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.consumed, err = register(reg, m.consumed); err != nil {
		return nil, err
	}
	if m.deleted, err = register(reg, m.deleted); err != nil {
		return nil, err
	}
	if m.deadLetters, err = register(reg, m.deadLetters); err != nil {
		return nil, err
	}
	if m.lag, err = register(reg, m.lag); err != nil {
		return nil, err
	}
	if m.pending, err = register(reg, m.pending); err != nil {
		return nil, err
	}
	if m.deadLetterLen, err = register(reg, m.deadLetterLen); err != nil {
		return nil, err
	}
	if m.handlerDuration, err = register(reg, m.handlerDuration); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the identical collector registered before.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, fmt.Errorf("stream: register metrics: %w", err)
}

func (m *Metrics) observeConsumed(stream, group, typ, outcome string) {
	if m != nil {
		m.consumed.WithLabelValues(stream, group, typ, outcome).Inc()
	}
}

func (m *Metrics) observeDeleted(stream, group string, n int) {
	if m != nil && n > 0 {
		m.deleted.WithLabelValues(stream, group).Add(float64(n))
	}
}

func (m *Metrics) observeDeadLetter(stream, group string) {
	if m != nil {
		m.deadLetters.WithLabelValues(stream, group).Inc()
	}
}

func (m *Metrics) observeHandler(stream, group string, d time.Duration) {
	if m != nil {
		m.handlerDuration.WithLabelValues(stream, group).Observe(d.Seconds())
	}
}

func (m *Metrics) setGroupGauges(stream, group string, lag, pending int64) {
	if m != nil {
		m.lag.WithLabelValues(stream, group).Set(float64(lag))
		m.pending.WithLabelValues(stream, group).Set(float64(pending))
	}
}

func (m *Metrics) setDeadLetterLength(deadStream string, n int64) {
	if m != nil {
		m.deadLetterLen.WithLabelValues(deadStream).Set(float64(n))
	}
}
