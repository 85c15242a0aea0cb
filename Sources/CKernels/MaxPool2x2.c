// 2×2 max pooling with stride 2 (`maxPool2d(x, kernelSize: 2)`, Sources/SwiftGrad/Kernels/
// PoolingKernels.swift) for float32, eight outputs at a time on AVX2 lanes: two rows of sixteen
// inputs are split into their even and odd columns, and the four values of each window are compared
// in the order of the Swift loop (top left, top right, bottom left, bottom right; a later value
// replaces the best only when strictly greater, so ties keep the first), then a NaN replaces it (the
// last NaN of the window, with its own bits), exactly as there. The Swift loop took 5-6 % of
// cnn_train_step's one-thread samples after its tap tables were dropped (Docs/Performance.md).
#include "CKernels.h"
#include "VectorTarget.h"

typedef int vi8 __attribute__((vector_size(32), aligned(4)));
typedef long long vl4 __attribute__((vector_size(32), aligned(8), may_alias));
typedef int vi4 __attribute__((vector_size(16)));

// Lane-wise a where the mask m is all ones, else b (C has no vector ?:); compiled to blends.
#define SELF(m, a, b) ((v8)(((vi8)(a) & (m)) | ((vi8)(b) & ~(m))))
#define SELI(m, a, b) (((a) & (m)) | ((b) & ~(m)))
#define TAKE(m, v, o) do { best = SELF(m, v, best); off = SELI(m, o, off); } while (0)

SG_AVX2 void sg_maxpool2x2_f32(const float *x, long w, long oh, long ow, long row0, long col0,
                               float *out, long long *idx) {
    for (long oy = 0; oy < oh; oy++) {
        long top = (row0 + 2 * oy) * w + col0;
        const float *r0 = x + top, *r1 = r0 + w;
        float *o = out + oy * ow;
        long long *ix = idx + oy * ow;
        long ox = 0;
        // Positions stay below 2³¹ (the caller checks the plane's size), so lanes compute them in int.
        const vi8 lane2 = {0, 2, 4, 6, 8, 10, 12, 14};
        const vi8 one = {1, 1, 1, 1, 1, 1, 1, 1}, zero = {0};
        const vi8 down = one * (int)w, diag = down + 1;
        for (; ox + 8 <= ow; ox += 8) {
            v8 a0 = *(const v8 *)(r0 + 2 * ox), a1 = *(const v8 *)(r0 + 2 * ox + 8);
            v8 b0 = *(const v8 *)(r1 + 2 * ox), b1 = *(const v8 *)(r1 + 2 * ox + 8);
            v8 v0 = __builtin_shufflevector(a0, a1, 0, 2, 4, 6, 8, 10, 12, 14);
            v8 v1 = __builtin_shufflevector(a0, a1, 1, 3, 5, 7, 9, 11, 13, 15);
            v8 v2 = __builtin_shufflevector(b0, b1, 0, 2, 4, 6, 8, 10, 12, 14);
            v8 v3 = __builtin_shufflevector(b0, b1, 1, 3, 5, 7, 9, 11, 13, 15);
            v8 best = v0;
            vi8 off = zero, m;
            m = v1 > best; TAKE(m, v1, one);
            m = v2 > best; TAKE(m, v2, down);
            m = v3 > best; TAKE(m, v3, diag);
            // NaN wins, at its last position in the window.
            m = v0 != v0; TAKE(m, v0, zero);
            m = v1 != v1; TAKE(m, v1, one);
            m = v2 != v2; TAKE(m, v2, down);
            m = v3 != v3; TAKE(m, v3, diag);
            *(v8 *)(o + ox) = best;
            vi8 at = off + lane2 + (int)(top + 2 * ox);
            vi4 lo = __builtin_shufflevector(at, at, 0, 1, 2, 3), hi = __builtin_shufflevector(at, at, 4, 5, 6, 7);
            *(vl4 *)(ix + ox) = __builtin_convertvector(lo, vl4);
            *(vl4 *)(ix + ox + 4) = __builtin_convertvector(hi, vl4);
        }
        for (; ox < ow; ox++) {
            long p0 = top + 2 * ox, at = p0;
            float v0 = r0[2 * ox], v1 = r0[2 * ox + 1], v2 = r1[2 * ox], v3 = r1[2 * ox + 1], best = v0;
            if (v1 > best) { best = v1; at = p0 + 1; }
            if (v2 > best) { best = v2; at = p0 + w; }
            if (v3 > best) { best = v3; at = p0 + w + 1; }
            if (v0 != v0) { best = v0; at = p0; }
            if (v1 != v1) { best = v1; at = p0 + 1; }
            if (v2 != v2) { best = v2; at = p0 + w; }
            if (v3 != v3) { best = v3; at = p0 + w + 1; }
            o[ox] = best;
            ix[ox] = at;
        }
    }
}
