package ner

// featTable maps feature hashes to dense weight rows with open
// addressing: two flat slices, no pointers, so a lookup is one or two
// cache misses and the garbage collector has nothing to scan.
type featTable struct {
	keys []uint32 // 0 marks an empty slot
	rows []int32
	mask uint32
	w    []float32 // numTags weights per row
}

func newFeatTable(n int) *featTable {
	size := 16
	for size < 2*n {
		size <<= 1
	}
	return &featTable{
		keys: make([]uint32, size),
		rows: make([]int32, size),
		mask: uint32(size - 1),
		w:    make([]float32, 0, n*numTags),
	}
}

func slot(k uint32) uint32 { return k * 0x9E3779B1 }

// lookup returns the row of key k, or -1.
func (t *featTable) lookup(k uint32) int32 {
	for i := slot(k) & t.mask; ; i = (i + 1) & t.mask {
		switch t.keys[i] {
		case k:
			return t.rows[i]
		case 0:
			return -1
		}
	}
}

// insert adds key k with a zero row if absent and returns its row,
// growing the table when it is half full.
func (t *featTable) insert(k uint32) int32 {
	if 2*(t.len()+1) > len(t.keys) {
		t.grow()
	}
	for i := slot(k) & t.mask; ; i = (i + 1) & t.mask {
		switch t.keys[i] {
		case k:
			return t.rows[i]
		case 0:
			r := int32(len(t.w) / numTags)
			t.keys[i] = k
			t.rows[i] = r
			t.w = append(t.w, make([]float32, numTags)...)
			return r
		}
	}
}

func (t *featTable) len() int { return len(t.w) / numTags }

func (t *featTable) grow() {
	keys, rows := t.keys, t.rows
	size := 2 * len(keys)
	t.keys, t.rows, t.mask = make([]uint32, size), make([]int32, size), uint32(size-1)
	for i, k := range keys {
		if k == 0 {
			continue
		}
		j := slot(k) & t.mask
		for t.keys[j] != 0 {
			j = (j + 1) & t.mask
		}
		t.keys[j], t.rows[j] = k, rows[i]
	}
}

// row returns the weights of row r.
func (t *featTable) row(r int32) []float32 {
	return t.w[int(r)*numTags : int(r)*numTags+numTags]
}

// addTo adds the weights of feature k, if known, to dst.
func (t *featTable) addTo(dst []float32, k uint32) {
	if r := t.lookup(k); r >= 0 {
		w := (*vec)(t.w[int(r)*numTags:])
		d := (*vec)(dst)
		for j := range d {
			d[j] += w[j]
		}
	}
}

// table64 is an open-addressing map from non-zero 64-bit hashes to small
// values, cheaper than a Go map for the per-token lookups of the tagger.
type table64[V any] struct {
	keys []uint64
	vals []V
	mask uint64
	n    int
}

func newTable64[V any](n int) *table64[V] {
	t := &table64[V]{}
	t.reset(n)
	return t
}

// reset empties the table and sizes it for n keys.
func (t *table64[V]) reset(n int) {
	size := 16
	for size < 2*n {
		size <<= 1
	}
	if cap(t.keys) >= size {
		t.keys = t.keys[:size]
		t.vals = t.vals[:size]
		clear(t.keys)
	} else {
		t.keys = make([]uint64, size)
		t.vals = make([]V, size)
	}
	t.mask = uint64(size - 1)
	t.n = 0
}

func nonZero(k uint64) uint64 {
	if k == 0 {
		return 1
	}
	return k
}

func (t *table64[V]) get(k uint64) (V, bool) {
	k = nonZero(k)
	for i := k * 0x9E3779B97F4A7C15 >> 32 & t.mask; ; i = (i + 1) & t.mask {
		switch t.keys[i] {
		case k:
			return t.vals[i], true
		case 0:
			var zero V
			return zero, false
		}
	}
}

// ptr returns the value slot of k, inserting a zero value if absent and
// growing the table as needed.
func (t *table64[V]) ptr(k uint64) *V {
	k = nonZero(k)
	if 2*(t.n+1) > len(t.keys) {
		t.grow()
	}
	for i := k * 0x9E3779B97F4A7C15 >> 32 & t.mask; ; i = (i + 1) & t.mask {
		switch t.keys[i] {
		case k:
			return &t.vals[i]
		case 0:
			t.keys[i] = k
			t.n++
			var zero V
			t.vals[i] = zero
			return &t.vals[i]
		}
	}
}

func (t *table64[V]) grow() {
	keys, vals := t.keys, t.vals
	t.keys, t.vals = nil, nil
	t.reset(2 * max(t.n, 8))
	for i, k := range keys {
		if k != 0 {
			*t.ptr(k) = vals[i]
		}
	}
}

// each calls fn for every key and value.
func (t *table64[V]) each(fn func(k uint64, v V)) {
	for i, k := range t.keys {
		if k != 0 {
			fn(k, t.vals[i])
		}
	}
}

// featIndex is a featTable's keys and rows interleaved, key in the low
// half of each slot, for the tagger's lookups: one probe reads one word.
type featIndex struct {
	slots []uint64
	mask  uint32
}

func newFeatIndex(ft *featTable) featIndex {
	x := featIndex{slots: make([]uint64, len(ft.keys)), mask: ft.mask}
	for i, k := range ft.keys {
		if k != 0 {
			x.slots[i] = uint64(k) | uint64(uint32(ft.rows[i]))<<32
		}
	}
	return x
}

// lookup returns the row of key k, or -1; it probes as featTable.lookup.
func (x *featIndex) lookup(k uint32) int32 {
	for i := slot(k) & x.mask; ; i = (i + 1) & x.mask {
		switch s := x.slots[i]; uint32(s) {
		case k:
			return int32(s >> 32)
		case 0:
			return -1
		}
	}
}

// wordEntry is what the tagger keeps of a vocabulary word.
type wordEntry struct {
	key            uint64 // nonZero(maphash of the word); 0 marks an empty slot
	lowerH, shapeH uint64
	id             int32
	flags          uint8
	outside        bool // Model.outside
}

// wordTable maps word hashes to entries with open addressing.
type wordTable struct {
	slots []wordEntry
	mask  uint64
}

func (t *wordTable) reset(n int) {
	size := 16
	for size < 2*n {
		size <<= 1
	}
	t.slots = make([]wordEntry, size)
	t.mask = uint64(size - 1)
}

// insert returns the entry of k, adding an empty one if absent; the table
// must have been sized for all its keys.
func (t *wordTable) insert(k uint64) *wordEntry {
	k = nonZero(k)
	for i := k * 0x9E3779B97F4A7C15 >> 32 & t.mask; ; i = (i + 1) & t.mask {
		switch t.slots[i].key {
		case k:
			return &t.slots[i]
		case 0:
			t.slots[i].key = k
			return &t.slots[i]
		}
	}
}

func (t *wordTable) get(k uint64) *wordEntry {
	k = nonZero(k)
	for i := k * 0x9E3779B97F4A7C15 >> 32 & t.mask; ; i = (i + 1) & t.mask {
		switch t.slots[i].key {
		case k:
			return &t.slots[i]
		case 0:
			return nil
		}
	}
}
