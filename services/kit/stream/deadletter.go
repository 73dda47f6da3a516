package stream

import (
	"context"
	"slices"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// Fields of a dead-letter entry besides the original entry's own fields
// (FieldEnvelope, FieldType), which are copied unchanged so that a tool can
// re-publish the event once the cause is fixed.
const (
	DeadFieldStream     = "source_stream" // stream the entry came from
	DeadFieldID         = "source_id"     // its entry id there
	DeadFieldGroup      = "group"         // consumer group that gave up
	DeadFieldConsumer   = "consumer"      // consumer that moved it
	DeadFieldDeliveries = "deliveries"    // delivery count when moved
	DeadFieldError      = "error"         // last handler or decode error
)

// deadFieldPrefix marks an original field whose name clashes with ours.
const deadFieldPrefix = "orig:"

// deadLetter copies the entry to the dead-letter stream and then acks it.
// The two steps are not atomic (the streams may live on different cluster
// slots): a crash between them leaves the entry pending and it is moved
// again, so the dead-letter stream may hold a duplicate but never loses one.
func (r *run) deadLetter(ctx context.Context, m redis.XMessage, deliveries int64, reason string) {
	actx, cancel := detached(ctx)
	defer cancel()
	typ, _ := m.Values[FieldType].(string)
	log := r.log.With("id", m.ID, "type", typ, "deliveries", deliveries,
		"dead_letter_stream", r.cfg.DeadLetterStream, "err", reason)

	err := r.rdb.XAdd(actx, &redis.XAddArgs{
		Stream: r.cfg.DeadLetterStream,
		MaxLen: r.cfg.DeadLetterMaxLen,
		Approx: true,
		Values: deadLetterFields(r.cfg, m, deliveries, reason),
	}).Err()
	if err != nil {
		log.Error("stream: dead-letter write failed; entry left pending", "write_err", err)
		return
	}
	if err := r.rdb.XAck(actx, r.cfg.Stream, r.cfg.Group, m.ID).Err(); err != nil {
		log.Error("stream: ack after dead-letter failed; entry may be dead-lettered twice", "ack_err", err)
		return
	}
	delete(r.lastErr, m.ID)
	r.cfg.Metrics.observeDeadLetter(r.cfg.Stream, r.cfg.Group)
	r.cfg.Metrics.observeConsumed(r.cfg.Stream, r.cfg.Group, typ, OutcomeDeadLetter)
	log.Error("stream: entry moved to the dead-letter stream")
}

func deadLetterFields(cfg ConsumerConfig, m redis.XMessage, deliveries int64, reason string) []any {
	ours := []string{DeadFieldStream, DeadFieldID, DeadFieldGroup, DeadFieldConsumer, DeadFieldDeliveries, DeadFieldError}
	fields := []any{
		DeadFieldStream, cfg.Stream,
		DeadFieldID, m.ID,
		DeadFieldGroup, cfg.Group,
		DeadFieldConsumer, cfg.Consumer,
		DeadFieldDeliveries, strconv.FormatInt(deliveries, 10),
		DeadFieldError, reason,
	}
	keys := make([]string, 0, len(m.Values))
	for k := range m.Values {
		keys = append(keys, k)
	}
	slices.Sort(keys) // stable order for people reading with redis-cli
	for _, k := range keys {
		name := k
		if slices.Contains(ours, k) {
			name = deadFieldPrefix + k
		}
		fields = append(fields, name, m.Values[k])
	}
	return fields
}
