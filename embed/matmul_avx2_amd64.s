//go:build amd64 && !purego

#include "textflag.h"

// The AVX2/FMA micro-kernels. Each computes 16 columns of a 32-wide panel
// (gemm calls it twice per panel) for 6 or 4 rows, keeping the block in
// Y0..Y11 (two 8-wide registers per row). A k step loads 16 values of one
// panel row (Y12, Y13), broadcasts each row's a value (Y14, Y15 in turn)
// and issues two fused multiply-adds per row; the loops do two k steps per
// iteration.
//
// Prefetching: the pf argument (see each kernel) asks the first half of a
// panel (columns 0-15) to prefetch both 64-byte lines of the panel rows
// PFD bytes (16 k steps) ahead into the L1 cache, and the second half to
// prefetch nothing: it follows over the same chunk, which the first half
// has brought into the L2 cache. A k step of one half thus issues two
// prefetches or none, where it used to issue four (two of them repeats),
// on a core whose loads (eight per k step: two panel loads and six
// broadcasts) are near their limit of two vector loads per cycle. Each
// kernel also prefetches its rows of c when it starts, so the sums are in
// the L1 cache when it adds them at the end.
#define PFD 2048

// STEP6P is one k step of the packed 6-row kernel: the six a values at
// aoff(SI), the panel row at boff(DX).
#define STEP6P(aoff, boff) \
	VMOVUPS      boff(DX), Y12; \
	VMOVUPS      32+boff(DX), Y13; \
	VBROADCASTSS 0+aoff(SI), Y14; \
	VFMADD231PS  Y12, Y14, Y0; \
	VFMADD231PS  Y13, Y14, Y1; \
	VBROADCASTSS 4+aoff(SI), Y15; \
	VFMADD231PS  Y12, Y15, Y2; \
	VFMADD231PS  Y13, Y15, Y3; \
	VBROADCASTSS 8+aoff(SI), Y14; \
	VFMADD231PS  Y12, Y14, Y4; \
	VFMADD231PS  Y13, Y14, Y5; \
	VBROADCASTSS 12+aoff(SI), Y15; \
	VFMADD231PS  Y12, Y15, Y6; \
	VFMADD231PS  Y13, Y15, Y7; \
	VBROADCASTSS 16+aoff(SI), Y14; \
	VFMADD231PS  Y12, Y14, Y8; \
	VFMADD231PS  Y13, Y14, Y9; \
	VBROADCASTSS 20+aoff(SI), Y15; \
	VFMADD231PS  Y12, Y15, Y10; \
	VFMADD231PS  Y13, Y15, Y11

// STEP4P is one k step of the packed 4-row kernel.
#define STEP4P(aoff, boff) \
	VMOVUPS      boff(DX), Y12; \
	VMOVUPS      32+boff(DX), Y13; \
	VBROADCASTSS 0+aoff(SI), Y14; \
	VFMADD231PS  Y12, Y14, Y0; \
	VFMADD231PS  Y13, Y14, Y1; \
	VBROADCASTSS 4+aoff(SI), Y15; \
	VFMADD231PS  Y12, Y15, Y2; \
	VFMADD231PS  Y13, Y15, Y3; \
	VBROADCASTSS 8+aoff(SI), Y14; \
	VFMADD231PS  Y12, Y14, Y4; \
	VFMADD231PS  Y13, Y14, Y5; \
	VBROADCASTSS 12+aoff(SI), Y15; \
	VFMADD231PS  Y12, Y15, Y6; \
	VFMADD231PS  Y13, Y15, Y7

// STEP6D is one k step of the direct 6-row kernel: rows 0-2 of a at
// aoff(SI) plus 0, 1 or 2 strides (R13), rows 3-5 the same from R9.
#define STEP6D(aoff, boff) \
	VMOVUPS      boff(DX), Y12; \
	VMOVUPS      32+boff(DX), Y13; \
	VBROADCASTSS aoff(SI), Y14; \
	VFMADD231PS  Y12, Y14, Y0; \
	VFMADD231PS  Y13, Y14, Y1; \
	VBROADCASTSS aoff(SI)(R13*1), Y15; \
	VFMADD231PS  Y12, Y15, Y2; \
	VFMADD231PS  Y13, Y15, Y3; \
	VBROADCASTSS aoff(SI)(R13*2), Y14; \
	VFMADD231PS  Y12, Y14, Y4; \
	VFMADD231PS  Y13, Y14, Y5; \
	VBROADCASTSS aoff(R9), Y15; \
	VFMADD231PS  Y12, Y15, Y6; \
	VFMADD231PS  Y13, Y15, Y7; \
	VBROADCASTSS aoff(R9)(R13*1), Y14; \
	VFMADD231PS  Y12, Y14, Y8; \
	VFMADD231PS  Y13, Y14, Y9; \
	VBROADCASTSS aoff(R9)(R13*2), Y15; \
	VFMADD231PS  Y12, Y15, Y10; \
	VFMADD231PS  Y13, Y15, Y11

// NEAR prefetches both lines of the next two panel rows PFD bytes ahead
// into the L1 cache.
#define NEAR \
	PREFETCHT0 PFD(DX); \
	PREFETCHT0 PFD+64(DX); \
	PREFETCHT0 PFD+128(DX); \
	PREFETCHT0 PFD+192(DX)

// FAR prefetches both lines of the next two panel rows R10 bytes ahead
// into the L2 cache.
#define FAR \
	PREFETCHT1 (DX)(R10*1); \
	PREFETCHT1 64(DX)(R10*1); \
	PREFETCHT1 128(DX)(R10*1); \
	PREFETCHT1 192(DX)(R10*1)

// PFC4 prefetches the first line of 4 rows of c (DI, row stride R8 bytes),
// using AX.
#define PFC4 \
	MOVQ       DI, AX; \
	PREFETCHT0 (AX); \
	ADDQ       R8, AX; \
	PREFETCHT0 (AX); \
	ADDQ       R8, AX; \
	PREFETCHT0 (AX); \
	ADDQ       R8, AX; \
	PREFETCHT0 (AX)

// PFC6 is PFC4 for 6 rows.
#define PFC6 \
	PFC4; \
	ADDQ       R8, AX; \
	PREFETCHT0 (AX); \
	ADDQ       R8, AX; \
	PREFETCHT0 (AX)

// ADDROW adds the 16 sums in lo and hi to the c row at DI.
#define ADDROW(lo, hi) \
	VADDPS  (DI), lo, lo; \
	VADDPS  32(DI), hi, hi; \
	VMOVUPS lo, (DI); \
	VMOVUPS hi, 32(DI)

// STORE4 adds the sums Y0-Y7 to 4 rows of c (DI, row stride R8 bytes).
#define STORE4 \
	ADDROW(Y0, Y1); \
	ADDQ R8, DI; \
	ADDROW(Y2, Y3); \
	ADDQ R8, DI; \
	ADDROW(Y4, Y5); \
	ADDQ R8, DI; \
	ADDROW(Y6, Y7)

// STORE6 is STORE4 for 6 rows, Y0-Y11.
#define STORE6 \
	STORE4; \
	ADDQ R8, DI; \
	ADDROW(Y8, Y9); \
	ADDQ R8, DI; \
	ADDROW(Y10, Y11)

// func kernel6x16AVX2(c *float32, ldc int, pa *float32, panel *float32, k, pf int)
//
// kernel6x16AVX2 adds the product of a packed 6 × k row block (6 a values
// per k step, 24 bytes) and 16 columns of a k × 32 panel (a row every 128
// bytes) to 6 × 16 values of c (row stride ldc floats). pf ≥ 0 prefetches
// the panel (NEAR), pf < 0 does not. k must be positive.
TEXT ·kernel6x16AVX2(SB), NOSPLIT, $0-48
	MOVQ c+0(FP), DI
	MOVQ ldc+8(FP), R8
	MOVQ pa+16(FP), SI
	MOVQ panel+24(FP), DX
	MOVQ k+32(FP), CX
	MOVQ pf+40(FP), R10
	SHLQ $2, R8
	PFC6
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	MOVQ CX, BX
	SHRQ $1, BX
	JZ   kernel6x16avx2_tail
	CMPQ R10, $0
	JLT  kernel6x16avx2_none

kernel6x16avx2_near:
	NEAR
	STEP6P(0, 0)
	STEP6P(24, 128)
	ADDQ $48, SI
	ADDQ $256, DX
	DECQ BX
	JNZ  kernel6x16avx2_near
	JMP  kernel6x16avx2_tail

kernel6x16avx2_none:
	STEP6P(0, 0)
	STEP6P(24, 128)
	ADDQ $48, SI
	ADDQ $256, DX
	DECQ BX
	JNZ  kernel6x16avx2_none

kernel6x16avx2_tail:
	ANDQ $1, CX
	JZ   kernel6x16avx2_store
	STEP6P(0, 0)

kernel6x16avx2_store:
	STORE6
	VZEROUPPER
	RET

// func kernel4x16AVX2(c *float32, ldc int, pa *float32, panel *float32, k, pf int)
//
// kernel4x16AVX2 is kernel6x16AVX2 for a packed 4 × k row block (16 bytes
// per k step).
TEXT ·kernel4x16AVX2(SB), NOSPLIT, $0-48
	MOVQ c+0(FP), DI
	MOVQ ldc+8(FP), R8
	MOVQ pa+16(FP), SI
	MOVQ panel+24(FP), DX
	MOVQ k+32(FP), CX
	MOVQ pf+40(FP), R10
	SHLQ $2, R8
	PFC4
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	MOVQ CX, BX
	SHRQ $1, BX
	JZ   kernel4x16avx2_tail
	CMPQ R10, $0
	JLT  kernel4x16avx2_none

kernel4x16avx2_near:
	NEAR
	STEP4P(0, 0)
	STEP4P(16, 128)
	ADDQ $32, SI
	ADDQ $256, DX
	DECQ BX
	JNZ  kernel4x16avx2_near
	JMP  kernel4x16avx2_tail

kernel4x16avx2_none:
	STEP4P(0, 0)
	STEP4P(16, 128)
	ADDQ $32, SI
	ADDQ $256, DX
	DECQ BX
	JNZ  kernel4x16avx2_none

kernel4x16avx2_tail:
	ANDQ $1, CX
	JZ   kernel4x16avx2_store
	STEP4P(0, 0)

kernel4x16avx2_store:
	STORE4
	VZEROUPPER
	RET

// func kernel6x16AVX2Direct(c *float32, ldc int, a *float32, lda int, panel *float32, k, pf int, side *float32)
//
// kernel6x16AVX2Direct is kernel6x16AVX2 reading the 6 rows of a in place
// (row stride lda floats): rows 0-2 from SI and 3-5 from R9, plus 0, 1 or
// 2 times the stride (R13). pf < 0: no panel prefetch; pf = 0: NEAR;
// pf > 0: NEAR and FAR, pf bytes ahead (gemm points it at the next panel).
// With pf < 0 and side not nil, it prefetches k/4 consecutive 64-byte
// lines from side into the L2 cache instead, one every four k steps (R11):
// data a later product needs (see gemmAhead), spread thin enough that the
// prefetches do not hold up the kernel's own loads.
TEXT ·kernel6x16AVX2Direct(SB), NOSPLIT, $0-64
	MOVQ c+0(FP), DI
	MOVQ ldc+8(FP), R8
	MOVQ a+16(FP), SI
	MOVQ lda+24(FP), R13
	MOVQ panel+32(FP), DX
	MOVQ k+40(FP), CX
	MOVQ pf+48(FP), R10
	MOVQ side+56(FP), R11
	SHLQ $2, R8
	SHLQ $2, R13
	LEAQ (R13)(R13*2), AX
	LEAQ (SI)(AX*1), R9
	PFC6
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	CMPQ R10, $0
	JGE  k6d_pf
	TESTQ R11, R11
	JNZ  k6d_side

k6d_pf:
	MOVQ CX, BX
	SHRQ $1, BX
	JZ   k6d_tail
	CMPQ R10, $0
	JEQ  k6d_near
	JLT  k6d_none

k6d_far:
	NEAR
	FAR
	STEP6D(0, 0)
	STEP6D(4, 128)
	ADDQ $8, SI
	ADDQ $8, R9
	ADDQ $256, DX
	DECQ BX
	JNZ  k6d_far
	JMP  k6d_tail

k6d_near:
	NEAR
	STEP6D(0, 0)
	STEP6D(4, 128)
	ADDQ $8, SI
	ADDQ $8, R9
	ADDQ $256, DX
	DECQ BX
	JNZ  k6d_near
	JMP  k6d_tail

k6d_none:
	STEP6D(0, 0)
	STEP6D(4, 128)
	ADDQ $8, SI
	ADDQ $8, R9
	ADDQ $256, DX
	DECQ BX
	JNZ  k6d_none
	JMP  k6d_tail

k6d_side:
	MOVQ CX, BX
	SHRQ $2, BX
	JZ   k6d_two

k6d_side4:
	PREFETCHT1 (R11)
	STEP6D(0, 0)
	STEP6D(4, 128)
	STEP6D(8, 256)
	STEP6D(12, 384)
	ADDQ $16, SI
	ADDQ $16, R9
	ADDQ $512, DX
	ADDQ $64, R11
	DECQ BX
	JNZ  k6d_side4

k6d_two:
	TESTQ $2, CX
	JZ    k6d_tail
	STEP6D(0, 0)
	STEP6D(4, 128)
	ADDQ $8, SI
	ADDQ $8, R9
	ADDQ $256, DX

k6d_tail:
	ANDQ $1, CX
	JZ   k6d_store
	STEP6D(0, 0)

k6d_store:
	STORE6
	VZEROUPPER
	RET
