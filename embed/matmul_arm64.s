//go:build arm64 && !purego

#include "textflag.h"

// Go's arm64 assembler has the vector form of FMLA but neither the
// by-element form nor vector FADD, so FMLAE and FADDV encode them.
//
// FMLAE(d, n, m, i): Vd.4S += Vn.4S × Vm.S[i] (FMLA, by element).
#define FMLAE(d, n, m, i) WORD $(0x4F801000 | (((i)&1)<<21) | ((m)<<16) | (((i)>>1)<<11) | ((n)<<5) | (d))

// FADDV(d, n, m): Vd.4S = Vn.4S + Vm.4S (FADD, vector).
#define FADDV(d, n, m) WORD $(0x4E20D400 | ((m)<<16) | ((n)<<5) | (d))

// ROW16(r, m, i) adds the panel values in V28..V31 (16 columns of one k
// step) times a = Vm.S[i] to row r's accumulators V(4r)..V(4r+3).
#define ROW16(r, m, i) \
	FMLAE(4*(r), 28, m, i); \
	FMLAE(4*(r)+1, 29, m, i); \
	FMLAE(4*(r)+2, 30, m, i); \
	FMLAE(4*(r)+3, 31, m, i)

// LOADB loads 16 values of the next panel row into V28..V31 and advances
// R3 by a whole 32-wide row (R6 = 128 bytes).
#define LOADB VLD1.P (R3)(R6), [V28.S4, V29.S4, V30.S4, V31.S4]

// STORE16(r) adds row r's accumulators to 16 values of c at R0 and
// advances R0 by a row of c (R1 bytes).
#define STORE16(r) \
	VLD1 (R0), [V24.S4, V25.S4, V26.S4, V27.S4]; \
	FADDV(24, 24, 4*(r)); \
	FADDV(25, 25, 4*(r)+1); \
	FADDV(26, 26, 4*(r)+2); \
	FADDV(27, 27, 4*(r)+3); \
	VST1 [V24.S4, V25.S4, V26.S4, V27.S4], (R0); \
	ADD R1, R0

#define ZERO4(a, b, c, d) \
	VEOR a.B16, a.B16, a.B16; \
	VEOR b.B16, b.B16, b.B16; \
	VEOR c.B16, c.B16, c.B16; \
	VEOR d.B16, d.B16, d.B16

// func kernel6x16NEON(c *float32, ldc int, pa *float32, panel *float32, k int)
//
// V0..V23 accumulate the 6 × 16 block (four 4-wide registers per row).
// Two k steps per iteration: the twelve packed a values of both steps are
// loaded into V24..V26 and used by lane; each step loads 16 values of one
// panel row into V28..V31 and issues 24 fused multiply-adds.
TEXT ·kernel6x16NEON(SB), NOSPLIT, $0-40
	MOVD c+0(FP), R0
	MOVD ldc+8(FP), R1
	MOVD pa+16(FP), R2
	MOVD panel+24(FP), R3
	MOVD k+32(FP), R4
	LSL  $2, R1
	MOVD $128, R6
	ZERO4(V0, V1, V2, V3)
	ZERO4(V4, V5, V6, V7)
	ZERO4(V8, V9, V10, V11)
	ZERO4(V12, V13, V14, V15)
	ZERO4(V16, V17, V18, V19)
	ZERO4(V20, V21, V22, V23)

	LSR $1, R4, R5
	CBZ R5, tail6

loop6:
	VLD1.P 48(R2), [V24.S4, V25.S4, V26.S4]
	LOADB
	ROW16(0, 24, 0)
	ROW16(1, 24, 1)
	ROW16(2, 24, 2)
	ROW16(3, 24, 3)
	ROW16(4, 25, 0)
	ROW16(5, 25, 1)
	LOADB
	ROW16(0, 25, 2)
	ROW16(1, 25, 3)
	ROW16(2, 26, 0)
	ROW16(3, 26, 1)
	ROW16(4, 26, 2)
	ROW16(5, 26, 3)
	SUBS $1, R5, R5
	BNE  loop6

tail6:
	// An odd last k step: six a values in V24 and the low half of V25.
	TBZ   $0, R4, store6
	VLD1  (R2), [V24.S4]
	FMOVD 16(R2), F25
	LOADB
	ROW16(0, 24, 0)
	ROW16(1, 24, 1)
	ROW16(2, 24, 2)
	ROW16(3, 24, 3)
	ROW16(4, 25, 0)
	ROW16(5, 25, 1)

store6:
	STORE16(0)
	STORE16(1)
	STORE16(2)
	STORE16(3)
	STORE16(4)
	STORE16(5)
	RET

// func kernel4x16NEON(c *float32, ldc int, pa *float32, panel *float32, k int)
//
// kernel6x16NEON for a packed 4 × k row block: V0..V15 accumulate, the a
// values of two k steps are in V24 and V25.
TEXT ·kernel4x16NEON(SB), NOSPLIT, $0-40
	MOVD c+0(FP), R0
	MOVD ldc+8(FP), R1
	MOVD pa+16(FP), R2
	MOVD panel+24(FP), R3
	MOVD k+32(FP), R4
	LSL  $2, R1
	MOVD $128, R6
	ZERO4(V0, V1, V2, V3)
	ZERO4(V4, V5, V6, V7)
	ZERO4(V8, V9, V10, V11)
	ZERO4(V12, V13, V14, V15)

	LSR $1, R4, R5
	CBZ R5, tail4

loop4:
	VLD1.P 32(R2), [V24.S4, V25.S4]
	LOADB
	ROW16(0, 24, 0)
	ROW16(1, 24, 1)
	ROW16(2, 24, 2)
	ROW16(3, 24, 3)
	LOADB
	ROW16(0, 25, 0)
	ROW16(1, 25, 1)
	ROW16(2, 25, 2)
	ROW16(3, 25, 3)
	SUBS $1, R5, R5
	BNE  loop4

tail4:
	TBZ  $0, R4, store4
	VLD1 (R2), [V24.S4]
	LOADB
	ROW16(0, 24, 0)
	ROW16(1, 24, 1)
	ROW16(2, 24, 2)
	ROW16(3, 24, 3)

store4:
	STORE16(0)
	STORE16(1)
	STORE16(2)
	STORE16(3)
	RET

// GEMV8(acc, m, i) adds the panel row in V24..V31 (32 columns) times
// a = Vm.S[i] to the accumulators V(acc)..V(acc+7).
#define GEMV8(acc, m, i) \
	FMLAE((acc), 24, m, i); \
	FMLAE((acc)+1, 25, m, i); \
	FMLAE((acc)+2, 26, m, i); \
	FMLAE((acc)+3, 27, m, i); \
	FMLAE((acc)+4, 28, m, i); \
	FMLAE((acc)+5, 29, m, i); \
	FMLAE((acc)+6, 30, m, i); \
	FMLAE((acc)+7, 31, m, i)

// LOADROW loads a whole 32-wide panel row into V24..V31 and advances R2.
#define LOADROW \
	VLD1.P 64(R2), [V24.S4, V25.S4, V26.S4, V27.S4]; \
	VLD1.P 64(R2), [V28.S4, V29.S4, V30.S4, V31.S4]

// func gemv32NEON(c *float32, a *float32, panel *float32, k int)
//
// V0..V7 accumulate the even k steps, V8..V15 the odd ones (two
// independent chains of fused multiply-adds per column); four k steps per
// iteration with their a values in V16, then single steps.
TEXT ·gemv32NEON(SB), NOSPLIT, $0-32
	MOVD c+0(FP), R0
	MOVD a+8(FP), R1
	MOVD panel+16(FP), R2
	MOVD k+24(FP), R4
	ZERO4(V0, V1, V2, V3)
	ZERO4(V4, V5, V6, V7)
	ZERO4(V8, V9, V10, V11)
	ZERO4(V12, V13, V14, V15)

	LSR $2, R4, R5
	CBZ R5, tailv

loopv:
	VLD1.P 16(R1), [V16.S4]
	LOADROW
	GEMV8(0, 16, 0)
	LOADROW
	GEMV8(8, 16, 1)
	LOADROW
	GEMV8(0, 16, 2)
	LOADROW
	GEMV8(8, 16, 3)
	SUBS $1, R5, R5
	BNE  loopv

tailv:
	ANDS $3, R4, R5
	BEQ  storev

loopv1:
	FMOVS.P 4(R1), F16
	LOADROW
	GEMV8(0, 16, 0)
	SUBS $1, R5, R5
	BNE  loopv1

storev:
	FADDV(0, 0, 8)
	FADDV(1, 1, 9)
	FADDV(2, 2, 10)
	FADDV(3, 3, 11)
	FADDV(4, 4, 12)
	FADDV(5, 5, 13)
	FADDV(6, 6, 14)
	FADDV(7, 7, 15)
	VLD1 (R0), [V24.S4, V25.S4, V26.S4, V27.S4]
	FADDV(24, 24, 0)
	FADDV(25, 25, 1)
	FADDV(26, 26, 2)
	FADDV(27, 27, 3)
	VST1.P [V24.S4, V25.S4, V26.S4, V27.S4], 64(R0)
	VLD1 (R0), [V28.S4, V29.S4, V30.S4, V31.S4]
	FADDV(28, 28, 4)
	FADDV(29, 29, 5)
	FADDV(30, 30, 6)
	FADDV(31, 31, 7)
	VST1 [V28.S4, V29.S4, V30.S4, V31.S4], (R0)
	RET

// HALF8(j, o) adds 8 columns of one panel row (V30, V31) times each row's
// a value of k step j (lane j of V24..V29) to accumulators o and o+1 of
// each row (row r's are V(4r)..V(4r+3)).
#define HALF8(j, o) \
	FMLAE(0+(o), 30, 24, j); \
	FMLAE(1+(o), 31, 24, j); \
	FMLAE(4+(o), 30, 25, j); \
	FMLAE(5+(o), 31, 25, j); \
	FMLAE(8+(o), 30, 26, j); \
	FMLAE(9+(o), 31, 26, j); \
	FMLAE(12+(o), 30, 27, j); \
	FMLAE(13+(o), 31, 27, j); \
	FMLAE(16+(o), 30, 28, j); \
	FMLAE(17+(o), 31, 28, j); \
	FMLAE(20+(o), 30, 29, j); \
	FMLAE(21+(o), 31, 29, j)

// STEPD(j) is one k step of kernel6x16NEONDirect: columns 0-7 of the
// panel row, then 8-15 (R8 advances a whole row: 32 + R12 = 128 bytes).
#define STEPD(j) \
	VLD1.P 32(R8), [V30.S4, V31.S4]; \
	HALF8(j, 0); \
	VLD1.P (R8)(R12), [V30.S4, V31.S4]; \
	HALF8(j, 2)

// func kernel6x16NEONDirect(c *float32, ldc int, a *float32, lda int, panel *float32, k int)
//
// kernel6x16NEON reading the 6 rows of a in place (row stride lda, in
// float32 elements). All 32 vector registers are in use: V0..V23
// accumulate, V24..V29 hold four k values of each row (used by lane), and
// each panel row comes in two halves of 8 columns in V30, V31.
TEXT ·kernel6x16NEONDirect(SB), NOSPLIT, $0-48
	MOVD c+0(FP), R0
	MOVD ldc+8(FP), R1
	MOVD a+16(FP), R2
	MOVD lda+24(FP), R10
	MOVD panel+32(FP), R8
	MOVD k+40(FP), R9
	LSL  $2, R1
	LSL  $2, R10
	ADD  R10, R2, R3
	ADD  R10, R3, R4
	ADD  R10, R4, R5
	ADD  R10, R5, R6
	ADD  R10, R6, R7
	MOVD $96, R12
	ZERO4(V0, V1, V2, V3)
	ZERO4(V4, V5, V6, V7)
	ZERO4(V8, V9, V10, V11)
	ZERO4(V12, V13, V14, V15)
	ZERO4(V16, V17, V18, V19)
	ZERO4(V20, V21, V22, V23)

	LSR $2, R9, R11
	CBZ R11, taild

loopd:
	VLD1.P 16(R2), [V24.S4]
	VLD1.P 16(R3), [V25.S4]
	VLD1.P 16(R4), [V26.S4]
	VLD1.P 16(R5), [V27.S4]
	VLD1.P 16(R6), [V28.S4]
	VLD1.P 16(R7), [V29.S4]
	STEPD(0)
	STEPD(1)
	STEPD(2)
	STEPD(3)
	SUBS $1, R11, R11
	BNE  loopd

taild:
	// The last k mod 4 steps one at a time, each row's a value in lane 0.
	ANDS $3, R9, R11
	BEQ  stored

loopd1:
	FMOVS.P 4(R2), F24
	FMOVS.P 4(R3), F25
	FMOVS.P 4(R4), F26
	FMOVS.P 4(R5), F27
	FMOVS.P 4(R6), F28
	FMOVS.P 4(R7), F29
	STEPD(0)
	SUBS $1, R11, R11
	BNE  loopd1

stored:
	STORE16(0)
	STORE16(1)
	STORE16(2)
	STORE16(3)
	STORE16(4)
	STORE16(5)
	RET
