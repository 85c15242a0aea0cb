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
#endif
