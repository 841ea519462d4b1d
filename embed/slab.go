package embed

import "unsafe"

// The encoder's weights and tables (~25 MB) sit in slabs backed by huge
// pages where the OS gives them (see newSlab). A forward pass reads ~19 MB
// of them, much of it from memory (the caches do not keep it from one pass
// to the next on a machine shared with other work); in 4 KB pages that is
// some 5,000 pages, more than the TLB holds, and under a hypervisor each
// TLB miss walks two sets of page tables. With 2 MB pages a one-row
// product on weights out of the caches took a third less time.

const (
	hugePage   = 2 << 20 // bytes in a huge page (x86-64; arm64 with 4 KB pages)
	slabAlign  = 1024    // floats (4 KB): where each array in a slab starts
	hugeFloats = hugePage / 4
)

// useHugePages turns the slabs' huge pages on or off (for tests).
var useHugePages = true

// newSlab returns a zeroed slice of n floats that starts on a huge-page
// boundary, whose huge pages were asked for (see adviseHuge): the whole
// ones up to its capacity, which reaches as far into the next huge page
// as the allocation allows. It allocates one huge page more than n
// floats, for the alignment; that part is never written.
func newSlab(n int) []float32 {
	if !useHugePages {
		return make([]float32, n)
	}
	buf, off := hugeAlloc(n)
	s := buf[off:]
	return s[:n:max(n, min(roundUp(n, hugeFloats), len(s))/hugeFloats*hugeFloats)]
}

// hugeAlloc allocates n + hugeFloats floats, asks for huge pages for the
// whole ones in it (see adviseHuge) and returns them with the offset of
// the first huge-page boundary.
func hugeAlloc(n int) (buf []float32, off int) {
	buf = make([]float32, n+hugeFloats)
	if r := uintptr(unsafe.Pointer(&buf[0])) % hugePage; r != 0 {
		off = int(hugePage-r) / 4
	}
	whole := (len(buf) - off) / hugeFloats * hugeFloats
	adviseHuge(floatBytes(buf[off : off+whole]))
	return buf, off
}

// collapseSlab asks for the pages of a slab from newSlab that are in 4 KB
// pages to be moved into huge pages (see collapseHuge): the ones written
// before adviseHuge took effect (memory the Go runtime had zeroed).
func collapseSlab(s []float32) {
	if !useHugePages || len(s) == 0 {
		return
	}
	collapseHuge(floatBytes(s[:cap(s)/hugeFloats*hugeFloats]))
}

// floatBytes returns the bytes of s.
func floatBytes(s []float32) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), 4*len(s))
}

// slabSize returns the floats a slab needs to hold arrays of the given
// lengths, each starting at a multiple of slabAlign.
func slabSize(lens ...int) int {
	n := 0
	for _, l := range lens {
		n += roundUp(l, slabAlign)
	}
	return n
}

// moveToSlab copies each of xs into the next part of slab (at multiples of
// slabAlign floats), points it there and returns the rest of the slab.
func moveToSlab(slab []float32, xs ...*[]float32) []float32 {
	for _, x := range xs {
		n := len(*x)
		copy(slab[:n], *x)
		*x = slab[:n:n]
		slab = slab[min(roundUp(n, slabAlign), len(slab)):]
	}
	return slab
}
