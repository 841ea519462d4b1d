package eval

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/newsrag/newsrag/rag"
)

// Label names a run's retriever: its mode, with the dense weight for hybrid.
func (r Run) Label() string { return retrieverLabel(r.Retriever) }

func retrieverLabel(rc rag.RetrievalConfig) string {
	label := rc.Mode
	if rc.Mode == rag.RetrieveHybrid {
		label = fmt.Sprintf("hybrid (dense %.2g)", rc.DenseWeight)
	}
	if rc.SingleQuery {
		label += ", single query"
	}
	return label
}

// WriteTable writes the report as aligned text tables.
func (rep *Report) WriteTable(w io.Writer) error {
	ix := rep.Index
	built := "built"
	if ix.Cached {
		built = "cached; built"
	}
	fmt.Fprintf(w, "Dataset %s: %d questions (%d answerable)\n", rep.Dataset, rep.Questions, rep.Answerable)
	fmt.Fprintf(w, "Index: %d articles, %d chunks, mean %.1f words per chunk (%s in %.1fs; %d chunks embedded at %.1f chunks/s)\n",
		ix.Articles, ix.Chunks, ix.MeanChunkWords, built, ix.BuildMS/1000, ix.Embedded, ix.ChunksPerSecond)
	fmt.Fprintf(w, "Embedder: %s\n\n", ix.Embedder)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{"retriever"}
	for _, k := range reportKs {
		if k <= rep.K {
			head = append(head, fmt.Sprintf("R@%d", k))
		}
	}
	head = append(head, "MRR")
	for _, k := range reportKs {
		if k <= rep.K {
			head = append(head, fmt.Sprintf("hit@%d", k))
		}
	}
	head = append(head, "words@5", "p50 ms", "p95 ms", "p99 ms")
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for _, r := range rep.Runs {
		row := []string{r.Label()}
		for _, m := range r.Recall {
			row = append(row, fmt.Sprintf("%.3f", m.AnswerRecall))
		}
		row = append(row, fmt.Sprintf("%.3f", r.MRR))
		for _, m := range r.Recall {
			row = append(row, fmt.Sprintf("%.3f", m.ArticleHit))
		}
		row = append(row, fmt.Sprintf("%.0f", r.MeanWordsAt5),
			fmt.Sprintf("%.2f", r.Latency.P50), fmt.Sprintf("%.2f", r.Latency.P95), fmt.Sprintf("%.2f", r.Latency.P99))
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := rep.writeEvidenceTable(w); err != nil {
		return err
	}
	answered := false
	for _, r := range rep.Runs {
		answered = answered || r.Answers != nil
	}
	if !answered {
		return nil
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "answers\tasked\terrors\tcontains gold\tfirst sentence\tcitation precision\tcitation validity\trefusal\tfalse refusal\t")
	for _, r := range rep.Runs {
		if a := r.Answers; a != nil {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t\n", r.Label(), a.Asked, a.Errors,
				a.Contains, a.FirstSentence, a.CitationPrecision, a.CitationValidity, a.Refusal, a.FalseRefusal)
		}
	}
	return tw.Flush()
}

// hasEvidence reports whether any run carries evidence metrics.
func (rep *Report) hasEvidence() bool {
	for _, r := range rep.Runs {
		if len(r.Evidence) > 0 {
			return true
		}
	}
	return false
}

// writeEvidenceTable writes the MultiHop-RAG metrics per run and question
// type, with the published figures and their attribution, when measured.
func (rep *Report) writeEvidenceTable(w io.Writer) error {
	if !rep.hasEvidence() {
		return nil
	}
	fmt.Fprintln(w, "\nEvidence retrieval (MultiHop-RAG metrics; all-gold@k: every gold article in the top k):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "retriever\ttype\tquestions\tHits@4\tHits@10\tMRR@10\tMAP@10\tall-gold@5\tall-gold@10\t")
	for _, r := range rep.Runs {
		for _, m := range r.Evidence {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t\n", r.Label(), m.Type, m.Questions,
				m.Hits4, m.Hits10, m.MRR10, m.MAP10, m.AllGold5, m.AllGold10)
		}
	}
	for _, p := range PublishedMultiHop {
		fmt.Fprintf(tw, "%s (published)\tall\t2556\t%.4f\t%.4f\t%.4f\t%.4f\t\t\t\n", p.System, p.Hits4, p.Hits10, p.MRR10, p.MAP10)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "Published figures and data: %s\n", PublishedAttribution)
	return err
}

// WriteHTML writes a self-contained HTML report: the figures and, per run,
// an inline SVG chart of answer-recall@k and article-hit@k.
func (rep *Report) WriteHTML(w io.Writer) error {
	charts := make([]template.HTML, len(rep.Runs))
	var compare []chartSeries
	for i, r := range rep.Runs {
		charts[i] = lineChart("recall at k for "+r.Label(), []chartSeries{
			{"answer-recall@k", "#1f6feb", r.AnswerRecallCurve},
			{"article-hit@k", "#d97706", r.ArticleHitCurve},
		})
		compare = append(compare, chartSeries{r.Label(), chartPalette[i%len(chartPalette)], r.AnswerRecallCurve})
	}
	var comparison template.HTML
	if len(rep.Runs) > 1 {
		comparison = lineChart("answer-recall at k, all retrievers", compare)
	}
	sweeps := make([]template.HTML, len(rep.Runs))
	for i, r := range rep.Runs {
		if r.Answers != nil && len(r.Answers.Sweep) > 0 {
			sweeps[i] = sweepChart("refusal against false refusal, "+r.Label(), r.Answers.Sweep)
		}
	}
	return reportTemplate.Execute(w, struct {
		*Report
		Charts      []template.HTML
		Comparison  template.HTML
		Sweeps      []template.HTML
		Ks          []int
		HasEvidence bool
		Published   []Published
		Attribution string
	}{rep, charts, comparison, sweeps, reportKs, rep.hasEvidence(), PublishedMultiHop, PublishedAttribution})
}

// Chart geometry, in SVG user units.
const (
	chartW, chartH         = 420, 260
	chartLeft, chartRight  = 44, 16
	chartTop, chartBottom  = 16, 40
	chartPlotW, chartPlotH = chartW - chartLeft - chartRight, chartH - chartTop - chartBottom
)

// chartPalette colours the retrievers of the comparison chart.
var chartPalette = []string{"#1f6feb", "#d97706", "#16a34a", "#9333ea", "#dc2626", "#0891b2"}

// chartSeries is one line of a chart: values for k = 1..len(vals).
type chartSeries struct {
	name, color string
	vals        []float64
}

// lineChart draws series as an SVG line chart, y from 0 to 1 and x from
// k=1 to K, with a legend; label is its accessible name.
func lineChart(label string, series []chartSeries) template.HTML {
	n := 0
	for _, s := range series {
		n = max(n, len(s.vals))
	}
	x := func(k int) float64 {
		if n <= 1 {
			return chartLeft + chartPlotW/2
		}
		return chartLeft + float64(k-1)*chartPlotW/float64(n-1)
	}
	y := chartY
	var b strings.Builder
	chartFrame(&b, label)
	for k := 1; k <= n; k++ {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" text-anchor="middle" fill="#555">%d</text>`, x(k), chartH-chartBottom+16, k)
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" text-anchor="middle" fill="#555">k</text>`, chartLeft+chartPlotW/2.0, chartH-6)
	for si, s := range series {
		var pts []string
		for k, v := range s.vals {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(k+1), y(v)))
		}
		name := template.HTMLEscapeString(s.name)
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`, s.color, strings.Join(pts, " "))
		for k, v := range s.vals {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s k=%d: %.3f</title></circle>`, x(k+1), y(v), s.color, name, k+1, v)
		}
		ly := y(0.08) - float64(si/2)*16
		lx := chartLeft + 10 + (si%2)*170
		fmt.Fprintf(&b, `<rect x="%d" y="%.1f" width="12" height="3" fill="%s"/><text x="%d" y="%.1f" font-size="11" fill="#333">%s</text>`,
			lx, ly, s.color, lx+16, ly+4, name)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// chartY maps a value in [0,1] to the chart's y coordinate.
func chartY(v float64) float64 { return chartTop + (1-v)*chartPlotH }

// chartFrame opens a chart's SVG element and draws its horizontal grid,
// labelled 0 to 1; label is the chart's accessible name.
func chartFrame(b *strings.Builder, label string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`,
		chartW, chartH, chartW, chartH, template.HTMLEscapeString(label))
	for _, v := range []float64{0, 0.25, 0.5, 0.75, 1} {
		fmt.Fprintf(b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>`, chartLeft, chartW-chartRight, chartY(v), chartY(v))
		fmt.Fprintf(b, `<text x="%d" y="%.1f" font-size="11" text-anchor="end" fill="#555">%.2f</text>`, chartLeft-6, chartY(v)+4, v)
	}
}

// sweepChart draws the threshold sweep as an SVG curve: false refusal on
// x, refusal on y, one point per threshold.
func sweepChart(label string, pts []SweepPoint) template.HTML {
	x := func(v float64) float64 { return chartLeft + v*chartPlotW }
	y := chartY
	var b strings.Builder
	chartFrame(&b, label)
	for _, v := range []float64{0, 0.25, 0.5, 0.75, 1} {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" text-anchor="middle" fill="#555">%.2f</text>`, x(v), chartH-chartBottom+16, v)
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" text-anchor="middle" fill="#555">false refusal (answerable questions declined)</text>`, chartLeft+chartPlotW/2.0, chartH-6)
	var line []string
	for _, p := range pts {
		line = append(line, fmt.Sprintf("%.1f,%.1f", x(p.FalseRefusal), y(p.Refusal)))
	}
	fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`, chartPalette[0], strings.Join(line, " "))
	for _, p := range pts {
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>threshold %.2f: refusal %.3f, false refusal %.3f</title></circle>`,
			x(p.FalseRefusal), y(p.Refusal), chartPalette[0], p.Threshold, p.Refusal, p.FalseRefusal)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"f3":  func(v float64) string { return fmt.Sprintf("%.3f", v) },
	"f4":  func(v float64) string { return fmt.Sprintf("%.4f", v) },
	"f1":  func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"f2":  func(v float64) string { return fmt.Sprintf("%.2f", v) },
	"sec": func(ms float64) string { return fmt.Sprintf("%.1f", ms/1000) },
	"at":  func(r Run, k int) KMetric { m, _ := r.At(k); return m },
	"le":  func(a, b int) bool { return a <= b },
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>newsrag evaluation: {{.Dataset}}</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #1d1d1f; padding: 0 1rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { padding: .3rem .7rem; border-bottom: 1px solid #e5e5e5; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5rem; }
figure { margin: 0; }
figcaption { font-weight: 600; margin-bottom: .3rem; }
.muted { color: #666; }
</style>
</head>
<body>
<h1>newsrag evaluation: {{.Dataset}}</h1>
<p>{{.Questions}} questions ({{.Answerable}} answerable). Index: {{.Index.Articles}} articles,
{{.Index.Chunks}} chunks, mean {{f1 .Index.MeanChunkWords}} words per chunk; built in {{sec .Index.BuildMS}} s
({{.Index.Embedded}} chunks embedded at {{f1 .Index.ChunksPerSecond}} chunks/s){{if .Index.Cached}}, reused from the cache{{end}}.</p>
<p class="muted">Embedder {{.Index.Embedder}}; chunking max {{.Index.Chunking.MaxWords}} words,
{{.Index.Chunking.MaxTokens}} tokens, overlap {{.Index.Chunking.OverlapSentences}} sentence(s). Created {{.Created.Format "2006-01-02 15:04 UTC"}}.</p>
<h2>Retrieval</h2>
{{if .Comparison}}<figure><figcaption>answer-recall@k, all retrievers</figcaption>{{.Comparison}}</figure>{{end}}
<div class="scroll"><table>
<tr><th>retriever</th>{{range .Ks}}{{if le . $.K}}<th>answer-recall@{{.}}</th>{{end}}{{end}}<th>MRR</th>{{range .Ks}}{{if le . $.K}}<th>article-hit@{{.}}</th>{{end}}{{end}}<th>words@5</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th></tr>
{{range .Runs}}{{$r := .}}<tr><td>{{.Label}}</td>{{range $.Ks}}{{if le . $.K}}<td>{{f3 (at $r .).AnswerRecall}}</td>{{end}}{{end}}<td>{{f3 .MRR}}</td>{{range $.Ks}}{{if le . $.K}}<td>{{f3 (at $r .).ArticleHit}}</td>{{end}}{{end}}<td>{{f1 .MeanWordsAt5}}</td><td>{{f2 .Latency.P50}}</td><td>{{f2 .Latency.P95}}</td><td>{{f2 .Latency.P99}}</td></tr>
{{end}}</table></div>
<div class="charts">
{{range $i, $r := .Runs}}<figure><figcaption>{{$r.Label}}</figcaption>{{index $.Charts $i}}</figure>
{{end}}</div>
{{$any := false}}{{range .Runs}}{{if .Answers}}{{$any = true}}{{end}}{{end}}{{if $any}}
<h2>Answers</h2>
<table>
<tr><th>retriever</th><th>asked</th><th>errors</th><th>contains gold</th><th>first sentence</th><th>citation precision</th><th>citation validity</th><th>refusal</th><th>false refusal</th></tr>
{{range .Runs}}{{if .Answers}}<tr><td>{{.Label}}</td><td>{{.Answers.Asked}}</td><td>{{.Answers.Errors}}</td><td>{{f3 .Answers.Contains}}</td><td>{{f3 .Answers.FirstSentence}}</td><td>{{f3 .Answers.CitationPrecision}}</td><td>{{f3 .Answers.CitationValidity}}</td><td>{{f3 .Answers.Refusal}}</td><td>{{f3 .Answers.FalseRefusal}}</td></tr>
{{end}}{{end}}</table>
<div class="charts">
{{range $i, $r := .Runs}}{{with index $.Sweeps $i}}<figure><figcaption>refusal against false refusal as the answerability threshold varies, {{$r.Label}}</figcaption>{{.}}</figure>{{end}}
{{end}}</div>{{end}}
{{if .HasEvidence}}
<h2>Evidence retrieval (MultiHop-RAG metrics)</h2>
<p>A passage is relevant when it contains a gold evidence fact (whitespace removed); Hits@k, MRR@10 and MAP@10 as the
paper defines them, over the questions with evidence. All-gold@k: share of questions whose gold articles all have a
passage in the top k. Refusal (answers) is the share of unanswerable questions, MultiHop-RAG's null queries, declined.</p>
<div class="scroll"><table>
<tr><th>retriever</th><th>question type</th><th>questions</th><th>Hits@4</th><th>Hits@10</th><th>MRR@10</th><th>MAP@10</th><th>all-gold@5</th><th>all-gold@10</th></tr>
{{range .Runs}}{{$r := .}}{{range .Evidence}}<tr><td>{{$r.Label}}</td><td>{{.Type}}</td><td>{{.Questions}}</td><td>{{f3 .Hits4}}</td><td>{{f3 .Hits10}}</td><td>{{f3 .MRR10}}</td><td>{{f3 .MAP10}}</td><td>{{f3 .AllGold5}}</td><td>{{f3 .AllGold10}}</td></tr>
{{end}}{{end}}{{range .Published}}<tr class="muted"><td>{{.System}} (published)</td><td>all</td><td>2,556</td><td>{{f4 .Hits4}}</td><td>{{f4 .Hits10}}</td><td>{{f4 .MRR10}}</td><td>{{f4 .MAP10}}</td><td></td><td></td></tr>
{{end}}</table></div>
<p class="muted">Published figures and data: {{.Attribution}}</p>{{end}}
</body>
</html>
`))
