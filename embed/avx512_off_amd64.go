//go:build amd64 && !purego && noavx512

package embed

// avx512Allowed keeps the AVX-512 kernel off (the noavx512 build tag), so
// the AVX2 kernel runs even on a CPU with AVX-512.
const avx512Allowed = false
