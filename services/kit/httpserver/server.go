// Package httpserver builds the gin engine every service serves: recovery,
// request logs without personal data, tracing, RED metrics, security headers,
// /healthz, /readyz and /metrics, and a graceful Run.
package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Check reports whether a dependency is usable; /readyz runs every check.
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Options configure New.
type Options struct {
	Service    string
	Logger     *slog.Logger
	Registry   *prometheus.Registry
	Tracer     trace.TracerProvider
	Propagator propagation.TextMapPropagator
	Checks     []Check
	// TrustedProxies are the CIDRs or addresses whose X-Forwarded-For is
	// believed (the ingress controller); with none, the client address is
	// the connection's, so rate limits per address cannot be dodged.
	TrustedProxies []string
	// NoMetricsRoute leaves /metrics off the engine (it is served on a
	// listener of its own, see MetricsHandler).
	NoMetricsRoute bool
}

// MetricsHandler serves reg's metrics at /metrics only.
func MetricsHandler(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return mux
}

// New returns an engine with the shared middleware and operational routes.
func New(o Options) (*gin.Engine, error) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.ContextWithFallback = true
	if err := r.SetTrustedProxies(o.TrustedProxies); err != nil {
		return nil, fmt.Errorf("TRUSTED_PROXIES: %w", err)
	}
	r.HandleMethodNotAllowed = true
	m, err := newMetrics(o.Registry, o.Service)
	if err != nil {
		return nil, err
	}
	// recovery runs inside tracing, metrics and the access log, so a panic is
	// traced, counted and logged as the 500 it becomes.
	r.Use(tracing(o.Tracer, o.Propagator, o.Service), m.middleware(), accessLog(o.Logger), securityHeaders(), recovery(o.Logger))
	r.NoRoute(func(c *gin.Context) { Error(c, http.StatusNotFound, "not_found", "no such route") })
	r.NoMethod(func(c *gin.Context) {
		Error(c, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed here")
	})
	healthz := func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }
	// HEAD too: uptime monitors ask with it.
	r.GET("/healthz", healthz)
	r.HEAD("/healthz", healthz)
	r.GET("/readyz", readyz(o.Checks))
	r.HEAD("/readyz", readyz(o.Checks))
	if !o.NoMetricsRoute {
		r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(o.Registry, promhttp.HandlerOpts{Registry: o.Registry})))
	}
	return r, nil
}

// Error writes the JSON error shape every kept API uses.
func Error(c *gin.Context, status int, code, message string, details ...any) {
	body := gin.H{"error": gin.H{"code": code, "message": message}}
	if len(details) > 0 {
		body["error"].(gin.H)["details"] = details[0]
	}
	c.AbortWithStatusJSON(status, body)
}

func readyz(checks []Check) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		results := gin.H{}
		ok := true
		for _, ch := range checks {
			if err := ch.Fn(ctx); err != nil {
				ok = false
				results[ch.Name] = "unavailable"
				continue
			}
			results[ch.Name] = "ok"
		}
		status := http.StatusOK
		if !ok {
			status = http.StatusServiceUnavailable
		}
		c.JSON(status, gin.H{"ready": ok, "checks": results})
	}
}

func recovery(logger *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if v := recover(); v != nil {
				logger.ErrorContext(c.Request.Context(), "panic in handler", "route", c.FullPath(), "panic", fmt.Sprint(v))
				Error(c, http.StatusInternalServerError, "internal", "internal error")
			}
		}()
		c.Next()
	}
}

// accessLog records method, route template and status only: paths and query
// strings can carry personal data (an email in a confirmation link), so they
// are never logged.
func accessLog(logger *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "/healthz" || route == "/readyz" || route == "/metrics" {
			return
		}
		logger.LogAttrs(c.Request.Context(), slog.LevelInfo, "http request",
			slog.String("method", c.Request.Method), slog.String("route", route),
			slog.Int("status", c.Writer.Status()), slog.Duration("duration", time.Since(start)))
	}
}

func securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		if c.Request.TLS != nil || c.GetHeader("X-Forwarded-Proto") == "https" {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		c.Next()
	}
}

func tracing(tp trace.TracerProvider, prop propagation.TextMapPropagator, service string) gin.HandlerFunc {
	tracer := tp.Tracer("github.com/kept-ogp/kept/services/kit/httpserver")
	return func(c *gin.Context) {
		ctx := prop.Extract(c.Request.Context(), propagation.HeaderCarrier(c.Request.Header))
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		ctx, span := tracer.Start(ctx, c.Request.Method+" "+route, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", c.Request.Method),
				attribute.String("http.route", route), attribute.String("service.name", service)))
		defer span.End()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
		status := c.Writer.Status()
		span.SetAttributes(attribute.Int("http.response.status_code", status))
		if status >= 500 {
			span.SetStatus(codes.Error, strconv.Itoa(status))
		}
	}
}

// Run serves h on addr until ctx is done, then drains within timeout.
func Run(ctx context.Context, addr string, h http.Handler, timeout time.Duration, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	return Serve(ctx, ln, h, timeout, logger)
}

// Serve is Run on an existing listener (tests pass one on port 0).
func Serve(ctx context.Context, ln net.Listener, h http.Handler, timeout time.Duration, logger *slog.Logger) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10,
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) }}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("http server listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http shutdown: %w", err)
	}
	return nil
}
