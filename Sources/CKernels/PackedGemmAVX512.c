// The packed-B GEMM of PackedGemm.c on 16 lanes, for CPUs with AVX-512F: one 512-bit register
// holds a whole 16-column panel row, so a tile of 6 rows × 4 panels keeps 24 accumulators (of the
// 32 registers) where the AVX2 kernel keeps 12 half-panels. Same packed layout (`sg_pack_b_f32`),
// and the same arithmetic per element of C: one fused multiply-add per p = 0..<k, in order, from
// zero, then the add to C or the bias. Results are therefore bit for bit the AVX2 kernel's
// (PackedGemmTests checks it), whichever of the two a CPU runs.
#include "CKernels.h"

int sg_cpu_has_avx512f(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

#if defined(__x86_64__)
#include <immintrin.h>

#define SG5_TARGET __attribute__((target("avx512f,fma")))
// MR rows of A times NP consecutive panels (panel h at bp + h·16·k). Each accumulator is a named
// variable (see PackedGemm.c: an array indexed in a loop stays in memory).
#define SG5_B(h) __m512 b##h = (NP > h) ? _mm512_loadu_ps(bp + h * 16 * k + p * 16) : z;
#define SG5_FMA(i, h) if (NP > h) c##i##h = _mm512_fmadd_ps(ai, b##h, c##i##h);
#define SG5_ROW_FMA(i) if (MR > i) { __m512 ai = _mm512_set1_ps(a##i[p]); \
    SG5_FMA(i, 0) SG5_FMA(i, 1) SG5_FMA(i, 2) SG5_FMA(i, 3) SG5_FMA(i, 4) SG5_FMA(i, 5) SG5_FMA(i, 6) SG5_FMA(i, 7) }
// The columns of panel h that exist (w counts the group's columns from its first panel).
#define SG5_MASK(h) (w - h * 16 >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (w - h * 16)) - 1))
#define SG5_STORE(i, h) if (NP > h && w > h * 16) { float *cj = c + i * ldc + h * 16; __mmask16 mk = SG5_MASK(h); \
    if (add) _mm512_mask_storeu_ps(cj, mk, _mm512_add_ps(_mm512_maskz_loadu_ps(mk, cj), c##i##h)); \
    else if (bias) _mm512_mask_storeu_ps(cj, mk, _mm512_add_ps(c##i##h, _mm512_maskz_loadu_ps(mk, bias + h * 16))); \
    else _mm512_mask_storeu_ps(cj, mk, c##i##h); }
#define SG5_ROW_STORE(i) if (MR > i) { SG5_STORE(i, 0) SG5_STORE(i, 1) SG5_STORE(i, 2) SG5_STORE(i, 3) \
    SG5_STORE(i, 4) SG5_STORE(i, 5) SG5_STORE(i, 6) SG5_STORE(i, 7) }
#define SG5_ACC(i) __m512 c##i##0 = z, c##i##1 = z, c##i##2 = z, c##i##3 = z, c##i##4 = z, c##i##5 = z, \
    c##i##6 = z, c##i##7 = z; const float *a##i = a + (MR > i ? i : 0) * lda;
#define SG5_TILE(MR_, NP_) \
SG5_TARGET static void sg5_tile_##MR_##x##NP_(long k, const float *a, long lda, const float *bp, float *c, \
        long ldc, long w, const float *bias, int add) { \
    enum { MR = MR_, NP = NP_ }; \
    const __m512 z = _mm512_setzero_ps(); \
    SG5_ACC(0) SG5_ACC(1) SG5_ACC(2) SG5_ACC(3) SG5_ACC(4) SG5_ACC(5) \
    for (long p = 0; p < k; p++) { \
        SG5_B(0) SG5_B(1) SG5_B(2) SG5_B(3) SG5_B(4) SG5_B(5) SG5_B(6) SG5_B(7) \
        SG5_ROW_FMA(0) SG5_ROW_FMA(1) SG5_ROW_FMA(2) SG5_ROW_FMA(3) SG5_ROW_FMA(4) SG5_ROW_FMA(5) \
    } \
    SG5_ROW_STORE(0) SG5_ROW_STORE(1) SG5_ROW_STORE(2) SG5_ROW_STORE(3) SG5_ROW_STORE(4) SG5_ROW_STORE(5) \
}
SG5_TILE(1, 1) SG5_TILE(1, 2) SG5_TILE(1, 3) SG5_TILE(1, 4) SG5_TILE(1, 8)
SG5_TILE(2, 1) SG5_TILE(2, 2) SG5_TILE(2, 3) SG5_TILE(2, 4)
SG5_TILE(3, 1) SG5_TILE(3, 2) SG5_TILE(3, 3) SG5_TILE(3, 4)
SG5_TILE(4, 1) SG5_TILE(4, 2) SG5_TILE(4, 3) SG5_TILE(4, 4)
SG5_TILE(5, 1) SG5_TILE(5, 2) SG5_TILE(5, 3) SG5_TILE(5, 4)
SG5_TILE(6, 1) SG5_TILE(6, 2) SG5_TILE(6, 3) SG5_TILE(6, 4)

typedef void (*sg5_tile_fn)(long, const float *, long, const float *, float *, long, long, const float *, int);

// Rows [i, i + r) (r = 1..6) times panels [q, q1): tiles of up to 4 panels (8 for a single row, whose
// 8 accumulators are the independent FMA chains the two FMA ports need).
SG5_TARGET static void sg5_rows_panels(long r, long q, long q1, long n, long k, const float *a, long lda,
                                       const float *packed, float *c, long ldc, const float *bias, int add) {
    static const sg5_tile_fn tiles[7][5] = {
        {0, 0, 0, 0, 0},
        {0, sg5_tile_1x1, sg5_tile_1x2, sg5_tile_1x3, sg5_tile_1x4},
        {0, sg5_tile_2x1, sg5_tile_2x2, sg5_tile_2x3, sg5_tile_2x4},
        {0, sg5_tile_3x1, sg5_tile_3x2, sg5_tile_3x3, sg5_tile_3x4},
        {0, sg5_tile_4x1, sg5_tile_4x2, sg5_tile_4x3, sg5_tile_4x4},
        {0, sg5_tile_5x1, sg5_tile_5x2, sg5_tile_5x3, sg5_tile_5x4},
        {0, sg5_tile_6x1, sg5_tile_6x2, sg5_tile_6x3, sg5_tile_6x4},
    };
    while (q < q1) {
        long np = q1 - q;
        sg5_tile_fn f;
        if (r == 1 && np >= 8) { np = 8; f = sg5_tile_1x8; }
        else { if (np > 4) np = 4; f = tiles[r][np]; }
        long j0 = q * 16, w = n - j0 < np * 16 ? n - j0 : np * 16;
        f(k, a, lda, packed + q * 16 * k, c + j0, ldc, w, bias ? bias + j0 : 0, add);
        q += np;
    }
}

// Groups of 8 panels (128 columns) while every 6-row block of A passes over them.
SG5_TARGET void sg_gemm_packed_b_panels_f32_avx512(long m, long n, long k, const float *a, long lda,
                                                   const float *packed, float *c, long ldc, long q0, long q1,
                                                   const float *bias, int accumulate) {
    for (long q = q0; q < q1; q += 8) {
        long qe = q + 8 < q1 ? q + 8 : q1;
        long i = 0;
        for (; i + 6 <= m; i += 6)
            sg5_rows_panels(6, q, qe, n, k, a + i * lda, lda, packed, c + i * ldc, ldc, bias, accumulate);
        if (i < m)
            sg5_rows_panels(m - i, q, qe, n, k, a + i * lda, lda, packed, c + i * ldc, ldc, bias, accumulate);
    }
}
#else
// Other architectures never select this kernel (sg_cpu_has_avx512f() is 0); the AVX2 entry point's
// portable loop keeps the symbol defined and correct.
void sg_gemm_packed_b_panels_f32_avx512(long m, long n, long k, const float *a, long lda, const float *packed,
                                        float *c, long ldc, long q0, long q1, const float *bias, int accumulate) {
    sg_gemm_packed_b_panels_f32_avx2(m, n, k, a, lda, packed, c, ldc, q0, q1, bias, accumulate);
}
#endif
