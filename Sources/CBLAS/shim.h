#ifndef SWIFTGRAD_CBLAS_SHIM_H
#define SWIFTGRAD_CBLAS_SHIM_H
// SwiftGrad stands on OpenBLAS (cblas) and LAPACKE. There is no slow fallback.
#if __has_include(<cblas.h>)
#include <cblas.h>
#else
#error "SwiftGrad needs OpenBLAS: install it with `apt-get install -y libopenblas-dev liblapacke-dev`"
#endif
#if __has_include(<lapacke.h>)
#include <lapacke.h>
#else
#error "SwiftGrad needs LAPACKE: install it with `apt-get install -y liblapacke-dev`"
#endif

// A hint to the CPU inside a spin-wait loop (SwiftGrad's worker pool polls for work this way).
static inline void swiftgrad_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}
#endif
