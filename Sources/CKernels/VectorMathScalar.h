// The scalar formulas of the vector math (VectorMath.c, VectorMathAVX512.c) for the lanes the
// vector code does not take, and for other architectures. Private to the C kernels.
#ifndef SG_VECTOR_MATH_SCALAR_H
#define SG_VECTOR_MATH_SCALAR_H

#include <math.h>

static inline float sg_sigmoid_scalar(float v) {
    if (v >= 0) return 1.0f / (1.0f + expf(-v));
    float e = expf(v);
    return e / (1.0f + e);
}

static const float sg_gelu_k = 0x1.988452p-1f;   // √(2/π) as the Swift code computes it in float: sqrt(2 / Float.pi)
static const float sg_gelu_c = 0.044715f;

static inline float sg_gelu_scalar(float v) {
    float inner = v + sg_gelu_c * v * v * v;
    return v * (1.0f + tanhf(sg_gelu_k * inner)) / 2.0f;
}

static inline float sg_gelu_backward_scalar(float g, float x) {
    float x2 = x * x;
    float t = tanhf((x + x2 * x * sg_gelu_c) * sg_gelu_k);
    float du = (x2 * (3.0f * sg_gelu_c) + 1.0f) * sg_gelu_k;
    return g * ((t + 1.0f) * 0.5f + x * (1.0f - t * t) * du * 0.5f);
}

// The ops of the vector maps: the vector formula on lanes in [low, high] (others are computed on 0
// and replaced by the scalar formula).
enum { SG_EXP, SG_SIGMOID, SG_TANH, SG_GELU };

// Each op's vector range [low, high], and the bound below which its result is +0 without the scalar
// call (exp: e^-104 is under half the least subnormal, so causal masks' -∞ scores stay on the vector
// path). NaN is outside every range.
typedef struct { float low, high, zero_below; } sg_op_range;
static const sg_op_range sg_op_ranges[4] = {
    [SG_EXP] = {-87.0f, 88.0f, -104.0f},
    [SG_SIGMOID] = {-87.0f, 87.0f, -INFINITY},
    [SG_TANH] = {-9.0f, 9.0f, -INFINITY},
    [SG_GELU] = {-__FLT_MAX__, __FLT_MAX__, -INFINITY},
};

static inline float sg_scalar_op(int op, float v) {
    switch (op) {
    case SG_EXP: return expf(v);
    case SG_SIGMOID: return sg_sigmoid_scalar(v);
    case SG_TANH: return tanhf(v);
    default: return sg_gelu_scalar(v);
    }
}

#endif
