// A small-M single-precision GEMM over a pre-packed B, for products whose B is reused many times
// (the recurrent weight of an LSTM over every time step). OpenBLAS re-packs B on every call, which
// for [32, 128]·[128, 512] costs about a third of the multiply's own time; packing once per
// sequence removes that; the packed-weight cache (Sources/SwiftGrad/Kernels/PackedWeights.swift)
// does the same for a Linear's weight reused across calls (decoding). AVX2 + FMA micro-kernel: 6
// rows × 16 columns of C in 12 registers, and wider tiles (2 or 4 panels) for one to three rows.
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

// MR rows of A times NP consecutive 16-column panels (panel h/2 at bp + (h/2)·16·k, its 8-column
// half h%2), accumulated from zero over p = 0..<k, then written to C: added to it (`add`), or
// stored as the sum plus bias[j] (bias may be NULL). Only the group's first w columns are written.
// One function per (MR, NP), each accumulator a named variable, so that every compiler keeps the
// accumulators in registers (an array indexed in a loop was left in memory by gcc -O2: 2.7x
// slower). NP > 1 is for MR < 4: with one panel a row has two accumulators, and two FMA chains
// per row leave the FMA units idle while each waits for the previous result (latency 4, two
// ports: eight independent chains keep them busy). Rows are read through one pointer each.
#define SG_B(h) __m256 b##h = (NP * 2 > h) ? _mm256_loadu_ps(bp + (h / 2) * 16 * k + p * 16 + (h % 2) * 8) : z;
#define SG_FMA(i, h) if (NP * 2 > h) c##i##h = _mm256_fmadd_ps(ai, b##h, c##i##h);
#define SG_ROW_FMA(i) if (MR > i) { __m256 ai = _mm256_broadcast_ss(a##i + p); \
    SG_FMA(i, 0) SG_FMA(i, 1) SG_FMA(i, 2) SG_FMA(i, 3) SG_FMA(i, 4) SG_FMA(i, 5) SG_FMA(i, 6) SG_FMA(i, 7) }
#define SG_COLS(h) (w - h * 8 < 8 ? w - h * 8 : 8)
#define SG_STORE(i, h) if (NP * 2 > h && w > h * 8) { float *cj = c + i * ldc + h * 8; \
    if (SG_COLS(h) == 8) { \
        if (add) _mm256_storeu_ps(cj, _mm256_add_ps(_mm256_loadu_ps(cj), c##i##h)); \
        else if (bias) _mm256_storeu_ps(cj, _mm256_add_ps(c##i##h, _mm256_loadu_ps(bias + h * 8))); \
        else _mm256_storeu_ps(cj, c##i##h); \
    } else { float tmp[8]; _mm256_storeu_ps(tmp, c##i##h); \
        for (long j = 0; j < SG_COLS(h); j++) cj[j] = add ? cj[j] + tmp[j] : (bias ? tmp[j] + bias[h * 8 + j] : tmp[j]); } }
#define SG_ROW_STORE(i) if (MR > i) { SG_STORE(i, 0) SG_STORE(i, 1) SG_STORE(i, 2) SG_STORE(i, 3) \
    SG_STORE(i, 4) SG_STORE(i, 5) SG_STORE(i, 6) SG_STORE(i, 7) }
#define SG_ACC(i) __m256 c##i##0 = z, c##i##1 = z, c##i##2 = z, c##i##3 = z, c##i##4 = z, c##i##5 = z, \
    c##i##6 = z, c##i##7 = z; const float *a##i = a + (MR > i ? i : 0) * lda;
#define SG_TILE(MR_, NP_) \
__attribute__((target("avx2,fma"))) static void sg_tile_##MR_##x##NP_(long k, const float *a, long lda, \
        const float *bp, float *c, long ldc, long w, const float *bias, int add) { \
    enum { MR = MR_, NP = NP_ }; \
    const __m256 z = _mm256_setzero_ps(); \
    SG_ACC(0) SG_ACC(1) SG_ACC(2) SG_ACC(3) SG_ACC(4) SG_ACC(5) \
    for (long p = 0; p < k; p++) { \
        SG_B(0) SG_B(1) SG_B(2) SG_B(3) SG_B(4) SG_B(5) SG_B(6) SG_B(7) \
        SG_ROW_FMA(0) SG_ROW_FMA(1) SG_ROW_FMA(2) SG_ROW_FMA(3) SG_ROW_FMA(4) SG_ROW_FMA(5) \
    } \
    SG_ROW_STORE(0) SG_ROW_STORE(1) SG_ROW_STORE(2) SG_ROW_STORE(3) SG_ROW_STORE(4) SG_ROW_STORE(5) \
}
SG_TILE(1, 1)
SG_TILE(1, 2)
SG_TILE(1, 4)
SG_TILE(2, 1)
SG_TILE(2, 2)
SG_TILE(3, 1)
SG_TILE(3, 2)
SG_TILE(4, 1)
SG_TILE(5, 1)
SG_TILE(6, 1)

typedef void (*sg_tile_fn)(long, const float *, long, const float *, float *, long, long, const float *, int);

// Rows [i, i + r) (r = 1..6) times panels [q, q1): groups of up to 4 panels for one row, 2 for two
// or three rows, one panel otherwise.
__attribute__((target("avx2,fma")))
static void sg_rows_panels(long r, long q, long q1, long n, long k, const float *a, long lda,
                           const float *packed, float *c, long ldc, const float *bias, int add) {
    static const sg_tile_fn one[7] = {0, sg_tile_1x1, sg_tile_2x1, sg_tile_3x1, sg_tile_4x1, sg_tile_5x1, sg_tile_6x1};
    while (q < q1) {
        long np = 1;
        sg_tile_fn f = one[r];
        if (r == 1 && q1 - q >= 4) { np = 4; f = sg_tile_1x4; }
        else if (r == 1 && q1 - q >= 2) { np = 2; f = sg_tile_1x2; }
        else if (r == 2 && q1 - q >= 2) { np = 2; f = sg_tile_2x2; }
        else if (r == 3 && q1 - q >= 2) { np = 2; f = sg_tile_3x2; }
        long j0 = q * 16, w = n - j0 < np * 16 ? n - j0 : np * 16;
        f(k, a, lda, packed + q * 16 * k, c + j0, ldc, w, bias ? bias + j0 : 0, add);
        q += np;
    }
}

// Not blocked over k: measured with [126, 1024]·[1024, 256] (A 504 KiB, streamed from L2/L3 once
// per panel group), blocks of 256 that keep a 6-row block of A and a panel in L1 were 5-10%
// slower than one pass (the partial sums' extra loads and stores, and no gain from L1: the
// hardware prefetcher keeps the six row streams fed).
__attribute__((target("avx2,fma")))
void sg_gemm_packed_b_panels_f32_avx2(long m, long n, long k, const float *a, long lda, const float *packed,
                                      float *c, long ldc, long q0, long q1, const float *bias, int accumulate) {
    // Groups of 4 panels (64 columns) while every row block of A passes over them.
    for (long q = q0; q < q1; q += 4) {
        long qe = q + 4 < q1 ? q + 4 : q1;
        long i = 0;
        for (; i + 6 <= m; i += 6)
            sg_rows_panels(6, q, qe, n, k, a + i * lda, lda, packed, c + i * ldc, ldc, bias, accumulate);
        if (i < m)
            sg_rows_panels(m - i, q, qe, n, k, a + i * lda, lda, packed, c + i * ldc, ldc, bias, accumulate);
    }
}
#else
// Other architectures never select this path (sg_cpu_has_avx2_fma() is 0); a plain loop with the
// same order of operations keeps the symbol defined and correct.
void sg_gemm_packed_b_panels_f32_avx2(long m, long n, long k, const float *a, long lda, const float *packed,
                                      float *c, long ldc, long q0, long q1, const float *bias, int accumulate) {
    long j1 = q1 * 16 < n ? q1 * 16 : n;
    for (long j = q0 * 16; j < j1; j++) {
        const float *bp = packed + (j / 16) * 16 * k + (j % 16);
        for (long i = 0; i < m; i++) {
            float s = 0.0f;
            for (long p = 0; p < k; p++) s = __builtin_fmaf(a[i * lda + p], bp[p * 16], s);
            c[i * ldc + j] = accumulate ? c[i * ldc + j] + s : (bias ? s + bias[j] : s);
        }
    }
}
#endif
