package embed

import (
	"encoding/binary"
	"fmt"
	"math"
	"testing"
)

func TestParseWeights(t *testing.T) {
	// a: 3 float32, n: 1 int32 (skipped), b: 2×2 float32; split into two
	// shards so that b straddles them.
	var all []byte
	for _, v := range []float32{1, 2, 3} {
		all = binary.LittleEndian.AppendUint32(all, math.Float32bits(v))
	}
	all = binary.LittleEndian.AppendUint32(all, 7)
	for _, v := range []float32{-1, 0.5, 4, 8} {
		all = binary.LittleEndian.AppendUint32(all, math.Float32bits(v))
	}
	shards := map[string][]byte{"s1": all[:22], "s2": all[22:]}
	modelJSON := []byte(`{"weightsManifest":[{"paths":["s1","s2"],"weights":[
		{"name":"a","shape":[3],"dtype":"float32"},
		{"name":"n","shape":[],"dtype":"int32"},
		{"name":"b","shape":[2,2],"dtype":"float32"}]}]}`)
	get := func(name string) ([]byte, error) {
		b, ok := shards[name]
		if !ok {
			return nil, fmt.Errorf("no shard %s", name)
		}
		return b, nil
	}
	ws, err := parseWeights(modelJSON, get)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(ws["a"].floats(), ws["b"].floats(), ws["b"].shape); got != "[1 2 3] [-1 0.5 4 8] [2 2]" {
		t.Errorf("weights = %s", got)
	}
	if _, ok := ws["n"]; ok {
		t.Error("int32 constant kept")
	}
	if _, err := take(ws, "b", 5); err == nil {
		t.Error("take accepted a wrong size")
	}
	if _, err := takePacked(ws, "b", 2, 2); err == nil {
		t.Error("takePacked accepted a width that is not a multiple of panelWidth")
	}

	// Too short and too long shards are errors.
	shards["s2"] = all[22:30]
	if _, err := parseWeights(modelJSON, get); err == nil {
		t.Error("short shards accepted")
	}
	shards["s2"] = append(append([]byte(nil), all[22:]...), 0, 0, 0, 0)
	if _, err := parseWeights(modelJSON, get); err == nil {
		t.Error("long shards accepted")
	}
}

func TestTakePacked(t *testing.T) {
	const k, n = 3, 2 * panelWidth
	w := make([]float32, k*n)
	var raw []byte
	for i := range w {
		w[i] = float32(i)
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(w[i]))
	}
	got, err := takePacked(map[string]tensor{"w": {shape: []int{k, n}, raw: raw}}, "w", k, n)
	if err != nil {
		t.Fatal(err)
	}
	if want := pack(w, k, n); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("takePacked differs from pack")
	}
}
