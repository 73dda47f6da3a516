package stream

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// readOwnPending handles the entries already delivered to this consumer name
// (a previous process with the same name died or stopped before acking), so
// that a restart finishes its old work before taking new work.
func (r *run) readOwnPending(ctx context.Context) {
	start := "0"
	var bo backoff
	for ctx.Err() == nil {
		res, err := r.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group:    r.cfg.Group,
			Consumer: r.cfg.Consumer,
			Streams:  []string{r.cfg.Stream, start},
			Count:    r.cfg.Count,
			Block:    -1, // BLOCK does not apply to history reads
		}).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			if ctx.Err() != nil {
				return
			}
			r.log.Warn("stream: read own pending entries failed", "err", err)
			r.recover(ctx, err)
			bo.wait(ctx)
			continue
		}
		msgs := messages(res)
		if len(msgs) == 0 {
			return
		}
		if err := r.processRedelivered(ctx, msgs); err != nil {
			r.log.Warn("stream: own pending entries", "err", err)
			bo.wait(ctx)
			continue
		}
		bo.reset()
		start = msgs[len(msgs)-1].ID
	}
}

// readNew reads entries never delivered to the group, blocking up to block.
func (r *run) readNew(ctx context.Context, block time.Duration) error {
	res, err := r.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group:    r.cfg.Group,
		Consumer: r.cfg.Consumer,
		Streams:  []string{r.cfg.Stream, ">"},
		Count:    r.cfg.Count,
		Block:    block,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("xreadgroup %s: %w", r.cfg.Stream, err)
	}
	for _, m := range messages(res) {
		if ctx.Err() != nil {
			return nil // the rest stays pending for the next process with this name
		}
		r.process(ctx, m, 1)
	}
	return nil
}

// claim takes over entries idle longer than ClaimMinIdle, whichever consumer
// holds them: dead consumers' entries, and our own failed ones, which are
// retried this way rather than in a busy loop.
func (r *run) claim(ctx context.Context) {
	cursor := "0-0"
	for ctx.Err() == nil {
		next, msgs, deleted, err := r.autoClaim(ctx, cursor)
		if err != nil {
			if ctx.Err() == nil {
				r.log.Warn("stream: xautoclaim failed", "err", err)
				r.recover(ctx, err)
			}
			return
		}
		// Redis has already dropped these from the PEL; the XACK is a no-op
		// kept for older servers, and the count tells operators data was lost.
		r.ackDeleted(ctx, deleted)
		if err := r.processRedelivered(ctx, msgs); err != nil {
			r.log.Warn("stream: claimed entries", "err", err)
			return
		}
		if next == "0-0" || next == "" {
			return
		}
		cursor = next
	}
}

// processRedelivered handles entries that may have been delivered before,
// looking up each one's delivery count first.
func (r *run) processRedelivered(ctx context.Context, msgs []redis.XMessage) error {
	var deleted, live []string
	for _, m := range msgs {
		if len(m.Values) == 0 {
			deleted = append(deleted, m.ID) // XREADGROUP "0" returns deleted entries with no fields
		} else {
			live = append(live, m.ID)
		}
	}
	r.ackDeleted(ctx, deleted)
	if len(live) == 0 {
		return nil
	}
	counts, err := r.deliveryCounts(ctx, live)
	if err != nil {
		return err // entries stay pending; the next claim retries them
	}
	for _, m := range msgs {
		n, ok := counts[m.ID]
		if len(m.Values) == 0 || !ok {
			continue // deleted, or no longer ours (acked or claimed by another consumer)
		}
		if ctx.Err() != nil {
			return nil
		}
		r.process(ctx, m, n)
	}
	return nil
}

// deliveryCounts returns how many times each id was delivered, from the
// extended XPENDING form, for the ids still pending for this consumer.
func (r *run) deliveryCounts(ctx context.Context, ids []string) (map[string]int64, error) {
	pipe := r.rdb.Pipeline()
	cmds := make([]*redis.XPendingExtCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.XPendingExt(ctx, &redis.XPendingExtArgs{
			Stream: r.cfg.Stream, Group: r.cfg.Group, Start: id, End: id, Count: 1, Consumer: r.cfg.Consumer,
		})
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("xpending %s: %w", r.cfg.Stream, err)
	}
	counts := make(map[string]int64, len(ids))
	for _, cmd := range cmds {
		for _, p := range cmd.Val() {
			counts[p.ID] = p.RetryCount
		}
	}
	return counts, nil
}

func messages(res []redis.XStream) []redis.XMessage {
	var out []redis.XMessage
	for _, s := range res {
		out = append(out, s.Messages...)
	}
	return out
}
