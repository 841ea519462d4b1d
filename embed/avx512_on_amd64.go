//go:build amd64 && !purego && !noavx512

package embed

// avx512Allowed lets the AVX-512 kernel run where the CPU has it.
const avx512Allowed = true
