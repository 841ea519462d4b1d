// Command gatetrain fits newsrag's answerability model, the logistic
// regression that decides whether the corpus answers a question
// (rag.GateModel), and writes it to gate.json beside this file, which the
// rag package embeds.
//
// Its input is the per-question features that
//
//	newsrag eval --answers --features FILE DIR
//
// writes for a benchmark DIR: one JSON object per line with the dataset,
// the question ID, its gold articles, whether it is answerable and the
// features. The questions are split by article (a question's first gold
// article; for a question without one, its article in the -articles file,
// else its ID): articles whose name hashes even train, the others are held
// out. Each dataset weighs the same in training. The threshold is the
// highest whose false refusal on every training dataset stays within its
// budget (-budget), and the report gives refusal and false refusal on the
// held-out questions at that threshold.
//
// The shipped model was trained with (the questions of the articles whose
// name hashes even; the others held out):
//
//	newsrag eval --answers --features /tmp/squad-refusal.jsonl ../shared/bench/squad-refusal
//	newsrag eval --answers --features /tmp/multihop.jsonl ../shared/bench/multihop-dev
//	go run ./rag/gatetrain -articles ../shared/bench/squad-dev/questions.jsonl \
//	    -budget squad-refusal=0.03,multihop-dev=0.04 /tmp/squad-refusal.jsonl /tmp/multihop.jsonl
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/newsrag/newsrag/rag"
	"github.com/newsrag/newsrag/rag/eval"
)

// row is one question's features, as eval writes them, and whether it
// trains.
type row struct {
	eval.FeatureRow
	train bool
}

func main() {
	out := flag.String("o", "rag/gatetrain/gate.json", "where to write the model")
	articles := flag.String("articles", "", "a questions.jsonl whose sources name the article of questions that have none")
	budgets := flag.String("budget", "", "per-dataset false refusal allowed on the training questions, e.g. squad-refusal=0.02,multihop-dev=0.04 (default 0.03)")
	l2 := flag.Float64("l2", 1e-3, "L2 regularisation")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: gatetrain [flags] FEATURES.jsonl...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := run(*out, *articles, *budgets, *l2, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "gatetrain:", err)
		os.Exit(1)
	}
}

func run(out, articles, budgetSpec string, l2 float64, files []string) error {
	if len(files) == 0 {
		return errors.New("no feature files given")
	}
	budget, err := parseBudgets(budgetSpec)
	if err != nil {
		return err
	}
	articleOf := map[string]string{}
	if articles != "" {
		qs, err := eval.ReadQuestions(articles)
		if err != nil {
			return err
		}
		for _, q := range qs {
			if len(q.Sources) > 0 {
				articleOf[q.ID] = q.Sources[0]
			}
		}
	}
	var rows []row
	for _, f := range files {
		rs, err := readRows(f)
		if err != nil {
			return err
		}
		rows = append(rows, rs...)
	}
	for i := range rows {
		key := rows[i].ID
		if len(rows[i].Sources) > 0 {
			key = rows[i].Sources[0]
		} else if a, ok := articleOf[rows[i].ID]; ok {
			key = a
		}
		h := fnv.New32a()
		h.Write([]byte(key))
		rows[i].train = h.Sum32()%2 == 0
	}
	train := slices.DeleteFunc(slices.Clone(rows), func(r row) bool { return !r.train })
	m := fit(train, l2)
	m.Threshold = pickThreshold(m, train, budget)
	var b strings.Builder
	fmt.Fprintf(&b, "logistic regression on %d training questions (%s); held out:", len(train), strings.Join(datasets(rows), ", "))
	for _, d := range datasets(rows) {
		var held []row
		for _, r := range rows {
			if r.Dataset == d && !r.train {
				held = append(held, r)
			}
		}
		ref, fr := rates(m, held, m.Threshold)
		fmt.Fprintf(&b, " %s refusal %.3f, false refusal %.3f (%d questions);", d, ref, fr, len(held))
	}
	m.Trained = strings.TrimSuffix(b.String(), ";")
	fmt.Println(m.Trained)
	j, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(out, append(j, '\n'), 0o644)
}

func parseBudgets(s string) (map[string]float64, error) {
	m := map[string]float64{}
	for _, kv := range strings.Split(s, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		f, err := strconv.ParseFloat(v, 64)
		if !ok || err != nil || f < 0 || f > 1 {
			return nil, fmt.Errorf("budget %q: want dataset=share", kv)
		}
		m[k] = f
	}
	return m, nil
}

func readRows(path string) ([]row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows []row
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		var r row
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, line, err)
		}
		rows = append(rows, r)
	}
	return rows, sc.Err()
}

func datasets(rows []row) []string {
	var ds []string
	for _, r := range rows {
		if !slices.Contains(ds, r.Dataset) {
			ds = append(ds, r.Dataset)
		}
	}
	return ds
}

// fit runs batch gradient descent on the L2-regularised log loss of
// standardised features, each dataset and class weighing the same, and
// returns the weights for the raw features.
func fit(rows []row, l2 float64) rag.GateModel {
	n := len(rag.FeatureNames)
	mean, sd := make([]float64, n), make([]float64, n)
	for _, r := range rows {
		for j := range n {
			mean[j] += r.Features[j]
		}
	}
	for j := range n {
		mean[j] /= float64(len(rows))
	}
	for _, r := range rows {
		for j := range n {
			d := r.Features[j] - mean[j]
			sd[j] += d * d
		}
	}
	for j := range n {
		sd[j] = math.Sqrt(sd[j] / float64(len(rows)))
		if sd[j] < 1e-9 {
			sd[j] = 1
		}
	}
	// Weight: every (dataset, class) group sums to the same.
	count := map[string]int{}
	key := func(r row) string { return r.Dataset + "/" + strconv.FormatBool(r.Answerable) }
	for _, r := range rows {
		count[key(r)]++
	}
	wt := make([]float64, len(rows))
	for i, r := range rows {
		wt[i] = 1 / float64(count[key(r)]*len(count))
	}
	w := make([]float64, n)
	b := 0.0
	x := make([][]float64, len(rows))
	for i, r := range rows {
		x[i] = make([]float64, n)
		for j := range n {
			x[i][j] = (r.Features[j] - mean[j]) / sd[j]
		}
	}
	grad := make([]float64, n)
	for range 4000 {
		clear(grad)
		gb := 0.0
		for i, r := range rows {
			z := b
			for j := range n {
				z += w[j] * x[i][j]
			}
			p := 1 / (1 + math.Exp(-z))
			y := 0.0
			if r.Answerable {
				y = 1
			}
			d := wt[i] * (p - y)
			for j := range n {
				grad[j] += d * x[i][j]
			}
			gb += d
		}
		for j := range n {
			w[j] -= 0.5 * (grad[j] + l2*w[j])
		}
		b -= 0.5 * gb
	}
	var m rag.GateModel
	m.Bias = b
	for j := range n {
		m.Weights[j] = w[j] / sd[j]
		m.Bias -= w[j] * mean[j] / sd[j]
	}
	return m
}

// pickThreshold returns the highest threshold at which every dataset's
// false refusal on rows stays within its budget (default 0.03).
func pickThreshold(m rag.GateModel, rows []row, budget map[string]float64) float64 {
	best := 0.0
	for t := 0.01; t < 1; t += 0.005 {
		ok := true
		for _, d := range datasets(rows) {
			var rs []row
			for _, r := range rows {
				if r.Dataset == d {
					rs = append(rs, r)
				}
			}
			lim, set := budget[d]
			if !set {
				lim = 0.03
			}
			if _, fr := rates(m, rs, t); fr > lim {
				ok = false
			}
		}
		if ok {
			best = t
		}
	}
	return math.Round(best*1000) / 1000
}

// rates returns the refusal of unanswerable rows and the false refusal of
// answerable ones at threshold t.
func rates(m rag.GateModel, rows []row, t float64) (refusal, falseRefusal float64) {
	var un, ans, ref, fr int
	for _, r := range rows {
		declined := m.Probability(r.Features) < t
		if r.Answerable {
			ans++
			if declined {
				fr++
			}
		} else {
			un++
			if declined {
				ref++
			}
		}
	}
	if un > 0 {
		refusal = float64(ref) / float64(un)
	}
	if ans > 0 {
		falseRefusal = float64(fr) / float64(ans)
	}
	return refusal, falseRefusal
}
