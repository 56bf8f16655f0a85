package drain

// table is the miner's hash table for its caches, keyed by a seeded 64-bit
// hash: open addressing with linear probing, never more than half full,
// and emptied in one step by moving to the next generation (a slot of an
// older generation is empty). Go's map does the same job at about twice
// the cost per lookup here, and clearing it touches every slot.
type table[V any] struct {
	slots []slot[V]
	shift uint // 64 - log2(len(slots))
	gen   uint32
	n     int // keys of this generation
	max   int
}

type slot[V any] struct {
	key uint64
	gen uint32
	val V
}

// newTable returns a table for up to max keys.
func newTable[V any](max int) *table[V] {
	size, shift := 1, uint(64)
	for size < 2*max {
		size *= 2
		shift--
	}
	return &table[V]{slots: make([]slot[V], size), shift: shift, gen: 1, max: max}
}

// full reports that the table holds max keys: put a new one only after
// reset.
func (t *table[V]) full() bool { return t.n >= t.max }

// get returns the value of key k.
func (t *table[V]) get(k uint64) (v V, ok bool) {
	mask := len(t.slots) - 1
	for i := int(k * 0x9E3779B97F4A7C15 >> t.shift); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.gen != t.gen {
			return v, false
		}
		if s.key == k {
			return s.val, true
		}
	}
}

// put sets the value of key k. A new key needs room: !full().
func (t *table[V]) put(k uint64, v V) {
	mask := len(t.slots) - 1
	for i := int(k * 0x9E3779B97F4A7C15 >> t.shift); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.gen != t.gen {
			if t.n >= t.max {
				panic("drain: put into a full table")
			}
			*s = slot[V]{key: k, gen: t.gen, val: v}
			t.n++
			return
		}
		if s.key == k {
			s.val = v
			return
		}
	}
}

// reset empties the table.
func (t *table[V]) reset() {
	t.gen++
	t.n = 0
	if t.gen == 0 { // wrapped: slots of generation 0 would look full
		clear(t.slots)
		t.gen = 1
	}
}
