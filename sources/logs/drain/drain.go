// Package drain mines log templates from messages, after Drain (He, Zhu,
// Zheng, Lyu: "Drain: An Online Log Parsing Approach with Fixed Depth
// Tree", ICWS 2017), as a pure kernel: no I/O, no clock, no goroutines.
//
// A message is masked first (numbers, IP addresses, hex, UUIDs, paths and
// dates become <*>; see Mask), then looked up in a tree keyed by its token
// count and its first tokens; in the leaf it joins the most similar
// cluster, whose template turns the positions where they differ into
// variables, or starts a new one. Most messages skip all of that: a
// message of a shape seen before (the same bytes once every digit reads
// 0, and the same digits where masking keeps them) gets the answer of
// that shape without masking (shape.go), and a masked form seen before
// skips the tree (an exact-match cache). Once they hold doorFrom entries,
// both caches keep what they see from its second message on: a line with
// a word never seen before would fill them for nothing.
//
// Drain counts only constant tokens towards similarity. Two more rules
// hold whatever that count (see near): a message its template matches
// token for token joins it ("uid=<*> (x) [<*>/<*>]" has one constant of
// three, and would start a copy of its own template each time it came
// back after the caches forgot it), and so does a message that differs
// from a template in one word only, every other token alike and two of
// them constants ("GET <*> returned <*> in <*> session=u" and "...
// session=i"): that word is a variable in the making, not a new kind of
// line.
//
// What is a variable is decided twice, by one rule set for every log,
// with no rule keyed to one system's words:
//
//   - By a token's form, when it is masked (mask.go): a number is a run of
//     digits that no letter or digit touches (the number rule that Brain,
//     He et al.'s logparser benchmarks and Loghub's labels share: "rdd_2_1",
//     "core.998", "mesos-slave-07" hold one; "ssh2", "jk2_init", "sha256" do
//     not); addresses, host names, hex, UUIDs, paths, URLs after their
//     scheme, dates, and a size with its unit ("16.0 KB") are values.
//   - By what a position of one template takes across its lines (Brain's
//     observation: a logging statement writes the same constant words
//     every time, so what varies at a position of one group is its
//     variable): two values, a name with two numbers ("bglio716",
//     "bglio91"), a word where whole values were ("pwd" where paths were),
//     or MinValues different words make the position a variable; fewer
//     different words stay words, each its own template (the statement's
//     author wrote "startup" and "shutdown", two events).
//
// Brain finds its constants by word frequency within groups of one length
// after reading the whole input; this miner sees a line once and must
// answer at once, so it counts per position of each template instead, and
// the shape and mask caches keep the answer for lines seen before.
//
// A value is not a word: at a position that takes words and values
// ("user=guest", "user=root", masked "user=<*>"), only the words count
// towards MinValues. Host names are values, as addresses are.
//
// A variable the miner has learned (a position that took MinValues words,
// or two values) matches any word it covers: "session=<*>" after
// "session=alpha", "session=beta" and "session=gamma" counts as the same
// token as "session=delta" when similarity is measured. Drain counts it as
// different, so that lines with few constant words started a template per
// word once their variable was learned.
//
// Template identity is the template's text: ID hashes it, so the same kind
// of line has the same ID in every run and every window, as long as the
// lines seen make the same template.
package drain

import (
	"bytes"
	"hash/fnv"
	"hash/maphash"
	"slices"
	"strconv"
	"strings"
)

// Config tunes the miner. The zero value means the defaults.
type Config struct {
	// Similarity is the share of a message's tokens that must equal a
	// cluster's template for the message to join it (Drain's st).
	Similarity float64
	// Depth is how many leading tokens route a message in the tree.
	Depth int
	// MaxChildren bounds a tree node's children; further tokens share a
	// <*> child.
	MaxChildren int
	// MaxClusters bounds the templates; messages that would start one
	// more go to the Other cluster.
	MaxClusters int
	// MaxTokens bounds the tokens of a message; the rest is one <*>.
	MaxTokens int
	// MinValues is how many different words a position must take before
	// it is a variable: below it, each word makes its own template
	// ("cupsd startup succeeded" and "cupsd shutdown succeeded" are two
	// things that happen, not one with a parameter). 1 turns it off.
	MinValues int
}

// Defaults. Similarity and Depth are Drain's published defaults; the
// Loghub scorer (loghub_test.go in the parent package) measures them.
const (
	DefaultSimilarity  = 0.5
	DefaultDepth       = 2
	DefaultMaxChildren = 100
	DefaultMaxClusters = 1000
	DefaultMaxTokens   = 48
	DefaultMinValues   = 3
)

// cacheMax bounds the exact-match cache and the shape cache; each is
// emptied when full. The exact-match cache is keyed by a seeded 64-bit
// hash of the masked message, as the shape cache is by one of the
// message: no key is kept, and no input can be written to collide.
const cacheMax = 1 << 14

// doorFrom is how many entries the caches hold before they keep what they
// see from its second message on (see AddShapeWhole).
const doorFrom = 1024

// maxLeaf bounds the templates of one tree leaf (see Miner.add).
const maxLeaf = 32

// Other is the template of the bucket for messages past MaxClusters.
const Other = "<other>"

// Cluster is one template and how many messages it took.
type Cluster struct {
	// Seq numbers clusters in order of creation from 1; the Other
	// cluster is 0. It is stable for one Miner only: use ID across runs.
	Seq   int
	Count int

	tokens [][]byte
	wild   []bool // tokens[i] holds a wildcard
	nconst int    // tokens without one
	// learned[i]: a variable that took MinValues words or two values
	// (posVals.many); nlearned counts them.
	learned  []bool
	nlearned int
	tmpl     string // cached String, "" when stale

	// mined are the positions the miner made variables, with the first
	// words seen there (up to MinValues).
	mined     []*posVals // by position, nil where not mined
	minedAt   []int      // the mined positions
	minValues int
	vtmpl     map[Variant]string // cached Template, emptied when stale
}

type posVals struct {
	vals [][]byte
	many bool // more words than vals holds
}

// Variant says which of the words seen at a cluster's mined positions a
// message had: two bits per position (the first 32), 3 for "another".
// Lines of one cluster with different variants have different templates
// while a position has taken fewer than MinValues words.
type Variant uint64

// Template is the template of the cluster's messages of variant v: the
// mined positions that took fewer than MinValues words keep v's word.
func (c *Cluster) Template(v Variant) string {
	if len(c.minedAt) == 0 || c.Seq == 0 {
		return c.String()
	}
	if t, ok := c.vtmpl[v]; ok {
		return t
	}
	toks := make([][]byte, len(c.tokens))
	copy(toks, c.tokens)
	for _, i := range c.minedAt {
		pv := c.mined[i]
		if i >= 32 || pv.many {
			continue
		}
		if k := int(v>>(2*i)) & 3; k < len(pv.vals) {
			toks[i] = pv.vals[k]
		}
	}
	t := string(bytes.Join(toks, []byte{' '}))
	if c.vtmpl == nil {
		c.vtmpl = map[Variant]string{}
	}
	c.vtmpl[v] = t
	return t
}

// variant records toks' words at the mined positions and returns their
// indexes. A value (a token with a wildcard) is kept as one more variant
// but is not a word: "user=<*>" (root, masked) next to "user=guest" and
// "user=test" is two words, not three. Two different values at one
// position make it a variable.
func (c *Cluster) variant(toks [][]byte) Variant {
	var v Variant
	for _, i := range c.minedAt {
		pv := c.mined[i]
		if i >= 32 || i >= len(toks) || pv.many {
			continue // all variants alike there
		}
		k := -1
		for j, w := range pv.vals {
			if bytes.Equal(w, toks[i]) {
				k = j
				break
			}
		}
		if k < 0 {
			if pv.add(toks[i], c.minValues) {
				k = len(pv.vals) - 1
				clear(c.vtmpl)
			} else { // the position is a variable from now on
				k = 3
				c.learn(i)
				clear(c.vtmpl)
			}
		}
		v |= Variant(min(k, 3)) << (2 * i)
	}
	return v
}

// learn marks position i a variable that took many words.
func (c *Cluster) learn(i int) {
	if c.learned == nil {
		c.learned = make([]bool, len(c.tokens))
	}
	if !c.learned[i] {
		c.learned[i] = true
		c.nlearned++
	}
}

// add keeps w as one more variant of the position, or makes the position
// a variable (and reports false): at the minValues-th word, or at a second
// value.
func (pv *posVals) add(w []byte, minValues int) bool {
	words, values := 0, 0
	for _, x := range pv.vals {
		if hasWildcard(x) {
			values++
		} else {
			words++
		}
	}
	if hasWildcard(w) {
		values++
	} else {
		words++
	}
	if values > 1 || words >= minValues || len(pv.vals) >= 3 {
		pv.many = true
		return false
	}
	pv.vals = append(pv.vals, bytes.Clone(w))
	return true
}

// String is the template: tokens joined by single spaces, variables <*>.
func (c *Cluster) String() string {
	if c.tmpl == "" {
		if c.Seq == 0 {
			c.tmpl = Other
		} else {
			c.tmpl = string(bytes.Join(c.tokens, []byte{' '}))
		}
	}
	return c.tmpl
}

// ID is the cluster's stable identity: a hash of its template.
func (c *Cluster) ID() string { return ID(c.String()) }

// ID hashes a template into 16 hex digits (FNV-1a, 64 bits).
func ID(template string) string {
	h := fnv.New64a()
	h.Write([]byte(template))
	return strconv.FormatUint(h.Sum64()|1<<63, 16)
}

type node struct {
	children map[string]*node
	clusters []*Cluster
}

// Miner groups messages into clusters. It is not safe for concurrent use.
type Miner struct {
	c        Config
	root     map[int]*node // by token count
	clusters []*Cluster
	other    *Cluster
	cache    *table[hit] // by maphash of the masked message
	seed     maphash.Seed
	slab     []shapeEntry        // where new shape entries come from
	keptSlab [][2]int32          // where their kept spans come from
	shapes   *table[*shapeEntry] // by shapeHash: masking skipped
	front    [1024]frontSlot     // direct-mapped, before shapes
	// keptFront holds answers of shapes with kept digits, before their
	// map: direct-mapped, made at the first such shape with 1024 slots,
	// 4096 once the miner holds 1024 answers (a miner for a few lines
	// stays small).
	keptFront []keptSlot
	doors     *doors // made at the first line masked
	nshapes   int    // answers in shapes
	kept      [][2]int32
	buf       []byte
	spans     [MaxTokens][2]int32 // of the tokens in buf
	toks      [][]byte
	wild      []bool // of toks
}

// doors remember the last shape and masked form seen at each of their
// slots: what is not in the caches yet, having been seen once.
type doors struct {
	shape, mask [4096]uint64
}

// New returns an empty miner.
func New(c Config) *Miner {
	if c.Similarity <= 0 {
		c.Similarity = DefaultSimilarity
	}
	if c.Depth <= 0 {
		c.Depth = DefaultDepth
	}
	if c.MaxChildren <= 0 {
		c.MaxChildren = DefaultMaxChildren
	}
	if c.MaxClusters <= 0 {
		c.MaxClusters = DefaultMaxClusters
	}
	if c.MaxTokens <= 0 {
		c.MaxTokens = DefaultMaxTokens
	}
	if c.MinValues <= 0 {
		c.MinValues = DefaultMinValues
	}
	c.MinValues = min(c.MinValues, 4) // two bits a position
	c.MaxTokens = min(c.MaxTokens, MaxTokens)
	return &Miner{
		c:      c,
		root:   map[int]*node{},
		other:  &Cluster{},
		cache:  newTable[hit](cacheMax),
		seed:   maphash.MakeSeed(),
		shapes: newTable[*shapeEntry](cacheMax),
		buf:    make([]byte, 0, 1024),
	}
}

// Clusters returns the clusters in order of creation, then Other if it
// took any message. The slice is the miner's: do not change it.
func (m *Miner) Clusters() []*Cluster {
	if m.other.Count > 0 {
		return append(m.clusters[:len(m.clusters):len(m.clusters)], m.other)
	}
	return m.clusters
}

// hit is what the exact-match cache remembers of a masked message. The
// variant stays right: a cluster's words keep their indexes, and a
// position mined after the message was cached held the word the
// message had (index 0).
type hit struct {
	c *Cluster
	v Variant
}

// Add mines one message and returns its cluster.
func (m *Miner) Add(msg []byte) *Cluster {
	c, _ := m.AddVariant(msg)
	return c
}

// AddVariant mines one message and returns its cluster and variant: its
// template is c.Template(v).
func (m *Miner) AddVariant(msg []byte) (*Cluster, Variant) {
	return m.AddShape(msg, Shape(msg))
}

// Shape hashes msg with every ASCII digit read as 0, with a seed that
// differs between runs. Masking, and anything else that looks at words
// but not at which digit a byte is, answers alike for messages of one
// shape.
func Shape(msg []byte) uint64 { return shapeHash(msg) }

// AddShape is AddVariant for a message whose Shape the caller has.
func (m *Miner) AddShape(msg []byte, sh uint64) (*Cluster, Variant) {
	c, v, _ := m.AddShapeWhole(msg, sh)
	return c, v
}

// AddShapeWhole is AddShape; whole reports that every message of this
// shape gets this answer (masking keeps none of its digits), so that the
// caller may keep the answer by shape and count the cluster itself.
func (m *Miner) AddShapeWhole(msg []byte, sh uint64) (c *Cluster, v Variant, whole bool) {
	slot := &m.front[sh%uint64(len(m.front))]
	e := slot.e
	if slot.sh != sh || e == nil {
		e, _ = m.shapes.get(sh)
		if e != nil {
			slot.sh, slot.e = sh, e
		}
	}
	var kh uint64
	if e != nil {
		var kf *keptSlot
		if len(e.kept) > 0 {
			if m.keptFront == nil {
				m.keptFront = make([]keptSlot, 1024)
			}
			kh = keptHash(msg, e.kept)
			kf = &m.keptFront[(sh^kh*0x9E3779B97F4A7C15)&uint64(len(m.keptFront)-1)]
			if kf.sh == sh && kf.kh == kh && kf.h.c != nil {
				kf.h.c.Count++
				return kf.h.c, kf.h.v, false
			}
		}
		if h, ok := e.get(kh); ok {
			if kf != nil {
				*kf = keptSlot{sh, kh, h}
			}
			h.c.Count++
			return h.c, h.v, len(e.kept) == 0
		}
	}
	if m.doors == nil {
		m.doors = new(doors)
	}
	var n int
	m.kept = m.kept[:0]
	m.buf, n = mask(m.buf[:0], msg, m.c.MaxTokens, &m.kept, &m.spans)
	mh := maphash.Bytes(m.seed, m.buf)
	h, ok := m.cache.get(mh)
	if !ok {
		h.c, h.v = m.add(n)
		// As with shapes below, a masked form is kept from its second
		// message on once the cache holds doorFrom.
		if d := &m.doors.mask[mh%uint64(len(m.doors.mask))]; *d != mh && m.cache.n >= doorFrom {
			*d = mh
		} else {
			if m.cache.full() {
				m.cache.reset()
			}
			m.cache.put(mh, h)
		}
	}
	// Every message of this shape with these digits in m.kept masks to
	// m.buf.
	if m.nshapes >= cacheMax {
		m.shapes.reset()
		clear(m.front[:])
		clear(m.keptFront)
		m.nshapes, e = 0, nil
	}
	if e == nil {
		// Once the table holds doorFrom answers, a shape is kept from its
		// second message on: shapes seen once (a line with a word never
		// seen before, an id that masking does not see) would fill it and
		// push out the shapes that repeat. Before, there is room.
		if d := &m.doors.shape[sh%uint64(len(m.doors.shape))]; *d != sh && m.nshapes >= doorFrom {
			*d = sh
			h.c.Count++
			return h.c, h.v, len(m.kept) == 0
		}
		if len(m.slab) == 0 {
			m.slab = make([]shapeEntry, 256)
		}
		e, m.slab = &m.slab[0], m.slab[1:]
		if len(m.kept) > 0 {
			if len(m.keptSlab) < len(m.kept) {
				m.keptSlab = make([][2]int32, max(1024, len(m.kept)))
			}
			e.kept = m.keptSlab[:len(m.kept):len(m.kept)]
			m.keptSlab = m.keptSlab[len(m.kept):]
			copy(e.kept, m.kept)
			kh = keptHash(msg, e.kept)
		}
		m.shapes.put(sh, e)
		slot.sh, slot.e = sh, e
	}
	e.put(kh, h)
	if m.nshapes++; m.nshapes == 1024 && len(m.keptFront) < 4096 {
		m.keptFront = make([]keptSlot, 4096)
	}
	h.c.Count++
	return h.c, h.v, len(e.kept) == 0
}

// AddString is Add for a string.
func (m *Miner) AddString(msg string) *Cluster {
	return m.Add([]byte(msg))
}

// add mines the masked message in m.buf, whose n tokens are at m.spans.
func (m *Miner) add(n int) (*Cluster, Variant) {
	m.toks, m.wild = m.toks[:0], m.wild[:0]
	for _, sp := range m.spans[:n] {
		t := m.buf[sp[0]:sp[1]]
		m.toks = append(m.toks, t)
		m.wild = append(m.wild, hasWildcard(t))
	}
	toks := m.toks
	leaf := m.leaf(toks)
	var best *Cluster
	bestSim, bestVars, bestDiff := -1.0, -1, 0
	for _, c := range leaf.clusters {
		// At most its constant tokens and learned variables can be the
		// same: a cluster that cannot reach the threshold, or the best so
		// far, is passed over without comparing tokens.
		if len(toks) > 0 {
			if ub := float64(c.nconst+c.nlearned) / float64(len(toks)); ub < m.c.Similarity || ub < bestSim {
				continue
			}
		}
		sim, vars, diff := similarity(c, toks, m.wild)
		if sim > bestSim || sim == bestSim && vars > bestVars {
			best, bestSim, bestVars, bestDiff = c, sim, vars, diff
		}
	}
	// A leaf (one token count, the same first tokens) that holds
	// maxLeaf templates already is a family of lines with a variable
	// word that masking did not see: further lines join the most similar
	// template there rather than making more, so that the comparisons per
	// line stay bounded.
	if best == nil && len(leaf.clusters) >= maxLeaf {
		for _, c := range leaf.clusters {
			if sim, vars, diff := similarity(c, toks, m.wild); sim > bestSim || sim == bestSim && vars > bestVars {
				best, bestSim, bestVars, bestDiff = c, sim, vars, diff
			}
		}
	}
	// A template the message matches token for token (values masked in
	// both) is its template, however few of its tokens are constant:
	// Drain counts only the constants, so that "uid=<*> (x) [<*>/<*>]"
	// (one constant of three) would start a second copy of its own
	// template. One that differs in one word only, every other token
	// alike, is the same kind of line with a word that varies: "GET <*>
	// returned <*> in <*> session=u" joins "... session=i" as a variant
	// (see MinValues), rather than start a template per session.
	if best == nil || bestSim < m.c.Similarity {
		for _, c := range leaf.clusters {
			if ok, diff := near(c, toks, m.wild); ok {
				best, bestSim, bestDiff = c, m.c.Similarity, diff
				break
			}
		}
	}
	if best != nil && (bestSim >= m.c.Similarity || len(toks) == 0 || len(leaf.clusters) >= maxLeaf && bestSim >= 0) {
		merged := best.tokens
		if bestDiff == 0 {
			merged = nil // every token the same, or covered by a learned variable
		}
		for i, t := range merged {
			// A variable that took many words already and covers this
			// one ("user=<*>" for "user=bob") stays as it is: merging
			// would change nothing but empty the cached templates.
			if !bytes.Equal(t, toks[i]) && !(best.learned != nil && best.learned[i] && covers(t, toks[i])) {
				if best.mined == nil {
					best.mined = make([]*posVals, len(best.tokens))
				}
				pv := best.mined[i]
				if pv == nil {
					pv = &posVals{vals: [][]byte{bytes.Clone(t)}}
					best.mined[i] = pv
					best.minedAt = append(best.minedAt, i)
				}
				if hasWildcard(t) && hasWildcard(toks[i]) || absent(t, toks[i]) || absent(toks[i], t) || numbered(t, toks[i]) || valueOrWord(t, toks[i]) || valueOrWord(toks[i], t) {
					// Two values, or a value and its absence ("(<*>)",
					// "()"), or one name with two numbers ("bglio716",
					// "bglio91": hosts, devices, nodes counted off): a
					// variable whatever the count.
					if !pv.many {
						pv.many = true
						clear(best.vtmpl)
					}
					best.learn(i)
				}
				if covers(t, toks[i]) {
					// The template has this variable already ("<*>" for
					// "guest" where it took "root" and "guest"): only the
					// variant differs.
					continue
				}
				best.tokens[i] = merge(t, toks[i])
				if !best.wild[i] {
					best.wild[i] = true // merge always makes a wildcard
					best.nconst--
				}
				best.tmpl = ""
				clear(best.vtmpl)
			}
		}
		return best, best.variant(toks)
	}
	if len(m.clusters) >= m.c.MaxClusters {
		return m.other, 0
	}
	c := &Cluster{Seq: len(m.clusters) + 1, tokens: make([][]byte, len(toks)), wild: slices.Clone(m.wild), minValues: m.c.MinValues}
	for i, t := range toks {
		c.tokens[i] = bytes.Clone(t)
		if !m.wild[i] {
			c.nconst++
		}
	}
	m.clusters = append(m.clusters, c)
	leaf.clusters = append(leaf.clusters, c)
	return c, 0
}

// The tree routes by the first Depth tokens, as Drain does, so a word
// that varies there ("user alice failed", "user bob failed") splits
// templates. Searching the sibling leaves for clusters that differ in the
// routing token only was tried and measured worse on Loghub (OpenSSH GA
// 0.996 -> 0.926: "Failed none" joined "Failed password", "cupsd
// startup" joined "cupsd shutdown"): a word early in a message is more
// often a constant that matters.

// leaf finds (making it if need be) the tree leaf for toks.
func (m *Miner) leaf(toks [][]byte) *node {
	nd := m.root[len(toks)]
	if nd == nil {
		nd = &node{}
		m.root[len(toks)] = nd
	}
	for i := 0; i < m.c.Depth && i < len(toks); i++ {
		key := toks[i]
		if m.wild[i] || dottedName(key) {
			key = []byte(Wildcard)
		}
		next := nd.children[string(key)]
		if next == nil {
			if nd.children == nil {
				nd.children = map[string]*node{}
			}
			if len(nd.children) >= m.c.MaxChildren {
				key = []byte(Wildcard)
				next = nd.children[Wildcard]
			}
			if next == nil {
				next = &node{}
				nd.children[string(key)] = next
			}
		}
		nd = next
	}
	return nd
}

// dottedName reports a name of three or more dotted words
// ("com.apple.CacheDelete.daily:", "org.apache.spark.SparkContext"): a
// class, a bundle or a job, named as a host is, by a path of words. It
// routes as a variable does (Drain routes a token with digits so): such
// names are what a statement logs about, not the statement's words, and
// the lines of one statement about several of them meet in one leaf,
// where the position becomes a variable by what it takes (MinValues), or
// stays a word.
func dottedName(t []byte) bool {
	dots, run := 0, 0
	for _, c := range t {
		switch {
		case c == '.':
			if run == 0 {
				return false
			}
			dots, run = dots+1, 0
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-':
			run++
		case c == ':' || c == ',':
			// trailing punctuation
		default:
			return false
		}
	}
	return dots >= 2 && run > 0
}

// similarity is the share of positions where template and message have
// the same constant token, as in Drain, or where the template has a
// learned variable that covers the message's token: positions where the
// template has another variable count as different. It is -1 when a position holds two
// different tokens that both carry a variable ("(uid=<*>)" against
// "LOGIN(uid=<*>)"): masking already took out what varies there, so what
// differs is the constant part. vars counts the template's variables;
// diff the positions that joining would merge (neither the same token nor
// one a learned variable covers). wild[i] says whether toks[i] holds a
// wildcard.
func similarity(c *Cluster, toks [][]byte, wild []bool) (sim float64, vars, diff int) {
	if len(toks) == 0 {
		return 1, 0, 0
	}
	same := 0
	for i, t := range c.tokens {
		tw := c.wild[i]
		if tw {
			vars++
		}
		learned := c.learned != nil && c.learned[i]
		if string(t) == string(toks[i]) {
			if !tw || learned {
				same++
			}
			continue
		}
		if learned && covers(t, toks[i]) {
			same++
			continue
		}
		if tw && string(t) != Wildcard && wild[i] && string(toks[i]) != Wildcard ||
			emptied(t, toks[i]) || emptied(toks[i], t) {
			return -1, vars, diff
		}
		diff++
	}
	return float64(same) / float64(len(toks)), vars, diff
}

// near reports whether the message toks is c's template, token for token
// (a learned variable taking any word it covers), or differs from it at
// one position only, where the message has a word (no wildcard) and at
// least two other positions hold the same constant token. diff is the
// number of positions that differ, 0 or 1.
func near(c *Cluster, toks [][]byte, wild []bool) (ok bool, diff int) {
	off, consts := -1, 0
	for i, t := range c.tokens {
		if string(t) == string(toks[i]) || c.learned != nil && c.learned[i] && covers(t, toks[i]) {
			if !c.wild[i] {
				consts++
			}
			continue
		}
		if off >= 0 || wild[i] {
			return false, 0
		}
		off = i
	}
	if off < 0 {
		return true, 0
	}
	return consts >= 2, 1
}

// numbered reports two different words that are the same once each run
// of digits reads as one: a name numbered ("node12", "node7"), not two
// names. Words with no digit are not numbered.
func numbered(a, b []byte) bool {
	i, j, digits := 0, 0, false
	for i < len(a) && j < len(b) {
		da, db := a[i] >= '0' && a[i] <= '9', b[j] >= '0' && b[j] <= '9'
		if da != db {
			return false
		}
		if !da {
			if a[i] != b[j] {
				return false
			}
			i++
			j++
			continue
		}
		digits = true
		for i < len(a) && a[i] >= '0' && a[i] <= '9' {
			i++
		}
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
	}
	return digits && i == len(a) && j == len(b)
}

// valueOrWord reports a token that is a value as a whole (but for its
// punctuation) where the other holds a word: "<*>" (a path) against
// "pwd", "<*>:" against "allreduce.rts:". Where the values of a
// position are whole tokens, a word there is one more of them (Brain's
// view: what varies at a position of one group is its variable). A value
// inside a token is not taken so: "user=<*>" (root) and "user=guest" are
// kept apart, as labelled templates keep them.
func valueOrWord(a, b []byte) bool {
	if !hasWildcard(a) || hasWildcard(b) || !covers(a, b) {
		return false
	}
	for _, c := range bytes.ReplaceAll(a, []byte(Wildcard), nil) {
		if !delim[c] && c != '.' && c != '-' {
			return false // a constant word part: "user=<*>"
		}
	}
	return true
}

// emptied reports whether b is a key with no value and a the same key
// with one, "rhost=" against "rhost=<*>": a field left empty says
// something else than a field filled ("no remote host").
func emptied(a, b []byte) bool {
	if len(b) >= len(a) || len(b) == 0 || b[len(b)-1] != '=' || !hasWildcard(a) {
		return false
	}
	return string(bytes.ReplaceAll(a, []byte(Wildcard), nil)) == string(b)
}

// absent reports whether b is a with its values left out: "()" against
// "(<*>)".
func absent(a, b []byte) bool {
	return len(b) < len(a) && hasWildcard(a) && string(bytes.ReplaceAll(a, []byte(Wildcard), nil)) == string(b)
}

func hasWildcard(t []byte) bool {
	for i := 0; i+2 < len(t); i++ {
		if t[i] == '<' && t[i+1] == '*' && t[i+2] == '>' {
			return true
		}
	}
	return false
}

// merge is the template token for two tokens that differ: what they share
// at both ends up to a delimiter stays, the middle becomes <*>:
// "(<*>)" and "()" make "(<*>)", "user=root" and "user=admin" make
// "user=<*>", "webmaster" and "admin" make "<*>".
func merge(a, b []byte) []byte {
	pre, suf, whole := mergeEnds(a, b)
	if whole {
		return []byte(Wildcard)
	}
	out := make([]byte, 0, len(pre)+3+len(suf))
	out = append(out, pre...)
	out = append(out, Wildcard...)
	out = append(out, suf...)
	return out
}

// covers reports whether merge(t, tok) is t: t is a variable token whose
// constant ends tok shares.
func covers(t, tok []byte) bool {
	pre, suf, whole := mergeEnds(t, tok)
	if whole {
		return string(t) == Wildcard
	}
	return len(pre)+len(Wildcard)+len(suf) == len(t) && string(t[len(pre):len(pre)+len(Wildcard)]) == Wildcard
}

// mergeEnds returns the ends of a that merge keeps, or whole when merge
// makes the whole token a wildcard.
func mergeEnds(a, b []byte) (pre, suf []byte, whole bool) {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	// Back to just after a delimiter.
	for p > 0 && !delim[a[p-1]] {
		p--
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	for s > 0 && !delim[a[len(a)-s]] {
		s--
	}
	// Do not cut a wildcard in half.
	pre, suf = a[:p], a[len(a)-s:]
	if bytes.HasSuffix(pre, []byte("<")) || bytes.HasPrefix(suf, []byte(">")) {
		return nil, nil, true
	}
	// A wildcard at an end that is kept takes the new one in: "<*>"
	// merged with "core.<*>" is "<*>", not "<*><*>".
	pre = bytes.TrimSuffix(pre, []byte(Wildcard))
	suf = bytes.TrimPrefix(suf, []byte(Wildcard))
	if len(pre) == 0 && len(suf) == 0 {
		return nil, nil, true
	}
	return pre, suf, false
}

// Template returns the masked form of msg, as a template with no mining:
// what a message would be keyed by if it stood alone.
func Template(msg string) string {
	b, _ := Mask(nil, []byte(msg), DefaultMaxTokens)
	return strings.Clone(string(b))
}
