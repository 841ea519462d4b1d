package eval

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
)

// Evidence metrics, as MultiHop-RAG (Tang & Yang, COLM 2024) defines them:
// a retrieved passage is relevant when it contains a gold evidence fact,
// compared with all whitespace removed. Over the questions with evidence:
// Hits@4 and Hits@10 (a relevant passage in the top k), MRR@10 (the first
// relevant rank) and MAP@10 (per question, the sum over ranks of the facts
// first found there divided by the rank, over min(#facts, 10)). Beside
// them, multi-hop coverage: the share of questions whose gold articles are
// all among the top k passages' articles (k = 5, 10).

// evidenceK is the depth the paper's metrics look at.
const evidenceK = 10

// Evidence is a gold fact of a question: a sentence verbatim in its source.
type Evidence struct {
	Source string `json:"source"`
	Fact   string `json:"fact"`
}

// EvidenceMetrics are the MultiHop-RAG retrieval metrics for one group of
// questions.
type EvidenceMetrics struct {
	// Type is the question type, or "all".
	Type string `json:"type"`
	// Questions counts the group's questions with evidence.
	Questions int     `json:"questions"`
	Hits4     float64 `json:"hits_at_4"`
	Hits10    float64 `json:"hits_at_10"`
	MRR10     float64 `json:"mrr_at_10"`
	MAP10     float64 `json:"map_at_10"`
	// AllGold5 and AllGold10: share of the group's questions with every
	// gold article among the top 5 (10) passages' articles.
	AllGold5  float64 `json:"all_gold_at_5"`
	AllGold10 float64 `json:"all_gold_at_10"`
}

// Published is a row of figures from the literature, shown beside ours.
type Published struct {
	System string  `json:"system"`
	Hits4  float64 `json:"hits_at_4"`
	Hits10 float64 `json:"hits_at_10"`
	MRR10  float64 `json:"mrr_at_10"`
	MAP10  float64 `json:"map_at_10"`
}

// PublishedAttribution credits the MultiHop-RAG figures and data, as their
// licence (ODC-BY 1.0) asks wherever they are shown.
const PublishedAttribution = "Tang & Yang, MultiHop-RAG: Benchmarking Retrieval-Augmented Generation for Multi-Hop Queries, " +
	"COLM 2024 (arXiv:2401.15391), Table 5: dense top-20 re-ranked by bge-reranker-large to the top 10, 256-token chunks, " +
	"over all 2,556 questions. Data licence ODC-BY 1.0."

// PublishedMultiHop are the published MultiHop-RAG retrieval figures.
var PublishedMultiHop = []Published{
	{"voyage-02 + bge-reranker-large", 0.6625, 0.7467, 0.5860, 0.4795},
	{"bge-large-en-v1.5 + bge-reranker-large", 0.6364, 0.7183, 0.5630, 0.4759},
	{"text-embedding-ada-002 + bge-reranker-large", 0.6169, 0.7059, 0.5477, 0.4625},
}

// hasEvidence reports whether any question carries evidence.
func hasEvidence(qs []Question) bool {
	return slices.ContainsFunc(qs, func(q Question) bool { return len(q.Evidence) > 0 })
}

// scoreEvidence computes the evidence metrics of results[i], the ranked
// passages for qs[i]: overall first, then per question type, sorted by
// type. It returns nil when no question carries evidence.
func scoreEvidence(qs []Question, results []evalResult) []EvidenceMetrics {
	if !hasEvidence(qs) {
		return nil
	}
	groups := map[string]*EvidenceMetrics{"all": {Type: "all"}}
	for i, q := range qs {
		if len(q.Evidence) == 0 {
			continue
		}
		res := results[i]
		if len(res) > evidenceK {
			res = res[:evidenceK]
		}
		s := scoreQuestion(q, res)
		typ := q.Type
		if typ == "" {
			typ = "untyped"
		}
		for _, key := range []string{"all", typ} {
			g, ok := groups[key]
			if !ok {
				g = &EvidenceMetrics{Type: key}
				groups[key] = g
			}
			g.Questions++
			g.Hits4 += s.Hits4
			g.Hits10 += s.Hits10
			g.MRR10 += s.MRR10
			g.MAP10 += s.MAP10
			g.AllGold5 += s.AllGold5
			g.AllGold10 += s.AllGold10
		}
	}
	out := make([]EvidenceMetrics, 0, len(groups))
	for _, g := range groups {
		n := float64(g.Questions)
		g.Hits4, g.Hits10, g.MRR10, g.MAP10 = g.Hits4/n, g.Hits10/n, g.MRR10/n, g.MAP10/n
		g.AllGold5, g.AllGold10 = g.AllGold5/n, g.AllGold10/n
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b EvidenceMetrics) int {
		if (a.Type == "all") != (b.Type == "all") {
			if a.Type == "all" {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.Type, b.Type)
	})
	return out
}

// scoreQuestion scores one question's top passages (at most evidenceK):
// each field is that question's contribution, in [0,1].
func scoreQuestion(q Question, res evalResult) EvidenceMetrics {
	var m EvidenceMetrics
	facts := make([]string, 0, len(q.Evidence))
	for _, e := range q.Evidence {
		if f := squeeze(e.Fact); f != "" {
			facts = append(facts, f)
		}
	}
	found := make([]bool, len(facts))
	var ap float64
	for j, h := range res {
		text := squeeze(h.Text)
		relevant, fresh := false, 0
		for fi, f := range facts {
			if strings.Contains(text, f) {
				relevant = true
				if !found[fi] {
					found[fi] = true
					fresh++
				}
			}
		}
		if !relevant {
			continue
		}
		rank := j + 1
		if m.MRR10 == 0 {
			m.MRR10 = 1 / float64(rank)
		}
		m.Hits10 = 1
		if rank <= 4 {
			m.Hits4 = 1
		}
		ap += float64(fresh) / float64(rank)
	}
	if len(facts) > 0 {
		m.MAP10 = ap / float64(min(len(facts), evidenceK))
	}
	if allGold(q.Sources, res, 5) {
		m.AllGold5 = 1
	}
	if allGold(q.Sources, res, 10) {
		m.AllGold10 = 1
	}
	return m
}

// allGold reports whether every source has a passage in the top k of res.
func allGold(sources []string, res evalResult, k int) bool {
	if len(sources) == 0 {
		return false
	}
	res = res[:min(k, len(res))]
	for _, s := range sources {
		if !slices.ContainsFunc(res, func(h evalHit) bool { return isGold([]string{s}, h.Source) }) {
			return false
		}
	}
	return true
}

// squeeze removes all whitespace from s.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
