// The elementwise arithmetic shared by elementwise.c and rows.c: each function is one fixed
// sequence of IEEE operations (no fused multiply-add: every file that includes this has
// contraction off), inlined into each instruction-set variant of its caller, so every variant
// gives the same bits.
#ifndef COMIGS_KERNELS_ELEMENTWISE_H
#define COMIGS_KERNELS_ELEMENTWISE_H
#pragma clang fp contract(off)

#include <stdint.h>
#include <string.h>

#define INLINE static inline __attribute__((always_inline))

// e^x = 2^n · e^r with n = round(x / ln 2), |r| ≤ ln2 / 2, and e^r from a degree-6 Taylor
// polynomial (truncation error < 2e-8 relative there); relative error < 3e-7 on [-87, 88]
// (FastMathTests). Branch-free, so the loops below vectorise.
INLINE float exp_poly(float x) {
    const float lo = -87.3f >= x ? -87.3f : x;  // NaN stays NaN
    const float xc = 88.7f < lo ? 88.7f : lo;
    // Round-to-nearest by the 1.5·2^23 trick: the low mantissa bits of t hold n as an integer.
    const float t = xc * 1.442695041f + 12582912.0f;
    const float n = t - 12582912.0f;
    // Two-step Cody–Waite reduction keeps r accurate for large |x|.
    const float r = (xc - n * 0.693145752f) - n * 1.428606765e-6f;
    float p = 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1;
    p = p * r + 1;
    // 2^n from exponent bits, as two factors so n = 128 does not overflow.
    uint32_t tb;
    memcpy(&tb, &t, sizeof tb);
    const int32_t ni = (int32_t)(tb - 0x4B400000u), h = ni >> 1;
    const uint32_t b1 = (uint32_t)(h + 127) << 23, b2 = (uint32_t)(ni - h + 127) << 23;
    float s1, s2;
    memcpy(&s1, &b1, sizeof s1);
    memcpy(&s2, &b2, sizeof s2);
    return p * s1 * s2;
}

static const float K0 = 0.7978845608028654f;  // √(2/π)
static const float K1 = 0.044715f;

// GELU, tanh form, through 0.5·(1 + tanh(u)) = σ(2u): y = x / (1 + e^{−2u}), u = K0·(x + K1·x³).
INLINE void gelu_row(float *restrict y, const float *restrict x, long n) {
    for (long i = 0; i < n; i++) {
        const float v = x[i];
        y[i] = v / (1 + exp_poly(-2 * K0 * (v + K1 * v * v * v)));
    }
}

// dx = gelu'(x)·dy with gelu'(x) = s + 2·x·s·(1 − s)·du/dx, s = σ(2u).
INLINE void gelu_backward_row(float *restrict dx, const float *restrict dy, const float *restrict x, long n) {
    for (long i = 0; i < n; i++) {
        const float v = x[i], v2 = v * v;
        const float s = 1 / (1 + exp_poly(-2 * K0 * (v + K1 * v2 * v)));
        const float g = s + 2 * v * s * (1 - s) * (K0 * (1 + 3 * K1 * v2));
        dx[i] = g * dy[i];
    }
}

// Σ a[j]·b[j] (each product rounded, then added) as eight interleaved partial sums, combined
// pairwise, then the tail: the order of FastMath.dot.
INLINE float dot8(const float *a, const float *b, long n) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    long j = 0;
    for (; j + 8 <= n; j += 8) {
        s0 += a[j] * b[j], s1 += a[j + 1] * b[j + 1], s2 += a[j + 2] * b[j + 2], s3 += a[j + 3] * b[j + 3];
        s4 += a[j + 4] * b[j + 4], s5 += a[j + 5] * b[j + 5], s6 += a[j + 6] * b[j + 6], s7 += a[j + 7] * b[j + 7];
    }
    float s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    for (; j < n; j++) s += a[j] * b[j];
    return s;
}

// Σ p[j] in the same order (FastMath.sum).
INLINE float sum8(const float *p, long n) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    long j = 0;
    for (; j + 8 <= n; j += 8) {
        s0 += p[j], s1 += p[j + 1], s2 += p[j + 2], s3 += p[j + 3];
        s4 += p[j + 4], s5 += p[j + 5], s6 += p[j + 6], s7 += p[j + 7];
    }
    float s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    for (; j < n; j++) s += p[j];
    return s;
}

// The variant of NAME for the active kernel path: baseline x86-64, AVX2 or AVX-512F builds of
// one source (the matrix kernels' choice); one build elsewhere.
#if defined(__x86_64__)
#define TARGET_avx2 __attribute__((target("avx2")))
#define TARGET_avx512 __attribute__((target("avx512f")))
#define PICK(NAME) (ck_active_path() == CK_PATH_AVX512 ? NAME##_avx512 : ck_active_path() == CK_PATH_AVX2 ? NAME##_avx2 : NAME##_base)
#else
#define PICK(NAME) NAME##_base
#endif

#endif
