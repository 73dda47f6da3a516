package ratelimit

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kept-ogp/kept/services/devenv/redisserver"
)

// Past the limit a client is refused with the time left in its window;
// another key, and a second replica's limiter on the same Redis, count the
// same way.
func TestLimitPerKeySharedAcrossReplicas(t *testing.T) {
	ctx := context.Background()
	rs, err := redisserver.Start(ctx, false)
	if err != nil {
		t.Fatalf("redis-server: %v", err)
	}
	defer rs.Stop()
	opt, err := redis.ParseURL(rs.URL)
	if err != nil {
		t.Fatal(err)
	}
	a := &Limiter{Redis: redis.NewClient(opt), Max: 2, Window: time.Minute, Prefix: "test:rl:"}
	b := &Limiter{Redis: redis.NewClient(opt), Max: 2, Window: time.Minute, Prefix: "test:rl:"}
	for i, l := range []*Limiter{a, b} {
		if ok, _, err := l.Allow(ctx, "ip:192.0.2.1"); !ok || err != nil {
			t.Fatalf("hit %d refused: %v", i+1, err)
		}
	}
	ok, wait, err := a.Allow(ctx, "ip:192.0.2.1")
	if ok || err != nil || wait <= 0 || wait > time.Minute {
		t.Errorf("third hit: ok=%v wait=%s err=%v, want refused with up to a minute left", ok, wait, err)
	}
	if ok, _, _ := b.Allow(ctx, "ip:192.0.2.2"); !ok {
		t.Error("another address was refused")
	}
}
