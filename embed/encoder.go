package embed

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
)

// Dimensions of USE-lite.
const (
	useMaxTokens = 128                    // tokens the network sees in one pass
	useEmbedDim  = 256                    // token embedding width
	useDim       = 512                    // hidden and output width
	useFFNDim    = 1536                   // feed-forward inner width
	useHeads     = 4                      // attention heads per layer
	tokRow       = useDim + 3*useEmbedDim // values per token in encoder.tokTab
	ffnTabIDs    = 4096                   // token ids with a row in encoder.ffnTok
	lnEpsilon    = 1e-6                   // layer-norm epsilon
)

// Weight name prefixes in model.json.
const (
	prefixApply  = "module_apply_default/Encoder_en/KonaTransformer/Encode/"
	prefixModule = "module/Encoder_en/KonaTransformer/Encode/"
)

// encoder is the USE-lite network: token embeddings plus a timing signal,
// two transformer layers, mean pooling and a tanh projection. It is
// immutable after loading; per-call buffers live in a workspace.
type encoder struct {
	vocab   int
	embed   []float32 // vocab × useEmbedDim token embeddings
	timing  []float32 // useMaxTokens × useEmbedDim timing signal
	layers  [2]layer
	outW    packed    // useDim × useDim
	outBias []float32 // useDim

	// Layer 0's residual projection x0·dense + biases is linear in x0 =
	// 2·E[id] + timing[t], so it is the sum of a per-token row 2·E[id]·dense
	// (the first useDim values of tokTab's row id, computed on a token's
	// first use) and a per-position row timing[t]·dense + dense bias +
	// output bias (posRes, computed at load). That saves a 256 × 512
	// product per token.
	//
	// Layer 0's q|k|v projection LN(x0)·Wqkv + b is almost linear too: with
	// LN(x0) = (x0 - μ)·inv∘s + β (μ, inv the row's mean and 1/sd, s and β
	// the layer-norm scale and bias), it is
	//   inv·((2·E[id]∘s)·Wqkv + (timing[t]∘s)·Wqkv - μ·(s·Wqkv)) + β·Wqkv + b,
	// so it comes from a per-token row (the last 3·useEmbedDim values of
	// tokTab's row), a per-position row (posQKV), and two constant rows
	// (qkvU = s·Wqkv, qkvD = β·Wqkv + b), saving a 256 × 768 product per
	// token.
	posRes []float32                         // useMaxTokens × useDim
	posQKV []float32                         // useMaxTokens × 3·useEmbedDim
	qkvU   []float32                         // 3·useEmbedDim
	qkvD   []float32                         // 3·useEmbedDim
	tokTab []atomic.Pointer[[tokRow]float32] // vocab rows, nil until computed

	// Layer 0's first feed-forward product LN(z)·W1 + b1, on z = x + att·Wo
	// (x the projected residual above, att the attention output), factors
	// the same way: with S = diag(s)·W1 (s, β the layer norm's scale and
	// bias) it is inv·(x·S + att·(Wo·S) - μ·(s·W1)) + β·W1 + b1, and x·S is
	// again a per-position row (posRes[t]·S, in ffnPos) plus a per-token
	// row (2·E[id]·(dense·S), in ffnTok, computed on first use for the
	// first ffnTabIDs ids, the frequent ones, and per text for the rest).
	// att·(Wo·S) is a 256 × 1536 product per token instead of 512 × 1536.
	ffnDS  packed                               // useEmbedDim × useFFNDim: dense·S
	ffnWoS packed                               // useEmbedDim × useFFNDim: Wo·S
	ffnPos []float32                            // useMaxTokens × useFFNDim
	ffnU   []float32                            // useFFNDim: s·W1
	ffnD   []float32                            // useFFNDim: β·W1 + b1
	ffnTok []atomic.Pointer[[useFFNDim]float32] // ffnTabIDs rows, nil until computed

	tokMu sync.Mutex // serialises filling tokTab and ffnTok rows

	// The per-position and constant tables above (posRes, posQKV, qkvU,
	// qkvD, ffnDS, ffnWoS, ffnPos, ffnU, ffnD) are built on first use; see
	// ensureTables.
	tablesOnce  sync.Once
	tablesBuilt atomic.Bool
}

// layer is one transformer layer. Layer 0 widens from 256 to 512 and
// projects its residual with dense; layer 1 keeps 512.
type layer struct {
	in, att int     // input width, attention width (= in)
	scale   float32 // query scale, 1/sqrt(head width)
	lnScale []float32
	lnBias  []float32
	qkv     packed // in × 3·att
	qkvBias []float32
	out     packed // att × useDim
	outBias []float32
	dense   *packed // in × useDim residual projection, or nil for identity
	dBias   []float32
	ffnLNs  []float32
	ffnLNb  []float32
	ffn1    packed // useDim × useFFNDim
	ffn1b   []float32
	ffn2    packed // useFFNDim × useDim
	ffn2b   []float32
}

// Names of the model-level weights in model.json.
const (
	nameEmbeddings = "module/Embeddings_en"
	nameTiming     = prefixApply + "TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1"
	nameOutW       = "module/Encoder_en/hidden_layers/tanh_layer_0/weights"
	nameOutBias    = "module/Encoder_en/hidden_layers/tanh_layer_0/bias"
)

// layerNames are the model.json names of one layer's weights.
type layerNames struct {
	lnScale, lnBias, qkv, qkvBias, out, outBias, dense, dBias string
	ffnLNs, ffnLNb, ffn1, ffn1b, ffn2, ffn2b                  string
}

// namesOf returns the weight names of layer i.
func namesOf(i int) layerNames {
	a := fmt.Sprintf("%sLayer_%d/TransformerLayer/", prefixApply, i)
	s := fmt.Sprintf("%sTransformerStack/Layer_%d/TransformerLayer/", prefixApply, i)
	m := fmt.Sprintf("%sLayer_%d/TransformerLayer/", prefixModule, i)
	return layerNames{
		lnScale: a + "layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat",
		lnBias:  a + "layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat",
		qkv:     m + "MultiheadAttention/qkv_transform_single/kernel/part_0",
		qkvBias: a + "MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat",
		out:     m + "MultiheadAttention/output_transform_single/kernel/part_0",
		outBias: a + "MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat",
		dense:   a + "dense/kernel/ConcatPartitions/concat",
		dBias:   a + "dense/bias/ConcatPartitions/concat",
		ffnLNs:  a + "FFN/layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat",
		ffnLNb:  a + "FFN/layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat",
		ffn1:    s + "FFN/conv1/Tensordot/Reshape_1",
		ffn1b:   a + "FFN/conv1/bias/ConcatPartitions/concat",
		ffn2:    s + "FFN/conv2/Tensordot/Reshape_1",
		ffn2b:   a + "FFN/conv2/bias/ConcatPartitions/concat",
	}
}

// layerWidth is the input width of layer i.
func layerWidth(i int) int {
	if i == 0 {
		return useEmbedDim
	}
	return useDim
}

// packedShapes lists the matrices the encoder keeps in panels, by name,
// with their k × n shape.
func packedShapes() map[string][2]int {
	ps := map[string][2]int{nameOutW: {useDim, useDim}}
	for i := range 2 {
		n, in := namesOf(i), layerWidth(i)
		ps[n.qkv] = [2]int{in, 3 * in}
		ps[n.out] = [2]int{in, useDim}
		if i == 0 {
			ps[n.dense] = [2]int{in, useDim}
		}
		ps[n.ffn1] = [2]int{useDim, useFFNDim}
		ps[n.ffn2] = [2]int{useFFNDim, useDim}
	}
	return ps
}

// newEncoder builds the network from the decoded weights (see
// collectWeights and packedShapes).
func newEncoder(ws map[string]tensor) (*encoder, error) {
	var err error
	get := func(name string, n int) []float32 {
		if err != nil {
			return nil
		}
		var v []float32
		v, err = take(ws, name, n)
		return v
	}
	getPacked := func(name string, k, n int) packed {
		if err != nil {
			return packed{}
		}
		var p packed
		p, err = takePacked(ws, name, k, n)
		return p
	}
	e := &encoder{}
	emb, ok := ws[nameEmbeddings]
	if !ok || len(emb.shape) != 2 || emb.shape[1] != useEmbedDim || len(emb.data) != emb.shape[0]*useEmbedDim {
		return nil, fmt.Errorf("weight %s is missing or not [n,%d]", nameEmbeddings, useEmbedDim)
	}
	e.vocab = emb.shape[0]
	e.embed = emb.data

	inv := get(nameTiming, useEmbedDim/2)
	if err != nil {
		return nil, err
	}
	e.timing = timingSignal(inv)

	for i := range e.layers {
		l, n := &e.layers[i], namesOf(i)
		l.in = layerWidth(i)
		l.att = l.in
		l.scale = float32(1 / math.Sqrt(float64(l.att/useHeads)))
		l.lnScale = get(n.lnScale, l.in)
		l.lnBias = get(n.lnBias, l.in)
		l.qkv = getPacked(n.qkv, l.in, 3*l.att)
		l.qkvBias = get(n.qkvBias, 3*l.att)
		l.out = getPacked(n.out, l.att, useDim)
		l.outBias = get(n.outBias, useDim)
		if i == 0 {
			d := getPacked(n.dense, l.in, useDim)
			l.dense = &d
			l.dBias = get(n.dBias, useDim)
		}
		l.ffnLNs = get(n.ffnLNs, useDim)
		l.ffnLNb = get(n.ffnLNb, useDim)
		l.ffn1 = getPacked(n.ffn1, useDim, useFFNDim)
		l.ffn1b = get(n.ffn1b, useFFNDim)
		l.ffn2 = getPacked(n.ffn2, useFFNDim, useDim)
		l.ffn2b = get(n.ffn2b, useDim)
	}
	e.outW = getPacked(nameOutW, useDim, useDim)
	e.outBias = get(nameOutBias, useDim)
	if err != nil {
		return nil, err
	}
	e.tokTab = make([]atomic.Pointer[[tokRow]float32], e.vocab)
	e.ffnTok = make([]atomic.Pointer[[useFFNDim]float32], min(ffnTabIDs, e.vocab))
	return e, nil
}

// slabNames are the weights that go into one slab in huge pages (see
// planSlab), in order: the token embeddings and the packed weights, with
// layer 0's q|k|v, residual and first feed-forward weights, which a pass
// from the tables does not read, last (the slab's last part may not be in
// huge pages).
func slabNames() []string {
	l0, l1 := namesOf(0), namesOf(1)
	return []string{nameEmbeddings, nameOutW, l1.qkv, l1.out, l1.ffn1, l1.ffn2,
		l0.out, l0.ffn2, l0.qkv, l0.dense, l0.ffn1}
}

// moveAll moves the arrays xs point to into one new slab (see newSlab).
func moveAll(xs []*[]float32) {
	lens := make([]int, len(xs))
	for i, x := range xs {
		lens[i] = len(*x)
	}
	slab := newSlab(slabSize(lens...))
	moveToSlab(slab, xs...)
	collapseSlab(slab)
}

// ensureTables builds layer 0's per-position and constant tables (see
// encoder.posRes and encoder.ffnDS) if they are not built yet: 0.55 GFLOP,
// 15–25 ms on one core. They save 1.4 MFLOP per token (a fifth of a
// passage), so they pay off after a few hundred tokens, but a one-shot CLI
// call embeds little more than that and paid 40–60 ms for them (the build
// and its garbage): the model builds them only once it has embedded enough
// text (see USELite.useTables) and runs layer 0 directly until then.
func (e *encoder) ensureTables() {
	e.tablesOnce.Do(func() {
		e.buildTables()
		e.tablesBuilt.Store(true)
	})
}

// buildTables computes the tables; see ensureTables.
func (e *encoder) buildTables() {
	l0 := &e.layers[0]
	e.posRes = make([]float32, useMaxTokens*useDim)
	fillRows(e.posRes, l0.dBias, useMaxTokens)
	addRows(e.posRes, l0.outBias, useMaxTokens)
	gemm(e.posRes, useDim, e.timing, useEmbedDim, useMaxTokens, *l0.dense, nil, 1)

	// Layer 0's q|k|v tables (see encoder.posQKV).
	const nq = 3 * useEmbedDim
	ts := make([]float32, useMaxTokens*useEmbedDim)
	for t := range useMaxTokens {
		for c := range useEmbedDim {
			ts[t*useEmbedDim+c] = e.timing[t*useEmbedDim+c] * l0.lnScale[c]
		}
	}
	e.posQKV = make([]float32, useMaxTokens*nq)
	gemm(e.posQKV, nq, ts, useEmbedDim, useMaxTokens, l0.qkv, nil, 1)
	e.qkvU = make([]float32, nq)
	gemm(e.qkvU, nq, l0.lnScale, useEmbedDim, 1, l0.qkv, nil, 1)
	e.qkvD = append([]float32(nil), l0.qkvBias...)
	gemm(e.qkvD, nq, l0.lnBias, useEmbedDim, 1, l0.qkv, nil, 1)

	// Layer 0's feed-forward tables (see encoder.ffnDS).
	w1 := l0.ffn1.unpack()
	for r := range useDim {
		for c := range useFFNDim {
			w1[r*useFFNDim+c] *= l0.ffnLNs[r]
		}
	}
	s1 := pack(w1, useDim, useFFNDim)
	wos := make([]float32, useEmbedDim*useFFNDim)
	gemm(wos, useFFNDim, l0.out.unpack(), useDim, useEmbedDim, s1, nil, 1)
	e.ffnWoS = pack(wos, useEmbedDim, useFFNDim)
	ds := make([]float32, useEmbedDim*useFFNDim)
	gemm(ds, useFFNDim, l0.dense.unpack(), useDim, useEmbedDim, s1, nil, 1)
	e.ffnDS = pack(ds, useEmbedDim, useFFNDim)
	e.ffnPos = make([]float32, useMaxTokens*useFFNDim)
	gemm(e.ffnPos, useFFNDim, e.posRes, useDim, useMaxTokens, s1, nil, 1)
	e.ffnU = make([]float32, useFFNDim)
	gemm(e.ffnU, useFFNDim, l0.ffnLNs, useDim, 1, l0.ffn1, nil, 1)
	e.ffnD = append([]float32(nil), l0.ffn1b...)
	gemm(e.ffnD, useFFNDim, l0.ffnLNb, useDim, 1, l0.ffn1, nil, 1)
	moveAll([]*[]float32{&e.posRes, &e.posQKV, &e.ffnPos, &e.ffnWoS.data, &e.ffnDS.data})
}

// ffnTokenRows sets ws.ffnTok[i] to the per-token row of layer 0's first
// feed-forward product (2·E[id]·(dense·S); see encoder.ffnDS) for each of ids:
// from the table where it is there, else computed in one product for all
// such ids (and kept in the table for the first ffnTabIDs ids).
func (e *encoder) ffnTokenRows(ws *workspace, ids []int) {
	e.ffnMissRows(ws, ids, e.ffnTableRows(ws, ids))
}

// ffnTableRows sets ws.ffnTok[i] for the ids whose row is in the table (see
// ffnTokenRows) and returns the indexes of the others, in ws.miss.
func (e *encoder) ffnTableRows(ws *workspace, ids []int) []int {
	miss := ws.miss[:0]
	for i, id := range ids {
		if id < len(e.ffnTok) {
			if row := e.ffnTok[id].Load(); row != nil {
				ws.ffnTok[i] = row[:]
				continue
			}
		}
		miss = append(miss, i)
	}
	return miss
}

// ffnMissRows computes ws.ffnTok[i] for the indexes i in miss (see
// ffnTokenRows) in one product.
func (e *encoder) ffnMissRows(ws *workspace, ids, miss []int) {
	if len(miss) == 0 {
		return
	}
	a := ws.missA[:len(miss)*useEmbedDim]
	for j, i := range miss {
		id := ids[i]
		for c, v := range e.embed[id*useEmbedDim : (id+1)*useEmbedDim] {
			a[j*useEmbedDim+c] = 2 * v
		}
	}
	c := ws.missC[:len(miss)*useFFNDim]
	clear(c)
	gemm(c, useFFNDim, a, useEmbedDim, len(miss), e.ffnDS, ws.pa, ws.threads)
	for j, i := range miss {
		row := c[j*useFFNDim : (j+1)*useFFNDim]
		ws.ffnTok[i] = row
		if id := ids[i]; id < len(e.ffnTok) && e.ffnTok[id].Load() == nil {
			e.tokMu.Lock()
			if e.ffnTok[id].Load() == nil {
				t := new([useFFNDim]float32)
				copy(t[:], row)
				e.ffnTok[id].Store(t)
			}
			e.tokMu.Unlock()
		}
	}
}

// tokenRows returns token id's rows of layer 0's tables: res =
// 2·E[id]·dense (its residual projection) and qkv = (2·E[id]∘s)·Wqkv (its
// part of the q|k|v projection; see encoder.posQKV), computing them on
// first use.
func (e *encoder) tokenRows(id int) (res, qkv []float32) {
	if row := e.tokTab[id].Load(); row != nil {
		return row[:useDim], row[useDim:]
	}
	e.tokMu.Lock()
	defer e.tokMu.Unlock()
	row := e.tokTab[id].Load()
	if row == nil {
		l0 := &e.layers[0]
		var x, xs [useEmbedDim]float32
		for c, v := range e.embed[id*useEmbedDim : (id+1)*useEmbedDim] {
			x[c] = 2 * v
			xs[c] = x[c] * l0.lnScale[c]
		}
		row = new([tokRow]float32)
		gemm(row[:useDim], useDim, x[:], useEmbedDim, 1, *l0.dense, nil, 1)
		gemm(row[useDim:], 3*useEmbedDim, xs[:], useEmbedDim, 1, l0.qkv, nil, 1)
		e.tokTab[id].Store(row)
	}
	return row[:useDim], row[useDim:]
}

// timingSignal computes the sinusoidal position signal: sin(t·inv[c]) in
// the first half of the columns and cos(t·inv[c]) in the second, with the
// product rounded to float32 as the reference graph does.
func timingSignal(inv []float32) []float32 {
	half := len(inv)
	out := make([]float32, useMaxTokens*2*half)
	for t := range useMaxTokens {
		row := out[t*2*half : (t+1)*2*half]
		for c, f := range inv {
			x := float64(float32(t) * f)
			row[c] = float32(math.Sin(x))
			row[half+c] = float32(math.Cos(x))
		}
	}
	return out
}

// workspace holds the buffers of one forward pass and the number of
// goroutines it may use.
type workspace struct {
	threads int       // goroutines one forward pass may use
	tables  bool      // run layer 0 from its tables (see encoder.ensureTables)
	h       []float32 // rows × useDim, layer-norm output
	qkv     []float32 // rows × 3·useDim
	att     []float32 // rows × useDim, attention output
	x       []float32 // rows × useDim, residual stream
	f       []float32 // rows × useFFNDim
	pa      []float32 // packed rows of a product's left operand
	heads   [useHeads]headSpace
	fMean   []float32   // useFFNDim, mean feed-forward activation
	ids     []int       // the token ids, in range
	ffnTok  [][]float32 // per-token rows of layer 0's feed-forward tables
	miss    []int       // rows whose ffnTok row is computed for the text
	missA   []float32   // their inputs 2·E[id], rows × useEmbedDim
	missC   []float32   // their rows, rows × useFFNDim
	pooled  []float32   // useDim
	out     []float32   // useDim
}

// headSpace holds the buffers of one attention head, so heads can run in
// parallel.
type headSpace struct {
	scores []float32 // rows × useMaxTokens
	kPack  []float32 // packed keys
	vPack  []float32 // packed values
	pa     []float32 // packed rows of a product's left operand
}

// newWorkspace returns buffers for one forward pass at a time, on one
// goroutine until its threads field is raised.
func newWorkspace() *workspace {
	const r = useMaxTokens
	dh := useDim / useHeads
	ws := &workspace{
		threads: 1,
		h:       make([]float32, r*useDim),
		qkv:     make([]float32, r*3*useDim),
		att:     make([]float32, r*useDim),
		x:       make([]float32, r*useDim),
		f:       make([]float32, r*useFFNDim),
		pa:      make([]float32, (r+maxMR)*useFFNDim),
		fMean:   make([]float32, useFFNDim),
		ids:     make([]int, r),
		ffnTok:  make([][]float32, r),
		miss:    make([]int, 0, r),
		missA:   make([]float32, r*useEmbedDim),
		missC:   make([]float32, r*useFFNDim),
		pooled:  make([]float32, useDim),
		out:     make([]float32, useDim),
	}
	for i := range ws.heads {
		ws.heads[i] = headSpace{
			scores: make([]float32, r*useMaxTokens),
			kPack:  make([]float32, dh*useMaxTokens),
			vPack:  make([]float32, dh*useMaxTokens),
			pa:     make([]float32, (r+maxMR)*max(dh, useMaxTokens)),
		}
	}
	return ws
}

// forward embeds at most useMaxTokens token ids and writes the unit-length
// 512-d result into dst.
func (e *encoder) forward(ws *workspace, ids []int, dst []float32) {
	rows := len(ids)
	if rows == 0 || rows > useMaxTokens {
		panic("embed: forward: token count out of range")
	}

	toks := ws.ids[:rows]
	for i, id := range ids {
		if id < 0 || id >= e.vocab {
			id = unknownID
		}
		toks[i] = id
	}
	var x []float32
	if ws.tables {
		e.ensureTables()
		x = e.layer0(ws, toks)
	} else {
		x = e.layer0Direct(ws, toks)
	}
	pooled := ws.pooled
	e.layers[1].forward(ws, x, x, rows, pooled)

	// Tanh projection of the mean, L2 normalisation.
	out := ws.out
	copy(out, e.outBias)
	gemm(out, useDim, pooled, useDim, 1, e.outW, ws.pa, ws.threads)
	for c := range useDim {
		dst[c] = float32(math.Tanh(float64(out[c])))
	}
	Normalize(dst)
}

// layer0 runs layer 0 on the tokens ids (in range) from its tables and
// returns its output (in ws.x).
func (e *encoder) layer0(ws *workspace, ids []int) []float32 {
	l := &e.layers[0]
	rows := len(ids)

	// The projected residual and the q|k|v projection from the tables (see
	// encoder.posRes and encoder.posQKV); the layer norm's statistics come
	// from x0 = 2·E[id] + timing.
	x := ws.x[:rows*useDim]
	qkv := ws.qkv[:rows*3*useEmbedDim]
	var x0 [useEmbedDim]float32
	for i, id := range ids {
		emb := e.embed[id*useEmbedDim : (id+1)*useEmbedDim]
		tim := e.timing[i*useEmbedDim : (i+1)*useEmbedDim]
		for c := range x0 {
			x0[c] = 2*emb[c] + tim[c]
		}
		m, inv := lnStats(x0[:])
		res, tq := e.tokenRows(id)
		row := x[i*useDim : (i+1)*useDim]
		copy(row, e.posRes[i*useDim:(i+1)*useDim])
		addTo(row, res)
		qkvRow(qkv[i*3*useEmbedDim:(i+1)*3*useEmbedDim], tq, e.posQKV[i*3*useEmbedDim:], e.qkvU, e.qkvD, m, inv)
	}

	att := ws.att[:rows*l.att]
	l.attention(ws, qkv, att, rows)
	// z = x + att·Wo (the bias is in x).
	gemm(x, useDim, att, l.att, rows, l.out, ws.pa, ws.threads)

	// f = relu(LN(z)·W1 + b1) from att·(Wo·S) and the tables (see
	// encoder.ffnDS). Tokens without a row in the feed-forward table get
	// theirs in a product of a few rows on ffnDS (1.5 MB), bound by
	// memory: the product on Wo·S prefetches ffnDS into the L2 cache (see
	// gemmAhead), and the position rows the loop below reads.
	miss := e.ffnTableRows(ws, ids)
	var ds []float32
	if len(miss) > 0 {
		ds = e.ffnDS.data
	}
	f := ws.f[:rows*useFFNDim]
	clear(f)
	gemmAhead(f, useFFNDim, att, l.att, rows, e.ffnWoS, ws.pa, ws.threads, ds, e.ffnPos[:rows*useFFNDim])
	e.ffnMissRows(ws, ids, miss)
	for i := range rows {
		m, inv := lnStats(x[i*useDim : (i+1)*useDim])
		ffnRow(f[i*useFFNDim:(i+1)*useFFNDim], ws.ffnTok[i], e.ffnPos[i*useFFNDim:], e.ffnU, e.ffnD, m, inv)
	}
	addRows(x, l.ffn2b, rows)
	gemm(x, useDim, f, useFFNDim, rows, l.ffn2, ws.pa, ws.threads)
	return x
}

// layer0Direct runs layer 0 on the tokens ids (in range) without the
// tables, every product on the layer's weights, and returns its output (in
// ws.x). It matches layer0 within float32 rounding.
func (e *encoder) layer0Direct(ws *workspace, ids []int) []float32 {
	l := &e.layers[0]
	rows := len(ids)
	// x0 = 2·E[id] + timing (in ws.f, which l.forward uses only after its
	// first layer norm has read x0), and the projected residual
	// x0·dense + dense bias + output bias.
	x0 := ws.f[:rows*useEmbedDim]
	x := ws.x[:rows*useDim]
	for i, id := range ids {
		emb := e.embed[id*useEmbedDim : (id+1)*useEmbedDim]
		tim := e.timing[i*useEmbedDim : (i+1)*useEmbedDim]
		row := x0[i*useEmbedDim : (i+1)*useEmbedDim]
		for c := range row {
			row[c] = 2*emb[c] + tim[c]
		}
		out := x[i*useDim : (i+1)*useDim]
		copy(out, l.dBias)
		addTo(out, l.outBias)
	}
	gemm(x, useDim, x0, useEmbedDim, rows, *l.dense, ws.pa, ws.threads)
	l.forward(ws, x0, x, rows, nil)
	return x
}

// forward runs the layer on the residual stream in (rows × l.in) and writes
// the result to out (rows × useDim); in and out may be the same buffer when
// l.in == useDim. The encoder runs layer 0 (which projects its residual)
// with layer0 instead, from its tables; forward runs it the direct way
// (for tests) if out already holds the projected residual plus the dense
// and output biases (see encoder.posRes) and l.ffn1 is set.
//
// If mean is not nil, forward writes only the mean of the result rows to
// it (useDim values), and out is left holding intermediate values. The last
// product is linear, so it is applied to the mean of its input rather than
// to every row: mean(x + relu(·)·W2 + b2) = mean(x) + mean(relu(·))·W2 + b2,
// which saves a sixth of the network's arithmetic.
func (l *layer) forward(ws *workspace, in, out []float32, rows int, mean []float32) {
	h := ws.h[:rows*l.in]
	layerNorm(h, in, l.in, rows, l.lnScale, l.lnBias)
	qkv := ws.qkv[:rows*3*l.att]
	fillRows(qkv, l.qkvBias, rows)
	gemm(qkv, 3*l.att, h, l.in, rows, l.qkv, ws.pa, ws.threads)

	att := ws.att[:rows*l.att]
	l.attention(ws, qkv, att, rows)

	// out += att·Wo (+ bias, which layer 0's residual already holds).
	if l.dense == nil {
		addRows(out, l.outBias, rows)
	}
	gemm(out, useDim, att, l.att, rows, l.out, ws.pa, ws.threads)

	// Feed-forward: out += relu(LN(out)·W1 + b1)·W2 + b2.
	h = ws.h[:rows*useDim]
	layerNorm(h, out, useDim, rows, l.ffnLNs, l.ffnLNb)
	f := ws.f[:rows*useFFNDim]
	fillRows(f, l.ffn1b, rows)
	gemm(f, useFFNDim, h, useDim, rows, l.ffn1, ws.pa, ws.threads)
	relu(f)
	if mean == nil {
		addRows(out, l.ffn2b, rows)
		gemm(out, useDim, f, useFFNDim, rows, l.ffn2, ws.pa, ws.threads)
		return
	}
	fMean := ws.fMean
	meanRows(fMean, f, useFFNDim, rows)
	meanRows(mean, out, useDim, rows)
	for c, b := range l.ffn2b {
		mean[c] += b
	}
	gemm(mean, useDim, fMean, useFFNDim, 1, l.ffn2, ws.pa, ws.threads)
}

// meanRows writes the mean of the rows of m (width n) to dst.
func meanRows(dst, m []float32, n, rows int) {
	clear(dst[:n])
	for r := range rows {
		addTo(dst[:n], m[r*n:(r+1)*n])
	}
	inv := 1 / float32(rows)
	for c := range dst[:n] {
		dst[c] *= inv
	}
}

// attention computes multi-head self-attention over the rows tokens from
// the packed q|k|v rows and writes the concatenated heads to att. With
// enough work the heads run in parallel on up to ws.threads goroutines.
func (l *layer) attention(ws *workspace, qkv, att []float32, rows int) {
	dh := l.att / useHeads
	threads := ws.threads
	if 2*rows*rows*l.att < parallelMin {
		threads = 1
	}
	parallel(useHeads, threads, func(lo, hi int) {
		for hd := lo; hd < hi; hd++ {
			l.head(&ws.heads[hd], hd, qkv, att, rows, dh)
		}
	})
}

// head computes attention head hd into columns [hd·dh, (hd+1)·dh) of att.
func (l *layer) head(hs *headSpace, hd int, qkv, att []float32, rows, dh int) {
	keys := roundUp(rows, panelWidth)
	ld := 3 * l.att
	qOff, kOff, vOff := hd*dh, l.att+hd*dh, 2*l.att+hd*dh

	// Keys transposed into panels: kPack is a dh × keys packed matrix.
	kp := packed{k: dh, n: keys, data: hs.kPack[:dh*keys]}
	for j0 := 0; j0 < keys; j0 += panelWidth {
		panel := kp.data[j0*dh : (j0+panelWidth)*dh]
		jj0 := 0
		for ; jj0+8 <= panelWidth && j0+jj0+8 <= rows; jj0 += 8 {
			transpose8(panel[jj0:], panelWidth, qkv[(j0+jj0)*ld+kOff:], ld, dh)
		}
		for jj := jj0; jj < panelWidth; jj++ {
			j := j0 + jj
			if j >= rows {
				for c := range dh {
					panel[c*panelWidth+jj] = 0
				}
				continue
			}
			key := qkv[j*ld+kOff : j*ld+kOff+dh]
			for c, v := range key {
				panel[c*panelWidth+jj] = v
			}
		}
	}
	scores := hs.scores[:rows*keys]
	clear(scores)
	gemm(scores, keys, qkv[qOff:], ld, rows, kp, hs.pa, 1)
	for i := range rows {
		softmax(scores[i*keys:(i+1)*keys], rows, l.scale)
	}

	// Values in panels: vPack is a keys × dh packed matrix.
	vp := packed{k: keys, n: dh, data: hs.vPack[:keys*dh]}
	for c0 := 0; c0 < dh; c0 += panelWidth {
		panel := vp.data[c0*keys : (c0+panelWidth)*keys]
		for j := range keys {
			dstRow := panel[j*panelWidth : (j+1)*panelWidth]
			if j >= rows {
				clear(dstRow)
				continue
			}
			copy(dstRow, qkv[j*ld+vOff+c0:])
		}
	}
	for i := range rows {
		clear(att[i*l.att+hd*dh : i*l.att+(hd+1)*dh])
	}
	gemm(att[hd*dh:], l.att, scores, keys, rows, vp, hs.pa, 1)
}

// softmax replaces row[:t]·scale by its softmax and zeroes row[t:].
func softmax(row []float32, t int, scale float32) {
	live := row[:t]
	m := maxOf(live)
	inv := 1 / kernel.exp(live, scale, -m*scale)
	scaleBy(live, inv)
	clear(row[t:])
}

// maxOfGeneric returns the largest of m and the values of x.
func maxOfGeneric(x []float32, m float32) float32 {
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	return m
}

// scaleGeneric multiplies x by s.
func scaleGeneric(x []float32, s float32) {
	for i := range x {
		x[i] *= s
	}
}

// expAffine sets x[i] = e^(x[i]·scale + bias), for arguments ≤ 0, and
// returns the sum of the results.
func expAffine(x []float32, scale, bias float32) float32 {
	var sum float32
	for i, v := range x {
		e := expNeg(v*scale + bias)
		x[i] = e
		sum += e
	}
	return sum
}

// expNeg returns e^x for x ≤ 0 in float32 with a relative error below
// 3e-7 (a few ulps): x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-6 polynomial and
// 2^n put into the exponent bits. For x < -87 (e^x within a whisker of
// float32's smallest normal) it returns 0.
func expNeg(x float32) float32 {
	const (
		log2e = 1.44269504088896341
		ln2Hi = 0.693359375
		ln2Lo = -2.12194440e-4
	)
	if x < -87 {
		return 0
	}
	n := float32(int32(x*log2e - 0.5)) // round to nearest for x ≤ 0
	r := x - n*ln2Hi - n*ln2Lo
	p := float32(1.0 / 720)
	p = p*r + 1.0/120
	p = p*r + 1.0/24
	p = p*r + 1.0/6
	p = p*r + 0.5
	p = p*r + 1
	p = p*r + 1
	return p * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// layerNorm writes the layer norm of each of the rows of src (width n) to
// dst: (x-mean)/sqrt(var+ε)·scale + bias.
func layerNorm(dst, src []float32, n, rows int, scale, bias []float32) {
	if n%4 != 0 {
		panic("embed: layerNorm: width not a multiple of 4")
	}
	scale, bias = scale[:n], bias[:n]
	for r := range rows {
		layerNormRow(dst[r*n:(r+1)*n], src[r*n:(r+1)*n], scale, bias)
	}
}

// layerNormRowGeneric writes the layer norm of x (a multiple of 4 values)
// to y: (x-mean)/sqrt(var+ε)·scale + bias.
func layerNormRowGeneric(y, x, scale, bias []float32) {
	n := len(x)
	y, scale, bias = y[:n], scale[:n], bias[:n]
	m, inv := lnStatsGeneric(x)
	for c, v := range x {
		y[c] = (v-m)*inv*scale[c] + bias[c]
	}
}

// lnStatsGeneric returns the float32 mean and 1/sqrt(var+ε) of x (a
// multiple of 4 values): mean and variance in float64, four independent
// sums each so the additions overlap.
func lnStatsGeneric(x []float32) (m, inv float32) {
	var s0, s1, s2, s3 float64
	for i := 0; i+3 < len(x); i += 4 {
		s0 += float64(x[i])
		s1 += float64(x[i+1])
		s2 += float64(x[i+2])
		s3 += float64(x[i+3])
	}
	mean := (s0 + s1 + s2 + s3) / float64(len(x))
	s0, s1, s2, s3 = 0, 0, 0, 0
	for i := 0; i+3 < len(x); i += 4 {
		d0, d1 := float64(x[i])-mean, float64(x[i+1])-mean
		d2, d3 := float64(x[i+2])-mean, float64(x[i+3])-mean
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	return lnFactors(mean, s0+s1+s2+s3, len(x))
}

// qkvRowGeneric sets dst[i] = (tok[i] + pos[i] - m·u[i])·inv + d[i]: one
// row of layer 0's q|k|v projection from its tables (see encoder.posQKV).
func qkvRowGeneric(dst, tok, pos, u, d []float32, m, inv float32) {
	n := len(dst)
	tok, pos, u, d = tok[:n], pos[:n], u[:n], d[:n]
	for i := range dst {
		dst[i] = (tok[i]+pos[i]-m*u[i])*inv + d[i]
	}
}

// transpose8Generic sets dst[c·ldd+r] = src[r·lds+c] for r < 8 and c < n:
// 8 rows of src become 8 columns of dst.
func transpose8Generic(dst []float32, ldd int, src []float32, lds, n int) {
	for r := range 8 {
		for c, v := range src[r*lds : r*lds+n] {
			dst[c*ldd+r] = v
		}
	}
}

// ffnRowGeneric sets dst[i] = max(0, (dst[i] + tok[i] + pos[i] -
// m·u[i])·inv + d[i]): one row of layer 0's first feed-forward product,
// after ReLU, from att·(Wo·S) in dst and the tables (see encoder.ffnDS).
func ffnRowGeneric(dst, tok, pos, u, d []float32, m, inv float32) {
	n := len(dst)
	tok, pos, u, d = tok[:n], pos[:n], u[:n], d[:n]
	for i := range dst {
		dst[i] = max(0, (dst[i]+tok[i]+pos[i]-m*u[i])*inv+d[i])
	}
}

// lnFactors returns the float32 mean and 1/sqrt(var+ε) of a row of n
// values with the given mean and sum of squared deviations.
func lnFactors(mean, sq float64, n int) (m, inv float32) {
	return float32(mean), float32(1 / math.Sqrt(sq/float64(n)+lnEpsilon))
}

// fillRows sets every row of m (width len(v)) to v.
func fillRows(m, v []float32, rows int) {
	n := len(v)
	for r := range rows {
		copy(m[r*n:(r+1)*n], v)
	}
}

// addRows adds v to every row of m (width len(v)).
func addRows(m, v []float32, rows int) {
	n := len(v)
	for r := range rows {
		addTo(m[r*n:(r+1)*n], v)
	}
}

// addToGeneric adds src to dst element-wise; src is at least as long as
// dst.
func addToGeneric(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}

// reluGeneric clamps negative values to zero. It clears the value's bits when its
// sign bit is set, without a branch (a branch on the sign mispredicts
// about half the time, and max handles NaN and signed zeros at a cost).
func reluGeneric(m []float32) {
	for i, v := range m {
		b := math.Float32bits(v)
		m[i] = math.Float32frombits(b &^ uint32(int32(b)>>31))
	}
}

// roundUp rounds n up to a multiple of m.
func roundUp(n, m int) int { return (n + m - 1) / m * m }
