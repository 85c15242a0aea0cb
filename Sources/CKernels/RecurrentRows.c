// The LSTM cell's forward and backward over rows r0..<r1 (Sources/SwiftGrad/Kernels/
// RecurrentKernels.swift, `lstmForwardRows` and `lstmBackwardRows`) on eight lanes with a scalar
// tail. The Swift loops are generic and the compiler keeps them scalar (their outputs may alias their
// inputs); these are the same arithmetic, operation for operation and in the same order
// (contraction off), so both give the same floats (RecurrentRowsKernelTests). In the backward, dc
// may be dc_next (updated in place, element by element).
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

// The cell forward of one row, elementwise part: c' = f·c + i·g, then (after tanh) h' = o·tanh(c').
#define LSTM_CELL(V, j) *(V *)(cn + (j)) = *(const V *)(a + h + (j)) * *(const V *)(cp + (j)) + \
    *(const V *)(a + (j)) * *(const V *)(a + 2 * h + (j))
#define LSTM_OUT(V, j) *(V *)(hp + (j)) = *(const V *)(a + 3 * h + (j)) * *(const V *)(a + 4 * h + (j))

SG_AVX2 void sg_lstm_forward_rows_f32(const float *pre, const float *c_prev, float *h_out, float *c_out, float *acts,
                                      long r0, long r1, long h, int wide) {
    void (*sigmoid)(const float *, float *, long, long) = wide ? sg_sigmoid_f32_avx512 : sg_sigmoid_f32;
    void (*tanh_)(const float *, float *, long, long) = wide ? sg_tanh_f32_avx512 : sg_tanh_f32;
    for (long r = r0; r < r1; r++) {
        const float *p = pre + r * 4 * h, *cp = c_prev + r * h;
        float *a = acts + r * 5 * h, *hp = h_out + r * h, *cn = c_out + r * h;
        sigmoid(p, a, 0, 2 * h);                 // i, f
        tanh_(p + 2 * h, a + 2 * h, 0, h);       // g
        sigmoid(p + 3 * h, a + 3 * h, 0, h);     // o
        long j = 0;
        for (; j + 8 <= h; j += 8) LSTM_CELL(v8, j);
        for (; j < h; j++) LSTM_CELL(float, j);
        tanh_(cn, a + 4 * h, 0, h);              // tanh(c')
        for (j = 0; j + 8 <= h; j += 8) LSTM_OUT(v8, j);
        for (; j < h; j++) LSTM_OUT(float, j);
    }
}
