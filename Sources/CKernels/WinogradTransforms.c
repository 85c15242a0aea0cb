// The four data transforms of Winograd F(2×2, 3×3) (Sources/SwiftGrad/Kernels/Winograd.swift) for
// one float32 plane, on eight lanes. The Swift versions read every second column (a tile's four
// input columns start at 2·tx), which keeps them scalar; here each plane row is split once into its
// even and its odd columns, after which every loop reads and writes consecutive elements. The
// arithmetic is the Swift code's, operation for operation, so both paths give the same floats (up
// to the sign of a zero sum). Called per plane from Winograd.swift when `Kernels.ownKernels`.
#include "CKernels.h"
#include "VectorTarget.h"
#include <immintrin.h>
#include <string.h>

size_t sg_winograd_scratch_count_f32(long th, long tw) {
    long hp = 2 * th + 2, n1 = tw + 1;
    return (size_t)(2 * hp * n1 + 8 * n1 + 10 * tw + 16);
}

#if defined(__x86_64__) || defined(__i386__)
#define LD(p) _mm256_loadu_ps(p)
#define ST(p, v) _mm256_storeu_ps((p), (v))
#define ADD(a, b) _mm256_add_ps((a), (b))
#define SUB(a, b) _mm256_sub_ps((a), (b))

// ev[k] = src[2k], od[k] = src[2k + 1] for the indices below n.
SG_AVX2 static void deinterleave(const float *src, long n, float *ev, float *od) {
    long k = 0;
    for (; 2 * k + 16 <= n; k += 8) {
        __m256 v0 = LD(src + 2 * k), v1 = LD(src + 2 * k + 8);
        __m256 e = _mm256_shuffle_ps(v0, v1, _MM_SHUFFLE(2, 0, 2, 0));
        __m256 o = _mm256_shuffle_ps(v0, v1, _MM_SHUFFLE(3, 1, 3, 1));
        ST(ev + k, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0))));
        ST(od + k, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), _MM_SHUFFLE(3, 1, 2, 0))));
    }
    for (; 2 * k < n; k++) {
        ev[k] = src[2 * k];
        if (2 * k + 1 < n) od[k] = src[2 * k + 1];
    }
}

// dst[2k] = ev[k], dst[2k + 1] = od[k] for the indices below n.
SG_AVX2 static void interleave(const float *ev, const float *od, long n, float *dst) {
    long k = 0;
    for (; 2 * k + 16 <= n; k += 8) {
        __m256 x = LD(ev + k), y = LD(od + k);
        __m256 lo = _mm256_unpacklo_ps(x, y), hi = _mm256_unpackhi_ps(x, y);
        ST(dst + 2 * k, _mm256_permute2f128_ps(lo, hi, 0x20));
        ST(dst + 2 * k + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
    }
    for (; 2 * k < n; k++) {
        dst[2 * k] = ev[k];
        if (2 * k + 1 < n) dst[2 * k + 1] = od[k];
    }
}

// Bᵀ over four rows of n values: b0 = r0 − r2, b1 = r1 + r2, b2 = r2 − r1, b3 = r1 − r3 (b rows n apart).
SG_AVX2 static void bt_rows(const float *r0, const float *r1, const float *r2, const float *r3, float *b, long n) {
    long q = 0;
    for (; q + 8 <= n; q += 8) {
        __m256 x0 = LD(r0 + q), x1 = LD(r1 + q), x2 = LD(r2 + q), x3 = LD(r3 + q);
        ST(b + q, SUB(x0, x2)); ST(b + n + q, ADD(x1, x2)); ST(b + 2 * n + q, SUB(x2, x1)); ST(b + 3 * n + q, SUB(x1, x3));
    }
    for (; q < n; q++) {
        b[q] = r0[q] - r2[q]; b[n + q] = r1[q] + r2[q]; b[2 * n + q] = r2[q] - r1[q]; b[3 * n + q] = r1[q] - r3[q];
    }
}

// The padded plane split into even (E) and odd (O) columns, rows of n1 = tw + 1 values each.
SG_AVX2 static void split_plane(const float *src, long h, long w, long pad_top, long pad_left,
                                float *E, float *O, long n1) {
    long a = pad_left / 2;
    for (long y = 0; y < h; y++) {
        float *e = E + (y + pad_top) * n1, *o = O + (y + pad_top) * n1;
        if (pad_left % 2 == 0) deinterleave(src + y * w, w, e + a, o + a);
        else deinterleave(src + y * w, w, o + a, e + a + 1);
    }
}

SG_AVX2 void sg_winograd_input_plane_f32(const float *src, long h, long w, long pad_top, long pad_left,
                                          long th, long tw, float *out, long step, float *scratch) {
    long hp = 2 * th + 2, n1 = tw + 1;
    float *E = scratch, *O = E + hp * n1, *bE = O + hp * n1, *bO = bE + 4 * n1;
    memset(E, 0, (size_t)(2 * hp * n1) * sizeof(float));
    split_plane(src, h, w, pad_top, pad_left, E, O, n1);
    for (long ty = 0; ty < th; ty++) {
        const float *e0 = E + 2 * ty * n1, *o0 = O + 2 * ty * n1;
        bt_rows(e0, e0 + n1, e0 + 2 * n1, e0 + 3 * n1, bE, n1);
        bt_rows(o0, o0 + n1, o0 + 2 * n1, o0 + 3 * n1, bO, n1);
        for (long i = 0; i < 4; i++) {
            const float *be = bE + i * n1, *bo = bO + i * n1;
            float *d = out + 4 * i * step + ty * tw;
            long tx = 0;
            for (; tx + 8 <= tw; tx += 8) {
                __m256 d0 = LD(be + tx), d1 = LD(bo + tx), d2 = LD(be + tx + 1), d3 = LD(bo + tx + 1);
                ST(d + tx, SUB(d0, d2)); ST(d + step + tx, ADD(d1, d2));
                ST(d + 2 * step + tx, SUB(d2, d1)); ST(d + 3 * step + tx, SUB(d1, d3));
            }
            for (; tx < tw; tx++) {
                float d0 = be[tx], d1 = bo[tx], d2 = be[tx + 1], d3 = bo[tx + 1];
                d[tx] = d0 - d2; d[step + tx] = d1 + d2; d[2 * step + tx] = d2 - d1; d[3 * step + tx] = d1 - d3;
            }
        }
    }
}

SG_AVX2 void sg_winograd_input_adjoint_plane_f32(const float *src, long step, float *dst, long h, long w,
                                                  long pad_top, long pad_left, long th, long tw, float *scratch) {
    long hp = 2 * th + 2, n1 = tw + 1;
    float *E = scratch, *O = E + hp * n1, *rE = O + hp * n1, *rO = rE + 4 * n1;
    memset(E, 0, (size_t)(2 * hp * n1) * sizeof(float));
    for (long ty = 0; ty < th; ty++) {
        // B over each tile's four points of row i: rE[tx] += v0, rO[tx] += v1 − v2 + v3,
        // rE[tx + 1] += v1 + v2 − v0, rO[tx + 1] −= v3.
        for (long i = 0; i < 4; i++) {
            const float *e = src + 4 * i * step + ty * tw;
            float *re = rE + i * n1, *ro = rO + i * n1;
            long tx = 0;
            for (; tx + 8 <= tw; tx += 8) {
                __m256 v0 = LD(e + tx), v1 = LD(e + step + tx), v2 = LD(e + 2 * step + tx), v3 = LD(e + 3 * step + tx);
                ST(re + tx, v0);
                ST(ro + tx, ADD(SUB(v1, v2), v3));
            }
            for (; tx < tw; tx++) {
                float v0 = e[tx], v1 = e[step + tx], v2 = e[2 * step + tx], v3 = e[3 * step + tx];
                re[tx] = v0; ro[tx] = v1 - v2 + v3;
            }
            re[tw] = 0; ro[tw] = 0;
            tx = 0;
            for (; tx + 8 <= tw; tx += 8) {
                __m256 v0 = LD(e + tx), v1 = LD(e + step + tx), v2 = LD(e + 2 * step + tx), v3 = LD(e + 3 * step + tx);
                ST(re + tx + 1, ADD(LD(re + tx + 1), SUB(ADD(v1, v2), v0)));
                ST(ro + tx + 1, SUB(LD(ro + tx + 1), v3));
            }
            for (; tx < tw; tx++) {
                float v0 = e[tx], v1 = e[step + tx], v2 = e[2 * step + tx], v3 = e[3 * step + tx];
                re[tx + 1] += v1 + v2 - v0; ro[tx + 1] -= v3;
            }
        }
        // B over the four rows, added into the block's plane rows (even and odd columns alike).
        for (int half = 0; half < 2; half++) {
            const float *q0 = half ? rO : rE, *q1 = q0 + n1, *q2 = q1 + n1, *q3 = q2 + n1;
            float *y0 = (half ? O : E) + 2 * ty * n1, *y1 = y0 + n1, *y2 = y1 + n1, *y3 = y2 + n1;
            long q = 0;
            for (; q + 8 <= n1; q += 8) {
                __m256 a0 = LD(q0 + q), a1 = LD(q1 + q), a2 = LD(q2 + q), a3 = LD(q3 + q);
                ST(y0 + q, ADD(LD(y0 + q), a0));
                ST(y1 + q, ADD(LD(y1 + q), ADD(SUB(a1, a2), a3)));
                ST(y2 + q, ADD(LD(y2 + q), SUB(ADD(a1, a2), a0)));
                ST(y3 + q, SUB(LD(y3 + q), a3));
            }
            for (; q < n1; q++) {
                y0[q] += q0[q]; y1[q] += q1[q] - q2[q] + q3[q]; y2[q] += q1[q] + q2[q] - q0[q]; y3[q] -= q3[q];
            }
        }
    }
    long a = pad_left / 2;
    for (long y = 0; y < h; y++) {
        const float *e = E + (y + pad_top) * n1, *o = O + (y + pad_top) * n1;
        if (pad_left % 2 == 0) interleave(e + a, o + a, w, dst + y * w);
        else interleave(o + a, e + a + 1, w, dst + y * w);
    }
}

SG_AVX2 void sg_winograd_output_plane_f32(const float *src, long step, float *dst, long oh, long ow,
                                           long th, long tw, float bias, float *scratch) {
    float *rE = scratch, *rO = rE + 4 * tw, *yE = rO + 4 * tw, *yO = yE + tw;
    __m256 b = _mm256_set1_ps(bias);
    for (long ty = 0; ty < th; ty++) {
        // Aᵀ over each tile's four columns of row i: the even output column m0 + m1 + m2, the odd m1 − m2 − m3.
        for (long i = 0; i < 4; i++) {
            const float *e = src + 4 * i * step + ty * tw;
            float *re = rE + i * tw, *ro = rO + i * tw;
            long tx = 0;
            for (; tx + 8 <= tw; tx += 8) {
                __m256 m0 = LD(e + tx), m1 = LD(e + step + tx), m2 = LD(e + 2 * step + tx), m3 = LD(e + 3 * step + tx);
                ST(re + tx, ADD(ADD(m0, m1), m2)); ST(ro + tx, SUB(SUB(m1, m2), m3));
            }
            for (; tx < tw; tx++) {
                float m0 = e[tx], m1 = e[step + tx], m2 = e[2 * step + tx], m3 = e[3 * step + tx];
                re[tx] = m0 + m1 + m2; ro[tx] = m1 - m2 - m3;
            }
        }
        // Aᵀ over the four rows: two output rows (the second only inside the image).
        for (int r = 0; r < 2 && 2 * ty + r < oh; r++) {
            for (int half = 0; half < 2; half++) {
                const float *q0 = half ? rO : rE, *q1 = q0 + tw, *q2 = q1 + tw, *q3 = q2 + tw;
                float *yy = half ? yO : yE;
                long q = 0;
                for (; q + 8 <= tw; q += 8) {
                    __m256 v = r == 0 ? ADD(ADD(LD(q0 + q), LD(q1 + q)), LD(q2 + q))
                                      : SUB(SUB(LD(q1 + q), LD(q2 + q)), LD(q3 + q));
                    ST(yy + q, ADD(v, b));
                }
                for (; q < tw; q++) yy[q] = (r == 0 ? q0[q] + q1[q] + q2[q] : q1[q] - q2[q] - q3[q]) + bias;
            }
            interleave(yE, yO, ow, dst + (2 * ty + r) * ow);
        }
    }
}

SG_AVX2 void sg_winograd_output_adjoint_plane_f32(const float *src, long oh, long ow, long th, long tw,
                                                   float *dst, long step, float *scratch) {
    float *eE0 = scratch, *eO0 = eE0 + tw, *eE1 = eO0 + tw, *eO1 = eE1 + tw;
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (long ty = 0; ty < th; ty++) {
        // The tile row's two output rows, split into even and odd columns, zero past the edge.
        memset(eE0, 0, (size_t)(4 * tw) * sizeof(float));
        deinterleave(src + 2 * ty * ow, ow, eE0, eO0);
        if (2 * ty + 1 < oh) deinterleave(src + (2 * ty + 1) * ow, ow, eE1, eO1);
        // A over the two rows (a0 = e0, a1 = e0 + e1, a2 = e0 − e1, a3 = −e1), then over each tile's
        // two columns x0, x1: the points x0, x0 + x1, x0 − x1, −x1.
        for (long i = 0; i < 4; i++) {
            float *d = dst + 4 * i * step + ty * tw;
            long tx = 0;
            for (; tx + 8 <= tw; tx += 8) {
                __m256 a = LD(eE0 + tx), bb = LD(eO0 + tx), c = LD(eE1 + tx), dd = LD(eO1 + tx), x0, x1;
                switch (i) {
                case 0: x0 = a; x1 = bb; break;
                case 1: x0 = ADD(a, c); x1 = ADD(bb, dd); break;
                case 2: x0 = SUB(a, c); x1 = SUB(bb, dd); break;
                default: x0 = _mm256_xor_ps(c, sign); x1 = _mm256_xor_ps(dd, sign); break;
                }
                ST(d + tx, x0); ST(d + step + tx, ADD(x0, x1)); ST(d + 2 * step + tx, SUB(x0, x1));
                ST(d + 3 * step + tx, _mm256_xor_ps(x1, sign));
            }
            for (; tx < tw; tx++) {
                float x0, x1;
                switch (i) {
                case 0: x0 = eE0[tx]; x1 = eO0[tx]; break;
                case 1: x0 = eE0[tx] + eE1[tx]; x1 = eO0[tx] + eO1[tx]; break;
                case 2: x0 = eE0[tx] - eE1[tx]; x1 = eO0[tx] - eO1[tx]; break;
                default: x0 = -eE1[tx]; x1 = -eO1[tx]; break;
                }
                d[tx] = x0; d[step + tx] = x0 + x1; d[2 * step + tx] = x0 - x1; d[3 * step + tx] = -x1;
            }
        }
    }
}
#endif
