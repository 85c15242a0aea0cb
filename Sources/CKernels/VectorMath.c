// Float32 exp, sigmoid, tanh and GELU (tanh approximation) with its backward over x[lo..<hi], on
// eight lanes with AVX2 + FMA: the algorithms of Sources/SwiftGrad/Kernels/VectorMath.swift (the
// portable fallback), whose SIMD8<Float> code the baseline x86-64 target compiles to two SSE halves
// without fused multiply-add. FMA rounds once where the Swift code rounds twice, so results differ
// from the Swift path's by rounding only (VectorMathKernelTests states the bounds).
//
// As in the Swift `map`: an element's result depends on its own value only, never on where the
// range starts or ends (parallel kernels split ranges by thread count). A tail shorter than eight
// runs through the same vector code as a masked load (zeros in the missing lanes) and a masked
// store; lanes outside an op's vector range, and NaN, are recomputed with the scalar libm formula,
// so results there are exactly the Swift fallback's. The input lanes are kept in registers before
// anything is stored, so x and y may be the same array.
#include "CKernels.h"
#include "VectorTarget.h"
#include "VectorMathScalar.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define SG_INLINE static inline __attribute__((always_inline))
#define SET(v) _mm256_set1_ps(v)

// e^x for eight lanes in the normal range [-87, 88]: x = n·ln2 + r with |r| ≤ ln2/2 (ln 2 split so
// that n·ln2Hi is exact), e^r by the degree-7 Taylor polynomial (truncation below 6e-9 relative),
// scaled by 2^n through the exponent bits. t = x·log2 e + 1.5·2^23 holds round(x·log2 e) in its
// low mantissa bits, so no float-to-int conversion is needed.
SG_AVX2 SG_INLINE __m256 sg_exp_core(__m256 x) {
    const __m256 magic = SET(12582912.0f);
    __m256 t = _mm256_fmadd_ps(x, SET(1.44269504f), magic);
    __m256 n = _mm256_sub_ps(t, magic);
    __m256 r = _mm256_fnmadd_ps(n, SET(0.693145751953125f), x);
    r = _mm256_fnmadd_ps(n, SET(1.428606765330187e-06f), r);
    __m256 p = SET(1.0f / 5040);
    p = _mm256_fmadd_ps(p, r, SET(1.0f / 720));
    p = _mm256_fmadd_ps(p, r, SET(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, SET(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, SET(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, SET(0.5f));
    p = _mm256_fmadd_ps(p, r, SET(1.0f));
    p = _mm256_fmadd_ps(p, r, SET(1.0f));
    __m256i bits = _mm256_sub_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(0x4B400000 - 127));
    return _mm256_mul_ps(p, _mm256_castsi256_ps(_mm256_slli_epi32(bits, 23)));
}

// tanh for eight lanes with |v| ≤ 9: for |v| ≥ 0.625, 1 - 2/(e^{2|v|} + 1) with the sign restored;
// below, where that form cancels, the odd Taylor polynomial to v^17 (error < 6e-8 relative).
SG_AVX2 SG_INLINE __m256 sg_tanh_core(__m256 v) {
    const __m256 signBit = SET(-0.0f);
    __m256 sign = _mm256_and_ps(v, signBit);
    __m256 a = _mm256_andnot_ps(signBit, v);
    __m256 e = sg_exp_core(_mm256_add_ps(a, a));
    __m256 big = _mm256_sub_ps(SET(1.0f), _mm256_div_ps(SET(2.0f), _mm256_add_ps(e, SET(1.0f))));
    big = _mm256_or_ps(big, sign);
    __m256 z = _mm256_mul_ps(v, v);
    __m256 p = SET(6404582.0f / 10854718875.0f);
    p = _mm256_fmadd_ps(p, z, SET(-929569.0f / 638512875.0f));
    p = _mm256_fmadd_ps(p, z, SET(21844.0f / 6081075.0f));
    p = _mm256_fmadd_ps(p, z, SET(-1382.0f / 155925.0f));
    p = _mm256_fmadd_ps(p, z, SET(62.0f / 2835.0f));
    p = _mm256_fmadd_ps(p, z, SET(-17.0f / 315.0f));
    p = _mm256_fmadd_ps(p, z, SET(2.0f / 15.0f));
    p = _mm256_fmadd_ps(p, z, SET(-1.0f / 3.0f));
    // The sign of v on the polynomial's result, so that tanh(-0) = -0 (-0 + (+0) would be +0).
    __m256 small = _mm256_or_ps(_mm256_fmadd_ps(_mm256_mul_ps(v, z), p, v), sign);
    return _mm256_blendv_ps(small, big, _mm256_cmp_ps(a, SET(0.625f), _CMP_GE_OQ));
}

// GELU-tanh through the sigmoid: (1 + tanh u)/2 = s(2u) for u = k·(x + c·x³). From e = e^{-2|u|}:
// s = 1/(1 + e) for u ≥ 0, e/(1 + e) for u < 0, and s·(1 - s) = e/(1 + e)² into *s1s; neither
// cancels (1 + tanh u does for u near -9). Where 2|u| > 87, e is 0 (s is 0 or 1 to float precision).
SG_AVX2 SG_INLINE __m256 sg_gelu_sigmoid(__m256 v, __m256 x2, __m256 *s1s) {
    const __m256 signBit = SET(-0.0f);
    __m256 u = _mm256_mul_ps(SET(sg_gelu_k), _mm256_fmadd_ps(_mm256_mul_ps(SET(sg_gelu_c), x2), v, v));
    __m256 a = _mm256_andnot_ps(signBit, u);
    __m256 twoA = _mm256_add_ps(a, a);
    __m256 far = _mm256_cmp_ps(twoA, SET(87.0f), _CMP_GT_OQ);
    __m256 e = _mm256_andnot_ps(far, sg_exp_core(_mm256_or_ps(_mm256_andnot_ps(far, twoA), signBit)));
    __m256 inv = _mm256_div_ps(SET(1.0f), _mm256_add_ps(SET(1.0f), e));
    __m256 ei = _mm256_mul_ps(e, inv);
    *s1s = _mm256_mul_ps(ei, inv);
    return _mm256_blendv_ps(inv, ei, _mm256_cmp_ps(u, _mm256_setzero_ps(), _CMP_LT_OQ));
}

SG_AVX2 SG_INLINE __m256 sg_vector_op(int op, __m256 v) {
    switch (op) {
    case SG_EXP: return sg_exp_core(v);
    case SG_SIGMOID: {
        // e = e^-|v|: 1/(1 + e) for v ≥ 0, e/(1 + e) for v < 0 (1/(1 + e^-v) would round the large
        // e^-v of a negative v: 2.0 ulp against 1.7).
        __m256 e = sg_exp_core(_mm256_or_ps(v, SET(-0.0f)));
        __m256 num = _mm256_blendv_ps(SET(1.0f), e, _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ));
        return _mm256_div_ps(num, _mm256_add_ps(SET(1.0f), e));
    }
    case SG_TANH: return sg_tanh_core(v);
    default: {
        __m256 s1s;
        return _mm256_mul_ps(v, sg_gelu_sigmoid(v, _mm256_mul_ps(v, v), &s1s));
    }
    }
}

// Lanes below m set (all ones), for masked loads and stores of a tail.
SG_AVX2 SG_INLINE __m256i sg_tail_mask(long m) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)m), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// y[i] = op(x[i] - shift) (shift is 0 but for `sg_exp_shifted_f32`; the float subtraction is the one
// a caller's separate pass would make). Lanes below zero_below are set to +0 without the scalar call
// (where the scalar result is +0 too).
SG_AVX2 SG_INLINE void sg_map(int op, const float *x, float *y, long lo, long hi, float shift, float low,
                              float high, float zero_below) {
    const __m256 vlow = SET(low), vhigh = SET(high), vzero = SET(zero_below), vshift = SET(shift);
    for (long i = lo; i < hi; i += 8) {
        long m = hi - i < 8 ? hi - i : 8;
        __m256i mask = sg_tail_mask(m);
        __m256 v = _mm256_sub_ps(m == 8 ? _mm256_loadu_ps(x + i) : _mm256_maskload_ps(x + i, mask), vshift);
        // NaN fails both ordered comparisons and so is out of range.
        __m256 inRange = _mm256_and_ps(_mm256_cmp_ps(v, vlow, _CMP_GE_OQ), _mm256_cmp_ps(v, vhigh, _CMP_LE_OQ));
        __m256 zero = _mm256_cmp_ps(v, vzero, _CMP_LT_OQ), ok = _mm256_or_ps(inRange, zero);
        __m256 r = _mm256_andnot_ps(zero, sg_vector_op(op, _mm256_and_ps(v, inRange)));
        int bad = ~_mm256_movemask_ps(ok) & ((1 << m) - 1);
        if (m == 8) _mm256_storeu_ps(y + i, r); else _mm256_maskstore_ps(y + i, mask, r);
        if (bad) {
            float in[8];
            _mm256_storeu_ps(in, v);
            for (int j = 0; j < m; j++) if (bad & (1 << j)) y[i + j] = sg_scalar_op(op, in[j]);
        }
    }
}

// Each op over its range (sg_op_ranges); `sg_exp_shifted_f32` subtracts base first.
#define SG_MAP(op, x, y, lo, hi, shift) \
    sg_map(op, x, y, lo, hi, shift, sg_op_ranges[op].low, sg_op_ranges[op].high, sg_op_ranges[op].zero_below)

SG_AVX2 void sg_exp_f32(const float *x, float *y, long lo, long hi) { SG_MAP(SG_EXP, x, y, lo, hi, 0.0f); }

SG_AVX2 void sg_exp_shifted_f32(float *row, long n, float base) { SG_MAP(SG_EXP, row, row, 0, n, base); }

SG_AVX2 void sg_sigmoid_f32(const float *x, float *y, long lo, long hi) { SG_MAP(SG_SIGMOID, x, y, lo, hi, 0.0f); }

SG_AVX2 void sg_tanh_f32(const float *x, float *y, long lo, long hi) { SG_MAP(SG_TANH, x, y, lo, hi, 0.0f); }

SG_AVX2 void sg_gelu_tanh_f32(const float *x, float *y, long lo, long hi) { SG_MAP(SG_GELU, x, y, lo, hi, 0.0f); }

// gelu'(x) = s + 2·x·du·s(1 - s) with s = s(2u) (`sg_gelu_sigmoid`), du = k·(1 + 3c·x²); the second
// term is set to 0 where s(1 - s) is 0, where a huge x would otherwise give ∞·0 = NaN.
SG_AVX2 void sg_gelu_tanh_backward_f32(const float *g, const float *x, float *out, long lo, long hi) {
    const __m256 vlow = SET(-__FLT_MAX__), vhigh = SET(__FLT_MAX__), zero = _mm256_setzero_ps();
    for (long i = lo; i < hi; i += 8) {
        long m = hi - i < 8 ? hi - i : 8;
        __m256i mask = sg_tail_mask(m);
        __m256 v = m == 8 ? _mm256_loadu_ps(x + i) : _mm256_maskload_ps(x + i, mask);
        __m256 gv = m == 8 ? _mm256_loadu_ps(g + i) : _mm256_maskload_ps(g + i, mask);
        __m256 ok = _mm256_and_ps(_mm256_cmp_ps(v, vlow, _CMP_GE_OQ), _mm256_cmp_ps(v, vhigh, _CMP_LE_OQ));
        __m256 s = _mm256_and_ps(v, ok);
        __m256 x2 = _mm256_mul_ps(s, s);
        __m256 s1s, sg = sg_gelu_sigmoid(s, x2, &s1s);
        __m256 du = _mm256_mul_ps(_mm256_fmadd_ps(x2, SET(3.0f * sg_gelu_c), SET(1.0f)), SET(sg_gelu_k));
        __m256 term = _mm256_mul_ps(_mm256_mul_ps(_mm256_mul_ps(s, du), s1s), SET(2.0f));
        term = _mm256_andnot_ps(_mm256_cmp_ps(s1s, zero, _CMP_EQ_OQ), term);
        __m256 r = _mm256_mul_ps(gv, _mm256_add_ps(sg, term));
        int bad = ~_mm256_movemask_ps(ok) & ((1 << m) - 1);
        if (m == 8) _mm256_storeu_ps(out + i, r); else _mm256_maskstore_ps(out + i, mask, r);
        if (bad) {
            float xin[8], gin[8];
            _mm256_storeu_ps(xin, v);
            _mm256_storeu_ps(gin, gv);
            for (int j = 0; j < m; j++) if (bad & (1 << j)) out[i + j] = sg_gelu_backward_scalar(gin[j], xin[j]);
        }
    }
}
#else
// Other architectures never select these (sg_cpu_has_avx2_fma() is 0); scalar libm loops keep the
// symbols defined and correct.
void sg_exp_f32(const float *x, float *y, long lo, long hi) {
    for (long i = lo; i < hi; i++) y[i] = expf(x[i]);
}
void sg_exp_shifted_f32(float *row, long n, float base) {
    for (long i = 0; i < n; i++) row[i] = expf(row[i] - base);
}
void sg_sigmoid_f32(const float *x, float *y, long lo, long hi) {
    for (long i = lo; i < hi; i++) y[i] = sg_sigmoid_scalar(x[i]);
}
void sg_tanh_f32(const float *x, float *y, long lo, long hi) {
    for (long i = lo; i < hi; i++) y[i] = tanhf(x[i]);
}
void sg_gelu_tanh_f32(const float *x, float *y, long lo, long hi) {
    for (long i = lo; i < hi; i++) y[i] = sg_gelu_scalar(x[i]);
}
void sg_gelu_tanh_backward_f32(const float *g, const float *x, float *out, long lo, long hi) {
    for (long i = lo; i < hi; i++) out[i] = sg_gelu_backward_scalar(g[i], x[i]);
}
#endif
