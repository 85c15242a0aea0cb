// A small-M single-precision GEMM over a pre-packed B, for products whose B is reused many times
// (the recurrent weight of an LSTM over every time step). OpenBLAS re-packs B on every call, which
// for [32, 128]·[128, 512] costs about a third of the multiply's own time; packing once per
// sequence removes that. AVX2 + FMA micro-kernel: 6 rows × 16 columns of C in 12 registers.
#include "CKernels.h"
#include <immintrin.h>
#include <string.h>

int sg_cpu_has_avx2_fma(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

size_t sg_packed_b_count_f32(long k, long n) {
    long panels = (n + 15) / 16;
    return (size_t)(panels * 16 * k);
}

void sg_pack_b_f32(long k, long n, const float *b, long rsb, long csb, float *packed) {
    long panels = (n + 15) / 16;
    for (long q = 0; q < panels; q++) {
        float *dst = packed + q * 16 * k;
        long j0 = q * 16, w = n - j0 < 16 ? n - j0 : 16;
        for (long p = 0; p < k; p++) {
            const float *src = b + p * rsb + j0 * csb;
            long j = 0;
            for (; j < w; j++) dst[p * 16 + j] = src[j * csb];
            for (; j < 16; j++) dst[p * 16 + j] = 0.0f;
        }
    }
}

#if defined(__x86_64__) || defined(__i386__)

// MR rows of A times one 16-column panel, accumulated from zero over p = 0..<k, then added to C
// (only the first w columns). One function per MR, each accumulator a named variable, so that
// every compiler keeps the twelve accumulators in registers (an array indexed in a loop was left
// in memory by gcc -O2: 2.7x slower).
#define SG_ROW_FMA(i) if (MR > i) { __m256 ai = _mm256_broadcast_ss(a + i * lda + p); \
    c##i##0 = _mm256_fmadd_ps(ai, b0, c##i##0); c##i##1 = _mm256_fmadd_ps(ai, b1, c##i##1); }
#define SG_ROW_STORE(i) if (MR > i) { float *ci = c + i * ldc; \
    if (w == 16) { _mm256_storeu_ps(ci, _mm256_add_ps(_mm256_loadu_ps(ci), c##i##0)); \
                   _mm256_storeu_ps(ci + 8, _mm256_add_ps(_mm256_loadu_ps(ci + 8), c##i##1)); } \
    else { float tmp[16]; _mm256_storeu_ps(tmp, c##i##0); _mm256_storeu_ps(tmp + 8, c##i##1); \
           for (long j = 0; j < w; j++) ci[j] += tmp[j]; } }
#define SG_TILE(MR_) \
__attribute__((target("avx2,fma"))) static void sg_tile_##MR_(long k, const float *a, long lda, \
        const float *bp, float *c, long ldc, long w) { \
    enum { MR = MR_ }; \
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, \
           c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00; \
    for (long p = 0; p < k; p++) { \
        __m256 b0 = _mm256_loadu_ps(bp + p * 16), b1 = _mm256_loadu_ps(bp + p * 16 + 8); \
        SG_ROW_FMA(0) SG_ROW_FMA(1) SG_ROW_FMA(2) SG_ROW_FMA(3) SG_ROW_FMA(4) SG_ROW_FMA(5) \
    } \
    SG_ROW_STORE(0) SG_ROW_STORE(1) SG_ROW_STORE(2) SG_ROW_STORE(3) SG_ROW_STORE(4) SG_ROW_STORE(5) \
}
SG_TILE(1)
SG_TILE(2)
SG_TILE(3)
SG_TILE(4)
SG_TILE(5)
SG_TILE(6)

__attribute__((target("avx2,fma")))
void sg_gemm_packed_b_f32_avx2(long m, long n, long k, const float *a, long lda, const float *packed,
                               float *c, long ldc) {
    long panels = (n + 15) / 16;
    for (long q = 0; q < panels; q++) {
        const float *bp = packed + q * 16 * k;
        long j0 = q * 16, w = n - j0 < 16 ? n - j0 : 16;
        long i = 0;
        for (; i + 6 <= m; i += 6) sg_tile_6(k, a + i * lda, lda, bp, c + i * ldc + j0, ldc, w);
        const float *ai = a + i * lda;
        float *cij = c + i * ldc + j0;
        switch (m - i) {
        case 5: sg_tile_5(k, ai, lda, bp, cij, ldc, w); break;
        case 4: sg_tile_4(k, ai, lda, bp, cij, ldc, w); break;
        case 3: sg_tile_3(k, ai, lda, bp, cij, ldc, w); break;
        case 2: sg_tile_2(k, ai, lda, bp, cij, ldc, w); break;
        case 1: sg_tile_1(k, ai, lda, bp, cij, ldc, w); break;
        default: break;
        }
    }
}
#else
// Other architectures never select this path (sg_cpu_has_avx2_fma() is 0); a plain loop with the
// same order of operations keeps the symbol defined and correct.
void sg_gemm_packed_b_f32_avx2(long m, long n, long k, const float *a, long lda, const float *packed,
                               float *c, long ldc) {
    for (long j = 0; j < n; j++) {
        const float *bp = packed + (j / 16) * 16 * k + (j % 16);
        for (long i = 0; i < m; i++) {
            float s = 0.0f;
            for (long p = 0; p < k; p++) s = __builtin_fmaf(a[i * lda + p], bp[p * 16], s);
            c[i * ldc + j] += s;
        }
    }
}
#endif
