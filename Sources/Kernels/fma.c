// The two fused multiply-adds of the kernels, callable one at a time (tests compare them).
#pragma clang fp contract(off)

#include "internal.h"
#include "Kernels.h"

float ck_fmaf_soft(float a, float b, float c) { return soft_fmaf(a, b, c); }

#if defined(__x86_64__)
__attribute__((target("fma")))
#endif
float ck_fmaf_hw(float a, float b, float c) {
    return __builtin_fmaf(a, b, c);
}
