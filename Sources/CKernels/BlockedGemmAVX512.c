// A cache-blocked float32 GEMM for CPUs with AVX-512F, for the large products of training steps
// (gemm_1024, the GPT and MLP steps' projections): C = alpha·op(A)·op(B) + beta·C, row-major.
//
// The loops are the Goto/BLIS ones, written for row-major C with the vectors along C's rows:
//   for each block of MC = 1536 rows, for each block of KC values of p:
//     pack op(A)[rows, block] into strips of MR = 12 rows (p-major: 12 floats per p);
//     for each block of NB columns:
//       pack op(B)[block, columns] into panels of NR = 32 columns (p-major: 32 floats per p);
//       for each 12-row strip (in L1 while it is used), for each 32-column panel (from L2):
//         the 12×32 micro-kernel: 24 accumulators of 16 lanes, one fused multiply-add per p.
// Each element of C is therefore the sum, in order, of one FMA chain per block of KC values of p
// (from zero), added to C block after block: the same arithmetic whichever rows or columns a call
// is given, so splitting a product over threads by rows or columns never changes a result.
// Padding rows and columns of the packed strips and panels are zero and never stored.
#include "CKernels.h"
#include <pthread.h>
#include <stdlib.h>

// Tile and block sizes, measured on a Sapphire Rapids core (48 KiB L1d, 2 MiB L2): a 12-row strip
// of A over KC values of p is 18 KiB (stays in L1), a block of B KC × NB is 768 KiB (in L2). KC
// 256-512 and NB 256-1024 measured within 2 % of each other; streaming A from L2 instead (B panel
// in L1) was 7-15 % slower.
// Rows are taken SGB_MC at a time (a multiple of 12), which bounds the packed copy of A.
enum { SGB_MR = 12, SGB_NR = 32, SGB_KC = 384, SGB_NB = 512, SGB_MC = 1536 };

// Each thread keeps its packing buffer for the next call, behind a pthread key whose destructor frees
// it when the thread exits (short-lived threads leave nothing behind). It grows to the largest
// product the thread has run: at most SGB_MC·SGB_KC + SGB_KC·SGB_NB floats, 3 MiB.
typedef struct {
    long count;      // floats in `floats`
    long pad[7];     // `floats` starts 64 bytes into the (64-byte aligned) allocation
    float floats[];
} sgb_buffer;

static pthread_key_t sgb_buffer_key;
static pthread_once_t sgb_buffer_key_once = PTHREAD_ONCE_INIT;
static int sgb_buffer_key_made;

static void sgb_make_buffer_key(void) { sgb_buffer_key_made = pthread_key_create(&sgb_buffer_key, free) == 0; }

// Rows of the packed copy of A for a product with m rows: m rounded up to 12, at most SGB_MC.
static long sgb_packed_rows(long m) { return m < SGB_MC ? (m + SGB_MR - 1) / SGB_MR * SGB_MR : SGB_MC; }

// The calling thread's buffer for a product with m rows, or 0 when it cannot be had.
static float *sgb_workspace(long m) {
    long count = sgb_packed_rows(m) * SGB_KC + SGB_KC * SGB_NB;
    pthread_once(&sgb_buffer_key_once, sgb_make_buffer_key);
    if (!sgb_buffer_key_made) return 0;
    sgb_buffer *buffer = pthread_getspecific(sgb_buffer_key);
    if (!buffer || buffer->count < count) {
        size_t bytes = (sizeof(sgb_buffer) + (size_t)count * sizeof(float) + 63) / 64 * 64;
        sgb_buffer *fresh = aligned_alloc(64, bytes);
        if (!fresh) return 0;
        if (pthread_setspecific(sgb_buffer_key, fresh) != 0) { free(fresh); return 0; }
        free(buffer);
        fresh->count = count;
        buffer = fresh;
    }
    return buffer->floats;
}

#if defined(__x86_64__)
#include <immintrin.h>

#define SGB_TARGET __attribute__((target("avx512f,fma")))

// The mask of the first w of 16 lanes (none for w ≤ 0, all for w ≥ 16): a 32-column panel with w
// columns is sgb_lanes(w) and sgb_lanes(w - 16).
static inline __mmask16 sgb_lanes(long w) {
    return w >= 16 ? (__mmask16)0xFFFF : (w > 0 ? (__mmask16)((1u << w) - 1) : (__mmask16)0);
}

// dst[r·ldd + c] = src[c·lds + r] for an 8×8 block: eight rows loaded, transposed in registers.
SGB_TARGET static inline void sgb_transpose8(const float *src, long lds, float *dst, long ldd) {
    __m256 r0 = _mm256_loadu_ps(src), r1 = _mm256_loadu_ps(src + lds), r2 = _mm256_loadu_ps(src + 2 * lds),
           r3 = _mm256_loadu_ps(src + 3 * lds), r4 = _mm256_loadu_ps(src + 4 * lds),
           r5 = _mm256_loadu_ps(src + 5 * lds), r6 = _mm256_loadu_ps(src + 6 * lds),
           r7 = _mm256_loadu_ps(src + 7 * lds);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
           t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
           t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE),
           u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE),
           u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE),
           u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    _mm256_storeu_ps(dst, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(dst + ldd, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(dst + 2 * ldd, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(dst + 3 * ldd, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(dst + 4 * ldd, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(dst + 5 * ldd, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(dst + 6 * ldd, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_storeu_ps(dst + 7 * ldd, _mm256_permute2f128_ps(u3, u7, 0x31));
}

// The same for a 4×4 block.
SGB_TARGET static inline void sgb_transpose4(const float *src, long lds, float *dst, long ldd) {
    __m128 r0 = _mm_loadu_ps(src), r1 = _mm_loadu_ps(src + lds), r2 = _mm_loadu_ps(src + 2 * lds),
           r3 = _mm_loadu_ps(src + 3 * lds);
    __m128 t0 = _mm_unpacklo_ps(r0, r1), t1 = _mm_unpackhi_ps(r0, r1), t2 = _mm_unpacklo_ps(r2, r3),
           t3 = _mm_unpackhi_ps(r2, r3);
    _mm_storeu_ps(dst, _mm_movelh_ps(t0, t2));
    _mm_storeu_ps(dst + ldd, _mm_movehl_ps(t2, t0));
    _mm_storeu_ps(dst + 2 * ldd, _mm_movelh_ps(t1, t3));
    _mm_storeu_ps(dst + 3 * ldd, _mm_movehl_ps(t3, t1));
}

// Rows [i0, i0 + rows) of op(A), values [p0, p0 + kc) of p, into strips of 12 rows, zero-padded.
SGB_TARGET static void sgb_pack_a(int trans, const float *a, long lda, long i0, long rows, long p0, long kc, float *dst) {
    for (long s = 0; s < rows; s += SGB_MR) {
        long r = rows - s < SGB_MR ? rows - s : SGB_MR;
        float *d = dst + s * kc;
        if (trans) {
            // op(A)[i, p] = a[p·lda + i]: twelve consecutive floats per p (r of them, zeros after).
            __mmask16 mk = (__mmask16)((1u << r) - 1);
            for (long p = 0; p < kc; p++)
                _mm512_mask_storeu_ps(d + p * SGB_MR, 0xFFF,
                                      _mm512_maskz_loadu_ps(mk, a + (p0 + p) * lda + i0 + s));
        } else if (r == SGB_MR) {
            // op(A)[i, p] = a[i·lda + p]: blocks of 8 values of p of rows 0-7 (one 8×8 transpose)
            // and rows 8-11 (two 4×4), the last values of p one float at a time.
            const float *src = a + (i0 + s) * lda + p0;
            long pe = kc & ~7L;
            for (long p = 0; p < pe; p += 8) {
                sgb_transpose8(src + p, lda, d + p * SGB_MR, SGB_MR);
                sgb_transpose4(src + 8 * lda + p, lda, d + p * SGB_MR + 8, SGB_MR);
                sgb_transpose4(src + 8 * lda + p + 4, lda, d + (p + 4) * SGB_MR + 8, SGB_MR);
            }
            for (long p = pe; p < kc; p++)
                for (long q = 0; q < SGB_MR; q++) d[p * SGB_MR + q] = src[q * lda + p];
        } else {
            // A last strip of fewer than 12 rows: one row at a time, written every 12 floats.
            long q = 0;
            for (; q < r; q++) {
                const float *src = a + (i0 + s + q) * lda + p0;
                for (long p = 0; p < kc; p++) d[p * SGB_MR + q] = src[p];
            }
            for (; q < SGB_MR; q++)
                for (long p = 0; p < kc; p++) d[p * SGB_MR + q] = 0;
        }
    }
}

// Values [p0, p0 + kc) of p, columns [j0, j0 + cols) of op(B), into panels of 32 columns, zero-padded.
SGB_TARGET static void sgb_pack_b(int trans, const float *b, long ldb, long p0, long kc, long j0, long cols,
                                  float *dst) {
    for (long t = 0; t < cols; t += SGB_NR) {
        long w = cols - t < SGB_NR ? cols - t : SGB_NR;
        float *d = dst + t * kc;
        if (!trans) {
            // op(B)[p, j] = b[p·ldb + j]: 32 consecutive floats per p.
            __mmask16 k0 = sgb_lanes(w), k1 = sgb_lanes(w - 16);
            for (long p = 0; p < kc; p++) {
                const float *src = b + (p0 + p) * ldb + j0 + t;
                _mm512_storeu_ps(d + p * SGB_NR, _mm512_maskz_loadu_ps(k0, src));
                _mm512_storeu_ps(d + p * SGB_NR + 16, _mm512_maskz_loadu_ps(k1, src + 16));
            }
        } else {
            // op(B)[p, j] = b[j·ldb + p]: blocks of 8 columns × 8 values of p transposed in registers,
            // the rest (and the zero padding) one float at a time.
            long q = 0, pe = kc & ~7L;
            for (; q + 8 <= w; q += 8) {
                const float *src = b + (j0 + t + q) * ldb + p0;
                for (long p = 0; p < pe; p += 8) sgb_transpose8(src + p, ldb, d + p * SGB_NR + q, SGB_NR);
                for (long p = pe; p < kc; p++)
                    for (long r = 0; r < 8; r++) d[p * SGB_NR + q + r] = src[r * ldb + p];
            }
            for (; q < w; q++) {
                const float *src = b + (j0 + t + q) * ldb + p0;
                for (long p = 0; p < kc; p++) d[p * SGB_NR + q] = src[p];
            }
            for (; q < SGB_NR; q++)
                for (long p = 0; p < kc; p++) d[p * SGB_NR + q] = 0;
        }
    }
}

#define SGB_ACC(i) __m512 c##i##0 = _mm512_setzero_ps(), c##i##1 = _mm512_setzero_ps();
#define SGB_FMA(i) { __m512 ai = _mm512_set1_ps(ap[i]); \
    c##i##0 = _mm512_fmadd_ps(ai, b0, c##i##0); c##i##1 = _mm512_fmadd_ps(ai, b1, c##i##1); }
// Row i of the tile into C: C = alpha·acc (+ beta·C on the first block of p), or C += alpha·acc.
#define SGB_STORE(i) if (i < rows) { float *ci = c + i * ldc; \
    __m512 x0 = _mm512_mul_ps(va, c##i##0), x1 = _mm512_mul_ps(va, c##i##1); \
    if (mode == 1) { x0 = _mm512_add_ps(x0, _mm512_maskz_loadu_ps(m0, ci)); \
                     x1 = _mm512_add_ps(x1, _mm512_maskz_loadu_ps(m1, ci + 16)); } \
    else if (mode == 2) { x0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m0, ci), x0); \
                          x1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m1, ci + 16), x1); } \
    _mm512_mask_storeu_ps(ci, m0, x0); _mm512_mask_storeu_ps(ci + 16, m1, x1); }

// One 12-row strip times one 32-column panel over kc values of p. mode 0: C = alpha·acc;
// 1: C += alpha·acc; 2: C = alpha·acc + beta·C. Only `rows` rows and the columns in m0/m1 are stored.
SGB_TARGET static void sgb_kernel(long kc, const float *ap, const float *bp, float *c, long ldc, long rows,
                                  __mmask16 m0, __mmask16 m1, float alpha, float beta, int mode) {
    SGB_ACC(0) SGB_ACC(1) SGB_ACC(2) SGB_ACC(3) SGB_ACC(4) SGB_ACC(5)
    SGB_ACC(6) SGB_ACC(7) SGB_ACC(8) SGB_ACC(9) SGB_ACC(10) SGB_ACC(11)
    // Ask for the tile of C now, so the loads and stores after the loop find it in L1: C is read or
    // written once per block of p, a tile's 12 rows lie a row of C apart and, for large products, are
    // not in any cache. Measured on AMD Zen 4 (gemm_1024 benchmark, same code with and without,
    // alternating): one thread 22.2/21.3, 20.9/20.9, 21.0/21.0, 23.6/21.8 ms; two threads 11.8/11.3,
    // 17.1/11.3, 11.2/11.1, 11.4/10.7 ms. A prefetch changes no value.
    for (long i = 0; i < rows; i++) {
        _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + i * ldc + 16), _MM_HINT_T0);
    }
    for (long p = 0; p < kc; p++) {
        __m512 b0 = _mm512_loadu_ps(bp), b1 = _mm512_loadu_ps(bp + 16);
        SGB_FMA(0) SGB_FMA(1) SGB_FMA(2) SGB_FMA(3) SGB_FMA(4) SGB_FMA(5)
        SGB_FMA(6) SGB_FMA(7) SGB_FMA(8) SGB_FMA(9) SGB_FMA(10) SGB_FMA(11)
        ap += SGB_MR;
        bp += SGB_NR;
    }
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    SGB_STORE(0) SGB_STORE(1) SGB_STORE(2) SGB_STORE(3) SGB_STORE(4) SGB_STORE(5)
    SGB_STORE(6) SGB_STORE(7) SGB_STORE(8) SGB_STORE(9) SGB_STORE(10) SGB_STORE(11)
}

// Blocks of p of equal size (at most SGB_KC): 1024 values are 3 × 342, not 384 + 384 + 256.
static long sgb_block_of_p(long k) {
    long blocks = (k + SGB_KC - 1) / SGB_KC;
    return (k + blocks - 1) / blocks;
}

// The product on the calling thread, A packed into `pa` and B into `pb` block by block.
SGB_TARGET static void sgb_gemm(int transA, int transB, long m, long n, long k, float alpha, const float *a,
                                long lda, const float *b, long ldb, float beta, float *c, long ldc, float *pa,
                                float *pb) {
    long kb = sgb_block_of_p(k);
    for (long i0 = 0; i0 < m; i0 += SGB_MC) {
        long mb = m - i0 < SGB_MC ? m - i0 : SGB_MC;
        float *cb = c + i0 * ldc;
        for (long p0 = 0; p0 < k; p0 += kb) {
            long kc = k - p0 < kb ? k - p0 : kb;
            int mode = p0 > 0 ? 1 : (beta == 0 ? 0 : (beta == 1 ? 1 : 2));
            sgb_pack_a(transA, a, lda, i0, mb, p0, kc, pa);
            for (long j0 = 0; j0 < n; j0 += SGB_NB) {
                long cols = n - j0 < SGB_NB ? n - j0 : SGB_NB;
                sgb_pack_b(transB, b, ldb, p0, kc, j0, cols, pb);
                for (long s = 0; s < mb; s += SGB_MR) {
                    long rows = mb - s < SGB_MR ? mb - s : SGB_MR;
                    const float *ap = pa + s * kc;
                    for (long t = 0; t < cols; t += SGB_NR) {
                        sgb_kernel(kc, ap, pb + t * kc, cb + s * ldc + j0 + t, ldc, rows, sgb_lanes(cols - t),
                                   sgb_lanes(cols - t - 16), alpha, beta, mode);
                    }
                }
            }
        }
    }
}

// No products (k = 0): C = beta·C, zero when beta is zero whatever C held.
static void sgb_scale(long m, long n, float beta, float *c, long ldc) {
    for (long i = 0; i < m; i++)
        for (long j = 0; j < n; j++) c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j];
}

SGB_TARGET int sg_sgemm_blocked_avx512(int transA, int transB, long m, long n, long k, float alpha,
                                       const float *a, long lda, const float *b, long ldb, float beta,
                                       float *c, long ldc) {
    if (m <= 0 || n <= 0) return 0;
    if (k <= 0) { sgb_scale(m, n, beta, c, ldc); return 0; }
    float *pa = sgb_workspace(m);
    if (!pa) return -1;
    sgb_gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, pa, pa + sgb_packed_rows(m) * SGB_KC);
    return 0;
}

#else
// Other architectures never select this kernel (`Kernels.avx512` is false there): it declines.
int sg_sgemm_blocked_avx512(int transA, int transB, long m, long n, long k, float alpha, const float *a,
                            long lda, const float *b, long ldb, float beta, float *c, long ldc) {
    (void)transA; (void)transB; (void)m; (void)n; (void)k; (void)alpha; (void)a; (void)lda; (void)b;
    (void)ldb; (void)beta; (void)c; (void)ldc;
    return -1;
}
#endif
