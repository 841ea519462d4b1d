//go:build amd64 && !purego

#include "textflag.h"

// func reluAVX2(x *float32, n int)
//
// x[i] = max(x[i], 0) for i < n, a multiple of 32.
TEXT ·reluAVX2(SB), NOSPLIT, $0-16
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	SHRQ   $5, CX
	JZ     relu_done
	VXORPS Y15, Y15, Y15

relu_loop:
	VMAXPS  (SI), Y15, Y0
	VMAXPS  32(SI), Y15, Y1
	VMAXPS  64(SI), Y15, Y2
	VMAXPS  96(SI), Y15, Y3
	VMOVUPS Y0, (SI)
	VMOVUPS Y1, 32(SI)
	VMOVUPS Y2, 64(SI)
	VMOVUPS Y3, 96(SI)
	ADDQ    $128, SI
	DECQ    CX
	JNZ     relu_loop

relu_done:
	VZEROUPPER
	RET

// func addToAVX2(dst, src *float32, n int)
//
// dst[i] += src[i] for i < n, a multiple of 32.
TEXT ·addToAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $5, CX
	JZ   add_done

add_loop:
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VADDPS  (SI), Y0, Y0
	VADDPS  32(SI), Y1, Y1
	VADDPS  64(SI), Y2, Y2
	VADDPS  96(SI), Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, DI
	ADDQ    $128, SI
	DECQ    CX
	JNZ     add_loop

add_done:
	VZEROUPPER
	RET

// func lnStatsAVX2(x *float32, n int) (mean, sq float64)
//
// The mean of x[:n] and the sum of squared deviations from it, both
// accumulated in float64 (as layerNorm does); n is a positive multiple of 8.
TEXT ·lnStatsAVX2(SB), NOSPLIT, $0-32
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	MOVQ   CX, DX
	SHRQ   $3, DX
	MOVQ   SI, DI
	MOVQ   DX, BX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1

sum_loop:
	VCVTPS2PD (SI), Y2
	VCVTPS2PD 16(SI), Y3
	VADDPD    Y2, Y0, Y0
	VADDPD    Y3, Y1, Y1
	ADDQ      $32, SI
	DECQ      BX
	JNZ       sum_loop

	VADDPD       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VHADDPD      X0, X0, X0
	VCVTSI2SDQ   CX, X4, X4
	VDIVSD       X4, X0, X0
	VMOVSD       X0, mean+16(FP)
	VBROADCASTSD X0, Y5
	VXORPD       Y0, Y0, Y0
	VXORPD       Y1, Y1, Y1

sq_loop:
	VCVTPS2PD   (DI), Y2
	VCVTPS2PD   16(DI), Y3
	VSUBPD      Y5, Y2, Y2
	VSUBPD      Y5, Y3, Y3
	VFMADD231PD Y2, Y2, Y0
	VFMADD231PD Y3, Y3, Y1
	ADDQ        $32, DI
	DECQ        DX
	JNZ         sq_loop

	VADDPD       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VHADDPD      X0, X0, X0
	VMOVSD       X0, sq+24(FP)
	VZEROUPPER
	RET

// func lnApplyAVX2(y, x, scale, bias *float32, n int, m, inv float32)
//
// y[i] = (x[i]-m)·inv·scale[i] + bias[i] for i < n, a positive multiple of
// 8.
TEXT ·lnApplyAVX2(SB), NOSPLIT, $0-48
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         scale+16(FP), R8
	MOVQ         bias+24(FP), R9
	MOVQ         n+32(FP), CX
	VBROADCASTSS m+40(FP), Y14
	VBROADCASTSS inv+44(FP), Y15
	SHRQ         $3, CX

apply_loop:
	VMOVUPS     (SI), Y0
	VSUBPS      Y14, Y0, Y0
	VMULPS      Y15, Y0, Y0
	VMOVUPS     (R9), Y1
	VFMADD231PS (R8), Y0, Y1
	VMOVUPS     Y1, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	ADDQ        $32, R8
	ADDQ        $32, R9
	DECQ        CX
	JNZ         apply_loop

	VZEROUPPER
	RET

// func maxAVX2(x *float32, n int) float32
//
// The largest of x[:n], n a positive multiple of 8.
TEXT ·maxAVX2(SB), NOSPLIT, $0-20
	MOVQ    x+0(FP), SI
	MOVQ    n+8(FP), CX
	VMOVUPS (SI), Y0
	ADDQ    $32, SI
	SHRQ    $3, CX
	DECQ    CX
	JZ      max_done

max_loop:
	VMAXPS (SI), Y0, Y0
	ADDQ   $32, SI
	DECQ   CX
	JNZ    max_loop

max_done:
	VEXTRACTF128 $1, Y0, X1
	VMAXPS       X1, X0, X0
	VPERMILPS    $0x4e, X0, X1
	VMAXPS       X1, X0, X0
	VPERMILPS    $0xb1, X0, X1
	VMAXPS       X1, X0, X0
	VMOVSS       X0, ret+16(FP)
	VZEROUPPER
	RET

// func scaleAVX2(x *float32, n int, s float32)
//
// x[i] *= s for i < n, a multiple of 8.
TEXT ·scaleAVX2(SB), NOSPLIT, $0-20
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS s+16(FP), Y1
	SHRQ         $3, CX
	JZ           scale_done

scale_loop:
	VMULPS  (SI), Y1, Y0
	VMOVUPS Y0, (SI)
	ADDQ    $32, SI
	DECQ    CX
	JNZ     scale_loop

scale_done:
	VZEROUPPER
	RET

// func qkvRowAVX2(dst, tok, pos, u, d *float32, n int, m, inv float32)
//
// dst[i] = (tok[i] + pos[i] - m·u[i])·inv + d[i] for i < n, a positive
// multiple of 8.
TEXT ·qkvRowAVX2(SB), NOSPLIT, $0-56
	MOVQ         dst+0(FP), DI
	MOVQ         tok+8(FP), SI
	MOVQ         pos+16(FP), R8
	MOVQ         u+24(FP), R9
	MOVQ         d+32(FP), R10
	MOVQ         n+40(FP), CX
	VBROADCASTSS m+48(FP), Y14
	VBROADCASTSS inv+52(FP), Y15
	SHRQ         $3, CX

qkv_loop:
	VMOVUPS      (SI), Y0
	VADDPS       (R8), Y0, Y0
	VMOVUPS      (R9), Y1
	VFNMADD231PS Y14, Y1, Y0
	VMOVUPS      (R10), Y2
	VFMADD132PS  Y15, Y2, Y0
	VMOVUPS      Y0, (DI)
	ADDQ         $32, SI
	ADDQ         $32, DI
	ADDQ         $32, R8
	ADDQ         $32, R9
	ADDQ         $32, R10
	DECQ         CX
	JNZ          qkv_loop

	VZEROUPPER
	RET

// func ffnRowAVX2(dst, tok, pos, u, d *float32, n int, m, inv float32)
//
// dst[i] = max(0, (dst[i] + tok[i] + pos[i] - m·u[i])·inv + d[i]) for
// i < n, a positive multiple of 8.
TEXT ·ffnRowAVX2(SB), NOSPLIT, $0-56
	MOVQ         dst+0(FP), DI
	MOVQ         tok+8(FP), SI
	MOVQ         pos+16(FP), R8
	MOVQ         u+24(FP), R9
	MOVQ         d+32(FP), R10
	MOVQ         n+40(FP), CX
	VBROADCASTSS m+48(FP), Y14
	VBROADCASTSS inv+52(FP), Y15
	VXORPS       Y13, Y13, Y13
	SHRQ         $3, CX

ffn_loop:
	VMOVUPS      (DI), Y0
	VADDPS       (SI), Y0, Y0
	VADDPS       (R8), Y0, Y0
	VMOVUPS      (R9), Y1
	VFNMADD231PS Y14, Y1, Y0
	VMOVUPS      (R10), Y2
	VFMADD132PS  Y15, Y2, Y0
	VMAXPS       Y13, Y0, Y0
	VMOVUPS      Y0, (DI)
	ADDQ         $32, SI
	ADDQ         $32, DI
	ADDQ         $32, R8
	ADDQ         $32, R9
	ADDQ         $32, R10
	DECQ         CX
	JNZ          ffn_loop

	VZEROUPPER
	RET

// func transpose8AVX2(dst *float32, ldd int, src *float32, lds int, n int)
//
// dst[c][r] = src[r][c] for r < 8 and c < n, a positive multiple of 8:
// 8 rows of src (stride lds floats) become 8 columns of n rows of dst
// (stride ldd floats), an 8 × 8 block at a time.
TEXT ·transpose8AVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), R8
	MOVQ src+16(FP), SI
	MOVQ lds+24(FP), R9
	MOVQ n+32(FP), CX
	SHLQ $2, R8
	SHLQ $2, R9
	LEAQ (R9)(R9*2), R10 // 3 rows of src
	LEAQ (R8)(R8*2), R11 // 3 rows of dst
	SHRQ $3, CX

transpose_loop:
	MOVQ       SI, AX
	VMOVUPS    (AX), Y0
	VMOVUPS    (AX)(R9*1), Y1
	VMOVUPS    (AX)(R9*2), Y2
	VMOVUPS    (AX)(R10*1), Y3
	LEAQ       (AX)(R9*4), AX
	VMOVUPS    (AX), Y4
	VMOVUPS    (AX)(R9*1), Y5
	VMOVUPS    (AX)(R9*2), Y6
	VMOVUPS    (AX)(R10*1), Y7
	VUNPCKLPS  Y1, Y0, Y8
	VUNPCKHPS  Y1, Y0, Y9
	VUNPCKLPS  Y3, Y2, Y10
	VUNPCKHPS  Y3, Y2, Y11
	VUNPCKLPS  Y5, Y4, Y12
	VUNPCKHPS  Y5, Y4, Y13
	VUNPCKLPS  Y7, Y6, Y14
	VUNPCKHPS  Y7, Y6, Y15
	VSHUFPS    $0x44, Y10, Y8, Y0
	VSHUFPS    $0xEE, Y10, Y8, Y1
	VSHUFPS    $0x44, Y11, Y9, Y2
	VSHUFPS    $0xEE, Y11, Y9, Y3
	VSHUFPS    $0x44, Y14, Y12, Y4
	VSHUFPS    $0xEE, Y14, Y12, Y5
	VSHUFPS    $0x44, Y15, Y13, Y6
	VSHUFPS    $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15
	MOVQ       DI, AX
	VMOVUPS    Y8, (AX)
	VMOVUPS    Y9, (AX)(R8*1)
	VMOVUPS    Y10, (AX)(R8*2)
	VMOVUPS    Y11, (AX)(R11*1)
	LEAQ       (AX)(R8*4), AX
	VMOVUPS    Y12, (AX)
	VMOVUPS    Y13, (AX)(R8*1)
	VMOVUPS    Y14, (AX)(R8*2)
	VMOVUPS    Y15, (AX)(R11*1)
	ADDQ       $32, SI
	LEAQ       (DI)(R8*8), DI
	DECQ       CX
	JNZ        transpose_loop

	VZEROUPPER
	RET
