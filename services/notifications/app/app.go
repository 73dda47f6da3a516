// Package app assembles the notifications service (email over SMTP and
// signed webhooks for qa, updates and reporting events; the plans that may
// be subscribed to from commitments events), for its own binary and for the
// all-in-one process.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kept-ogp/kept/services/kit/ratelimit"
	"github.com/kept-ogp/kept/services/kit/runtime"
	"github.com/kept-ogp/kept/services/kit/stream"
	"github.com/kept-ogp/kept/services/notifications/internal/api"
	"github.com/kept-ogp/kept/services/notifications/internal/catalog"
	"github.com/kept-ogp/kept/services/notifications/internal/channels"
	"github.com/kept-ogp/kept/services/notifications/internal/delivery"
	"github.com/kept-ogp/kept/services/notifications/internal/directory"
	"github.com/kept-ogp/kept/services/notifications/internal/fanout"
	"github.com/kept-ogp/kept/services/notifications/internal/mailer"
	"github.com/kept-ogp/kept/services/notifications/internal/qaclient"
	"github.com/kept-ogp/kept/services/notifications/internal/templates"
	"github.com/kept-ogp/kept/services/notifications/internal/webhook"
)

// Name is the service name; its database defaults to kept_notifications.
const Name = "notifications"

// Streams consumed (group "notifications").
const (
	QAStream      = "kept:qa"
	UpdatesStream = "kept:updates"
	// ReportingStream carries consultation openings for subscribers.
	ReportingStream = "kept:reporting"
	// CommitmentsStream tells which plans and commitments exist, so that
	// nobody subscribes to one that does not. It is always read from the
	// start, whatever NOTIFY_STREAM_START says.
	CommitmentsStream = "kept:commitments"
)

// Settings are the service's own environment variables.
type Settings struct {
	PublicURL, APIURL string
	Languages         []string

	SMTPAddr, SMTPUsername, SMTPPassword, SMTPHelo string
	From                                           mail.Address

	QAURL, QAToken string

	EmailMaxAttempts, WebhookMaxAttempts int
	RetryBase, RetryMax                  time.Duration
	WorkerInterval                       time.Duration
	WebhookTimeout                       time.Duration
	AllowPrivate                         bool
	AllowHosts                           []string

	RateMax, ConfirmMax       int64
	RateWindow, ConfirmWindow time.Duration
	ConfirmTTL                time.Duration
	// StartAll makes a new consumer group read the streams from the start
	// (NOTIFY_STREAM_START=all); by default it starts at new events, so a
	// first install does not mail about the past.
	StartAll bool
}

// LoadSettings reads the NOTIFY_* variables (README.md lists them) and
// reports every bad one at once.
func LoadSettings(getenv func(string) string) (Settings, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	get := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	var errs []error
	bad := func(k, want string) { errs = append(errs, fmt.Errorf("%s=%q: %s", k, getenv(k), want)) }
	absURL := func(k, def string) string {
		v := strings.TrimRight(get(k, def), "/")
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(k, "want an absolute http or https URL")
		}
		return v
	}
	positive := func(k, def string) int {
		n, err := strconv.Atoi(get(k, def))
		if err != nil || n < 1 {
			bad(k, "want a positive number")
		}
		return n
	}
	duration := func(k, def string) time.Duration {
		d, err := time.ParseDuration(get(k, def))
		if err != nil || d <= 0 {
			bad(k, "want a duration such as "+def)
		}
		return d
	}
	var s Settings
	s.PublicURL = absURL("NOTIFY_PUBLIC_BASE_URL", "http://localhost:8080")
	s.APIURL = absURL("NOTIFY_PUBLIC_API_URL", s.PublicURL)
	for _, l := range strings.Split(get("NOTIFY_LANGUAGES", "en,fr,zh-Hant"), ",") {
		if l = strings.TrimSpace(l); l != "" {
			s.Languages = append(s.Languages, l)
		}
	}
	if _, err := templates.Load(s.Languages); err != nil {
		bad("NOTIFY_LANGUAGES", err.Error())
	}
	s.SMTPAddr = get("NOTIFY_SMTP_ADDR", "")
	s.SMTPUsername, s.SMTPPassword = getenv("NOTIFY_SMTP_USERNAME"), getenv("NOTIFY_SMTP_PASSWORD")
	s.SMTPHelo = get("NOTIFY_SMTP_HELO", "localhost")
	if s.SMTPAddr != "" {
		if _, _, err := splitHostPort(s.SMTPAddr); err != nil {
			bad("NOTIFY_SMTP_ADDR", "want host:port")
		}
		from := get("NOTIFY_SMTP_FROM", "")
		a, err := mail.ParseAddress(from)
		if err != nil {
			bad("NOTIFY_SMTP_FROM", "want the sender address, e.g. \"kept <no-reply@example.org>\" (required with NOTIFY_SMTP_ADDR)")
		} else {
			s.From = *a
		}
	}
	s.QAURL = get("NOTIFY_QA_URL", "")
	s.QAToken = get("NOTIFY_QA_TOKEN", "")
	if s.QAURL != "" {
		absURL("NOTIFY_QA_URL", "")
		if s.QAToken == "" {
			bad("NOTIFY_QA_TOKEN", "required with NOTIFY_QA_URL: an API token with role notifier")
		}
	}
	s.EmailMaxAttempts = positive("NOTIFY_EMAIL_MAX_ATTEMPTS", "8")
	s.WebhookMaxAttempts = positive("NOTIFY_WEBHOOK_MAX_ATTEMPTS", "6")
	s.RetryBase = duration("NOTIFY_RETRY_BASE", "30s")
	s.RetryMax = duration("NOTIFY_RETRY_MAX", "1h")
	s.WorkerInterval = duration("NOTIFY_WORKER_INTERVAL", "1s")
	s.WebhookTimeout = duration("NOTIFY_WEBHOOK_TIMEOUT", "10s")
	switch strings.ToLower(get("NOTIFY_WEBHOOK_ALLOW_PRIVATE", "false")) {
	case "true", "1", "yes":
		s.AllowPrivate = true
	case "false", "0", "no":
	default:
		bad("NOTIFY_WEBHOOK_ALLOW_PRIVATE", "want true or false")
	}
	for _, h := range strings.Split(getenv("NOTIFY_WEBHOOK_ALLOW_HOSTS"), ",") {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			s.AllowHosts = append(s.AllowHosts, h)
		}
	}
	s.RateMax = int64(positive("NOTIFY_RATE_LIMIT", "5"))
	s.RateWindow = duration("NOTIFY_RATE_WINDOW", "10m")
	s.ConfirmMax = int64(positive("NOTIFY_CONFIRM_LIMIT", "3"))
	s.ConfirmWindow = duration("NOTIFY_CONFIRM_WINDOW", "24h")
	s.ConfirmTTL = duration("NOTIFY_CONFIRM_TTL", "168h")
	switch get("NOTIFY_STREAM_START", "new") {
	case "new":
	case "all":
		s.StartAll = true
	default:
		bad("NOTIFY_STREAM_START", "want new or all")
	}
	if err := errors.Join(errs...); err != nil {
		return Settings{}, fmt.Errorf("notifications settings: %w", err)
	}
	return s, nil
}

func splitHostPort(addr string) (string, string, error) {
	i := strings.LastIndex(addr, ":")
	if i <= 0 || i == len(addr)-1 {
		return "", "", errors.New("want host:port")
	}
	if _, err := strconv.Atoi(addr[i+1:]); err != nil {
		return "", "", errors.New("want host:port")
	}
	return addr[:i], addr[i+1:], nil
}

// Service is the running notifications service.
type Service struct {
	api       *api.Handler
	worker    *delivery.Worker
	consumers []*stream.Consumer
	logger    *slog.Logger
}

// noAskers stands in when NOTIFY_QA_URL is unset: no asker gets mail.
type noAskers struct {
	once   sync.Once
	logger *slog.Logger
}

func (n *noAskers) Asker(context.Context, string) (*qaclient.Asker, error) {
	n.once.Do(func() {
		n.logger.Warn("askers get no mail: NOTIFY_QA_URL is not set")
	})
	return nil, nil
}

// New builds the service on d with settings from the environment.
func New(ctx context.Context, d runtime.Deps) (*Service, error) {
	set, err := LoadSettings(nil)
	if err != nil {
		return nil, err
	}
	return NewWith(ctx, d, set)
}

// NewWith builds the service with the given settings.
func NewWith(ctx context.Context, d runtime.Deps, set Settings) (*Service, error) {
	tpl, err := templates.Load(set.Languages)
	if err != nil {
		return nil, err
	}
	ds := delivery.NewStore(d.DB)
	if err := ds.EnsureIndexes(ctx); err != nil {
		return nil, err
	}
	dir := directory.NewStore(d.DB)
	if err := dir.EnsureIndexes(ctx); err != nil {
		return nil, err
	}
	plans := catalog.New(d.DB)
	m, err := delivery.NewMetrics(d.Registry)
	if err != nil {
		return nil, err
	}
	var askers fanout.Askers = &noAskers{logger: d.Logger}
	if set.QAURL != "" {
		askers = &qaclient.Client{BaseURL: set.QAURL, Token: set.QAToken}
	}
	fo := &fanout.Fanout{Deliveries: ds, Directory: dir, Templates: tpl, Askers: askers,
		Links: fanout.Links{Public: set.PublicURL, API: set.APIURL}, Logger: d.Logger}
	guard := &webhook.Guard{AllowPrivate: set.AllowPrivate, AllowHosts: set.AllowHosts}
	transports := map[string]delivery.Transport{
		delivery.Webhook: &channels.Webhooks{Sender: &webhook.Sender{Guard: guard, Timeout: set.WebhookTimeout}, Directory: dir},
	}
	if set.SMTPAddr != "" {
		transports[delivery.Email] = &channels.Email{From: set.From, Sender: &mailer.SMTP{Addr: set.SMTPAddr,
			Username: set.SMTPUsername, Password: set.SMTPPassword, HeloName: set.SMTPHelo}}
	} else {
		d.Logger.Warn("email deliveries will wait as pending: NOTIFY_SMTP_ADDR is not set")
	}
	w := &delivery.Worker{Store: ds, Transports: transports,
		MaxAttempts: map[string]int{delivery.Email: set.EmailMaxAttempts, delivery.Webhook: set.WebhookMaxAttempts},
		Backoff:     delivery.Backoff{Base: set.RetryBase, Max: set.RetryMax}, Redis: d.Redis,
		LockPrefix: "kept:notifications:lock:", LockTTL: 2*set.WebhookTimeout + 2*time.Minute,
		Interval: set.WorkerInterval, Metrics: m, Logger: d.Logger}
	h := &api.Handler{Directory: dir, Plans: plans, Deliveries: ds, Fanout: fo, Templates: tpl, Guard: guard, Verifier: d.Tokens,
		IPLimit:    &ratelimit.Limiter{Redis: d.Redis, Max: set.RateMax, Window: set.RateWindow, Prefix: "kept:notifications:rl:"},
		EmailLimit: &ratelimit.Limiter{Redis: d.Redis, Max: set.ConfirmMax, Window: set.ConfirmWindow, Prefix: "kept:notifications:rl:"},
		ConfirmTTL: set.ConfirmTTL, Logger: d.Logger}
	start := "$"
	if set.StartAll {
		start = "0"
	}
	var cs []*stream.Consumer
	for _, st := range []string{QAStream, UpdatesStream, ReportingStream} {
		cs = append(cs, stream.NewConsumer(d.Redis, stream.ConsumerConfig{
			Stream: st, Group: Name, Consumer: d.Config.ConsumerName, StartID: start,
			Metrics: d.StreamMetrics, Logger: d.Logger, TracerProvider: d.Tracing.Provider,
		}, fo.Handle))
	}
	// The catalog needs every plan ever published, not only new ones.
	cs = append(cs, stream.NewConsumer(d.Redis, stream.ConsumerConfig{
		Stream: CommitmentsStream, Group: Name, Consumer: d.Config.ConsumerName, StartID: "0",
		Metrics: d.StreamMetrics, Logger: d.Logger, TracerProvider: d.Tracing.Provider,
	}, plans.Apply))
	return &Service{api: h, worker: w, consumers: cs, logger: d.Logger}, nil
}

// Build matches runtime.Builder.
func Build(ctx context.Context, d runtime.Deps) (runtime.Service, error) { return New(ctx, d) }

// Routes mounts the API.
func (s *Service) Routes(r *gin.Engine) { s.api.Routes(r) }

// Run consumes kept:qa, kept:updates, kept:reporting and kept:commitments
// and sends deliveries until ctx is done.
func (s *Service) Run(ctx context.Context) error {
	runs := []func(context.Context) error{s.worker.Run}
	for _, c := range s.consumers {
		runs = append(runs, c.Run)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(runs))
	for i, run := range runs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = run(ctx) }()
	}
	wg.Wait()
	return errors.Join(errs...)
}
