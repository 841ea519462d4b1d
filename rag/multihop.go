package rag

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/newsrag/newsrag/corpus"
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

// parts decomposes question against the outlets and newest date of the
// corpus of s (see Catalog), unless the retriever retrieves for whole
// questions only or s does not describe its corpus.
func (r *Retriever) parts(ctx context.Context, s Store, question string) ([]QueryPart, error) {
	if r.cfg.SingleQuery {
		return nil, nil
	}
	c, ok := s.(Cataloger)
	if !ok {
		return nil, nil
	}
	cat, err := c.Catalog(ctx)
	if err != nil {
		return nil, fmt.Errorf("retrieve: %w", err)
	}
	return Decompose(question, cat.Outlets, cat.Latest), nil
}

// Catalog describes the indexed articles: their outlets and newest date.
func (ix *Index) Catalog(context.Context) (Catalog, error) {
	var c Catalog
	seen := map[string]bool{}
	for _, a := range ix.articles {
		if o := strings.TrimSpace(a.Outlet); o != "" && !seen[o] {
			seen[o] = true
			c.Outlets = append(c.Outlets, o)
		}
		if a.Published.After(c.Latest) {
			c.Latest = a.Published
		}
	}
	slices.Sort(c.Outlets)
	return c, nil
}

// admits reports whether an article of outlet, published then, belongs to
// part: it is of one of the part's outlets (if any) and, when dates is set,
// published within the part's window (if any).
func (p QueryPart) admits(outlet string, published time.Time, dates bool) bool {
	f, ok := p.filters(Filters{}, dates)
	return ok && f.Match(corpus.Article{Outlet: outlet, Published: published})
}

// filters returns f narrowed to p's outlets and, when dates is set, to
// p's dates; ok is false when no article can pass both.
func (p QueryPart) filters(f Filters, dates bool) (_ Filters, ok bool) {
	if dates {
		f.From, f.To = laterTime(f.From, p.From), earlierTime(f.To, p.To)
	}
	return narrowOutlets(f, p.Outlets)
}

// anyPart returns f narrowed to the outlets the parts name and, when dates
// is set, to the span of their dates. named is false when a part names no
// outlet, ok false when no article can pass.
func anyPart(parts []QueryPart, f Filters, dates bool) (_ Filters, named, ok bool) {
	var outlets []string
	from, to := parts[0].From, parts[0].To
	for _, p := range parts {
		if len(p.Outlets) == 0 {
			return f, false, false
		}
		outlets = append(outlets, p.Outlets...)
		if p.From.IsZero() || p.From.Before(from) {
			from = p.From // zero: a part with no lower bound
		}
		if p.To.IsZero() || (!to.IsZero() && p.To.After(to)) {
			to = p.To
		}
	}
	if dates {
		f.From, f.To = laterTime(f.From, from), earlierTime(f.To, to)
	}
	f, ok = narrowOutlets(f, outlets)
	return f, true, ok
}

// narrowOutlets returns f restricted to outlets (none: unchanged); ok is
// false when f already names other outlets only.
func narrowOutlets(f Filters, outlets []string) (_ Filters, ok bool) {
	if len(outlets) == 0 {
		return f, true
	}
	var keep []string
	for _, o := range outlets {
		if (len(f.Outlets) == 0 || slices.ContainsFunc(f.Outlets, func(x string) bool { return sameOutlet(x, o) })) &&
			!slices.ContainsFunc(keep, func(x string) bool { return sameOutlet(x, o) }) {
			keep = append(keep, o)
		}
	}
	f.Outlets = keep
	return f, len(keep) > 0
}

// laterTime returns the later of two lower bounds (zero: none).
func laterTime(a, b time.Time) time.Time {
	if a.IsZero() || b.After(a) {
		return b
	}
	return a
}

// earlierTime returns the earlier of two upper bounds (zero: none).
func earlierTime(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// embedParts returns the embeddings of the texts of question's parts (see
// Decompose), by text: nil when it has none, or in bm25 mode.
func (r *Retriever) embedParts(ctx context.Context, s Store, question string) (map[string][]float32, error) {
	if r.cfg.Mode == RetrieveBM25 {
		return nil, nil
	}
	parts, err := r.parts(ctx, s, question)
	if err != nil {
		return nil, err
	}
	var vecs map[string][]float32
	for _, p := range parts {
		if _, ok := vecs[p.Text]; ok {
			continue
		}
		v, err := r.embedQuestion(ctx, p.Text)
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

// searchParts searches s for each part of req's question, within the
// part's outlets and dates, after searching for the whole question, whose
// embedding is qvec, within all the outlets named (see above). pvecs holds
// the parts' embeddings by text; a part not in it is embedded here.
func (r *Retriever) searchParts(ctx context.Context, s Store, req Request, qvec []float32, pvecs map[string][]float32, parts []QueryPart) ([]searched, error) {
	k := cmp.Or(req.K, r.cfg.K)
	var out []searched
	if f, named, ok := anyPart(parts, req.Filters, true); named && !isYesNo(req.Question) {
		got, err := r.searchWithin(ctx, s, req.Question, qvec, f, ok, k)
		if err != nil {
			return nil, err
		}
		if len(got.sr.Hits) == 0 { // the dates may be loose
			f, _, ok = anyPart(parts, req.Filters, false)
			if got, err = r.searchWithin(ctx, s, req.Question, qvec, f, ok, k); err != nil {
				return nil, err
			}
		}
		out = append(out, got)
	}
	for _, p := range parts {
		pvec, ok := pvecs[p.Text]
		if !ok {
			var err error
			if pvec, err = r.embedQuestion(ctx, p.Text); err != nil {
				return nil, err
			}
		}
		f, ok := p.filters(req.Filters, true)
		got, err := r.searchWithin(ctx, s, p.Text, pvec, f, ok, k)
		if err != nil {
			return nil, err
		}
		if len(got.sr.Hits) == 0 && len(p.Outlets) > 0 && (!p.From.IsZero() || !p.To.IsZero()) {
			// No article of the outlet then: the date may be loose. (A
			// date naming no outlet and matching no article is dropped.)
			f, ok = p.filters(req.Filters, false)
			if got, err = r.searchWithin(ctx, s, p.Text, pvec, f, ok, k); err != nil {
				return nil, err
			}
		}
		out = append(out, got)
	}
	return out, nil
}

// searchWithin is searchText when some article can pass f (ok), and finds
// nothing otherwise.
func (r *Retriever) searchWithin(ctx context.Context, s Store, text string, vec []float32, f Filters, ok bool, k int) (searched, error) {
	if !ok {
		return searched{text: text, sr: &SearchResult{}}, nil
	}
	return r.searchText(ctx, s, text, vec, f, k)
}

// merge interleaves rankings round by round into at most k candidates,
// skipping chunks already taken and near-duplicates of them (see above);
// question and qw order the first round.
func (r *Retriever) merge(question string, qw queryWeights, lists [][]*candidate, k int) []*candidate {
	var kept []*candidate
	taken := map[string]bool{} // chunk IDs
	arts := map[string]bool{}  // article IDs
	next := make([]int, len(lists))
	usable := func(c *candidate) bool {
		if taken[c.Chunk.ID] {
			return false
		}
		if r.cfg.DuplicateJaccard < 1 {
			for _, o := range kept {
				if jaccard(c.Bag, o.Bag) >= r.cfg.DuplicateJaccard {
					return false
				}
			}
		}
		return true
	}
	take := func(c *candidate) {
		taken[c.Chunk.ID] = true
		arts[c.Article.ID] = true
		kept = append(kept, c)
	}
	for i, list := range lists {
		if len(kept) == k {
			break
		}
		for j, c := range list[:min(len(list), diversityDepth)] {
			if !arts[c.Article.ID] && usable(c) {
				take(c)
				if j == next[i] {
					next[i]++
				}
				break
			}
		}
	}
	r.bySentenceMatch(question, qw, kept)
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
func (r *Retriever) bySentenceMatch(question string, qw queryWeights, cands []*candidate) {
	if len(cands) < 2 || len(qw.ids) == 0 {
		return
	}
	number := numberCheck(question)
	match := make(map[*candidate]float64, len(cands))
	for _, c := range cands {
		title, _ := qw.mask(r.analyzer, c.Article.Title)
		match[c] = r.sentenceMatch(&qw, title, c, number)
	}
	slices.SortStableFunc(cands, func(a, b *candidate) int { return cmp.Compare(match[b], match[a]) })
}
