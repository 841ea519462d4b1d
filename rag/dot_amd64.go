//go:build amd64 && !purego

package rag

import "golang.org/x/sys/cpu"

// hasFMA reports whether dotAVX2 can run here.
var hasFMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// dotAVX2 is the dot product of the n float32 values at a and b, with
// AVX2 fused multiply-adds (dot_amd64.s).
//
//go:noescape
func dotAVX2(a, b *float32, n int) float32

// dot is the dot product of two equal-length vectors.
func dot(a, b []float32) float32 {
	if !hasFMA || len(a) == 0 {
		return dotGeneric(a, b)
	}
	b = b[:len(a)]
	return dotAVX2(&a[0], &b[0], len(a))
}
