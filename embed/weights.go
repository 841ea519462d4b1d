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

// tensor is one float32 weight with its shape.
type tensor struct {
	shape []int
	data  []float32
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
		var buf []byte
		for _, p := range group.Paths {
			b, err := shards(p)
			if err != nil {
				return nil, err
			}
			buf = append(buf, b...)
		}
		off := 0
		for _, w := range group.Weights {
			n := 1
			for _, d := range w.Shape {
				n *= d
			}
			size := 4 * n
			if w.Dtype != "float32" && w.Dtype != "int32" {
				return nil, fmt.Errorf("parse model.json: weight %s has unsupported dtype %q", w.Name, w.Dtype)
			}
			if off+size > len(buf) {
				return nil, fmt.Errorf("parse model.json: weight %s runs past the end of the shards (%d > %d bytes)", w.Name, off+size, len(buf))
			}
			if w.Dtype == "float32" {
				data := make([]float32, n)
				for i := range data {
					data[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[off+4*i:]))
				}
				out[w.Name] = tensor{shape: w.Shape, data: data}
			}
			off += size
		}
		if off != len(buf) {
			return nil, fmt.Errorf("parse model.json: shards hold %d bytes, manifest describes %d", len(buf), off)
		}
	}
	return out, nil
}

// take returns the weight called name, checking that it has n elements.
func take(ws map[string]tensor, name string, n int) ([]float32, error) {
	t, ok := ws[name]
	if !ok {
		return nil, fmt.Errorf("weight %s is missing", name)
	}
	if len(t.data) != n {
		return nil, fmt.Errorf("weight %s has %d values (shape %v), want %d", name, len(t.data), t.shape, n)
	}
	return t.data, nil
}
