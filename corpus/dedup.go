package corpus

import (
	"cmp"
	"encoding/binary"
	"hash/fnv"
	"slices"
	"strings"
	"sync"
	"unicode"
)

// DefaultDuplicateThreshold is the default of DedupOptions.Threshold: the
// estimated Jaccard similarity of two texts' word 3-shingles from which
// they are copies of one story. Measured on constructed pairs (see
// TestDuplicateThreshold): syndicated copies with another outlet's
// dateline, footer or inserted links score 0.89, an update with a changed
// figure and an added paragraph 0.82, a rewritten lede 0.73, the first half
// of the story alone 0.53; a different story on the same event 0.01, one
// sharing a paragraph 0.12, a follow-up reusing two background paragraphs
// 0.20. 0.4 lies between, with a margin on both sides.
const DefaultDuplicateThreshold = 0.4

// DedupOptions configures Dedup. The zero value is ready to use.
type DedupOptions struct {
	// Threshold is the estimated Jaccard similarity of word 3-shingles
	// from which two articles are copies. Default: DefaultDuplicateThreshold.
	Threshold float64
	// MinWords: texts with fewer words are never judged near-duplicates
	// (too little text to tell). Default: 40.
	MinWords int
}

func (o DedupOptions) withDefaults() DedupOptions {
	if o.Threshold <= 0 {
		o.Threshold = DefaultDuplicateThreshold
	}
	if o.MinWords <= 0 {
		o.MinWords = 40
	}
	return o
}

// Dedup keeps one article per story. Articles with the same ID are one
// article (the one with more text is kept). Articles whose texts are
// near-identical (syndicated copies, updated versions under another URL)
// are found with MinHash over word 3-shingles and banded locality-sensitive
// hashing; of each group the earliest published article is kept (then
// the one with the longest text, then the smallest ID) and the others
// become its Alternates, along with any alternates they had. The result is sorted by
// ID; articles is not modified.
func Dedup(articles []Article, opts DedupOptions) []Article {
	return NewDeduper(opts).Dedup(articles)
}

// A Deduper runs Dedup again and again over much the same articles, as a
// refresh of feeds does: it keeps each text's MinHash signature from one
// call to the next, so that only new and changed texts are hashed. It is
// safe for concurrent use.
type Deduper struct {
	opts DedupOptions

	mu   sync.Mutex
	sigs map[string]*minhash // by text: the signatures of the last call
	// hashed counts the signatures computed (for tests).
	hashed int
}

// NewDeduper returns a Deduper with opts.
func NewDeduper(opts DedupOptions) *Deduper {
	return &Deduper{opts: opts.withDefaults()}
}

// Dedup de-duplicates articles as the function Dedup does.
func (d *Deduper) Dedup(articles []Article) []Article {
	d.mu.Lock()
	defer d.mu.Unlock()
	arts := mergeSameID(articles)

	sigs := make([]*minhash, len(arts))
	kept := make(map[string]*minhash, len(arts))
	buckets := map[uint64][]int{}
	for i, a := range arts {
		sig, ok := kept[a.Text]
		if !ok {
			sig, ok = d.sigs[a.Text]
		}
		if !ok {
			sig = newMinHash(a.Text, d.opts.MinWords)
			d.hashed++
		}
		kept[a.Text] = sig
		if sigs[i] = sig; sig == nil {
			continue
		}
		for b, key := range sig.bands() {
			k := key ^ uint64(b)*0x9E3779B97F4A7C15
			buckets[k] = append(buckets[k], i)
		}
	}
	d.sigs = kept
	uf := newUnionFind(len(arts))
	for _, members := range buckets {
		for x := 0; x < len(members); x++ {
			for y := x + 1; y < len(members); y++ {
				i, j := members[x], members[y]
				if uf.find(i) != uf.find(j) && sigs[i].similarity(sigs[j]) >= d.opts.Threshold {
					uf.union(i, j)
				}
			}
		}
	}

	groups := map[int][]int{}
	for i := range arts {
		r := uf.find(i)
		groups[r] = append(groups[r], i)
	}
	out := make([]Article, 0, len(groups))
	for _, g := range groups {
		slices.SortFunc(g, func(x, y int) int { return preferred(arts[x], arts[y]) })
		kept := arts[g[0]]
		for _, o := range g[1:] {
			kept.Alternates = addAlternates(kept.Alternates, alternateOf(arts[o]))
			kept.Alternates = addAlternates(kept.Alternates, arts[o].Alternates...)
		}
		out = append(out, kept)
	}
	slices.SortFunc(out, func(a, b Article) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// preferred orders the copies of a story, the one to keep first: the
// earliest published (the original, not a syndicated copy), then the one
// with the longest text, then the smallest ID. Copies without a date come
// after dated ones.
func preferred(a, b Article) int {
	if a.Published.IsZero() != b.Published.IsZero() {
		if a.Published.IsZero() {
			return 1
		}
		return -1
	}
	return cmp.Or(
		a.Published.Compare(b.Published),
		cmp.Compare(len(b.Text), len(a.Text)),
		strings.Compare(a.ID, b.ID),
	)
}

// mergeSameID folds articles sharing an ID into one: the one with the
// longest text, with the others' alternates.
func mergeSameID(articles []Article) []Article {
	arts := slices.Clone(articles)
	slices.SortStableFunc(arts, func(a, b Article) int {
		return cmp.Or(strings.Compare(a.ID, b.ID), cmp.Compare(len(b.Text), len(a.Text)))
	})
	out := arts[:0]
	for _, a := range arts {
		if n := len(out); n > 0 && out[n-1].ID == a.ID {
			out[n-1].Alternates = addAlternates(out[n-1].Alternates, a.Alternates...)
			continue
		}
		a.Alternates = slices.Clone(a.Alternates)
		out = append(out, a)
	}
	return out
}

// alternateOf describes a as another copy of a story.
func alternateOf(a Article) Alternate {
	return Alternate{ID: a.ID, Title: a.Title, Outlet: a.Outlet, Published: a.Published, URL: a.URL}
}

// addAlternates appends the alternates not yet listed (by ID), keeping the
// list sorted by ID.
func addAlternates(list []Alternate, add ...Alternate) []Alternate {
	for _, a := range add {
		if !slices.ContainsFunc(list, func(b Alternate) bool { return b.ID == a.ID }) {
			list = append(list, a)
		}
	}
	slices.SortFunc(list, func(a, b Alternate) int { return strings.Compare(a.ID, b.ID) })
	return list
}

// MinHash parameters: numHashes = bands × rows. With 64 bands of 2 rows
// two texts of Jaccard similarity s share a band, and so are compared,
// with probability 1-(1-s²)⁶⁴: 0.9997 at s = 0.35, 0.16 at s = 0.05.
const (
	shingleWords = 3
	numBands     = 64
	bandRows     = 2
	numHashes    = numBands * bandRows
)

// minhash is the MinHash signature of a text's set of word shingles.
type minhash [numHashes]uint64

// newMinHash returns the signature of text, or nil when it has fewer than
// minWords words.
func newMinHash(text string, minWords int) *minhash {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
	if len(words) < max(minWords, shingleWords) {
		return nil
	}
	var m minhash
	for i := range m {
		m[i] = ^uint64(0)
	}
	for i := 0; i+shingleWords <= len(words); i++ {
		x := uint64(fnvOffset)
		for _, w := range words[i : i+shingleWords] {
			x = fnv1a(x, w)
			x = (x ^ ' ') * fnvPrime
		}
		for k := range m {
			if v := splitmix64(x + uint64(k)*0x9E3779B97F4A7C15); v < m[k] {
				m[k] = v
			}
		}
	}
	return &m
}

// FNV-1a, inline over strings: hashing a shingle allocates nothing.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnv1a(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

// similarity estimates the Jaccard similarity of the two shingle sets.
func (m *minhash) similarity(o *minhash) float64 {
	same := 0
	for i := range m {
		if m[i] == o[i] {
			same++
		}
	}
	return float64(same) / numHashes
}

// bands returns one hash per band of rows.
func (m *minhash) bands() [numBands]uint64 {
	var out [numBands]uint64
	var buf [8]byte
	for b := range out {
		h := fnv.New64a()
		for _, v := range m[b*bandRows : (b+1)*bandRows] {
			binary.LittleEndian.PutUint64(buf[:], v)
			h.Write(buf[:])
		}
		out[b] = h.Sum64()
	}
	return out
}

// splitmix64 is a fast, well-mixing 64-bit hash: one of the numHashes
// independent hash functions MinHash needs, by seed.
func splitmix64(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ x>>30) * 0xBF58476D1CE4E5B9
	x = (x ^ x>>27) * 0x94D049BB133111EB
	return x ^ x>>31
}

// unionFind groups indexes into disjoint sets.
type unionFind []int

func newUnionFind(n int) unionFind {
	u := make(unionFind, n)
	for i := range u {
		u[i] = i
	}
	return u
}

func (u unionFind) find(i int) int {
	for u[i] != i {
		u[i] = u[u[i]]
		i = u[i]
	}
	return i
}

func (u unionFind) union(i, j int) { u[u.find(i)] = u.find(j) }
