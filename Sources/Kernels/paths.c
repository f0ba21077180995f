// Which kernel paths this CPU runs, and which one is in use.
#include "internal.h"
#include "Kernels.h"

#include <stdio.h>
#include <stdlib.h>

// CPUID is slow (a VM exit under a hypervisor): ask once, keep the answers as bits.
static int supported_mask = -1;

static int detect(int path) {
    if (path == CK_PATH_GENERIC) return 1;
#if defined(__x86_64__)
    return x86_supports(path);
#elif defined(__aarch64__)
    return path == CK_PATH_FMA || path == CK_PATH_NEON;  // FMADD and Advanced SIMD are part of arm64
#else
    return 0;
#endif
}

int ck_path_supported(int path) {
    if (path < 0 || path >= CK_PATH_COUNT) return 0;
    int mask = __atomic_load_n(&supported_mask, __ATOMIC_ACQUIRE);
    if (mask < 0) {
        mask = 0;
        for (int p = 0; p < CK_PATH_COUNT; p++)
            if (detect(p)) mask |= 1 << p;
        __atomic_store_n(&supported_mask, mask, __ATOMIC_RELEASE);
    }
    return (mask >> path) & 1;
}

const char *ck_path_name(int path) {
    static const char *names[CK_PATH_COUNT] = {"generic", "fma", "avx2", "avx512", "neon"};
    return path >= 0 && path < CK_PATH_COUNT ? names[path] : "";
}

static int resolved_path = -1;
static char environment_error[256];

static int resolve_path(void) {
    int best = CK_PATH_GENERIC;
    for (int p = 1; p < CK_PATH_COUNT; p++)
        if (ck_path_supported(p)) best = p;
    const char *want = getenv("COMIGS_KERNELS");
    if (!want || !*want || strcmp(want, "auto") == 0) return best;
    for (int p = 0; p < CK_PATH_COUNT; p++) {
        if (strcmp(want, ck_path_name(p)) != 0) continue;
        if (ck_path_supported(p)) return p;
        snprintf(environment_error, sizeof environment_error,
                 "COMIGS_KERNELS: this CPU cannot run the '%.40s' path (best here: %s)", want, ck_path_name(best));
        return best;
    }
    snprintf(environment_error, sizeof environment_error,
             "COMIGS_KERNELS: unknown path '%.40s' (known: generic, fma, avx2, avx512, neon, auto)", want);
    return best;
}

int ck_active_path(void) {
    int p = __atomic_load_n(&resolved_path, __ATOMIC_ACQUIRE);
    if (p < 0) {
        p = resolve_path();  // idempotent: racing first calls agree
        __atomic_store_n(&resolved_path, p, __ATOMIC_RELEASE);
    }
    return p;
}

const char *ck_environment_error(void) {
    ck_active_path();
    return environment_error[0] ? environment_error : NULL;
}
