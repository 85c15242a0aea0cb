// The LSTM cell's backward over rows r0..<r1 (Sources/SwiftGrad/Kernels/RecurrentKernels.swift,
// `lstmBackwardRows`) on eight lanes with a scalar tail. The Swift loop is generic and the compiler
// keeps it scalar (its five outputs may alias its inputs); this is the same arithmetic, operation
// for operation and in the same order (contraction off), so both give the same floats
// (RecurrentRowsKernelTests). dc may be dc_next (updated in place, element by element).
#include "CKernels.h"
#include "VectorTarget.h"

#pragma clang fp contract(off)

// One element (or eight) of the cell backward: i, f, g, o gate activations, tc = tanh(c).
#define LSTM_BACKWARD(V, j) do { \
    V i = *(const V *)(a + (j)), f = *(const V *)(a + h + (j)), g = *(const V *)(a + 2 * h + (j)); \
    V o = *(const V *)(a + 3 * h + (j)), tc = *(const V *)(a + 4 * h + (j)); \
    V dhj = *(const V *)(dhr + (j)), dcj = *(const V *)(dcn + (j)) + dhj * o * (1 - tc * tc); \
    V cpj = *(const V *)(cp + (j)); \
    *(V *)(dp + (j)) = dcj * g * i * (1 - i); \
    *(V *)(dp + h + (j)) = dcj * cpj * f * (1 - f); \
    *(V *)(dp + 2 * h + (j)) = dcj * i * (1 - g * g); \
    *(V *)(dp + 3 * h + (j)) = dhj * tc * o * (1 - o); \
    *(V *)(dcr + (j)) = dcj * f; } while (0)

SG_AVX2 void sg_lstm_backward_rows_f32(const float *dh, const float *dc_next, const float *acts, const float *c_prev,
                                       float *d_pre, float *dc, long r0, long r1, long h) {
    for (long r = r0; r < r1; r++) {
        const float *a = acts + r * 5 * h, *cp = c_prev + r * h, *dhr = dh + r * h, *dcn = dc_next + r * h;
        float *dp = d_pre + r * 4 * h, *dcr = dc + r * h;
        long j = 0;
        for (; j + 8 <= h; j += 8) LSTM_BACKWARD(v8, j);
        for (; j < h; j++) LSTM_BACKWARD(float, j);
    }
}
