package embed

import (
	"context"
	"encoding/json"
	"os"
	"testing"
)

// TestWriteAnchorInputs writes the token ids and vectors of the benchmark
// texts (passage, query, batch) to $NEWSRAG_ANCHOR_INPUTS, in the INPUTS.json
// format of the onnxruntime anchor (../shared/anchors/onnxruntime-use-lite),
// so both engines are timed on the same ids. scripts/embed-vs-ort.sh uses it.
// Without the variable it is skipped.
func TestWriteAnchorInputs(t *testing.T) {
	path := os.Getenv("NEWSRAG_ANCHOR_INPUTS")
	if path == "" {
		t.Skip("set NEWSRAG_ANCHOR_INPUTS=FILE to write the anchor inputs")
	}
	m := testModel(t)
	ctx := context.Background()
	passage, query := prefixText(t, m, 128), prefixText(t, m, 13)
	var in struct {
		Ptok  []int     `json:"ptok"`
		Pvec  []float32 `json:"pvec"`
		Qtok  []int     `json:"qtok"`
		Qvec  []float32 `json:"qvec"`
		Batch [][]int   `json:"batch"`
	}
	var err error
	in.Ptok, in.Qtok = m.Tokenize(passage), m.Tokenize(query)
	if in.Pvec, err = m.EmbedQuery(ctx, passage); err != nil {
		t.Fatal(err)
	}
	if in.Qvec, err = m.EmbedQuery(ctx, query); err != nil {
		t.Fatal(err)
	}
	for _, s := range batchTexts(t, m) {
		in.Batch = append(in.Batch, m.Tokenize(s))
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s: passage %d tokens, query %d tokens, batch of %d", path, len(in.Ptok), len(in.Qtok), len(in.Batch))
}
