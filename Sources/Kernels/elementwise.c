// Elementwise kernels of the model (GELU and its derivative, softmax's exponentials), compiled
// once per instruction set (baseline, AVX2, AVX-512F on x86-64) from one source and chosen with
// the matrix kernels' path. Each element is the same sequence of IEEE operations in every build —
// no fused multiply-add (contraction off), no reassociation — so the wider builds give the same
// bits; they only let the compiler put 8 or 16 elements in a vector instead of 4.
#pragma clang fp contract(off)

#include "Kernels.h"
#include "elementwise.h"

// p[j] = e^{p[j] − shift}; then Σ p[j] in FastMath.sum's order.
INLINE float exp_sum(float *p, long n, float shift) {
    for (long j = 0; j < n; j++) p[j] = exp_poly(p[j] - shift);
    return sum8(p, n);
}

#define VARIANTS(SUFFIX, ATTR)                                                                                   \
    ATTR static void gelu_forward_##SUFFIX(float *restrict y, const float *restrict x, long n) { gelu_row(y, x, n); } \
    ATTR static void gelu_backward_##SUFFIX(float *restrict dx, const float *restrict dy, const float *restrict x, \
                                            long n) {                                                            \
        gelu_backward_row(dx, dy, x, n);                                                                         \
    }                                                                                                            \
    ATTR static float exp_sum_##SUFFIX(float *p, long n, float shift) { return exp_sum(p, n, shift); }

VARIANTS(base, )
#if defined(__x86_64__)
VARIANTS(avx2, TARGET_avx2)
VARIANTS(avx512, TARGET_avx512)
#endif

void ck_gelu_forward(float *y, const float *x, long n) { PICK(gelu_forward)(y, x, n); }

void ck_gelu_backward(float *dx, const float *dy, const float *x, long n) { PICK(gelu_backward)(dx, dy, x, n); }

float ck_exp_sum(float *p, long n, float shift) { return PICK(exp_sum)(p, n, shift); }

float ck_exp(float x) { return exp_poly(x); }
