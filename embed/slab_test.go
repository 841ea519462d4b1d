package embed

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

// TestMoveToSlab checks that arrays moved into a slab keep their values,
// start at multiples of slabAlign floats from a huge-page boundary and do
// not overlap.
func TestMoveToSlab(t *testing.T) {
	a := []float32{1, 2, 3}
	b := make([]float32, slabAlign+5)
	for i := range b {
		b[i] = float32(i)
	}
	c := []float32{}
	d := []float32{-1}
	slab := newSlab(slabSize(len(a), len(b), len(c), len(d)))
	if p := uintptr(unsafe.Pointer(&slab[0])); p%hugePage != 0 {
		t.Errorf("slab starts at %#x, not on a %d-byte boundary", p, hugePage)
	}
	rest := moveToSlab(slab, &a, &b, &c, &d)
	if len(rest) != 0 {
		t.Errorf("%d floats of the slab left, want 0", len(rest))
	}
	want := map[string][]float32{"a": {1, 2, 3}, "d": {-1}}
	if fmt.Sprint(a) != fmt.Sprint(want["a"]) || fmt.Sprint(d) != fmt.Sprint(want["d"]) || len(c) != 0 {
		t.Errorf("moved a, c, d = %v, %v, %v", a, c, d)
	}
	for i, v := range b {
		if v != float32(i) {
			t.Fatalf("moved b[%d] = %v, want %d", i, v, i)
		}
	}
	base := uintptr(unsafe.Pointer(&slab[0]))
	offs := []int{0, slabAlign, 3 * slabAlign}
	for i, x := range [][]float32{a, b, d} {
		if got := int(uintptr(unsafe.Pointer(&x[0]))-base) / 4; got != offs[i] {
			t.Errorf("array %d at float %d of the slab, want %d", i, got, offs[i])
		}
	}
	// Writing a moved array must not change the others.
	a[2] = 7
	if b[0] != 0 || d[0] != -1 {
		t.Errorf("arrays overlap: b[0] = %v, d[0] = %v", b[0], d[0])
	}
}

// TestSlabHugePages checks, on Linux with transparent huge pages not turned
// off, that a slab's memory ends up in huge pages.
func TestSlabHugePages(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("huge pages are asked for on Linux only")
	}
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || strings.Contains(string(mode), "[never]") {
		t.Skipf("transparent huge pages unavailable (%q, %v)", mode, err)
	}
	const n = 3 * hugeFloats
	slab := newSlab(n)
	for i := range slab {
		slab[i] = float32(i)
	}
	collapseSlab(slab)
	kb, advised := hugeMapping(t, uintptr(unsafe.Pointer(&slab[0])))
	t.Logf("%d kB of the slab's mapping in huge pages, advised %v", kb, advised)
	if kb < hugePage/1024 || !advised {
		t.Errorf("the slab's mapping has %d kB in huge pages (want at least %d), advised %v (want true)", kb, hugePage/1024, advised)
	}
	for i, v := range slab {
		if v != float32(i) {
			t.Fatalf("slab[%d] = %v after collapsing, want %d", i, v, i)
		}
	}
}

// hugeMapping returns, for the mapping holding addr (from
// /proc/self/smaps), its AnonHugePages figure and whether it was advised to
// use huge pages (the "hg" flag).
func hugeMapping(t *testing.T, addr uintptr) (kb int, advised bool) {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no smaps: %v", err)
	}
	defer f.Close()
	in, found := false, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x", &lo, &hi); n == 2 && strings.Contains(line, " ") {
			in = lo <= addr && addr < hi
			found = found || in
			continue
		}
		switch {
		case in && strings.HasPrefix(line, "AnonHugePages:"):
			if _, err := fmt.Sscanf(line, "AnonHugePages: %d kB", &kb); err != nil {
				t.Fatalf("parse %q: %v", line, err)
			}
		case in && strings.HasPrefix(line, "VmFlags:"):
			advised = slices.Contains(strings.Fields(line)[1:], "hg")
		}
	}
	if !found {
		t.Fatalf("no mapping holds %#x", addr)
	}
	return kb, advised
}

// TestEncoderHugePages checks that the model's weights and layer 0's
// tables sit in huge pages (see newSlab) where the machine gives them.
func TestEncoderHugePages(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("huge pages are asked for on Linux only")
	}
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || strings.Contains(string(mode), "[never]") {
		t.Skipf("transparent huge pages unavailable (%q, %v)", mode, err)
	}
	m := testModel(t)
	for name, x := range map[string][]float32{
		"layer 1 ffn1": m.enc.layers[1].ffn1.data, "embeddings": m.enc.embed, "ffnWoS": m.enc.ffnWoS.data,
	} {
		if kb, advised := hugeMapping(t, uintptr(unsafe.Pointer(&x[0]))); kb == 0 || !advised {
			t.Errorf("%s: its mapping has %d kB in huge pages, advised %v; want some, advised", name, kb, advised)
		}
	}
}
