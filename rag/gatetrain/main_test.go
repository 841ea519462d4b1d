package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsrag/newsrag/rag"
	"github.com/newsrag/newsrag/rag/eval"
)

// rowOf is a question whose first feature is x.
func rowOf(dataset string, answerable bool, x float64) row {
	var f rag.Features
	f[0] = x
	return row{FeatureRow: eval.FeatureRow{Dataset: dataset, Answerable: answerable, Features: f}, train: true}
}

func TestFitSeparatesAndKeepsTheBudget(t *testing.T) {
	var rows []row
	for i := range 50 {
		x := float64(i) / 50
		rows = append(rows, rowOf("a", true, 0.5+x/2), rowOf("a", false, x/2))
	}
	m := fit(rows, nil, nil, nil, 1e-3)
	if m.Weights[0] <= 0 {
		t.Fatalf("weight of the separating feature %v, want positive", m.Weights[0])
	}
	m.Threshold = pickThreshold(m, rows, map[string]float64{"a": 0})
	ref, fr := rates(m, rows, m.Threshold)
	if fr != 0 || ref < 0.95 {
		t.Errorf("threshold %.3f: refusal %.3f, false refusal %.3f; want ≥ 0.95 and 0", m.Threshold, ref, fr)
	}
}

func TestRates(t *testing.T) {
	m := rag.GateModel{Weights: [len(rag.FeatureNames)]float64{10}, Bias: -5} // p ≥ 0.5 iff x ≥ 0.5
	rows := []row{rowOf("a", true, 0.9), rowOf("a", true, 0.2), rowOf("a", false, 0.1), rowOf("a", false, 0.7)}
	if ref, fr := rates(m, rows, 0.5); ref != 0.5 || fr != 0.5 {
		t.Errorf("refusal %v false refusal %v, want 0.5 0.5", ref, fr)
	}
}

func TestParseShares(t *testing.T) {
	b, err := parseShares("squad-refusal=0.03, multihop-dev=0.04", "budget")
	if err != nil || b["squad-refusal"] != 0.03 || b["multihop-dev"] != 0.04 {
		t.Errorf("%v %v", b, err)
	}
	for _, bad := range []string{"x", "x=2", "x=abc"} {
		if _, err := parseShares(bad, "budget"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestPairs(t *testing.T) {
	ps, err := parsePairs("coverage*dense, focus_window*dense", "")
	if err != nil || len(ps) != 2 || ps[0] != [2]int{0, 6} {
		t.Fatalf("%v %v", ps, err)
	}
	n := len(rag.FeatureNames)
	if all, _ := parsePairs("all", ""); len(all) != n*(n-1)/2 {
		t.Errorf("all: %d pairs", len(all))
	}
	if all, _ := parsePairs("all", "focus_all"); len(all) != (n-1)*(n-2)/2 {
		t.Errorf("all but one: %d pairs", len(all))
	}
	if _, err := parsePairs("all", "nothing"); err == nil {
		t.Error("unpaired unknown feature accepted")
	}
	for _, bad := range []string{"coverage", "coverage*nothing", "x*dense"} {
		if _, err := parsePairs(bad, ""); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	// Answerable only when both features are high: a product separates it,
	// no single feature does.
	var rows []row
	for _, c := range [][3]float64{{1, 1, 1}, {1, 0, 0}, {0, 1, 0}, {0, 0, 0}} {
		for range 20 {
			r := rowOf("a", c[2] == 1, c[0])
			r.Features[6] = c[1]
			rows = append(rows, r)
		}
	}
	m := fit(rows, [][2]int{{0, 6}}, nil, nil, 1e-4)
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if ref, fr := rates(m, rows, 0.5); ref != 1 || fr != 0 {
		t.Errorf("with the product: refusal %.2f, false refusal %.2f; want 1 and 0", ref, fr)
	}
}

// TestRunThreshold: -threshold sets the model's threshold and the report
// names the one the budgets picked; without it the budgets' is used.
func TestRunThreshold(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "f.jsonl")
	var b strings.Builder
	for i := range 40 {
		x := float64(i) / 40
		for _, r := range []eval.FeatureRow{
			{Dataset: "a", ID: fmt.Sprintf("y%d", i), Answerable: true, Features: rag.Features{0.5 + x/2}},
			{Dataset: "a", ID: fmt.Sprintf("n%d", i), Answerable: false, Features: rag.Features{x / 2}},
		} {
			j, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(append(j, '\n'))
		}
	}
	if err := os.WriteFile(in, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ threshold float64 }{{0}, {0.42}} {
		out := filepath.Join(dir, "gate.json")
		if err := run(out, "", "a=0", "", "", "", "", 1e-3, tt.threshold, nil, []string{in}); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var m rag.GateModel
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		var picked float64
		if _, err := fmt.Sscanf(m.Trained[strings.Index(m.Trained, "the budgets pick "):], "the budgets pick %g)", &picked); err != nil {
			t.Fatalf("report %q: %v", m.Trained, err)
		}
		want := picked
		if tt.threshold > 0 {
			want = tt.threshold
		}
		if m.Threshold != want || picked <= 0 {
			t.Errorf("-threshold %g: model threshold %g, budgets picked %g; want %g", tt.threshold, m.Threshold, picked, want)
		}
	}
	if err := run(filepath.Join(dir, "x.json"), "", "", "", "", "", "", 1e-3, 1.5, nil, []string{in}); err == nil {
		t.Error("-threshold 1.5 accepted")
	}
}

// TestFitFixed: a feature in fixed keeps its weight, and the others are
// fitted around it.
func TestFitFixed(t *testing.T) {
	var rows []row
	for i := range 50 {
		x := float64(i) / 50
		rows = append(rows, rowOf("a", true, 0.5+x/2), rowOf("a", false, x/2))
	}
	for i := range rows {
		rows[i].Features[1] = float64(i % 7) // noise
	}
	free := fit(rows, nil, nil, nil, 1e-3)
	held := fit(rows, nil, nil, map[int]float64{0: 2}, 1e-3)
	if math.Abs(held.Weights[0]-2) > 1e-9 {
		t.Errorf("fixed weight %v, want 2", held.Weights[0])
	}
	if free.Weights[0] <= 2 {
		t.Fatalf("free weight %v: the test needs a larger one", free.Weights[0])
	}
	if _, err := parseFixed("log_chunks=0.5"); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"nosuch=1", "log_chunks", "log_chunks=x"} {
		if _, err := parseFixed(bad); err == nil {
			t.Errorf("-fix %q accepted", bad)
		}
	}
}
