package count

import (
	"fmt"
	"math"

	"github.com/blevesearch/bleve/v2/index/scorch"

	"newsdex/indexer/entity"
)

// entColumn is, for one segment and one entity table, each document's
// entities: the entities its person, organisation and place values stand
// for, each once, blocked ones left out, in the order counting met them
// before (field by field, value by value). Counting an entity facet then
// costs one increment per entity of a match, where mapping each value
// and checking it was not counted already for the same article cost
// several times that. A segment and a table never change, so the column
// is built once per pair, on the first search (or Service.Warm) that needs
// it.
type entColumn struct {
	table *entity.Table
	start []uint32 // document d's entities are ents[start[d]:start[d+1]]
	ents  []int32
	types []uint8 // per document: bit t set when it has an entity of type t
}

// of returns the document's entities and its types bit set.
func (c *entColumn) of(local uint64) ([]int32, uint8) {
	return c.ents[c.start[local]:c.start[local+1]], c.types[local]
}

// entColumn returns seg's entity column for the counter's entity table,
// building it when the segment has none for that table. Two searches may
// build it at once; both get a correct column and one is kept.
func (fc *Counter) entColumn(seg *segColumns) (*entColumn, error) {
	t := fc.ents.Table()
	if c := seg.ents.Load(); c != nil && c.table == t {
		return c, nil
	}
	n := len(seg.cols[SlotPersons].startOrSingle())
	c := &entColumn{table: t, start: make([]uint32, n+1), types: make([]uint8, n)}
	stamp := make([]uint32, len(fc.entType)) // per entity: the last document + 1 that had it
	for d := range uint64(n) {
		for i, slot := range entitySlots {
			col, of := seg.cols[slot], fc.entOf[i]
			one := func(v uint32) {
				e := of[v]
				if stamp[e] == uint32(d)+1 {
					return
				}
				stamp[e] = uint32(d) + 1
				if t := fc.entType[e]; t >= 0 {
					c.ents = append(c.ents, e)
					c.types[d] |= 1 << t
				}
			}
			if col.single != nil {
				if v := col.single[d]; v != 0 {
					one(v - 1)
				}
				continue
			}
			for _, v := range col.ids[col.start[d]:col.start[d+1]] {
				one(v)
			}
		}
		if len(c.ents) > math.MaxUint32 {
			return nil, fmt.Errorf("entity column: more than %d values in one segment", uint32(math.MaxUint32))
		}
		c.start[d+1] = uint32(len(c.ents))
	}
	seg.ents.Store(c)
	return c, nil
}

// startOrSingle is a slice with one element per document of the column's
// segment (for its length).
func (c *column) startOrSingle() []uint32 {
	if c.single != nil {
		return c.single
	}
	return c.start[:len(c.start)-1]
}

// WarmEntities builds the entity columns of snap's segments for ents's
// table ahead of the first search that counts entities (Service.Warm):
// at a million articles that search would otherwise wait for them.
func (c *Cache) WarmEntities(snap *scorch.IndexSnapshot, ents Entities) error {
	fc := &Counter{cache: c, want: []int{SlotPersons}, ents: ents}
	fc.size[SlotPersons] = 1
	if err := fc.bind(snap); err != nil {
		return fmt.Errorf("warm entity columns: %w", err)
	}
	return nil
}
