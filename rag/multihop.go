package rag

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
)

// Multi-part retrieval. A decomposed question (see Decompose) is retrieved
// for once per part, each restricted to the part's outlets and dates, and
// once as a whole; a question asking for a thing ("Which company …, as
// reported by The Verge and TechCrunch?") is also retrieved for as a whole
// within all the outlets (and dates) it names, first, since every report
// describes the same thing. The rankings are merged round by round: the first round takes
// from each ranking its best passage of an article not yet taken (so two
// parts naming the same outlet bring two articles) and orders these by
// their best sentence match with the whole question (see rerank.go); each
// later round takes the next passage of every ranking. The whole
// question's ranking comes last, so an outlet the rules missed still has
// its place.

// diversityDepth is how far down a ranking the first round looks for an
// article not yet taken.
const diversityDepth = 10

// parts decomposes question against the outlets of ix, unless the
// retriever retrieves for whole questions only.
func (r *Retriever) parts(ix *Index, question string) []QueryPart {
	if r.cfg.SingleQuery {
		return nil
	}
	return Decompose(question, ix.outletNames(), ix.latest())
}

// outletNames returns the distinct outlet names of the indexed articles.
func (ix *Index) outletNames() []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range ix.articles {
		if o := strings.TrimSpace(a.Outlet); o != "" && !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	slices.Sort(out)
	return out
}

// latest returns the latest publication date of the indexed articles.
func (ix *Index) latest() time.Time {
	var t time.Time
	for _, a := range ix.articles {
		if a.Published.After(t) {
			t = a.Published
		}
	}
	return t
}

// admits reports whether an article of outlet, published then, belongs to
// part: it is of one of the part's outlets (if any) and, when dates is set,
// published within the part's window (if any).
func (p QueryPart) admits(outlet string, published time.Time, dates bool) bool {
	if len(p.Outlets) > 0 && !slices.ContainsFunc(p.Outlets, func(o string) bool {
		return strings.EqualFold(strings.TrimSpace(outlet), o)
	}) {
		return false
	}
	if !dates || (p.From.IsZero() && p.To.IsZero()) {
		return true
	}
	return !published.IsZero() && (p.From.IsZero() || !published.Before(p.From)) && (p.To.IsZero() || !published.After(p.To))
}

// partFilter returns a predicate for the chunks of p's outlets and, when
// dates is set, dates, within allow (nil: no restriction).
func (r *Retriever) partFilter(ix *Index, p QueryPart, allow func(uint32) bool, dates bool) func(uint32) bool {
	ok := make([]bool, len(ix.articles))
	for i, a := range ix.articles {
		ok[i] = p.admits(a.Outlet, a.Published, dates)
	}
	return func(doc uint32) bool {
		return ok[ix.chunkArt[doc]] && (allow == nil || allow(doc))
	}
}

// anyPart returns a predicate for the chunks some part admits (see
// admits), within allow, or nil when a part names no outlet.
func (r *Retriever) anyPart(ix *Index, parts []QueryPart, allow func(uint32) bool, dates bool) func(uint32) bool {
	ok := make([]bool, len(ix.articles))
	for _, p := range parts {
		if len(p.Outlets) == 0 {
			return nil
		}
		for i, a := range ix.articles {
			ok[i] = ok[i] || p.admits(a.Outlet, a.Published, dates)
		}
	}
	return func(doc uint32) bool {
		return ok[ix.chunkArt[doc]] && (allow == nil || allow(doc))
	}
}

// embedParts returns the embeddings of the texts of question's parts (see
// Decompose), by text: nil when it has none, or in bm25 mode.
func (r *Retriever) embedParts(ctx context.Context, ix *Index, question string) (map[string][]float32, error) {
	if r.cfg.Mode == RetrieveBM25 {
		return nil, nil
	}
	var vecs map[string][]float32
	for _, p := range r.parts(ix, question) {
		if _, ok := vecs[p.Text]; ok {
			continue
		}
		v, err := r.embedQuestion(ctx, ix, p.Text)
		if err != nil {
			return nil, err
		}
		if vecs == nil {
			vecs = map[string][]float32{}
		}
		vecs[p.Text] = v
	}
	return vecs, nil
}

// retrieveParts retrieves for each part and for the whole question, whose
// embedding is qvec, and merges the rankings (see above). pvecs holds the
// parts' embeddings by text; a part not in it is embedded here.
func (r *Retriever) retrieveParts(ctx context.Context, ix *Index, question string, qvec []float32, pvecs map[string][]float32, k int, allow func(uint32) bool, parts []QueryPart) (*Retrieval, error) {
	var lists [][]*candidate
	if named := r.anyPart(ix, parts, allow, true); named != nil && !isYesNo(question) {
		list, _, err := r.rank(ctx, ix, question, qvec, named, k)
		if err != nil {
			return nil, err
		}
		if len(list) == 0 { // the dates may be loose
			if list, _, err = r.rank(ctx, ix, question, qvec, r.anyPart(ix, parts, allow, false), k); err != nil {
				return nil, err
			}
		}
		lists = append(lists, list)
	}
	for _, p := range parts {
		pvec, ok := pvecs[p.Text]
		if !ok {
			var err error
			if pvec, err = r.embedQuestion(ctx, ix, p.Text); err != nil {
				return nil, err
			}
		}
		list, _, err := r.rank(ctx, ix, p.Text, pvec, r.partFilter(ix, p, allow, true), k)
		if err != nil {
			return nil, err
		}
		if len(list) == 0 && len(p.Outlets) > 0 && (!p.From.IsZero() || !p.To.IsZero()) {
			// No article of the outlet then: the date may be loose. (A
			// date naming no outlet and matching no article is dropped.)
			if list, _, err = r.rank(ctx, ix, p.Text, pvec, r.partFilter(ix, p, allow, false), k); err != nil {
				return nil, err
			}
		}
		lists = append(lists, list)
	}
	whole, qw, err := r.rank(ctx, ix, question, qvec, allow, k)
	if err != nil {
		return nil, err
	}
	lists = append(lists, whole)
	lists = slices.DeleteFunc(lists, func(l []*candidate) bool { return len(l) == 0 })
	switch len(lists) {
	case 0:
		return &Retrieval{}, nil
	case 1: // only the whole question found anything
		return r.result(ix, r.collapse(ix, lists[0], k), qw, qvec)
	}
	return r.result(ix, r.merge(ix, question, qw, lists, k), qw, qvec)
}

// merge interleaves rankings round by round into at most k candidates,
// skipping chunks already taken and near-duplicates of them (see above);
// question and qw order the first round.
func (r *Retriever) merge(ix *Index, question string, qw queryWeights, lists [][]*candidate, k int) []*candidate {
	var kept []*candidate
	taken := map[uint32]bool{}
	arts := map[uint32]bool{}
	next := make([]int, len(lists))
	usable := func(c *candidate) bool {
		if taken[c.doc] {
			return false
		}
		if r.cfg.DuplicateJaccard < 1 {
			for _, o := range kept {
				if jaccard(ix.bags[c.doc], ix.bags[o.doc]) >= r.cfg.DuplicateJaccard {
					return false
				}
			}
		}
		return true
	}
	take := func(c *candidate) {
		taken[c.doc] = true
		arts[ix.chunkArt[c.doc]] = true
		kept = append(kept, c)
	}
	for i, list := range lists {
		if len(kept) == k {
			break
		}
		for j, c := range list[:min(len(list), diversityDepth)] {
			if !arts[ix.chunkArt[c.doc]] && usable(c) {
				take(c)
				if j == next[i] {
					next[i]++
				}
				break
			}
		}
	}
	r.bySentenceMatch(ix, question, qw, kept)
	for len(kept) < k {
		progress := false
		for i, list := range lists {
			for next[i] < len(list) && !usable(list[next[i]]) {
				next[i]++
			}
			if next[i] < len(list) && len(kept) < k {
				take(list[next[i]])
				next[i]++
				progress = true
			}
		}
		if !progress {
			break
		}
	}
	return kept
}

// bySentenceMatch orders cands by their best sentence match with question
// (stable: ties keep their order).
func (r *Retriever) bySentenceMatch(ix *Index, question string, qw queryWeights, cands []*candidate) {
	if len(cands) < 2 || len(qw.ids) == 0 {
		return
	}
	numeric := numericQuestion(question)
	match := make(map[uint32]float64, len(cands))
	for _, c := range cands {
		title, _ := qw.mask(r.analyzer, ix, ix.articles[ix.chunkArt[c.doc]].Title)
		match[c.doc] = r.sentenceMatch(ix, &qw, title, c.doc, numeric)
	}
	slices.SortStableFunc(cands, func(a, b *candidate) int { return cmp.Compare(match[b.doc], match[a.doc]) })
}
