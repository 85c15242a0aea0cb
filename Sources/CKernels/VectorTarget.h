// Shared by the C kernels (not part of the module's public header): the function attribute that
// compiles one function for AVX2 + FMA (chosen at run time by the Swift side, `Kernels.ownKernels`;
// empty where the compiler has no such target), and the vector types of the kernels written with
// GCC vector extensions: unaligned, and allowed to alias the float arrays they are read from (as the
// intrinsics' types are).
#ifndef SG_VECTOR_TARGET_H
#define SG_VECTOR_TARGET_H

#if defined(__x86_64__) || defined(__i386__)
#define SG_AVX2 __attribute__((target("avx2,fma")))
#else
#define SG_AVX2
#endif

typedef float v8 __attribute__((vector_size(32), aligned(4), may_alias));
typedef float v4 __attribute__((vector_size(16), aligned(4), may_alias));

#endif
