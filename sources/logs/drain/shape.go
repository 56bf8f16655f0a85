package drain

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
)

// Most lines of a log differ from lines seen before only in their digits:
// "port 50412" for "port 50388". Masking never looks at which digit a byte
// is, only that it is one, so two messages that are the same once every
// digit reads 0 (the same shape) are cut and masked alike: the same bytes
// become <*>, the same are copied. Where a copied part holds digits
// ("ssh2", "tty1", "SHA256"), those digits are part of the masked form.
// The miner keeps, per shape, the spans whose digits survive masking, and
// answers a message whose shape and surviving digits it has seen without
// masking it.

// shapeEntry is what the miner knows of one shape: the spans of a message
// whose digits the masked form keeps, and the answer for each set of
// those digits (for none, only one).
type shapeEntry struct {
	kept  [][2]int32
	first hit            // the answer for firstK
	fk    uint64         // keptHash of first
	hits  map[uint64]hit // the other answers by keptHash
}

func (e *shapeEntry) get(k uint64) (hit, bool) {
	if e.first.c != nil && e.fk == k {
		return e.first, true
	}
	h, ok := e.hits[k]
	return h, ok
}

func (e *shapeEntry) put(k uint64, h hit) {
	switch {
	case e.first.c == nil || e.fk == k:
		e.first, e.fk = h, k
	default:
		if e.hits == nil {
			e.hits = map[uint64]hit{}
		}
		e.hits[k] = h
	}
}

// keptSlot is an entry of the miner's direct-mapped cache of answers for
// a shape and its kept digits.
type keptSlot struct {
	sh, kh uint64
	h      hit
}

// frontSlot is an entry of the miner's direct-mapped cache of shapes.
type frontSlot struct {
	sh uint64
	e  *shapeEntry
}

// keptHash hashes the bytes of msg in the spans, a word at a time. A
// span's positions are the same for every message of its shape, so its
// length needs no hashing.
func keptHash(msg []byte, kept [][2]int32) uint64 {
	h := shapeSeed
	for _, sp := range kept {
		a, b := int(sp[0]), int(sp[1])
		for ; b-a >= 8; a += 8 {
			h = mixShape(h, binary.LittleEndian.Uint64(msg[a:]))
		}
		if a < b {
			var w uint64
			if b >= 8 {
				// The word that ends at b, its first bytes shifted out.
				w = binary.LittleEndian.Uint64(msg[b-8:]) >> (8 * (8 - (b - a)))
			} else {
				for i := b - 1; i >= a; i-- {
					w = w<<8 | uint64(msg[i])
				}
			}
			h = mixShape(h, w)
		}
		h ^= uint64(b)
	}
	return h
}

const (
	ones   = 0x0101010101010101
	highs  = 0x8080808080808080
	zeroes = 0x3030303030303030 // "00000000"
)

// shapeSeed makes the hash differ between runs, so that no input can be
// written to make two shapes collide.
var shapeSeed, shapeSeed2 = rand.Uint64(), rand.Uint64() | 1

// shapeHash hashes msg with every ASCII digit read as '0', sixteen bytes
// a step: the two words of a step are folded by one 128-bit multiply
// (wyhash's mix), so that the chain of dependent multiplies is half as
// long as with one a word. Both factors hold a secret of the run (the
// seed, or the hash so far), so that no input can make one of them zero.
// The last bytes, when the length is not a multiple of sixteen, are read
// as the sixteen that end msg (overlapping the step before): the length
// is in the hash, so the same shape reads the same bytes.
func shapeHash(msg []byte) uint64 {
	h := shapeSeed ^ uint64(len(msg))*0x9E3779B97F4A7C15
	n := len(msg)
	if n < 8 {
		var tail [8]byte
		copy(tail[:], msg)
		h = mixShape(h, digitsToZero(binary.LittleEndian.Uint64(tail[:])))
		return h ^ h>>29
	}
	if n <= 16 {
		a := digitsToZero(binary.LittleEndian.Uint64(msg))
		b := digitsToZero(binary.LittleEndian.Uint64(msg[n-8:]))
		h = mix2(a^shapeSeed2, b^h)
		return h ^ h>>29
	}
	for i := 0; i+16 < n; i += 16 {
		a := digitsToZero(binary.LittleEndian.Uint64(msg[i:]))
		b := digitsToZero(binary.LittleEndian.Uint64(msg[i+8:]))
		h = mix2(a^shapeSeed2, b^h)
	}
	a := digitsToZero(binary.LittleEndian.Uint64(msg[n-16:]))
	b := digitsToZero(binary.LittleEndian.Uint64(msg[n-8:]))
	h = mix2(a^shapeSeed2, b^h)
	return h ^ h>>29
}

// mix2 folds the 128-bit product of a and b.
func mix2(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// digitsToZero turns each byte of w that is '0'..'9' into '0'.
func digitsToZero(w uint64) uint64 {
	t := w ^ zeroes // digits are now 0..9
	// High bit of each byte set where t >= 10 or t >= 0x80: not a digit.
	not := ((t &^ highs) + (0x80-10)*ones | t) & highs
	// A digit's byte is 0x30-0x39: clearing its low nibble makes it '0'.
	return w &^ ((^not & highs) >> 7 * 0x0F)
}

func mixShape(h, w uint64) uint64 {
	hi, lo := bits.Mul64(h^w, 0xBF58476D1CE4E5B9)
	return hi ^ lo
}

// hasDigit reports whether b holds an ASCII digit.
func hasDigit(b []byte) bool {
	for _, c := range b {
		if c >= '0' && c <= '9' {
			return true
		}
	}
	return false
}
