package embed

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"
	"testing"
)

// shardFiles serves byte slices as shard files.
func shardFiles(shards map[string][]byte) func(string) (io.ReadCloser, error) {
	return func(name string) (io.ReadCloser, error) {
		b, ok := shards[name]
		if !ok {
			return nil, fmt.Errorf("no shard %s", name)
		}
		return io.NopCloser(bytes.NewReader(b)), nil
	}
}

func TestParseWeights(t *testing.T) {
	// a: 3 float32, n: 1 int32 (skipped), b: 2×32 float32 (packed); split
	// into two shards so that b straddles them.
	var all []byte
	for _, v := range []float32{1, 2, 3} {
		all = binary.LittleEndian.AppendUint32(all, math.Float32bits(v))
	}
	all = binary.LittleEndian.AppendUint32(all, 7)
	b := make([]float32, 2*panelWidth)
	for i := range b {
		b[i] = float32(i) - 0.5
		all = binary.LittleEndian.AppendUint32(all, math.Float32bits(b[i]))
	}
	shards := map[string][]byte{"s1": all[:22], "s2": all[22:]}
	modelJSON := []byte(`{"weightsManifest":[{"paths":["s1","s2"],"weights":[
		{"name":"a","shape":[3],"dtype":"float32"},
		{"name":"n","shape":[],"dtype":"int32"},
		{"name":"b","shape":[2,32],"dtype":"float32"}]}]}`)
	toPack := map[string][2]int{"b": {2, panelWidth}}
	gm, err := parseGraphModel(modelJSON)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseGraphModel([]byte(`{"weightsManifest":`)); err == nil {
		t.Error("a cut-off model.json parsed")
	}

	ws := map[string]tensor{}
	if err := parseWeights(gm, shardFiles(shards), collectWeights(ws, toPack, nil)); err != nil {
		t.Fatal(err)
	}
	if a, err := take(ws, "a", 3); err != nil || fmt.Sprint(a) != "[1 2 3]" {
		t.Errorf("a = %v, %v", a, err)
	}
	if p, err := takePacked(ws, "b", 2, panelWidth); err != nil || fmt.Sprint(p) != fmt.Sprint(pack(b, 2, panelWidth)) {
		t.Errorf("b = %v, %v", p, err)
	}
	if _, ok := ws["n"]; ok {
		t.Error("int32 constant kept")
	}

	// Planned into a slab, the weights are decoded in place there, in the
	// order asked for, each at a multiple of slabAlign floats.
	dst, slab := planSlab(gm, []string{"b", "a"})
	ws = map[string]tensor{}
	if err := parseWeights(gm, shardFiles(shards), collectWeights(ws, toPack, dst)); err != nil {
		t.Fatal(err)
	}
	if p, _ := takePacked(ws, "b", 2, panelWidth); &p.data[0] != &slab[0] || fmt.Sprint(p) != fmt.Sprint(pack(b, 2, panelWidth)) {
		t.Errorf("b not decoded into the slab's start: %v", p)
	}
	if a, _ := take(ws, "a", 3); &a[0] != &slab[slabAlign] || fmt.Sprint(a) != "[1 2 3]" {
		t.Errorf("a not decoded into the slab at %d: %v", slabAlign, a)
	}
	if dst, _ := planSlab(gm, []string{"b", "missing"}); dst != nil {
		t.Error("planned a slab for a weight model.json does not list")
	}
	if _, err := take(ws, "a", 5); err == nil {
		t.Error("take accepted a wrong size")
	}
	if _, err := takePacked(ws, "b", 1, 2*panelWidth); err == nil {
		t.Error("takePacked accepted a wrong shape")
	}
	if _, err := take(ws, "b", 2*panelWidth); err == nil {
		t.Error("take returned a packed weight")
	}

	// Too short and too long shards are errors.
	for name, s2 := range map[string][]byte{
		"short": all[22:30],
		"long":  append(append([]byte(nil), all[22:]...), 0, 0, 0, 0),
	} {
		shards["s2"] = s2
		if err := parseWeights(gm, shardFiles(shards), collectWeights(map[string]tensor{}, toPack, nil)); err == nil {
			t.Errorf("%s shards accepted", name)
		}
	}
	// A packed weight of the wrong shape is an error.
	shards["s2"] = all[22:]
	if err := parseWeights(gm, shardFiles(shards), collectWeights(map[string]tensor{}, map[string][2]int{"b": {4, panelWidth}}, nil)); err == nil {
		t.Error("wrong packed shape accepted")
	}
}

// TestPackRaw checks that decoding raw little-endian floats straight into
// panels gives what packing the decoded matrix gives.
func TestPackRaw(t *testing.T) {
	const k, n = 5, 3 * panelWidth
	w := make([]float32, k*n)
	raw := make([]byte, 4*k*n)
	for i := range w {
		w[i] = float32(i) - 0.5
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(w[i]))
	}
	got, want := packRaw(raw, k, n, nil), pack(w, k, n)
	if got.k != want.k || got.n != want.n || !slices.Equal(got.data, want.data) {
		t.Errorf("packRaw differs from pack: %v… against %v…", got.data[:8], want.data[:8])
	}
}

// BenchmarkPackRaw measures decoding one of layer 0's 512 × 1536 weight
// matrices into panels, which model loading does for every matrix.
func BenchmarkPackRaw(b *testing.B) {
	raw := make([]byte, 4*512*1536)
	for i := range raw {
		raw[i] = byte(i)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		packRaw(raw, 512, 1536, nil)
	}
}
