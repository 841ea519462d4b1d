//go:build !amd64 || purego

package rag

// dot is the dot product of two equal-length vectors.
func dot(a, b []float32) float32 { return dotGeneric(a, b) }
