// The vector math of VectorMath.c on sixteen lanes (AVX-512F + FMA): the same operations on each
// lane in the same order (exp's reduction and polynomial, tanh's two forms, the GELU sigmoid, the
// ranges of sg_op_ranges and the scalar libm formula outside them), so every element's result is
// bit for bit the eight-lane kernel's (VectorMathKernelTests checks it). Lane selections that the
// AVX2 code makes with compare masks and blends are made with mask registers here; the float
// bitwise operations go through the integer forms, which AVX-512F has.
#include "CKernels.h"
#include "VectorMathScalar.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define SG5M_TARGET __attribute__((target("avx512f,fma")))
#define SG5M_INLINE static inline __attribute__((always_inline))
#define SET16(v) _mm512_set1_ps(v)

SG5M_TARGET SG5M_INLINE __m512 sg16_or(__m512 a, __m512 b) {
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(a), _mm512_castps_si512(b)));
}

SG5M_TARGET SG5M_INLINE __m512 sg16_andnot(__m512 a, __m512 b) {   // ~a & b
    return _mm512_castsi512_ps(_mm512_andnot_si512(_mm512_castps_si512(a), _mm512_castps_si512(b)));
}

SG5M_TARGET SG5M_INLINE __m512 sg16_exp_core(__m512 x) {
    const __m512 magic = SET16(12582912.0f);
    __m512 t = _mm512_fmadd_ps(x, SET16(1.44269504f), magic);
    __m512 n = _mm512_sub_ps(t, magic);
    __m512 r = _mm512_fnmadd_ps(n, SET16(0.693145751953125f), x);
    r = _mm512_fnmadd_ps(n, SET16(1.428606765330187e-06f), r);
    __m512 p = SET16(1.0f / 5040);
    p = _mm512_fmadd_ps(p, r, SET16(1.0f / 720));
    p = _mm512_fmadd_ps(p, r, SET16(1.0f / 120));
    p = _mm512_fmadd_ps(p, r, SET16(1.0f / 24));
    p = _mm512_fmadd_ps(p, r, SET16(1.0f / 6));
    p = _mm512_fmadd_ps(p, r, SET16(0.5f));
    p = _mm512_fmadd_ps(p, r, SET16(1.0f));
    p = _mm512_fmadd_ps(p, r, SET16(1.0f));
    __m512i bits = _mm512_sub_epi32(_mm512_castps_si512(t), _mm512_set1_epi32(0x4B400000 - 127));
    return _mm512_mul_ps(p, _mm512_castsi512_ps(_mm512_slli_epi32(bits, 23)));
}

SG5M_TARGET SG5M_INLINE __m512 sg16_tanh_core(__m512 v) {
    const __m512 signBit = SET16(-0.0f);
    __m512 sign = _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(v), _mm512_castps_si512(signBit)));
    __m512 a = sg16_andnot(signBit, v);
    __m512 e = sg16_exp_core(_mm512_add_ps(a, a));
    __m512 big = _mm512_sub_ps(SET16(1.0f), _mm512_div_ps(SET16(2.0f), _mm512_add_ps(e, SET16(1.0f))));
    big = sg16_or(big, sign);
    __m512 z = _mm512_mul_ps(v, v);
    __m512 p = SET16(6404582.0f / 10854718875.0f);
    p = _mm512_fmadd_ps(p, z, SET16(-929569.0f / 638512875.0f));
    p = _mm512_fmadd_ps(p, z, SET16(21844.0f / 6081075.0f));
    p = _mm512_fmadd_ps(p, z, SET16(-1382.0f / 155925.0f));
    p = _mm512_fmadd_ps(p, z, SET16(62.0f / 2835.0f));
    p = _mm512_fmadd_ps(p, z, SET16(-17.0f / 315.0f));
    p = _mm512_fmadd_ps(p, z, SET16(2.0f / 15.0f));
    p = _mm512_fmadd_ps(p, z, SET16(-1.0f / 3.0f));
    __m512 small = sg16_or(_mm512_fmadd_ps(_mm512_mul_ps(v, z), p, v), sign);
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, SET16(0.625f), _CMP_GE_OQ), small, big);
}

SG5M_TARGET SG5M_INLINE __m512 sg16_gelu_sigmoid(__m512 v, __m512 x2, __m512 *s1s) {
    const __m512 signBit = SET16(-0.0f);
    __m512 u = _mm512_mul_ps(SET16(sg_gelu_k), _mm512_fmadd_ps(_mm512_mul_ps(SET16(sg_gelu_c), x2), v, v));
    __m512 a = sg16_andnot(signBit, u);
    __m512 twoA = _mm512_add_ps(a, a);
    __mmask16 near = _mm512_cmp_ps_mask(twoA, SET16(87.0f), _CMP_NGT_UQ);   // not `far` (> 87, ordered)
    __m512 e = _mm512_maskz_mov_ps(near, sg16_exp_core(sg16_or(_mm512_maskz_mov_ps(near, twoA), signBit)));
    __m512 inv = _mm512_div_ps(SET16(1.0f), _mm512_add_ps(SET16(1.0f), e));
    __m512 ei = _mm512_mul_ps(e, inv);
    *s1s = _mm512_mul_ps(ei, inv);
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(u, _mm512_setzero_ps(), _CMP_LT_OQ), inv, ei);
}

SG5M_TARGET SG5M_INLINE __m512 sg16_vector_op(int op, __m512 v) {
    switch (op) {
    case SG_EXP: return sg16_exp_core(v);
    case SG_SIGMOID: {
        __m512 e = sg16_exp_core(sg16_or(v, SET16(-0.0f)));
        __m512 num = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ), SET16(1.0f), e);
        return _mm512_div_ps(num, _mm512_add_ps(SET16(1.0f), e));
    }
    case SG_TANH: return sg16_tanh_core(v);
    default: {
        __m512 s1s;
        return _mm512_mul_ps(v, sg16_gelu_sigmoid(v, _mm512_mul_ps(v, v), &s1s));
    }
    }
}

SG5M_TARGET SG5M_INLINE __mmask16 sg16_tail(long m) { return m >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << m) - 1); }

SG5M_TARGET SG5M_INLINE void sg16_map(int op, const float *x, float *y, long lo, long hi, float shift) {
    const __m512 vlow = SET16(sg_op_ranges[op].low), vhigh = SET16(sg_op_ranges[op].high);
    const __m512 vzero = SET16(sg_op_ranges[op].zero_below), vshift = SET16(shift);
    for (long i = lo; i < hi; i += 16) {
        long m = hi - i < 16 ? hi - i : 16;
        __mmask16 mask = sg16_tail(m);
        __m512 v = _mm512_sub_ps(_mm512_maskz_loadu_ps(mask, x + i), vshift);
        __mmask16 inRange = _mm512_cmp_ps_mask(v, vlow, _CMP_GE_OQ) & _mm512_cmp_ps_mask(v, vhigh, _CMP_LE_OQ);
        __mmask16 zero = _mm512_cmp_ps_mask(v, vzero, _CMP_LT_OQ);
        __m512 r = _mm512_maskz_mov_ps((__mmask16)~zero, sg16_vector_op(op, _mm512_maskz_mov_ps(inRange, v)));
        unsigned bad = (unsigned)(__mmask16)~(inRange | zero) & mask;
        _mm512_mask_storeu_ps(y + i, mask, r);
        if (bad) {
            float in[16];
            _mm512_storeu_ps(in, v);
            for (int j = 0; j < m; j++) if (bad & (1u << j)) y[i + j] = sg_scalar_op(op, in[j]);
        }
    }
}

SG5M_TARGET void sg_exp_f32_avx512(const float *x, float *y, long lo, long hi) { sg16_map(SG_EXP, x, y, lo, hi, 0.0f); }

SG5M_TARGET void sg_exp_shifted_f32_avx512(float *row, long n, float base) { sg16_map(SG_EXP, row, row, 0, n, base); }

SG5M_TARGET void sg_sigmoid_f32_avx512(const float *x, float *y, long lo, long hi) { sg16_map(SG_SIGMOID, x, y, lo, hi, 0.0f); }

SG5M_TARGET void sg_tanh_f32_avx512(const float *x, float *y, long lo, long hi) { sg16_map(SG_TANH, x, y, lo, hi, 0.0f); }

SG5M_TARGET void sg_gelu_tanh_f32_avx512(const float *x, float *y, long lo, long hi) { sg16_map(SG_GELU, x, y, lo, hi, 0.0f); }

SG5M_TARGET void sg_gelu_tanh_backward_f32_avx512(const float *g, const float *x, float *out, long lo, long hi) {
    const __m512 vlow = SET16(-__FLT_MAX__), vhigh = SET16(__FLT_MAX__), zero = _mm512_setzero_ps();
    for (long i = lo; i < hi; i += 16) {
        long m = hi - i < 16 ? hi - i : 16;
        __mmask16 mask = sg16_tail(m);
        __m512 v = _mm512_maskz_loadu_ps(mask, x + i);
        __m512 gv = _mm512_maskz_loadu_ps(mask, g + i);
        __mmask16 ok = _mm512_cmp_ps_mask(v, vlow, _CMP_GE_OQ) & _mm512_cmp_ps_mask(v, vhigh, _CMP_LE_OQ);
        __m512 s = _mm512_maskz_mov_ps(ok, v);
        __m512 x2 = _mm512_mul_ps(s, s);
        __m512 s1s, sg = sg16_gelu_sigmoid(s, x2, &s1s);
        __m512 du = _mm512_mul_ps(_mm512_fmadd_ps(x2, SET16(3.0f * sg_gelu_c), SET16(1.0f)), SET16(sg_gelu_k));
        __m512 term = _mm512_mul_ps(_mm512_mul_ps(_mm512_mul_ps(s, du), s1s), SET16(2.0f));
        term = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(s1s, zero, _CMP_NEQ_UQ), term);
        __m512 r = _mm512_mul_ps(gv, _mm512_add_ps(sg, term));
        unsigned bad = (unsigned)(__mmask16)~ok & mask;
        _mm512_mask_storeu_ps(out + i, mask, r);
        if (bad) {
            float xin[16], gin[16];
            _mm512_storeu_ps(xin, v);
            _mm512_storeu_ps(gin, gv);
            for (int j = 0; j < m; j++) if (bad & (1u << j)) out[i + j] = sg_gelu_backward_scalar(gin[j], xin[j]);
        }
    }
}
#else
// Other architectures never select these (sg_cpu_has_avx512f() is 0); the eight-lane entry points'
// portable loops keep the symbols defined and correct.
void sg_exp_f32_avx512(const float *x, float *y, long lo, long hi) { sg_exp_f32(x, y, lo, hi); }
void sg_exp_shifted_f32_avx512(float *row, long n, float base) { sg_exp_shifted_f32(row, n, base); }
void sg_sigmoid_f32_avx512(const float *x, float *y, long lo, long hi) { sg_sigmoid_f32(x, y, lo, hi); }
void sg_tanh_f32_avx512(const float *x, float *y, long lo, long hi) { sg_tanh_f32(x, y, lo, hi); }
void sg_gelu_tanh_f32_avx512(const float *x, float *y, long lo, long hi) { sg_gelu_tanh_f32(x, y, lo, hi); }
void sg_gelu_tanh_backward_f32_avx512(const float *g, const float *x, float *out, long lo, long hi) {
    sg_gelu_tanh_backward_f32(g, x, out, lo, hi);
}
#endif
