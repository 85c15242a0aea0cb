// The number of CPUs in the calling process's affinity mask (sched_getaffinity is a GNU extension,
// not visible to Swift through Glibc's module map).
#define _GNU_SOURCE
#include "CKernels.h"
#if defined(__linux__)
#include <sched.h>
#endif

int sg_affinity_cpu_count(void) {
#if defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set);
#endif
    return 0;
}
