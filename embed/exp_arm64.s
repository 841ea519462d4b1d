//go:build arm64 && !purego

#include "textflag.h"

// Float vector arithmetic Go's arm64 assembler lacks (4 × float32).
#define FADDV(d, n, m) WORD $(0x4E20D400 | ((m)<<16) | ((n)<<5) | (d))
#define FMULV(d, n, m) WORD $(0x6E20DC00 | ((m)<<16) | ((n)<<5) | (d))
#define FMAXV(d, n, m) WORD $(0x4E20F400 | ((m)<<16) | ((n)<<5) | (d))
#define FADDP(d, n, m) WORD $(0x6E20D400 | ((m)<<16) | ((n)<<5) | (d))
// FRINTN(d, n): round to nearest, ties to even; FCVTZS(d, n): to int32.
#define FRINTN(d, n) WORD $(0x4E218800 | ((n)<<5) | (d))
#define FCVTZS(d, n) WORD $(0x4EA1B800 | ((n)<<5) | (d))

// BCAST32(imm, reg) sets the four lanes of reg to the float32 with bits imm.
#define BCAST32(imm, reg) \
	MOVW imm, R3; \
	VDUP R3, reg.S4

// HORNER(c, from, to): to = c + from·r (r in V13).
#define HORNER(c, from, to) \
	VMOV  c.B16, to.B16; \
	VFMLA from.S4, V13.S4, to.S4

// func expAffineNEON(x *float32, n int, scale, bias float32) float32
//
// x[i] = e^(x[i]·scale + bias) for i < n (a positive multiple of 4), the
// argument clamped below at -87; returns the sum of the results. The
// method is expNeg's (and expAffineAVX2's): x = n·ln2 + r, e^r by a
// degree-6 polynomial, 2^n put into the exponent bits (added to the bits
// of 1.0, which are 127<<23).
TEXT ·expAffineNEON(SB), NOSPLIT, $0-28
	MOVD  x+0(FP), R0
	MOVD  n+8(FP), R1
	FMOVS scale+16(FP), F0
	FMOVS bias+20(FP), F1
	VDUP  V0.S[0], V0.S4
	VDUP  V1.S[0], V1.S4
	BCAST32($0x3fb8aa3b, V2)  // log2(e)
	BCAST32($0x3f318000, V3)  // ln2, high part
	BCAST32($0xb95e8083, V4)  // ln2, low part
	BCAST32($0x3ab60b61, V5)  // 1/720
	BCAST32($0x3c088889, V6)  // 1/120
	BCAST32($0x3d2aaaab, V7)  // 1/24
	BCAST32($0x3e2aaaab, V8)  // 1/6
	BCAST32($0x3f000000, V9)  // 1/2
	BCAST32($0x3f800000, V10) // 1
	BCAST32($0xc2ae0000, V11) // -87
	VEOR  V12.B16, V12.B16, V12.B16

exploop:
	VLD1  (R0), [V13.S4]
	VMOV  V1.B16, V14.B16
	VFMLA V0.S4, V13.S4, V14.S4 // t = x·scale + bias
	FMAXV(13, 14, 11)
	FMULV(14, 13, 2)
	FRINTN(14, 14)              // n = round(t·log2(e))
	VFMLS V3.S4, V14.S4, V13.S4
	VFMLS V4.S4, V14.S4, V13.S4 // r = t - n·ln2
	HORNER(V6, V5, V15)
	HORNER(V7, V15, V16)
	HORNER(V8, V16, V15)
	HORNER(V9, V15, V16)
	HORNER(V10, V16, V15)
	HORNER(V10, V15, V16)       // p = e^r
	FCVTZS(14, 14)
	VSHL  $23, V14.S4, V14.S4
	VADD  V10.S4, V14.S4, V14.S4 // 2^n
	FMULV(16, 16, 14)
	VST1.P [V16.S4], 16(R0)
	FADDV(12, 12, 16)
	SUBS  $4, R1, R1
	BNE   exploop

	FADDP(12, 12, 12)
	FADDP(12, 12, 12)
	FMOVS F12, ret+24(FP)
	RET
