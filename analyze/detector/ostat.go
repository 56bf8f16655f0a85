package detector

import "math"

// ostat keeps the last cap non-negative values (a sliding window) as an
// order-statistics structure: a two-level bucketed sorted array. The values are cut into
// sorted blocks of between blockMin and blockMax values, the blocks in
// order; adding or dropping a value binary-searches the block maxima, then
// the block, and shifts at most blockMax values, so a week of per-minute
// errors (10,080) costs what a window of 100 cost before, where the flat
// sorted array it replaces shifted half the window per row. Ranks, the
// k-th largest value and the sum of the largest values walk the block
// counts from the top, which is short for the tail questions the p-value
// asks.
//
// Values are kept as their IEEE 754 bits, which order non-negative floats
// as integers do, so that searches compare integers without branching.
//
// The capacity may be raised while the window fills (the detector learns
// the series' step after a few rows and sizes its memory to a week of it).
type ostat struct {
	ring []uint64 // arrival order; ring[head] is the oldest once full
	head int
	cap  int
	n    int

	blocks [][]uint64
	maxs   []uint64  // each block's largest value
	sums   []float64 // each block's sum × sumScale, valid unless dirty
	dirty  []bool
	free   [][]uint64
	// fen is a Fenwick tree over the block sizes, so that the values in
	// the blocks before one are counted in O(log blocks); rebuilt when
	// blocks are split or merged.
	fen []int32
}

const (
	blockMin = 32
	blockMax = 128
	// sumScale keeps a sum of many values near the largest float finite.
	sumScale = 1.0 / (1 << 32)
)

func newOstat(cap int) *ostat { return &ostat{cap: cap} }

func (o *ostat) len() int { return o.n }

// grow raises the capacity to c (never lowers it).
func (o *ostat) grow(c int) {
	if c > o.cap {
		if len(o.ring) == o.cap && o.head != 0 {
			// Full and wrapped: unroll so that new values append.
			o.ring = append(o.ring[o.head:], o.ring[:o.head]...)
			o.head = 0
		}
		o.cap = c
	}
}

// add puts v in, dropping the oldest value when full. v must be >= 0
// (not NaN).
func (o *ostat) add(x float64) { o.addCount(x) }

// addCount is countGE(x) before x is added, then adds it (dropping the
// oldest value when full): one search for both.
func (o *ostat) addCount(x float64) int {
	v := key(x)
	n := o.n
	var old uint64
	full := len(o.ring) == o.cap
	if full {
		old = o.ring[o.head]
		o.ring[o.head] = v
		o.head++
		if o.head == len(o.ring) {
			o.head = 0
		}
	} else {
		o.ring = append(o.ring, v)
	}
	c := n - o.insert(v)
	if full {
		o.remove(old)
	}
	return c
}

// block is the index of the first block whose largest value is >= v
// (len(blocks) if none).
func (o *ostat) block(v uint64) int {
	return searchKey(o.maxs, v)
}

// key orders non-negative floats (+0 for -0).
func key(x float64) uint64 { return math.Float64bits(x) &^ (1 << 63) }

func val(k uint64) float64 { return math.Float64frombits(k) }

// insert adds v and returns how many values were below it.
func (o *ostat) insert(v uint64) int {
	o.n++
	if len(o.blocks) == 0 {
		b := o.newBlock()
		o.blocks = append(o.blocks, append(b, v))
		o.maxs = append(o.maxs, v)
		o.sums = append(o.sums, 0)
		o.dirty = append(o.dirty, true)
		o.rebuild()
		return 0
	}
	k := o.block(v)
	if k == len(o.blocks) {
		k--
	}
	b := o.blocks[k]
	i := searchKey(b, v)
	below := o.before(k) + i
	b = append(b, 0)
	copy(b[i+1:], b[i:])
	b[i] = v
	o.blocks[k] = b
	o.maxs[k] = b[len(b)-1]
	o.dirty[k] = true
	if len(b) > blockMax {
		o.split(k)
		return below
	}
	o.fenAdd(k, 1)
	return below
}

func (o *ostat) remove(v uint64) {
	k := o.block(v)
	b := o.blocks[k]
	i := searchKey(b, v)
	copy(b[i:], b[i+1:])
	b = b[:len(b)-1]
	o.blocks[k] = b
	o.n--
	o.dirty[k] = true
	if len(b) > 0 {
		o.maxs[k] = b[len(b)-1]
	}
	if len(b) < blockMin && len(o.blocks) > 1 {
		o.merge(k)
		return
	}
	o.fenAdd(k, -1)
}

func (o *ostat) newBlock() []uint64 {
	if n := len(o.free); n > 0 {
		b := o.free[n-1][:0]
		o.free = o.free[:n-1]
		return b
	}
	return make([]uint64, 0, blockMax+1)
}

// split cuts block k in two halves.
func (o *ostat) split(k int) {
	b := o.blocks[k]
	h := len(b) / 2
	nb := append(o.newBlock(), b[h:]...)
	o.blocks[k] = b[:h]
	o.maxs[k] = b[h-1]
	o.dirty[k] = true
	o.blocks = insertAt(o.blocks, k+1, nb)
	o.maxs = insertAt(o.maxs, k+1, nb[len(nb)-1])
	o.sums = insertAt(o.sums, k+1, 0)
	o.dirty = insertAt(o.dirty, k+1, true)
	o.rebuild()
}

// merge joins the small block k with a neighbour (and splits the result
// again when it is too large).
func (o *ostat) merge(k int) {
	j := k + 1
	if j == len(o.blocks) || (k > 0 && len(o.blocks[k-1]) < len(o.blocks[j])) {
		j = k - 1
	}
	lo, hi := min(j, k), max(j, k)
	o.blocks[lo] = append(o.blocks[lo], o.blocks[hi]...)
	o.free = append(o.free, o.blocks[hi])
	o.blocks = deleteAt(o.blocks, hi)
	o.maxs = deleteAt(o.maxs, hi)
	o.sums = deleteAt(o.sums, hi)
	o.dirty = deleteAt(o.dirty, hi)
	b := o.blocks[lo]
	o.maxs[lo] = b[len(b)-1]
	o.dirty[lo] = true
	if len(b) > blockMax {
		o.split(lo)
		return
	}
	o.rebuild()
}

func (o *ostat) rebuild() {
	m := len(o.blocks)
	o.fen = append(o.fen[:0], make([]int32, m+1)...)
	for k, b := range o.blocks {
		i := k + 1
		o.fen[i] += int32(len(b))
		if j := i + i&-i; j <= m {
			o.fen[j] += o.fen[i]
		}
	}
}

func (o *ostat) fenAdd(k int, d int32) {
	for i := k + 1; i < len(o.fen); i += i & -i {
		o.fen[i] += d
	}
}

// before is how many values are in the blocks before block k.
func (o *ostat) before(k int) int {
	c := int32(0)
	for i := k; i > 0; i -= i & -i {
		c += o.fen[i]
	}
	return int(c)
}

func insertAt[T any](s []T, i int, v T) []T {
	var z T
	s = append(s, z)
	copy(s[i+1:], s[i:])
	s[i] = v
	return s
}

func deleteAt[T any](s []T, i int) []T {
	copy(s[i:], s[i+1:])
	var z T
	s[len(s)-1] = z
	return s[:len(s)-1]
}

// countGE is how many values are >= v.
func (o *ostat) countGE(x float64) int {
	v := key(x)
	k := o.block(v)
	if k == len(o.blocks) {
		return 0
	}
	return o.n - o.before(k) - searchKey(o.blocks[k], v)
}

// at is the value of rank i in ascending order (0 ≤ i < len), found from
// the top, where the tail questions are.
func (o *ostat) at(i int) float64 {
	r := o.n - 1 - i // rank from the top
	for k := len(o.blocks) - 1; k >= 0; k-- {
		b := o.blocks[k]
		if r < len(b) {
			return val(b[len(b)-1-r])
		}
		r -= len(b)
	}
	return math.NaN()
}

// median of the values; NaN when empty.
func (o *ostat) median() float64 {
	switch {
	case o.n == 0:
		return math.NaN()
	case o.n%2 == 1:
		return o.at(o.n / 2)
	}
	return o.at(o.n/2-1)/2 + o.at(o.n/2)/2
}

// meanTop is the mean of the j largest values (1 ≤ j ≤ len), summed
// scaled so that values near the largest float do not overflow.
func (o *ostat) meanTop(j int) float64 {
	s, r := 0.0, j
	for k := len(o.blocks) - 1; k >= 0 && r > 0; k-- {
		b := o.blocks[k]
		if r >= len(b) {
			if o.dirty[k] {
				t := 0.0
				for _, x := range b {
					t += val(x) * sumScale
				}
				o.sums[k], o.dirty[k] = t, false
			}
			s += o.sums[k]
			r -= len(b)
			continue
		}
		for _, x := range b[len(b)-r:] {
			s += val(x) * sumScale
		}
		r = 0
	}
	return s / float64(j) / sumScale
}
