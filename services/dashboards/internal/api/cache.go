package api

import (
	"sync"
	"time"
)

// planCache keeps values per plan for at most a staleness bound (other
// replicas' changes show within it) and drops a plan's values when this
// replica applies an event for it. A generation per plan stops a value
// computed before an invalidation from being stored after it.
type planCache[V any] struct {
	mu    sync.Mutex
	plans map[string]*planValues[V]
	gens  map[string]uint64
}

type planValues[V any] struct {
	gen    uint64
	built  time.Time
	values map[string]V
}

// get returns the cached value, or the generation to pass to put.
func (c *planCache[V]) get(plan, key string, staleness time.Duration) (V, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero V
	gen := c.gens[plan]
	pv := c.plans[plan]
	if pv == nil || pv.gen != gen || time.Since(pv.built) > staleness {
		delete(c.plans, plan)
		return zero, gen, false
	}
	v, ok := pv.values[key]
	return v, gen, ok
}

// put stores v unless the plan was invalidated since get returned gen.
func (c *planCache[V]) put(plan, key string, gen uint64, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gens[plan] != gen {
		return
	}
	if c.plans == nil {
		c.plans = map[string]*planValues[V]{}
	}
	pv := c.plans[plan]
	if pv == nil {
		pv = &planValues[V]{gen: gen, built: time.Now(), values: map[string]V{}}
		c.plans[plan] = pv
	}
	pv.values[key] = v
}

func (c *planCache[V]) invalidate(plan string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gens == nil {
		c.gens = map[string]uint64{}
	}
	c.gens[plan]++
	delete(c.plans, plan)
}
