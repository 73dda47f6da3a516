package delivery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Transport sends one delivery of its channel once.
type Transport interface {
	Deliver(ctx context.Context, d *Delivery) error
}

// permanent marks an error no retry can fix.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent wraps err so the worker marks the delivery dead at once.
func Permanent(err error) error { return permanent{err} }

// IsPermanent reports whether err was wrapped by Permanent.
func IsPermanent(err error) bool { var p permanent; return errors.As(err, &p) }

// Backoff is the wait after failed attempt n (1-based): Base·2^(n-1), at
// most Max.
type Backoff struct{ Base, Max time.Duration }

// Delay returns the wait after attempt n.
func (b Backoff) Delay(n int) time.Duration {
	d := b.Base
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// Worker sends due deliveries. Several replicas may run one: a Redis lock
// per delivery (SET NX with a TTL longer than one attempt) lets only one
// of them try a delivery at a time.
type Worker struct {
	Store *Store
	// Transports by channel; a channel without one (SMTP not configured)
	// keeps its deliveries pending.
	Transports  map[string]Transport
	MaxAttempts map[string]int
	Backoff     Backoff
	Redis       redis.UniversalClient
	LockPrefix  string        // e.g. "kept:notifications:lock:"
	LockTTL     time.Duration // default 5m
	Interval    time.Duration // default 1s
	Batch       int64         // default 100
	Concurrency int           // default 4
	Metrics     *Metrics
	Logger      *slog.Logger
	Now         func() time.Time

	warnOnce sync.Map
}

var unlockScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

// Run sends due deliveries every Interval until ctx is done.
func (w *Worker) Run(ctx context.Context) error {
	iv := w.Interval
	if iv <= 0 {
		iv = time.Second
	}
	t := time.NewTicker(iv)
	defer t.Stop()
	for {
		if _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
			w.Logger.Warn("delivery run failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// RunOnce tries every delivery due now and returns how many it tried.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	batch := w.Batch
	if batch <= 0 {
		batch = 100
	}
	due, err := w.Store.due(ctx, w.now(), batch)
	if err != nil {
		return 0, err
	}
	conc := max(w.Concurrency, 1)
	if w.Concurrency == 0 {
		conc = 4
	}
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	tried := 0
	for _, q := range due {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			ok, err := w.one(ctx, q)
			mu.Lock()
			defer mu.Unlock()
			if ok {
				tried++
			}
			if err != nil {
				errs = append(errs, err)
			}
		}()
	}
	wg.Wait()
	if w.Metrics != nil {
		if n, err := w.Store.Pending(ctx); err == nil {
			w.Metrics.Pending.Set(float64(n))
		}
	}
	return tried, errors.Join(errs...)
}

// one tries a queued delivery; it reports whether an attempt was made.
func (w *Worker) one(ctx context.Context, q queued) (bool, error) {
	ttl := w.LockTTL
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	key := w.LockPrefix + q.ID
	tb := make([]byte, 12)
	_, _ = rand.Read(tb)
	token := hex.EncodeToString(tb)
	got, err := w.Redis.SetNX(ctx, key, token, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("delivery lock: %w", err)
	}
	if !got {
		return false, nil // another replica is on it
	}
	defer func() { _ = unlockScript.Run(context.WithoutCancel(ctx), w.Redis, []string{key}, token).Err() }()

	d, err := w.Store.Get(ctx, q.ID)
	if err != nil {
		return false, err
	}
	if d == nil {
		// The delivery's insert has not happened (yet): a crash between the
		// two writes, fixed by the event's redelivery. Drop stale entries.
		if w.now().Sub(q.Since) > time.Hour {
			return false, w.Store.dequeue(ctx, q.ID)
		}
		return false, nil
	}
	if d.Status != Pending {
		return false, w.Store.dequeue(ctx, q.ID)
	}
	tr := w.Transports[d.Channel]
	if tr == nil {
		if _, loaded := w.warnOnce.LoadOrStore(d.Channel, true); !loaded {
			w.Logger.Warn("deliveries wait: channel not configured", "channel", d.Channel,
				"hint", "set NOTIFY_SMTP_ADDR and NOTIFY_SMTP_FROM to send email")
		}
		return false, nil
	}
	d.Attempts++
	sendErr := tr.Deliver(ctx, d)
	if sendErr != nil && ctx.Err() != nil {
		// Shutting down: this attempt does not count.
		return false, nil
	}
	now := w.now()
	saveCtx := context.WithoutCancel(ctx)
	if sendErr == nil {
		d.Status, d.SentAt, d.LastError = Sent, now, ""
		d.forget()
		if err := w.Store.save(saveCtx, d); err != nil {
			return true, err
		}
		w.Metrics.sent(d.Channel)
		w.Logger.Info("delivery sent", "delivery", d.ID, "channel", d.Channel, "kind", d.Kind, "role", d.Role, "attempts", d.Attempts)
		return true, w.Store.dequeue(saveCtx, d.ID)
	}
	d.LastError = scrub(sendErr.Error(), d)
	w.Metrics.failed(d.Channel)
	maxA := w.MaxAttempts[d.Channel]
	if maxA <= 0 {
		maxA = 6
	}
	if IsPermanent(sendErr) || d.Attempts >= maxA {
		d.Status, d.DeadAt = Dead, now
		d.forget()
		if err := w.Store.save(saveCtx, d); err != nil {
			return true, err
		}
		w.Metrics.dead(d.Channel)
		w.Logger.Warn("delivery dead", "delivery", d.ID, "channel", d.Channel, "kind", d.Kind, "role", d.Role,
			"attempts", d.Attempts, "err", d.LastError)
		return true, w.Store.dequeue(saveCtx, d.ID)
	}
	d.NextAttemptAt = now.Add(w.Backoff.Delay(d.Attempts))
	if err := w.Store.save(saveCtx, d); err != nil {
		return true, err
	}
	w.Logger.Info("delivery failed, will retry", "delivery", d.ID, "channel", d.Channel, "attempts", d.Attempts,
		"next_attempt_at", d.NextAttemptAt, "err", d.LastError)
	return true, w.Store.requeue(saveCtx, d.ID, d.NextAttemptAt)
}

// scrub removes the recipient's address from an error text (servers echo
// it in RCPT answers), so neither the log nor the record repeats it.
func scrub(s string, d *Delivery) string {
	if d.Channel == Email && d.Recipient != "" {
		s = strings.ReplaceAll(s, d.Recipient, "<recipient>")
	}
	if len(s) > 500 {
		s = s[:500]
	}
	return s
}

// forget drops the message once it is sent or dead: the log keeps who got
// what and when, not the bodies, which hold one-time links.
func (d *Delivery) forget() {
	d.Text, d.HTML, d.Body, d.ListUnsubscribe = "", "", nil, ""
}
