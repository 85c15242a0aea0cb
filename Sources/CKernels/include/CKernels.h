// SwiftGrad's own vector kernels in C, for instruction sets the Swift code is not compiled for.
// Every kernel is compiled with a function-level target attribute (no global compiler flags) and is
// called only after `sg_cpu_has_avx2_fma()` says the running CPU has the instructions; callers keep
// a portable path (OpenBLAS) for CPUs without them.
#ifndef SWIFTGRAD_CKERNELS_H
#define SWIFTGRAD_CKERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when the running CPU has AVX2 and FMA3 (and the OS saves the AVX state), else 0.
int sg_cpu_has_avx2_fma(void);

/// Number of floats `sg_pack_b_f32` writes for a [k, n] matrix: n rounded up to 16, times k.
size_t sg_packed_b_count_f32(long k, long n);

/// Packs B [k, n], element (p, j) at b[p * rsb + j * csb], into panels of 16 columns (each panel k
/// rows of 16 contiguous floats, the last panel zero-padded). Portable C (no vector instructions).
void sg_pack_b_f32(long k, long n, const float *b, long rsb, long csb, float *packed);

/// A[m, k] · B for the columns of panels q0..<q1 (panel q is columns 16q..<min(16q + 16, n)), with A
/// row-major (row stride lda), B packed by `sg_pack_b_f32`, C row-major (row stride ldc). With
/// `accumulate` nonzero C += A · B; else C = A · B + bias[j] (bias may be NULL: C = A · B). Each
/// element's product is one fused multiply-add per p = 0..<k, in order, from zero, then added to C
/// or to the bias: results do not depend on m, n or the row and panel ranges callers hand to
/// threads. Requires `sg_cpu_has_avx2_fma()`.
void sg_gemm_packed_b_panels_f32_avx2(long m, long n, long k, const float *a, long lda, const float *packed,
                                      float *c, long ldc, long q0, long q1, const float *bias, int accumulate);

/// 1 when the running CPU has AVX-512F and FMA (and the OS saves the 512-bit state), else 0.
int sg_cpu_has_avx512f(void);

/// `sg_gemm_packed_b_panels_f32_avx2` on 16 lanes: same packed B, same arguments and bit for bit the
/// same results (one FMA chain per element, in the same order). Requires `sg_cpu_has_avx512f()`.
void sg_gemm_packed_b_panels_f32_avx512(long m, long n, long k, const float *a, long lda, const float *packed,
                                        float *c, long ldc, long q0, long q1, const float *bias, int accumulate);

/// C[m, n] = alpha · op(A) · op(B) + beta · C for row-major float32 matrices (op(A) = Aᵀ when transA
/// is nonzero, A then stored [k, m]; likewise B), the cache-blocked AVX-512 GEMM of
/// BlockedGemmAVX512.c. Each element of C is one FMA chain per block of at most 384 values of p, the
/// blocks added in order, so results do not depend on which rows or columns a call covers. With beta
/// zero C is only written. Returns 0, or -1 when its packing buffer could not be allocated (C is then
/// untouched). Requires `sg_cpu_has_avx512f()`.
int sg_sgemm_blocked_avx512(int transA, int transB, long m, long n, long k, float alpha, const float *a,
                            long lda, const float *b, long ldb, float beta, float *c, long ldc);

/// U[ξ, i] = (G w[i] Gᵀ)[ξ] for the pairs i in lo..<hi of 3×3 kernels w [pairs, 9], U planes oc
/// elements apart: Winograd F(m×m, 3×3)'s weight transform (m = 2 or 4; WinogradWeightTransforms.c,
/// the same floats as the Swift loops). Requires AVX2 + FMA.
void sg_winograd_weights_f32(const float *w, float *u, long oc, long lo, long hi, int m);

/// dw[i] = Gᵀ dU[·, i] G for the pairs i in lo..<hi (the adjoint of `sg_winograd_weights_f32`).
void sg_winograd_weights_adjoint_f32(const float *du, float *dw, long oc, long lo, long hi, int m);

/// Floats of scratch every `sg_winograd_*_plane_f32` call needs, for th × tw tiles of 2×2 outputs.
size_t sg_winograd_scratch_count_f32(long th, long tw);

/// Winograd F(2×2, 3×3) input transform of one [h, w] plane (padding pad_top/pad_left, zeros around):
/// point ξ of tile (ty, tx) goes to out[ξ * step + ty * tw + tx]. Requires `sg_cpu_has_avx2_fma()`.
void sg_winograd_input_plane_f32(const float *src, long h, long w, long pad_top, long pad_left,
                                 long th, long tw, float *out, long step, float *scratch);

/// The adjoint of `sg_winograd_input_plane_f32`: dst [h, w] (overwritten) = Σ over tiles of B dV Bᵀ.
void sg_winograd_input_adjoint_plane_f32(const float *src, long step, float *dst, long h, long w,
                                         long pad_top, long pad_left, long th, long tw, float *scratch);

/// Winograd output transform of one output plane [oh, ow]: Aᵀ M A per tile plus bias.
void sg_winograd_output_plane_f32(const float *src, long step, float *dst, long oh, long ow,
                                  long th, long tw, float bias, float *scratch);

/// The adjoint of `sg_winograd_output_plane_f32`: dM = A dY Aᵀ per tile of one plane [oh, ow].
void sg_winograd_output_adjoint_plane_f32(const float *src, long oh, long ow, long th, long tw,
                                          float *dst, long step, float *scratch);

/// Floats of scratch every `sg_winograd4_*_plane_f32` call needs, for th × tw tiles of 4×4 outputs.
size_t sg_winograd4_scratch_count_f32(long th, long tw);

/// Winograd F(4×4, 3×3) input transform of one [h, w] plane (padding pad_top/pad_left, zeros
/// around): point ξ (0..<36) of tile (ty, tx) goes to out[ξ * step + ty * tw + tx].
/// Requires `sg_cpu_has_avx2_fma()`.
void sg_winograd4_input_plane_f32(const float *src, long h, long w, long pad_top, long pad_left,
                                  long th, long tw, float *out, long step, float *scratch);

/// The adjoint of `sg_winograd4_input_plane_f32`: dst [h, w] (overwritten) = Σ over tiles of B dV Bᵀ.
void sg_winograd4_input_adjoint_plane_f32(const float *src, long step, float *dst, long h, long w,
                                          long pad_top, long pad_left, long th, long tw, float *scratch);

/// Winograd F(4×4, 3×3) output transform of one output plane [oh, ow]: Aᵀ M A per tile plus bias.
void sg_winograd4_output_plane_f32(const float *src, long step, float *dst, long oh, long ow,
                                   long th, long tw, float bias, float *scratch);

/// The adjoint of `sg_winograd4_output_plane_f32`: dM = A dY Aᵀ per tile of one plane [oh, ow].
void sg_winograd4_output_adjoint_plane_f32(const float *src, long oh, long ow, long th, long tw,
                                           float *dst, long step, float *scratch);

/// The LSTM cell backward for rows r0..<r1 (each row h units; acts rows of 5h: i, f, g, o, tanh c):
/// dPre rows of 4h and dc (may be dc_next) as `Kernels.lstmBackwardRows`, on eight lanes.
/// Requires `sg_cpu_has_avx2_fma()`.
void sg_lstm_backward_rows_f32(const float *dh, const float *dc_next, const float *acts, const float *c_prev,
                               float *d_pre, float *dc, long r0, long r1, long h);

/// The LSTM cell forward for rows r0..<r1 as `Kernels.lstmForwardRows`: from pre rows of 4h (i, f,
/// g, o pre-activations) and c_prev, acts rows of 5h (sigmoid i, f, o, tanh g, tanh c'), c' and h';
/// the activations through the sixteen-lane kernels when `wide`, else the eight-lane ones. Requires
/// `sg_cpu_has_avx2_fma()` (and AVX-512F when `wide`).
void sg_lstm_forward_rows_f32(const float *pre, const float *c_prev, float *h_out, float *c_out, float *acts,
                              long r0, long r1, long h, int wide);

/// c[i] = a[i] op b[i] for i in 0..<n (op 0 add, 1 subtract, 2 multiply, 3 divide) with
/// non-temporal stores (for arrays beyond the last-level cache); c may be a. Requires
/// `sg_cpu_has_avx2_fma()`; the same floats as the scalar loop.
void sg_binary_stream_f32(int op, const float *a, const float *b, float *c, long n);
void sg_binary_stream_f64(int op, const double *a, const double *b, double *c, long n);

/// 2×2 max pooling with stride 2 over one float32 plane of width w: out[oy, ox] (oh × ow) = the
/// largest of x[row0 + 2oy + a, col0 + 2ox + b] (a, b in 0...1, compared in that order, the first
/// on ties, the last NaN wins), idx[oy, ox] its position in the plane. Positions must fit an int32
/// (h·w < 2³¹). Requires `sg_cpu_has_avx2_fma()`; the same results as the Swift loop.
void sg_maxpool2x2_f32(const float *x, long w, long oh, long ow, long row0, long col0,
                       float *out, long long *idx);

/// CPUs in the calling process's affinity mask (`taskset`, a container's cpuset); 0 where the mask
/// cannot be read (not Linux, or more CPUs than `cpu_set_t` holds).
int sg_affinity_cpu_count(void);

/// Adam's update over lo..<hi, in place on p, m, v (no amsgrad, no maximize): m = lerp(m, g, w1),
/// v = v·b2 + (w2·g)·g, p = x + (negStep·m) / (√|v| / bc2 + eps), x = p·decay when `decoupled` else
/// p. The operations and their order of SwiftGrad's Swift loop (no fused multiply-add), so the
/// same bits. Requires `sg_cpu_has_avx2_fma()`.
void sg_adam_f32_avx2(float *p, const float *g, float *m, float *v, long lo, long hi,
                      float w1, float b2, float w2, float negStep, float bc2, float eps,
                      float decay, int decoupled);

/// y[i] = e^x[i] for i in lo..<hi (float32, AVX2 + FMA; Sources/CKernels/VectorMath.c). Each element's
/// result depends on its own value only, never on lo or hi; lanes outside [-87, 88] and NaN are libm's
/// expf. x and y may be the same array. Requires `sg_cpu_has_avx2_fma()`.
void sg_exp_f32(const float *x, float *y, long lo, long hi);

/// row[i] = e^(row[i] - base) for i in 0..<n, in place: the floats `sg_exp_f32` gives for the
/// differences row[i] - base, without a separate pass for them (softmax rows in attention).
void sg_exp_shifted_f32(float *row, long n, float base);

/// y[i] = 1 / (1 + e^-x[i]) for i in lo..<hi, as `sg_exp_f32` (libm outside [-87, 87]).
void sg_sigmoid_f32(const float *x, float *y, long lo, long hi);

/// y[i] = tanh(x[i]) for i in lo..<hi, as `sg_exp_f32` (libm's tanhf outside [-9, 9]).
void sg_tanh_f32(const float *x, float *y, long lo, long hi);

/// y[i] = x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))/2 (GELU, tanh approximation) for i in lo..<hi;
/// infinities and NaN through the scalar formula with libm's tanhf.
void sg_gelu_tanh_f32(const float *x, float *y, long lo, long hi);

/// out[i] = g[i]·gelu'(x[i]) (tanh approximation) for i in lo..<hi; x not finite through the scalar
/// formula with libm's tanhf.
void sg_gelu_tanh_backward_f32(const float *g, const float *x, float *out, long lo, long hi);

/// The six functions above on sixteen lanes (Sources/CKernels/VectorMathAVX512.c): the same
/// arguments and bit for bit the same results. Require `sg_cpu_has_avx512f()`.
void sg_exp_f32_avx512(const float *x, float *y, long lo, long hi);
void sg_exp_shifted_f32_avx512(float *row, long n, float base);
void sg_sigmoid_f32_avx512(const float *x, float *y, long lo, long hi);
void sg_tanh_f32_avx512(const float *x, float *y, long lo, long hi);
void sg_gelu_tanh_f32_avx512(const float *x, float *y, long lo, long hi);
void sg_gelu_tanh_backward_f32_avx512(const float *g, const float *x, float *out, long lo, long hi);

/// OpenBLAS's kernel set on CPUs newer than the installed OpenBLAS (BlasCore.c): the set to ask for
/// when OpenBLAS fell back to `current`, a set below AVX2, on a CPU with AVX2 + FMA — "Cooperlake"
/// (AVX-512 with BF16), "SkylakeX" (AVX-512 F/CD/BW/DQ/VL) or "Haswell", whichever is the best
/// the CPU has and the OpenBLAS build contains (the three `has_` flags) — else NULL (keep).
const char *sg_blas_core_choice(const char *current, int avx2_fma, int avx512, int avx512_bf16,
                                int has_cooperlake, int has_skylakex, int has_haswell);

/// Makes OpenBLAS select again when `sg_blas_core_choice` says its choice is a fallback. Runs once
/// (later calls return at once), in a load-time constructor; does nothing when OPENBLAS_CORETYPE is
/// set, when SWIFTGRAD_BLAS_CORE_FIX=0, or when OpenBLAS is not a DYNAMIC_ARCH build.
void sg_blas_core_fix(void);

/// The kernel set OpenBLAS had chosen before `sg_blas_core_fix` replaced it, or NULL if it did not.
const char *sg_blas_core_replaced(void);

#ifdef __cplusplus
}
#endif

#endif
