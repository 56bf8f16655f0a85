package drain

// table is the miner's hash table for its caches, keyed by a seeded 64-bit
// hash: open addressing with linear probing, never more than half full,
// and emptied in one step by moving to the next generation (a slot of an
// older generation is empty). It starts small and doubles up to twice max
// slots, so that a miner for a few lines costs little. Against Go's map
// it measured the same in the worst-case benchmark; it is kept because
// emptying it is one step, where clearing a map touches every slot.
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
	const size = 64
	return &table[V]{slots: make([]slot[V], size), shift: 64 - 6, gen: 1, max: max}
}

// grow doubles the slots, keeping the keys of this generation.
func (t *table[V]) grow() {
	old := t.slots
	t.slots = make([]slot[V], 2*len(old))
	t.shift--
	t.n = 0
	gen := t.gen
	t.gen = 1
	for i := range old {
		if s := &old[i]; s.gen == gen {
			t.put(s.key, s.val)
		}
	}
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
			if 2*(t.n+1) > len(t.slots) {
				t.grow()
				t.put(k, v)
				return
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
