// Package ratelimit counts requests per key in fixed windows kept in Redis,
// so every replica of a service shares the counts (public forms and APIs
// limit each client address and each email this way).
package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limiter counts requests per key in fixed windows (INCR, and EXPIRE on the
// first hit).
type Limiter struct {
	Redis  redis.UniversalClient
	Max    int64
	Window time.Duration
	Prefix string // e.g. "kept:qa:rl:"
}

// Allow counts one hit on key; when over the limit it returns false and how
// long until the window ends.
func (l *Limiter) Allow(ctx context.Context, key string) (bool, time.Duration, error) {
	k := l.Prefix + key
	n, err := l.Redis.Incr(ctx, k).Result()
	if err != nil {
		return false, 0, fmt.Errorf("rate limit: %w", err)
	}
	if n == 1 {
		if err := l.Redis.Expire(ctx, k, l.Window).Err(); err != nil {
			return false, 0, fmt.Errorf("rate limit: %w", err)
		}
	}
	if n <= l.Max {
		return true, 0, nil
	}
	ttl, err := l.Redis.PTTL(ctx, k).Result()
	if err != nil {
		return false, 0, fmt.Errorf("rate limit: %w", err)
	}
	if ttl < 0 {
		// The EXPIRE was lost (a crash between the two calls): set it now.
		_ = l.Redis.Expire(ctx, k, l.Window).Err()
		ttl = l.Window
	}
	return false, ttl, nil
}
