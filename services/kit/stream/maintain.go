package stream

import (
	"context"
	"time"
)

// delConsumerScript deletes a consumer only if it has nothing pending,
// atomically: XGROUP DELCONSUMER discards a consumer's pending entries, so
// checking XINFO CONSUMERS first and deleting later could lose events
// delivered in between.
const delConsumerScript = `
if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then
  return -1
end
return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
`

// maintain runs the periodic housekeeping: gauges, idle consumers, and the
// in-memory error notes of entries other consumers took over.
func (r *run) maintain(ctx context.Context) {
	r.updateGauges(ctx)
	r.deleteIdleConsumers(ctx)
	r.pruneErrors(time.Now())
}

func (r *run) updateGauges(ctx context.Context) {
	m := r.cfg.Metrics
	if m == nil {
		return
	}
	groups, err := r.rdb.XInfoGroups(ctx, r.cfg.Stream).Result()
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("stream: xinfo groups failed", "err", err)
		}
	} else {
		for _, g := range groups {
			if g.Name == r.cfg.Group {
				m.setGroupGauges(r.cfg.Stream, r.cfg.Group, g.Lag, g.Pending) // go-redis reports an unknown lag as -1
			}
		}
	}
	n, err := r.rdb.XLen(ctx, r.cfg.DeadLetterStream).Result()
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("stream: xlen of dead-letter stream failed", "err", err)
		}
		return
	}
	m.setDeadLetterLength(r.cfg.DeadLetterStream, n)
}

// deleteIdleConsumers removes consumers of our group (pods long gone) that
// have been idle longer than ConsumerIdleDelete and hold nothing pending, so
// XINFO CONSUMERS does not grow for ever. It never deletes itself.
func (r *run) deleteIdleConsumers(ctx context.Context) {
	if r.cfg.ConsumerIdleDelete < 0 {
		return
	}
	consumers, err := r.rdb.XInfoConsumers(ctx, r.cfg.Stream, r.cfg.Group).Result()
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("stream: xinfo consumers failed", "err", err)
		}
		return
	}
	for _, c := range consumers {
		if c.Name == r.cfg.Consumer || c.Pending > 0 || c.Idle <= r.cfg.ConsumerIdleDelete {
			continue
		}
		n, err := r.delConsumer.Run(ctx, r.rdb, []string{r.cfg.Stream}, r.cfg.Group, c.Name).Int64()
		switch {
		case err != nil:
			if ctx.Err() == nil {
				r.log.Warn("stream: delete idle consumer failed", "idle_consumer", c.Name, "err", err)
			}
		case n >= 0:
			r.log.Info("stream: deleted idle consumer", "idle_consumer", c.Name, "idle", c.Idle)
		}
	}
}

// pruneErrors forgets error notes old enough that the entry must have been
// acked, dead-lettered or taken over by another consumer.
func (r *run) pruneErrors(now time.Time) {
	keep := max(time.Hour, 2*time.Duration(r.cfg.MaxDeliveries)*(r.cfg.ClaimMinIdle+r.cfg.ClaimInterval))
	for id, f := range r.lastErr {
		if now.Sub(f.at) > keep {
			delete(r.lastErr, id)
		}
	}
}
