package stream

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// autoClaim runs one XAUTOCLAIM page. It is sent raw because go-redis's
// XAutoClaim drops the third reply element Redis 7 added: the ids of pending
// entries that were deleted from the stream, which we must count and ack.
func (r *run) autoClaim(ctx context.Context, cursor string) (next string, msgs []redis.XMessage, deleted []string, err error) {
	res, err := r.rdb.Do(ctx, "XAUTOCLAIM", r.cfg.Stream, r.cfg.Group, r.cfg.Consumer,
		r.cfg.ClaimMinIdle.Milliseconds(), cursor, "COUNT", r.cfg.Count).Slice()
	if err != nil {
		return "", nil, nil, fmt.Errorf("xautoclaim %s: %w", r.cfg.Stream, err)
	}
	return parseAutoClaim(res)
}

func parseAutoClaim(res []any) (next string, msgs []redis.XMessage, deleted []string, err error) {
	if len(res) < 2 {
		return "", nil, nil, fmt.Errorf("xautoclaim: reply has %d elements, want 2 or 3", len(res))
	}
	next, ok := res[0].(string)
	if !ok {
		return "", nil, nil, fmt.Errorf("xautoclaim: cursor is %T", res[0])
	}
	entries, _ := res[1].([]any)
	for _, e := range entries {
		m, err := parseEntry(e)
		if err != nil {
			return "", nil, nil, err
		}
		msgs = append(msgs, m)
	}
	if len(res) > 2 {
		ids, _ := res[2].([]any)
		for _, id := range ids {
			if s, ok := id.(string); ok {
				deleted = append(deleted, s)
			}
		}
	}
	return next, msgs, deleted, nil
}

// parseEntry reads [id, [field, value, ...]]; the fields are nil for an
// entry deleted from the stream (Redis 6.2 reported those here).
func parseEntry(e any) (redis.XMessage, error) {
	pair, ok := e.([]any)
	if !ok || len(pair) < 2 {
		return redis.XMessage{}, fmt.Errorf("xautoclaim: malformed entry %v", e)
	}
	id, ok := pair[0].(string)
	if !ok {
		return redis.XMessage{}, fmt.Errorf("xautoclaim: entry id is %T", pair[0])
	}
	m := redis.XMessage{ID: id}
	switch f := pair[1].(type) {
	case nil:
	case []any:
		m.Values = make(map[string]any, len(f)/2)
		for i := 0; i+1 < len(f); i += 2 {
			m.Values[fmt.Sprint(f[i])] = f[i+1]
		}
	case map[any]any: // RESP3 servers may send a map
		m.Values = make(map[string]any, len(f))
		for k, v := range f {
			m.Values[fmt.Sprint(k)] = v
		}
	default:
		return redis.XMessage{}, fmt.Errorf("xautoclaim: entry %s fields are %T", id, pair[1])
	}
	return m, nil
}
