//go:build arm64 && !purego

#include "textflag.h"

// Go's arm64 assembler lacks the float vector arithmetic these need, so
// the macros encode it (4 × float32, Vd = Vn op Vm).
#define FADDV(d, n, m) WORD $(0x4E20D400 | ((m)<<16) | ((n)<<5) | (d))
#define FSUBV(d, n, m) WORD $(0x4EA0D400 | ((m)<<16) | ((n)<<5) | (d))
#define FMULV(d, n, m) WORD $(0x6E20DC00 | ((m)<<16) | ((n)<<5) | (d))
#define FMAXV(d, n, m) WORD $(0x4E20F400 | ((m)<<16) | ((n)<<5) | (d))

// FMAXR(d, n): Sd = the largest of the four lanes of Vn (FMAXV).
#define FMAXR(d, n) WORD $(0x6E30F800 | ((n)<<5) | (d))

// FMLAE(d, n, m, i): Vd += Vn × Vm.S[i]; FMULE(d, n, m, i): Vd = Vn × Vm.S[i].
#define FMLAE(d, n, m, i) WORD $(0x4F801000 | (((i)&1)<<21) | ((m)<<16) | (((i)>>1)<<11) | ((n)<<5) | (d))
#define FMULE(d, n, m, i) WORD $(0x4F809000 | (((i)&1)<<21) | ((m)<<16) | (((i)>>1)<<11) | ((n)<<5) | (d))

// func reluNEON(x *float32, n int)
//
// n is a positive multiple of 16. max(x, +0) also turns -0 into +0, as
// reluGeneric does.
TEXT ·reluNEON(SB), NOSPLIT, $0-16
	MOVD x+0(FP), R0
	MOVD n+8(FP), R1
	VEOR V31.B16, V31.B16, V31.B16

reluloop:
	VLD1 (R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	FMAXV(0, 0, 31)
	FMAXV(1, 1, 31)
	FMAXV(2, 2, 31)
	FMAXV(3, 3, 31)
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUBS $16, R1, R1
	BNE  reluloop
	RET

// func addToNEON(dst, src *float32, n int)
//
// n is a positive multiple of 16.
TEXT ·addToNEON(SB), NOSPLIT, $0-24
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD n+16(FP), R2

addloop:
	VLD1   (R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R1), [V4.S4, V5.S4, V6.S4, V7.S4]
	FADDV(0, 0, 4)
	FADDV(1, 1, 5)
	FADDV(2, 2, 6)
	FADDV(3, 3, 7)
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUBS $16, R2, R2
	BNE  addloop
	RET

// func maxNEON(x *float32, n int) float32
//
// n is a positive multiple of 8.
TEXT ·maxNEON(SB), NOSPLIT, $0-20
	MOVD   x+0(FP), R0
	MOVD   n+8(FP), R1
	VLD1.P 32(R0), [V0.S4, V1.S4]
	SUBS   $8, R1, R1
	BEQ    maxdone

maxloop:
	VLD1.P 32(R0), [V2.S4, V3.S4]
	FMAXV(0, 0, 2)
	FMAXV(1, 1, 3)
	SUBS $8, R1, R1
	BNE  maxloop

maxdone:
	FMAXV(0, 0, 1)
	FMAXR(0, 0)
	FMOVS F0, ret+16(FP)
	RET

// func scaleNEON(x *float32, n int, s float32)
//
// n is a positive multiple of 8.
TEXT ·scaleNEON(SB), NOSPLIT, $0-20
	MOVD  x+0(FP), R0
	MOVD  n+8(FP), R1
	FMOVS s+16(FP), F31

scaleloop:
	VLD1 (R0), [V0.S4, V1.S4]
	FMULE(0, 0, 31, 0)
	FMULE(1, 1, 31, 0)
	VST1.P [V0.S4, V1.S4], 32(R0)
	SUBS $8, R1, R1
	BNE  scaleloop
	RET

// ROWPART computes V0, V1 = (V0 + tok + pos - m·u)·inv + d for the next 8
// values (tok, pos, u, d at R1..R4, advanced; m in V30.S[0], inv in
// V31.S[0]), the common part of qkvRowNEON and ffnRowNEON.
#define ROWPART \
	VLD1.P 32(R1), [V2.S4, V3.S4]; \
	VLD1.P 32(R2), [V4.S4, V5.S4]; \
	VLD1.P 32(R3), [V6.S4, V7.S4]; \
	VLD1.P 32(R4), [V16.S4, V17.S4]; \
	FADDV(0, 0, 2); \
	FADDV(1, 1, 3); \
	FADDV(0, 0, 4); \
	FADDV(1, 1, 5); \
	FMULE(6, 6, 30, 0); \
	FMULE(7, 7, 30, 0); \
	FSUBV(0, 0, 6); \
	FSUBV(1, 1, 7); \
	FMLAE(16, 0, 31, 0); \
	FMLAE(17, 1, 31, 0)

// func qkvRowNEON(dst, tok, pos, u, d *float32, n int, m, inv float32)
//
// n is a positive multiple of 8.
TEXT ·qkvRowNEON(SB), NOSPLIT, $0-56
	MOVD  dst+0(FP), R0
	MOVD  tok+8(FP), R1
	MOVD  pos+16(FP), R2
	MOVD  u+24(FP), R3
	MOVD  d+32(FP), R4
	MOVD  n+40(FP), R5
	FMOVS m+48(FP), F30
	FMOVS inv+52(FP), F31

qkvloop:
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	ROWPART
	VST1.P [V16.S4, V17.S4], 32(R0)
	SUBS $8, R5, R5
	BNE  qkvloop
	RET

// func ffnRowNEON(dst, tok, pos, u, d *float32, n int, m, inv float32)
//
// n is a positive multiple of 8.
TEXT ·ffnRowNEON(SB), NOSPLIT, $0-56
	MOVD  dst+0(FP), R0
	MOVD  tok+8(FP), R1
	MOVD  pos+16(FP), R2
	MOVD  u+24(FP), R3
	MOVD  d+32(FP), R4
	MOVD  n+40(FP), R5
	FMOVS m+48(FP), F30
	FMOVS inv+52(FP), F31
	VEOR  V29.B16, V29.B16, V29.B16

ffnloop:
	VLD1 (R0), [V0.S4, V1.S4]
	ROWPART
	FMAXV(16, 16, 29)
	FMAXV(17, 17, 29)
	VST1.P [V16.S4, V17.S4], 32(R0)
	SUBS $8, R5, R5
	BNE  ffnloop
	RET

// func lnApplyNEON(y, x, scale, bias *float32, n int, m, inv float32)
//
// y[i] = (x[i]-m)·inv·scale[i] + bias[i]; n is a positive multiple of 8.
TEXT ·lnApplyNEON(SB), NOSPLIT, $0-48
	MOVD  y+0(FP), R0
	MOVD  x+8(FP), R1
	MOVD  scale+16(FP), R2
	MOVD  bias+24(FP), R3
	MOVD  n+32(FP), R4
	FMOVS m+40(FP), F30
	FMOVS inv+44(FP), F31
	VDUP  V30.S[0], V30.S4

lnloop:
	VLD1.P 32(R1), [V0.S4, V1.S4]
	VLD1.P 32(R2), [V2.S4, V3.S4]
	VLD1.P 32(R3), [V4.S4, V5.S4]
	FSUBV(0, 0, 30)
	FSUBV(1, 1, 30)
	FMULE(0, 0, 31, 0)
	FMULE(1, 1, 31, 0)
	VFMLA V2.S4, V0.S4, V4.S4
	VFMLA V3.S4, V1.S4, V5.S4
	VST1.P [V4.S4, V5.S4], 32(R0)
	SUBS $8, R4, R4
	BNE  lnloop
	RET
