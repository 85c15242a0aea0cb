// OpenBLAS's kernel set on CPUs newer than the installed OpenBLAS.
//
// A DYNAMIC_ARCH OpenBLAS picks its kernels at load time from the CPU's family and model. A CPU
// it does not know gets a fallback: Debian 12's OpenBLAS 0.3.21 runs its SSE3 `Prescott` kernels
// on an Intel Xeon of model 207 (Emerald Rapids, AVX-512), measured 1.75× slower on
// lstm_train_step and 1.4× on cnn_train_step than with the AVX-512 `Cooperlake` set it ships.
// When that happens, and the user has not chosen a set with OPENBLAS_CORETYPE, this file asks
// OpenBLAS to select again with the best set the CPU and the OS support, through OpenBLAS's own
// exported entry points (`gotoblas_dynamic_quit`, `gotoblas_dynamic_init`, which honour
// OPENBLAS_CORETYPE), once, in a constructor: OpenBLAS's own constructor has run (it is a
// dependency, loaded first) and no BLAS call has been made yet. Builds of OpenBLAS without those
// symbols (a single-architecture build) are left alone. SWIFTGRAD_BLAS_CORE_FIX=0 keeps
// OpenBLAS's own choice.

#include "CKernels.h"
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

// Kernel sets below AVX2 that an x86-64 OpenBLAS can fall back to (its names, as
// openblas_get_corename() spells them).
static const char *const sg_pre_avx2_cores[] = {
    "unknown", "katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2", "penryn",
    "dunnington", "nehalem", "athlon", "opteron", "opteron_sse3", "barcelona", "nano", "bobcat",
    "sandybridge", "bulldozer", "piledriver", "steamroller",
};

const char *sg_blas_core_choice(const char *current, int avx2_fma, int avx512, int avx512_bf16,
                                int has_cooperlake, int has_skylakex, int has_haswell) {
    if (current == NULL || !avx2_fma) return NULL;
    int fallback = 0;
    for (size_t i = 0; i < sizeof sg_pre_avx2_cores / sizeof *sg_pre_avx2_cores; i++)
        if (strcasecmp(current, sg_pre_avx2_cores[i]) == 0) fallback = 1;
    if (!fallback) return NULL;
    if (avx512 && avx512_bf16 && has_cooperlake) return "Cooperlake";
    if (avx512 && has_skylakex) return "SkylakeX";
    if (has_haswell) return "Haswell";
    return NULL;
}

static char sg_blas_core_before[32];
static int sg_blas_core_done;

#if defined(__x86_64__)
static int sg_cpu_avx512_set(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
}
#endif

void sg_blas_core_fix(void) {
    if (sg_blas_core_done) return;
    sg_blas_core_done = 1;
#if defined(__x86_64__)
    const char *off = getenv("SWIFTGRAD_BLAS_CORE_FIX");
    if (off != NULL && strcmp(off, "0") == 0) return;
    const char *forced = getenv("OPENBLAS_CORETYPE");
    if (forced != NULL && forced[0] != '\0') return;   // the user's choice stands
    char *(*corename)(void) = (char *(*)(void))dlsym(RTLD_DEFAULT, "openblas_get_corename");
    void (*quit)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "gotoblas_dynamic_quit");
    void (*init)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init");
    if (corename == NULL || quit == NULL || init == NULL) return;
    const char *current = corename();
    __builtin_cpu_init();
    const char *target = sg_blas_core_choice(
        current, sg_cpu_has_avx2_fma(), sg_cpu_avx512_set(), __builtin_cpu_supports("avx512bf16"),
        dlsym(RTLD_DEFAULT, "gotoblas_COOPERLAKE") != NULL, dlsym(RTLD_DEFAULT, "gotoblas_SKYLAKEX") != NULL,
        dlsym(RTLD_DEFAULT, "gotoblas_HASWELL") != NULL);
    if (target == NULL) return;
    strncpy(sg_blas_core_before, current, sizeof sg_blas_core_before - 1);
    // OpenBLAS reads OPENBLAS_CORETYPE when it selects; set it only for that call.
    setenv("OPENBLAS_CORETYPE", target, 1);
    quit();
    init();
    unsetenv("OPENBLAS_CORETYPE");
#endif
}

const char *sg_blas_core_replaced(void) {
    return sg_blas_core_before[0] != '\0' ? sg_blas_core_before : NULL;
}

__attribute__((constructor)) static void sg_blas_core_at_load(void) { sg_blas_core_fix(); }
