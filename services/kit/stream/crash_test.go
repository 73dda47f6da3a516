package stream

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
)

// Environment of the child process in TestCrashRecoveryKill9.
const (
	helperEnv       = "KEPT_STREAM_TEST_HELPER"
	helperRedisEnv  = "KEPT_STREAM_TEST_REDIS"
	helperStreamEnv = "KEPT_STREAM_TEST_STREAM"
)

// TestHelperProcess is the consumer killed by TestCrashRecoveryKill9: it
// takes entries and hangs on them, never acking.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) == "" {
		t.Skip("helper process for TestCrashRecoveryKill9")
	}
	opts, err := redis.ParseURL(os.Getenv(helperRedisEnv))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	c := NewConsumer(rdb, fastConfig(os.Getenv(helperStreamEnv), "g", "doomed"), func(ctx context.Context, _ *eventsv1.Envelope) error {
		<-ctx.Done()
		return ctx.Err()
	})
	_ = c.Run(context.Background()) // runs until SIGKILL
}

func TestCrashRecoveryKill9(t *testing.T) {
	t.Parallel()
	rdb := newClient(t)
	ctx := context.Background()
	stream := key(t)
	const n = 10
	ids := publish(t, NewPublisher(rdb, stream, 0), "a", n)

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"=1", helperRedisEnv+"="+redisURL, helperStreamEnv+"="+stream)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	waitFor(t, 20*time.Second, "child takes every entry", func() bool {
		p, err := rdb.XPending(ctx, stream, "g").Result()
		return err == nil && p.Consumers["doomed"] == n
	})
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no cleanup, no acks
		t.Fatal(err)
	}
	_ = cmd.Wait()

	rec := newRecorder()
	runConsumer(t, NewConsumer(rdb, fastConfig(stream, "g", "survivor"), rec.handle))
	waitFor(t, 20*time.Second, "survivor handles the dead child's entries", func() bool { return rec.handled() == n })
	waitFor(t, 5*time.Second, "nothing pending", func() bool { return pendingCount(t, rdb, stream, "g") == 0 })
	counts, _ := rec.snapshot()
	for _, id := range ids {
		if counts[id] != 1 {
			t.Errorf("%s handled %d times, want 1", id, counts[id])
		}
	}
}
