// The weight transforms of Winograd F(2×2, 3×3) and F(4×4, 3×3) (Sources/SwiftGrad/Kernels/
// Winograd.swift, WinogradF4.swift) for float32, eight (o, c) pairs at a time on AVX2 lanes:
// U[ξ, pair] = (G w[pair] Gᵀ)[ξ] and its adjoint dw[pair] = Gᵀ dU[·, pair] G. The arithmetic is the
// Swift loops', operation for operation and in the same order (the macros GK2/GK4/GT2/GT4 below and
// the closures there, divisions kept as divisions), so both paths give the same floats; contraction
// is off. The loops over a transform's rows and lanes are unrolled by pragma: the package compiles C
// at -O2, which left the adjoint's rolled (1.5-2× its time). The Swift loops ran one pair at a time:
// 6.9 % of resnet18_train_step's one-thread samples, 2.5 % with these (Docs/Performance.md).
#include "CKernels.h"
#include "VectorTarget.h"
#include <string.h>

#pragma clang fp contract(off)

// G applied to three values (a, b, c): F(2×2) gives four, F(4×4) six.
#define GK2(a, b, c, o) do { o[0] = a; o[1] = ((a + b) + c) * 0.5f; o[2] = ((a - b) + c) * 0.5f; o[3] = c; } while (0)
#define GK4(a, b, c, o) do { o[0] = a / 4; o[1] = -((a + b) + c) / 6; o[2] = -((a - b) + c) / 6; \
    o[3] = ((a + 2 * b) + 4 * c) / 24; o[4] = ((a - 2 * b) + 4 * c) / 24; o[5] = c; } while (0)
// Gᵀ applied to four (F(2×2)) or six (F(4×4)) values: three.
#define GT2(u, o) do { o[0] = u[0] + (u[1] + u[2]) * 0.5f; o[1] = (u[1] - u[2]) * 0.5f; \
    o[2] = (u[1] + u[2]) * 0.5f + u[3]; } while (0)
#define GT4(u, o) do { o[0] = (u[0] / 4 - (u[1] + u[2]) / 6) + (u[3] + u[4]) / 24; \
    o[1] = (u[2] - u[1]) / 6 + (u[3] - u[4]) / 12; o[2] = ((u[3] + u[4]) - (u[1] + u[2])) / 6 + u[5]; } while (0)

// One pair (or eight, on lanes): t[ξ·ts] = (G k Gᵀ)[ξ] for the 3×3 kernel k[0..8] (row-major).
// G k first, column by column (q[r][j] = (G k[·, j])[r]), then G over each row of that.
#define WEIGHTS(V, M, GK, k, t, ts) do { V q[M][3], r[M]; \
    _Pragma("clang loop unroll(full)") for (int j = 0; j < 3; j++) { GK(k[j], k[3 + j], k[6 + j], r); _Pragma("clang loop unroll(full)") for (int i = 0; i < M; i++) q[i][j] = r[i]; } \
    _Pragma("clang loop unroll(full)") for (int row = 0; row < M; row++) { GK(q[row][0], q[row][1], q[row][2], r); \
        _Pragma("clang loop unroll(full)") for (int i = 0; i < M; i++) t[(M * row + i) * (ts)] = r[i]; } } while (0)

// One pair (or eight): out[0..8] = Gᵀ dU G for dU[ξ] = *(V *)(s + ξ·oc). Gᵀ over the rows first
// (column j's M values → three), then over each of the three rows' M values.
#define ADJOINT(V, M, GT, s, oc, out) do { V q[3][M], u[M], r[3]; \
    _Pragma("clang loop unroll(full)") for (int j = 0; j < M; j++) { _Pragma("clang loop unroll(full)") for (int i = 0; i < M; i++) u[i] = *(const V *)(s + (M * i + j) * (oc)); GT(u, r); \
        q[0][j] = r[0]; q[1][j] = r[1]; q[2][j] = r[2]; } \
    _Pragma("clang loop unroll(full)") for (int row = 0; row < 3; row++) { GT(q[row], r); out[3 * row] = r[0]; out[3 * row + 1] = r[1]; out[3 * row + 2] = r[2]; } \
} while (0)

enum { BLOCK = 64 };   // pairs per block: each of the M² rows copied out is four whole cache lines

#define DEF_WEIGHTS(NAME, M, GK) SG_AVX2 static void NAME(const float *w, float *u, long oc, long lo, long hi) { \
    float tile[M * M * BLOCK]; \
    for (long b0 = lo; b0 < hi; b0 += BLOCK) { \
        long count = hi - b0 < BLOCK ? hi - b0 : BLOCK, col = 0; \
        for (; col + 8 <= count; col += 8) { \
            /* the nine kernel values of eight pairs, one vector each */ \
            const float *src = w + 9 * (b0 + col); v8 k[9]; \
            _Pragma("clang loop unroll(full)") for (int e = 0; e < 9; e++) _Pragma("clang loop unroll(full)") for (int l = 0; l < 8; l++) k[e][l] = src[9 * l + e]; \
            v8 *t = (v8 *)(tile + col); \
            WEIGHTS(v8, M, GK, k, t, BLOCK / 8); } \
        for (; col < count; col++) { const float *k = w + 9 * (b0 + col); float *t = tile + col; WEIGHTS(float, M, GK, k, t, BLOCK); } \
        for (int xi = 0; xi < M * M; xi++) memcpy(u + xi * oc + b0, tile + xi * BLOCK, (size_t)count * sizeof(float)); } }
DEF_WEIGHTS(weights2, 4, GK2)
DEF_WEIGHTS(weights4, 6, GK4)

#define DEF_ADJOINT(NAME, M, GT) SG_AVX2 static void NAME(const float *du, float *dw, long oc, long lo, long hi) { \
    long i = lo; \
    for (; i + 8 <= hi; i += 8) { \
        const float *s = du + i; v8 out[9]; \
        ADJOINT(v8, M, GT, s, oc, out); \
        float *d = dw + 9 * i; \
        _Pragma("clang loop unroll(full)") for (int l = 0; l < 8; l++) _Pragma("clang loop unroll(full)") for (int e = 0; e < 9; e++) d[9 * l + e] = out[e][l]; } \
    for (; i < hi; i++) { const float *s = du + i; float *out = dw + 9 * i; ADJOINT(float, M, GT, s, oc, out); } }

DEF_ADJOINT(adjoint2, 4, GT2)
DEF_ADJOINT(adjoint4, 6, GT4)

void sg_winograd_weights_f32(const float *w, float *u, long oc, long lo, long hi, int m) {
    if (m == 4) weights4(w, u, oc, lo, hi); else weights2(w, u, oc, lo, hi);
}

void sg_winograd_weights_adjoint_f32(const float *du, float *dw, long oc, long lo, long hi, int m) {
    if (m == 4) adjoint4(du, dw, oc, lo, hi); else adjoint2(du, dw, oc, lo, hi);
}
