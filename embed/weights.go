package embed

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
)

// graphModel is the part of a TF.js graph model's model.json that locates
// the weights.
type graphModel struct {
	WeightsManifest []struct {
		Paths   []string `json:"paths"`
		Weights []struct {
			Name  string `json:"name"`
			Shape []int  `json:"shape"`
			Dtype string `json:"dtype"`
		} `json:"weights"`
	} `json:"weightsManifest"`
}

// tensor is one float32 weight: its shape and its little-endian bytes,
// usually a view into a shard. Values are decoded only when taken, straight
// into their final layout, so loading holds no intermediate copy.
type tensor struct {
	shape []int
	raw   []byte
}

// len returns the number of values.
func (t tensor) len() int { return len(t.raw) / 4 }

// at returns value i.
func (t tensor) at(i int) float32 {
	return math.Float32frombits(binary.LittleEndian.Uint32(t.raw[4*i:]))
}

// floats decodes all values.
func (t tensor) floats() []float32 {
	out := make([]float32, t.len())
	for i := range out {
		out[i] = t.at(i)
	}
	return out
}

// parseWeights decodes the weights listed in model.json from the shard
// files' contents. shards returns the bytes of a shard by file name. Only
// float32 weights are kept; int32 constants of the graph are skipped.
func parseWeights(modelJSON []byte, shards func(name string) ([]byte, error)) (map[string]tensor, error) {
	var gm graphModel
	if err := json.Unmarshal(modelJSON, &gm); err != nil {
		return nil, fmt.Errorf("parse model.json: %w", err)
	}
	out := make(map[string]tensor)
	for _, group := range gm.WeightsManifest {
		var r shardReader
		for _, p := range group.Paths {
			b, err := shards(p)
			if err != nil {
				return nil, err
			}
			r.shards = append(r.shards, b)
			r.left += len(b)
		}
		for _, w := range group.Weights {
			n := 1
			for _, d := range w.Shape {
				n *= d
			}
			if w.Dtype != "float32" && w.Dtype != "int32" {
				return nil, fmt.Errorf("parse model.json: weight %s has unsupported dtype %q", w.Name, w.Dtype)
			}
			b, ok := r.next(4 * n)
			if !ok {
				return nil, fmt.Errorf("parse model.json: weight %s runs past the end of the shards", w.Name)
			}
			if w.Dtype == "float32" {
				out[w.Name] = tensor{shape: w.Shape, raw: b}
			}
		}
		if r.left != 0 {
			return nil, fmt.Errorf("parse model.json: shards hold %d bytes more than the manifest describes", r.left)
		}
	}
	return out, nil
}

// shardReader reads consecutive byte ranges from shard files as if they
// were concatenated, copying only ranges that straddle two shards.
type shardReader struct {
	shards [][]byte
	left   int // bytes not yet read
}

// next returns the next n bytes, or false if fewer remain.
func (r *shardReader) next(n int) ([]byte, bool) {
	if n > r.left {
		return nil, false
	}
	if n == 0 {
		return nil, true
	}
	r.left -= n
	for len(r.shards) > 0 && len(r.shards[0]) == 0 {
		r.shards = r.shards[1:]
	}
	if n <= len(r.shards[0]) {
		b := r.shards[0][:n]
		r.shards[0] = r.shards[0][n:]
		return b, true
	}
	b := make([]byte, 0, n)
	for len(b) < n {
		k := min(n-len(b), len(r.shards[0]))
		b = append(b, r.shards[0][:k]...)
		r.shards[0] = r.shards[0][k:]
		if len(r.shards[0]) == 0 {
			r.shards = r.shards[1:]
		}
	}
	return b, true
}

// lookup returns the weight called name, checking that it has n values.
func lookup(ws map[string]tensor, name string, n int) (tensor, error) {
	t, ok := ws[name]
	if !ok {
		return tensor{}, fmt.Errorf("weight %s is missing", name)
	}
	if t.len() != n {
		return tensor{}, fmt.Errorf("weight %s has %d values (shape %v), want %d", name, t.len(), t.shape, n)
	}
	return t, nil
}

// take decodes the weight called name, checking that it has n values.
func take(ws map[string]tensor, name string, n int) ([]float32, error) {
	t, err := lookup(ws, name, n)
	if err != nil {
		return nil, err
	}
	return t.floats(), nil
}

// takePacked decodes the row-major k × n weight called name straight into
// panels (see pack).
func takePacked(ws map[string]tensor, name string, k, n int) (packed, error) {
	t, err := lookup(ws, name, k*n)
	if err != nil {
		return packed{}, err
	}
	if n%panelWidth != 0 {
		return packed{}, fmt.Errorf("weight %s has %d columns, not a multiple of %d", name, n, panelWidth)
	}
	p := packed{k: k, n: n, data: make([]float32, k*n)}
	i := 0
	for c0 := 0; c0 < n; c0 += panelWidth {
		for r := range k {
			for c := c0; c < c0+panelWidth; c++ {
				p.data[i] = t.at(r*n + c)
				i++
			}
		}
	}
	return p, nil
}
