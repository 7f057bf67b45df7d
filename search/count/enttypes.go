package count

import (
	"slices"
	"sync"

	"newsdex/indexer/entity"
)

// typeCache keeps, for the archive's current entity table, each entity's
// type as its index in entity.Types (-1: blocked). Every search that
// counts entities needs it; worked out per search it cost as much as
// counting a narrow query's matches, for a table that changes only when
// the archive's entities are resolved again.
type typeCache struct {
	mu    sync.Mutex
	table *entity.Table
	types []int8 // never changed once set: searches share it
}

// of returns the types of t's entities; callers must not change it.
func (c *typeCache) of(t *entity.Table) []int8 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.table != t {
		types := make([]int8, len(t.Entities))
		for e := range t.Entities {
			types[e] = entityType(&t.Entities[e])
		}
		c.table, c.types = t, types
	}
	return c.types
}

// entityType is en's type index in entity.Types, -1 when it is blocked.
func entityType(en *entity.Entity) int8 {
	if en.Blocked {
		return -1
	}
	return int8(slices.Index(entity.Types, en.Type))
}
