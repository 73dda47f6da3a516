// Package distlock is a per-key lock shared by every replica of a service,
// held in Redis: SET key token NX PX ttl to take it, and a compare-and-delete
// script to release it, so a holder whose lock expired cannot release
// another's. It guards short read-modify-write sections (a question's state
// and the alert sent from it) that an in-process lock cannot guard once two
// replicas run. The TTL bounds how long a crashed holder blocks the key.
package distlock

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Locker takes locks named Prefix + key.
type Locker struct {
	Redis  redis.UniversalClient
	Prefix string        // e.g. "kept:qa:lock:"
	TTL    time.Duration // how long a lock lives if never released (10s)
	Wait   time.Duration // how long Lock waits before giving up (5s)
}

// ErrTimeout means another holder kept the key for longer than Wait.
var ErrTimeout = errors.New("lock wait timed out")

var release = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

// Lock waits for key and returns the function that releases it.
func (l *Locker) Lock(ctx context.Context, key string) (func(), error) {
	ttl, wait := l.TTL, l.Wait
	if ttl <= 0 {
		ttl = 10 * time.Second
	}
	if wait <= 0 {
		wait = 5 * time.Second
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand never fails
	token := hex.EncodeToString(b)
	name := l.Prefix + key
	deadline := time.Now().Add(wait)
	backoff := 2 * time.Millisecond
	for {
		ok, err := l.Redis.SetNX(ctx, name, token, ttl).Result()
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", key, err)
		}
		if ok {
			return func() {
				// Released even if the caller's context is done.
				_ = release.Run(context.WithoutCancel(ctx), l.Redis, []string{name}, token).Err()
			}, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("lock %s: %w after %s", key, ErrTimeout, wait)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("lock %s: %w", key, ctx.Err())
		case <-time.After(backoff):
		}
		if backoff < 50*time.Millisecond {
			backoff *= 2
		}
	}
}
