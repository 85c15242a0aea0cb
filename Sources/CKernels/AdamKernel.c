// Adam's common-case update (Adam and AdamW, no amsgrad, no maximize) on eight lanes. The Swift loop
// it replaces is compiled for baseline x86-64 (four-lane SSE), where its two divisions and square
// root per element, not memory, bound the loop: measured one thread, adam_step_1m 1.55 -> 1.08 ms.
// (An eight-lane add/sub/mul/div was tried beside it and was slower than the SSE loop on one core,
// 3.5 -> 4.1 ms for add_4m: memory-bound loops gain nothing from wider registers here.)
//
// Every element gets exactly the IEEE operations, in the order, of the Swift loop it replaces
// (no fused multiply-add: contraction is off in this file), so results are bit for bit the same on
// either path and independent of where a thread's range starts (AdamKernelTests).
#pragma STDC FP_CONTRACT OFF
#include "CKernels.h"
#include "VectorTarget.h"
#include <math.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

// m' = lerp(m, g, w1); v' = v·b2 + (w2·g)·g; p' = x + (negStep·m') / (√|v'| / bc2 + eps) with
// x = p·decay when `decoupled` (AdamW), else p. lerp(a, b, w) = a + w·(b − a) for |w| < 0.5, else
// b − (b − a)·(1 − w), as Kernels.lerp.
SG_AVX2 void sg_adam_f32_avx2(float *p, const float *g, float *m, float *v, long lo, long hi,
                              float w1, float b2, float w2, float negStep, float bc2, float eps,
                              float decay, int decoupled) {
    const int small = fabsf(w1) < 0.5f;
    const float w1c = 1.0f - w1;
    const __m256 vw1 = _mm256_set1_ps(w1), vw1c = _mm256_set1_ps(w1c), vb2 = _mm256_set1_ps(b2),
                 vw2 = _mm256_set1_ps(w2), vstep = _mm256_set1_ps(negStep), vbc2 = _mm256_set1_ps(bc2),
                 veps = _mm256_set1_ps(eps), vdecay = _mm256_set1_ps(decay),
                 absMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    long i = lo;
    for (; i + 8 <= hi; i += 8) {
        __m256 gi = _mm256_loadu_ps(g + i), mi = _mm256_loadu_ps(m + i), vi = _mm256_loadu_ps(v + i);
        __m256 d = _mm256_sub_ps(gi, mi);
        mi = small ? _mm256_add_ps(mi, _mm256_mul_ps(vw1, d)) : _mm256_sub_ps(gi, _mm256_mul_ps(d, vw1c));
        vi = _mm256_add_ps(_mm256_mul_ps(vi, vb2), _mm256_mul_ps(_mm256_mul_ps(vw2, gi), gi));
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        __m256 x = _mm256_loadu_ps(p + i);
        if (decoupled) x = _mm256_mul_ps(x, vdecay);
        __m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(_mm256_and_ps(vi, absMask)), vbc2), veps);
        _mm256_storeu_ps(p + i, _mm256_add_ps(x, _mm256_div_ps(_mm256_mul_ps(vstep, mi), denom)));
    }
    for (; i < hi; i++) {
        float gi = g[i], d = gi - m[i];
        float mi = small ? m[i] + w1 * d : gi - d * w1c;
        float vi = v[i] * b2 + (w2 * gi) * gi;
        m[i] = mi;
        v[i] = vi;
        float x = decoupled ? p[i] * decay : p[i];
        p[i] = x + (negStep * mi) / (sqrtf(fabsf(vi)) / bc2 + eps);
    }
}

#else
void sg_adam_f32_avx2(float *p, const float *g, float *m, float *v, long lo, long hi, float w1, float b2,
                      float w2, float negStep, float bc2, float eps, float decay, int decoupled) {
    (void)p; (void)g; (void)m; (void)v; (void)lo; (void)hi; (void)w1; (void)b2; (void)w2; (void)negStep;
    (void)bc2; (void)eps; (void)decay; (void)decoupled;
}
#endif
