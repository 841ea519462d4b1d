//go:build amd64 && !purego

#include "textflag.h"

// BCAST32 broadcasts the float32 with bits imm to all lanes of reg.
#define BCAST32(imm, reg) \
	MOVL         imm, AX; \
	VMOVD        AX, X15; \
	VBROADCASTSS X15, reg

// func expAffineAVX2(x *float32, n int, scale, bias float32) float32
//
// x[i] = e^(x[i]·scale + bias) for i < n (a multiple of 8), the argument
// clamped below at -87; returns the sum of the results. The method is
// expNeg's: x = n·ln2 + r, e^r by a degree-6 polynomial, 2^n put into the
// exponent bits (added to the bits of 1.0, which are 127<<23).
TEXT ·expAffineAVX2(SB), NOSPLIT, $0-28
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS scale+16(FP), Y0
	VBROADCASTSS bias+20(FP), Y1
	BCAST32($0x3fb8aa3b, Y2)  // log2(e)
	BCAST32($0x3f318000, Y3)  // ln2, high part
	BCAST32($0xb95e8083, Y4)  // ln2, low part
	BCAST32($0x3ab60b61, Y5)  // 1/720
	BCAST32($0x3c088889, Y6)  // 1/120
	BCAST32($0x3d2aaaab, Y7)  // 1/24
	BCAST32($0x3e2aaaab, Y8)  // 1/6
	BCAST32($0x3f000000, Y9)  // 1/2
	BCAST32($0x3f800000, Y10) // 1
	BCAST32($0xc2ae0000, Y11) // -87
	VXORPS       Y12, Y12, Y12
	SHRQ         $3, CX
	JZ           done

loop:
	VMOVUPS      (SI), Y13
	VFMADD213PS  Y1, Y0, Y13  // t = x·scale + bias
	VMAXPS       Y11, Y13, Y13
	VMULPS       Y2, Y13, Y14
	VROUNDPS     $0, Y14, Y14 // n = round(t·log2(e))
	VFNMADD231PS Y3, Y14, Y13
	VFNMADD231PS Y4, Y14, Y13 // r = t - n·ln2
	VMOVAPS      Y5, Y15
	VFMADD213PS  Y6, Y13, Y15
	VFMADD213PS  Y7, Y13, Y15
	VFMADD213PS  Y8, Y13, Y15
	VFMADD213PS  Y9, Y13, Y15
	VFMADD213PS  Y10, Y13, Y15
	VFMADD213PS  Y10, Y13, Y15 // p = e^r
	VCVTPS2DQ    Y14, Y14
	VPSLLD       $23, Y14, Y14
	VPADDD       Y10, Y14, Y14 // 2^n
	VMULPS       Y14, Y15, Y15
	VMOVUPS      Y15, (SI)
	VADDPS       Y15, Y12, Y12
	ADDQ         $32, SI
	DECQ         CX
	JNZ          loop

done:
	VEXTRACTF128 $1, Y12, X13
	VADDPS       X13, X12, X12
	VHADDPS      X12, X12, X12
	VHADDPS      X12, X12, X12
	VMOVSS       X12, ret+24(FP)
	VZEROUPPER
	RET
