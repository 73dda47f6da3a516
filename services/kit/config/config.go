// Package config reads a service's settings from the environment, the way
// Kubernetes hands them to a pod.
package config

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Common holds the settings every kept service shares.
type Common struct {
	Service string
	// HTTPAddr is the listen address, e.g. ":8080".
	HTTPAddr string
	// MetricsAddr, when set, moves /metrics off HTTPAddr to a listener of
	// its own, so a public port (the gateway's) never serves it.
	MetricsAddr string
	// MongoURI is the MongoDB connection string (a replica set in production).
	MongoURI string
	// MongoDatabase is the database this service owns; no service reads another's.
	MongoDatabase string
	// AuthDatabase holds hashed API tokens, the deployment's identity store.
	AuthDatabase string
	RedisURL     string
	// ConsumerName names this process in every consumer group; the pod name on Kubernetes.
	ConsumerName string
	LogLevel     string
	// ShutdownTimeout bounds graceful shutdown; the pod's termination grace period must exceed it.
	ShutdownTimeout time.Duration
	// OTLPEndpoint enables trace export over OTLP/HTTP when set.
	OTLPEndpoint string
	// TimeZone is the deployment's zone for "today" and deadlines.
	TimeZone *time.Location
	// StreamMaxLen trims each stream approximately to this many entries.
	StreamMaxLen int64
}

// Getenv matches os.Getenv so tests can pass a map lookup.
type Getenv func(string) string

// Load reads the common settings for service from getenv (os.Getenv when nil).
func Load(service string, getenv Getenv) (Common, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	r := reader{getenv: getenv}
	host, _ := os.Hostname()
	c := Common{
		Service:         service,
		HTTPAddr:        r.str("HTTP_ADDR", ":8080"),
		MetricsAddr:     r.str("METRICS_ADDR", ""),
		MongoURI:        r.str("MONGODB_URI", "mongodb://127.0.0.1:27017/"),
		MongoDatabase:   r.str("MONGODB_DATABASE", "kept_"+service),
		AuthDatabase:    r.str("AUTH_DATABASE", "kept_auth"),
		RedisURL:        r.str("REDIS_URL", "redis://127.0.0.1:6379/0"),
		ConsumerName:    r.str("POD_NAME", host+"-"+strconv.Itoa(os.Getpid())),
		LogLevel:        r.str("LOG_LEVEL", "info"),
		ShutdownTimeout: r.duration("SHUTDOWN_TIMEOUT", 20*time.Second),
		OTLPEndpoint:    r.str("OTEL_EXPORTER_OTLP_ENDPOINT", ""),
		StreamMaxLen:    r.int64("STREAM_MAXLEN", 100000),
	}
	tz := r.str("KEPT_TIMEZONE", "UTC")
	loc, err := time.LoadLocation(tz)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("KEPT_TIMEZONE=%q: %w", tz, err))
	}
	c.TimeZone = loc
	if err := errors.Join(r.errs...); err != nil {
		return Common{}, fmt.Errorf("config for %s: %w", service, err)
	}
	return c, nil
}

// reader collects every bad variable so one start reports them all.
type reader struct {
	getenv Getenv
	errs   []error
}

func (r *reader) str(key, def string) string {
	if v := strings.TrimSpace(r.getenv(key)); v != "" {
		return v
	}
	return def
}

func (r *reader) duration(key string, def time.Duration) time.Duration {
	v := strings.TrimSpace(r.getenv(key))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.errs = append(r.errs, fmt.Errorf("%s=%q: want a positive duration such as 20s", key, v))
		return def
	}
	return d
}

func (r *reader) int64(key string, def int64) int64 {
	v := strings.TrimSpace(r.getenv(key))
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		r.errs = append(r.errs, fmt.Errorf("%s=%q: want a positive integer", key, v))
		return def
	}
	return n
}

// List splits a comma-separated variable, dropping empty items.
func List(getenv Getenv, key string) []string {
	if getenv == nil {
		getenv = os.Getenv
	}
	var out []string
	for _, p := range strings.Split(getenv(key), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
