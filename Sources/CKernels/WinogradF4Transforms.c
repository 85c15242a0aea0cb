// The four data transforms of Winograd F(4×4, 3×3) (Sources/SwiftGrad/Kernels/WinogradF4.swift) for
// one float32 plane. Every loop runs over consecutive elements: a padded plane is laid out with a
// row pitch of 4·(tw + 1), so that tile column tx of padded row Y starts at element 4·q with
// q = Y·(tw + 1) + tx, one uniform index over the whole plane; the plane is split once into its four
// column phases (ph[c][q] = plane[4q + c]), after which a tile's six columns are ph[0..3][q],
// ph[0][q + 1], ph[1][q + 1]. The loops over tiles run on eight or four lanes (GCC vector types)
// with a scalar tail. The arithmetic is WinogradF4.swift's, operation for operation (the formulas
// `bt`, `at`, `a`, `b` below and there), so both paths give the same floats; every constant factor
// is a power of two (5·x is written 4·x + x), so contracting a product into an FMA cannot change a
// result either, and contraction is off anyway.
#include "CKernels.h"
#include "VectorTarget.h"
#include <string.h>

#pragma clang fp contract(off)

size_t sg_winograd4_scratch_count_f32(long th, long tw) {
    long hp = 4 * th + 2, n1 = tw + 1, grid = hp * n1 + 1;
    // padded plane (4·grid + 8), its six column arrays and R (12·grid; the adjoint: its sums and
    // phases), per-tile-row temporaries (72·tw), the output grid's phases and rows and the
    // output adjoint's A-over-rows results (56·th·tw).
    return (size_t)(4 * grid + 8 + 12 * grid + 72 * tw + 56 * th * tw + 64);
}

// The four one-dimensional transforms, on any of float, v4, v8 (written once as macros so the
// scalar and vector forms are the same expression).
// Bᵀ d: six values to six.
#define BT(d0, d1, d2, d3, d4, d5, o0, o1, o2, o3, o4, o5) do { \
    o0 = (4 * d0 - 4 * d2) + (d4 - d2); o1 = (d3 + d4) - 4 * (d1 + d2); o2 = (d4 - d3) + 4 * (d1 - d2); \
    o3 = (d4 - d2) + 2 * (d3 - d1); o4 = (d4 - d2) - 2 * (d3 - d1); o5 = (4 * d1 - 4 * d3) + (d5 - d3); } while (0)
// Aᵀ m: six values to four.
#define AT(m0, m1, m2, m3, m4, m5, y0, y1, y2, y3) do { \
    y0 = ((m1 + m2) + (m3 + m4)) + m0; y1 = (m1 - m2) + 2 * (m3 - m4); \
    y2 = (m1 + m2) + 4 * (m3 + m4); y3 = ((m1 - m2) + 8 * (m3 - m4)) + m5; } while (0)
// A e: four values to six.
#define AA(e0, e1, e2, e3, a0, a1, a2, a3, a4, a5) do { \
    a0 = e0; a1 = (e0 + e2) + (e1 + e3); a2 = (e0 + e2) - (e1 + e3); \
    a3 = (e0 + 4 * e2) + 2 * (e1 + 4 * e3); a4 = (e0 + 4 * e2) - 2 * (e1 + 4 * e3); a5 = e3; } while (0)
// B v: six values to six.
#define BB(v0, v1, v2, v3, v4, v5, x0, x1, x2, x3, x4, x5) do { \
    x0 = 4 * v0; x1 = 4 * (v2 - v1) + (2 * (v4 - v3) + 4 * v5); \
    x2 = -((4 * (v0 + (v1 + v2)) + v0) + (v3 + v4)); x3 = ((v1 - v2) + 2 * (v3 - v4)) - (4 * v5 + v5); \
    x4 = ((v1 + v2) + (v3 + v4)) + v0; x5 = v5; } while (0)

// Elementwise kernels over n consecutive elements: input k at in + k·is, output k at o + k·os.
// Each is defined for float, v4 and v8 and run as "eight lanes while they fit, then four, then one".
// CALL expands its arguments (IN6) before the macro m sees them.
#define CALL(m, ...) m(__VA_ARGS__)
#define LD(V, p) (*(const V *)(p))
#define ST(V, p, x) (*(V *)(p) = (x))
#define IN6(V, q) LD(V, in + (q)), LD(V, in + is + (q)), LD(V, in + 2 * is + (q)), LD(V, in + 3 * is + (q)), \
                  LD(V, in + 4 * is + (q)), LD(V, in + 5 * is + (q))
#define OUT6(V, q, x0, x1, x2, x3, x4, x5) do { ST(V, o + (q), x0); ST(V, o + os + (q), x1); ST(V, o + 2 * os + (q), x2); \
    ST(V, o + 3 * os + (q), x3); ST(V, o + 4 * os + (q), x4); ST(V, o + 5 * os + (q), x5); } while (0)

// o[k] = F(in[0..5])[k] for a six-to-six transform F (BT or BB), or o[k] += it when acc.
#define DEF_SIX(NAME, F, V, W) static inline __attribute__((always_inline)) long NAME( \
    const float *in, long is, float *o, long os, int acc, long q, long n) { \
    for (; q + W <= n; q += W) { V x0, x1, x2, x3, x4, x5; \
        CALL(F, IN6(V, q), x0, x1, x2, x3, x4, x5); \
        if (acc) { x0 += LD(V, o + q); x1 += LD(V, o + os + q); x2 += LD(V, o + 2 * os + q); \
                   x3 += LD(V, o + 3 * os + q); x4 += LD(V, o + 4 * os + q); x5 += LD(V, o + 5 * os + q); } \
        OUT6(V, q, x0, x1, x2, x3, x4, x5); } \
    return q; }
DEF_SIX(bt8, BT, v8, 8)
DEF_SIX(bt4, BT, v4, 4)
DEF_SIX(bt1, BT, float, 1)
DEF_SIX(bb8, BB, v8, 8)
DEF_SIX(bb4, BB, v4, 4)
DEF_SIX(bb1, BB, float, 1)

// o[k] = Aᵀ(in[0..5])[k] + bias.
#define DEF_AT(NAME, V, W) static inline __attribute__((always_inline)) long NAME( \
    const float *in, long is, float *o, long os, float bias, long q, long n) { \
    for (; q + W <= n; q += W) { V y0, y1, y2, y3; \
        CALL(AT, IN6(V, q), y0, y1, y2, y3); \
        ST(V, o + q, y0 + bias); ST(V, o + os + q, y1 + bias); ST(V, o + 2 * os + q, y2 + bias); ST(V, o + 3 * os + q, y3 + bias); } \
    return q; }
DEF_AT(at8, v8, 8)
DEF_AT(at4, v4, 4)
DEF_AT(at1, float, 1)

// o[k] = A(in[0..3])[k].
#define DEF_AA(NAME, V, W) static inline __attribute__((always_inline)) long NAME( \
    const float *in, long is, float *o, long os, long q, long n) { \
    for (; q + W <= n; q += W) { V a0, a1, a2, a3, a4, a5; \
        AA(LD(V, in + q), LD(V, in + is + q), LD(V, in + 2 * is + q), LD(V, in + 3 * is + q), a0, a1, a2, a3, a4, a5); \
        OUT6(V, q, a0, a1, a2, a3, a4, a5); } \
    return q; }
DEF_AA(aa8, v8, 8)
DEF_AA(aa4, v4, 4)
DEF_AA(aa1, float, 1)

// ph[c·stride + q] = src[4q + c] for q < n, c < 6 (the columns 4 and 5 are the next tile's 0 and 1).
SG_AVX2 static void split6(const float *src, long n, float *ph, long stride) {
    float *p0 = ph, *p1 = ph + stride, *p2 = ph + 2 * stride, *p3 = ph + 3 * stride, *p4 = ph + 4 * stride, *p5 = ph + 5 * stride;
    for (long q = 0; q < n; q++) {
        p0[q] = src[4 * q]; p1[q] = src[4 * q + 1]; p2[q] = src[4 * q + 2]; p3[q] = src[4 * q + 3];
        p4[q] = src[4 * q + 4]; p5[q] = src[4 * q + 5];
    }
}

// ph[c][q] = src[4q + c] for q < n.
SG_AVX2 static void split4(const float *src, long n, float *const *ph) {
    float *p0 = ph[0], *p1 = ph[1], *p2 = ph[2], *p3 = ph[3];
    for (long q = 0; q < n; q++) {
        p0[q] = src[4 * q]; p1[q] = src[4 * q + 1]; p2[q] = src[4 * q + 2]; p3[q] = src[4 * q + 3];
    }
}

// dst[4q + c] = ph[c][q] for q < n.
SG_AVX2 static void join4(const float *const *ph, long n, float *dst) {
    const float *p0 = ph[0], *p1 = ph[1], *p2 = ph[2], *p3 = ph[3];
    for (long q = 0; q < n; q++) {
        dst[4 * q] = p0[q]; dst[4 * q + 1] = p1[q]; dst[4 * q + 2] = p2[q]; dst[4 * q + 3] = p3[q];
    }
}

#define RUNNER(NAME, EXTRA_PARAM, EXTRA) static inline __attribute__((always_inline)) void NAME##_run( \
    const float *in, long is, float *o, long os EXTRA_PARAM, long n) { \
    NAME##1(in, is, o, os EXTRA, NAME##4(in, is, o, os EXTRA, NAME##8(in, is, o, os EXTRA, 0, n), n), n); }
#define COMMA ,
RUNNER(bt, COMMA int acc, COMMA acc)
RUNNER(at, COMMA float bias, COMMA bias)
RUNNER(aa, , )
RUNNER(bb, COMMA int acc, COMMA acc)

SG_AVX2 void sg_winograd4_input_plane_f32(const float *src, long h, long w, long pad_top, long pad_left,
                                           long th, long tw, float *out, long step, float *scratch) {
    long hp = 4 * th + 2, n1 = tw + 1, grid = hp * n1, pitch = 4 * n1;
    float *plane = scratch, *ph = plane + 4 * (grid + 1) + 8, *R = ph + 6 * grid;
    memset(plane, 0, (size_t)(4 * (grid + 1) + 8) * sizeof(float));
    for (long y = 0; y < h; y++) memcpy(plane + (y + pad_top) * pitch + pad_left, src + y * w, (size_t)w * sizeof(float));
    // The six columns of the tile starting at grid index q, then R[j·grid + q] = (d B)[j] of them.
    split6(plane, grid, ph, grid);
    bt_run(ph, grid, R, grid, 0, grid);
    // Bᵀ over each tile's six rows: point (i, j) of tile (ty, tx) from R[j] at grid rows 4ty..4ty+5.
    // Column j outer: six output planes are written at a time, each from start to end (36 at a
    // time, a few floats each, left lines evicted before they were full).
    for (int j = 0; j < 6; j++)
        for (long ty = 0; ty < th; ty++) bt_run(R + j * grid + 4 * ty * n1, n1, out + j * step + ty * tw, 6 * step, 0, tw);
}

SG_AVX2 void sg_winograd4_input_adjoint_plane_f32(const float *src, long step, float *dst, long h, long w,
                                                   long pad_top, long pad_left, long th, long tw, float *scratch) {
    long hp = 4 * th + 2, n1 = tw + 1, grid = hp * n1, pitch = 4 * n1;
    float *plane = scratch, *acc0 = plane + 4 * (grid + 1) + 8, *tmp = acc0 + 6 * (grid + 1);
    // acc[k][q]: the sum of B dV Bᵀ's column k for the tile column starting at grid index q
    // (one leading zero so that acc[k][−1] reads zero before the first tile).
    float *acc[6];
    for (int k = 0; k < 6; k++) acc[k] = acc0 + k * (grid + 1) + 1;
    memset(acc0, 0, (size_t)(6 * (grid + 1)) * sizeof(float));
    for (long ty = 0; ty < th; ty++) {
        // B over each row i's six points: tmp[(6i + k)·tw + tx].
        for (int i = 0; i < 6; i++) bb_run(src + 6 * i * step + ty * tw, step, tmp + 6 * i * tw, tw, 0, tw);
        // B over the six rows for each column k, added into the grid rows 4ty..4ty+5.
        for (int k = 0; k < 6; k++) bb_run(tmp + k * tw, 6 * tw, acc[k] + 4 * ty * n1, n1, 1, tw);
    }
    // Padded plane: column 4q + c is acc[c][q] plus, for c < 2, the previous tile's column c + 4.
    float *ph[4] = {tmp, tmp + grid, tmp + 2 * grid, tmp + 3 * grid};
    const float *a0 = acc[0], *a1 = acc[1], *a2 = acc[2], *a3 = acc[3], *a4 = acc[4], *a5 = acc[5];
    float *p0 = ph[0], *p1 = ph[1], *p2 = ph[2], *p3 = ph[3];
    for (long q = 0; q < grid; q++) {
        p0[q] = a0[q] + a4[q - 1]; p1[q] = a1[q] + a5[q - 1]; p2[q] = a2[q]; p3[q] = a3[q];
    }
    join4((const float *const *)ph, grid, plane);
    for (long y = 0; y < h; y++) memcpy(dst + y * w, plane + (y + pad_top) * pitch + pad_left, (size_t)w * sizeof(float));
}

SG_AVX2 void sg_winograd4_output_plane_f32(const float *src, long step, float *dst, long oh, long ow,
                                            long th, long tw, float bias, float *scratch) {
    long n = 4 * th * tw;   // the output grid: 4·th rows of tw tiles, per column phase
    float *T = scratch, *Z0 = T + 24 * tw, *rows = Z0 + 4 * n;
    for (long ty = 0; ty < th; ty++) {
        // Aᵀ over each row i's six points: T[(4i + c)·tw + tx].
        for (int i = 0; i < 6; i++) at_run(src + 6 * i * step + ty * tw, step, T + 4 * i * tw, tw, 0, tw);
        // Aᵀ over the six rows for each column c (plus the bias): output row 4ty + r, column phase c.
        for (int c = 0; c < 4; c++) at_run(T + c * tw, 4 * tw, Z0 + c * n + 4 * ty * tw, tw, bias, tw);
    }
    const float *Z[4] = {Z0, Z0 + n, Z0 + 2 * n, Z0 + 3 * n};
    if (ow == 4 * tw && oh == 4 * th) { join4(Z, n, dst); return; }
    join4(Z, n, rows);
    for (long y = 0; y < oh; y++) memcpy(dst + y * ow, rows + y * 4 * tw, (size_t)ow * sizeof(float));
}

SG_AVX2 void sg_winograd4_output_adjoint_plane_f32(const float *src, long oh, long ow, long th, long tw,
                                                    float *dst, long step, float *scratch) {
    long n = 4 * th * tw;
    float *Z0 = scratch, *rows = Z0 + 4 * n, *F = rows + 4 * n;   // F: 24·th·tw
    float *Z[4] = {Z0, Z0 + n, Z0 + 2 * n, Z0 + 3 * n};
    if (ow == 4 * tw && oh == 4 * th) split4(src, n, Z);
    else {
        memset(rows, 0, (size_t)(4 * n) * sizeof(float));
        for (long y = 0; y < oh; y++) memcpy(rows + y * 4 * tw, src + y * ow, (size_t)ow * sizeof(float));
        split4(rows, n, Z);
    }
    // A over each tile's four rows for each column c: F[(24·ty + 6c + i)·tw + tx].
    for (long ty = 0; ty < th; ty++)
        for (int c = 0; c < 4; c++) aa_run(Z0 + c * n + 4 * ty * tw, tw, F + (24 * ty + 6 * c) * tw, tw, tw);
    // A over each row i's four columns: dM[i][j]; row i outer, so six output planes are written
    // at a time, each from start to end (as in the input transform).
    for (int i = 0; i < 6; i++)
        for (long ty = 0; ty < th; ty++) aa_run(F + (24 * ty + i) * tw, 6 * tw, dst + 6 * i * step + ty * tw, step, tw);
}
