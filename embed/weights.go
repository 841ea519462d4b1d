package embed

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
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

// tensor is one decoded float32 weight: a matrix listed for packing is
// held in panels (p), anything else as plain values (data).
type tensor struct {
	shape []int
	data  []float32
	p     *packed
}

// weightSink receives each float32 weight as it is read: its name, shape
// and little-endian bytes (valid only during the call).
type weightSink func(name string, shape []int, raw []byte) error

// parseGraphModel reads the weights manifest of model.json (a 250 KB
// file: parsed once per load).
func parseGraphModel(modelJSON []byte) (graphModel, error) {
	var gm graphModel
	if err := json.Unmarshal(modelJSON, &gm); err != nil {
		return gm, fmt.Errorf("parse model.json: %w", err)
	}
	return gm, nil
}

// parseWeights reads the weights gm lists from the shard files, which open
// returns by name, in manifest order, and hands every float32 weight to
// sink; int32 constants of the graph are skipped. Only one weight is held
// in memory at a time. The shards must hold exactly the bytes the manifest
// describes.
func parseWeights(gm graphModel, open func(name string) (io.ReadCloser, error), sink weightSink) error {
	var buf []byte
	for _, group := range gm.WeightsManifest {
		var readers []io.Reader
		for _, p := range group.Paths {
			f, err := open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			readers = append(readers, f)
		}
		r := io.MultiReader(readers...)
		for _, w := range group.Weights {
			n := 1
			for _, d := range w.Shape {
				n *= d
			}
			if w.Dtype != "float32" && w.Dtype != "int32" {
				return fmt.Errorf("parse model.json: weight %s has unsupported dtype %q", w.Name, w.Dtype)
			}
			if cap(buf) < 4*n {
				buf = make([]byte, 4*n)
			}
			b := buf[:4*n]
			if _, err := io.ReadFull(r, b); err != nil {
				if err == io.EOF || err == io.ErrUnexpectedEOF {
					return fmt.Errorf("parse model.json: weight %s runs past the end of the shards", w.Name)
				}
				return fmt.Errorf("read weight %s: %w", w.Name, err)
			}
			if w.Dtype == "float32" {
				if err := sink(w.Name, w.Shape, b); err != nil {
					return err
				}
			}
		}
		// Read to the end so every shard is checked in full.
		if extra, err := io.Copy(io.Discard, r); err != nil {
			return fmt.Errorf("read weights: %w", err)
		} else if extra != 0 {
			return fmt.Errorf("parse model.json: shards hold %d bytes more than the manifest describes", extra)
		}
	}
	return nil
}

// decodeFloats decodes little-endian float32 values into dst, or into a
// new slice when dst is not their length.
func decodeFloats(raw []byte, dst []float32) []float32 {
	out := dst
	if len(out) != len(raw)/4 {
		out = make([]float32, len(raw)/4)
	}
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return out
}

// packRaw decodes the row-major k × n matrix in raw straight into panels
// (see pack), held in dst, or in a new slice when dst is not k*n long.
// It reads raw in order, row by row, and writes each row's piece of every
// panel: a panel's pieces are consecutive, so the writes are n/panelWidth
// sequential streams. (Panel by panel, the reads strode a whole row apart.)
func packRaw(raw []byte, k, n int, dst []float32) packed {
	if len(dst) != k*n {
		dst = make([]float32, k*n)
	}
	p := packed{k: k, n: n, data: dst}
	for r := range k {
		row := raw[4*r*n : 4*(r+1)*n]
		for c0 := 0; c0 < n; c0 += panelWidth {
			dst := p.data[c0*k+r*panelWidth : c0*k+(r+1)*panelWidth]
			src := row[4*c0 : 4*(c0+panelWidth)]
			for c := range dst {
				dst[c] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*c:]))
			}
		}
	}
	return p
}

// collectWeights returns a sink that decodes weights into ws: the matrices
// named in toPack (name → k, n) into panels, the rest as plain values; a
// weight named in dst is decoded into that slice when it is its length
// (see planSlab).
func collectWeights(ws map[string]tensor, toPack map[string][2]int, dst map[string][]float32) weightSink {
	return func(name string, shape []int, raw []byte) error {
		t := tensor{shape: shape}
		if kn, ok := toPack[name]; ok {
			k, n := kn[0], kn[1]
			if len(raw) != 4*k*n || n%panelWidth != 0 {
				return fmt.Errorf("weight %s has shape %v, want %d × %d", name, shape, k, n)
			}
			p := packRaw(raw, k, n, dst[name])
			t.p = &p
		} else {
			t.data = decodeFloats(raw, dst[name])
		}
		ws[name] = t
		return nil
	}
}

// planSlab lays out the weights named in names, in that order, in one
// new slab in huge pages (see newSlab), each at a multiple of slabAlign
// floats, by the shapes gm gives them, and returns where each goes.
// Decoding the weights there spares copying them in after loading. It
// returns nil, and the weights are decoded into ordinary memory, when gm
// lacks one of them (loading reports that).
func planSlab(gm graphModel, names []string) (dst map[string][]float32, slab []float32) {
	size := map[string]int{}
	for _, g := range gm.WeightsManifest {
		for _, w := range g.Weights {
			n := 1
			for _, d := range w.Shape {
				n *= d
			}
			size[w.Name] = n
		}
	}
	lens := make([]int, len(names))
	for i, name := range names {
		n, ok := size[name]
		if !ok {
			return nil, nil
		}
		lens[i] = n
	}
	slab = newSlab(slabSize(lens...))
	dst = make(map[string][]float32, len(names))
	rest := slab
	for i, name := range names {
		dst[name] = rest[:lens[i]:lens[i]]
		rest = rest[min(roundUp(lens[i], slabAlign), len(rest)):]
	}
	return dst, slab
}

// take returns the plain weight called name, checking that it has n
// values.
func take(ws map[string]tensor, name string, n int) ([]float32, error) {
	t, ok := ws[name]
	if !ok || t.p != nil {
		return nil, fmt.Errorf("weight %s is missing", name)
	}
	if len(t.data) != n {
		return nil, fmt.Errorf("weight %s has %d values (shape %v), want %d", name, len(t.data), t.shape, n)
	}
	return t.data, nil
}

// takePacked returns the packed k × n weight called name.
func takePacked(ws map[string]tensor, name string, k, n int) (packed, error) {
	t, ok := ws[name]
	if !ok || t.p == nil {
		return packed{}, fmt.Errorf("weight %s is missing", name)
	}
	if t.p.k != k || t.p.n != n {
		return packed{}, fmt.Errorf("weight %s is %d × %d, want %d × %d", name, t.p.k, t.p.n, k, n)
	}
	return *t.p, nil
}
