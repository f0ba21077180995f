// The arithmetic peak a micro-kernel can approach: a register-resident loop of independent fused
// multiply-adds on the path's vectors (enough accumulators to cover the latency of two or more
// FMA pipes), for `comigs bench gemm` to report each product's share of it.
#include "Kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2,fma"))) static float peak_avx2(long iterations) {
    __m256 c[12];
    for (int i = 0; i < 12; i++) c[i] = _mm256_set1_ps((float)i);
    const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(1e-4f);
    for (long k = 0; k < iterations; k++)
#pragma clang loop unroll(full)
        for (int i = 0; i < 12; i++) c[i] = _mm256_fmadd_ps(c[i], a, b);
    __m256 s = c[0];
    for (int i = 1; i < 12; i++) s = _mm256_add_ps(s, c[i]);
    return _mm256_cvtss_f32(s);
}

__attribute__((target("avx512f,fma"))) static float peak_avx512(long iterations) {
    __m512 c[12];
    for (int i = 0; i < 12; i++) c[i] = _mm512_set1_ps((float)i);
    const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-4f);
    for (long k = 0; k < iterations; k++)
#pragma clang loop unroll(full)
        for (int i = 0; i < 12; i++) c[i] = _mm512_fmadd_ps(c[i], a, b);
    __m512 s = c[0];
    for (int i = 1; i < 12; i++) s = _mm512_add_ps(s, c[i]);
    return _mm512_reduce_add_ps(s);
}
#endif

#if defined(__aarch64__)
#include <arm_neon.h>

static float peak_neon(long iterations) {
    float32x4_t c[16];
    for (int i = 0; i < 16; i++) c[i] = vdupq_n_f32((float)i);
    const float32x4_t a = vdupq_n_f32(0.999f), b = vdupq_n_f32(1e-4f);
    for (long k = 0; k < iterations; k++)
#pragma clang loop unroll(full)
        for (int i = 0; i < 16; i++) c[i] = vfmaq_f32(b, c[i], a);
    float32x4_t s = c[0];
    for (int i = 1; i < 16; i++) s = vaddq_f32(s, c[i]);
    return vaddvq_f32(s);
}
#endif

static volatile float sink;

double ck_fma_peak(int path, long iterations) {
    if (!ck_path_supported(path)) return 0;
#if defined(__x86_64__)
    if (path == CK_PATH_AVX2) return sink = peak_avx2(iterations), 12.0 * 8 * 2 * (double)iterations;
    if (path == CK_PATH_AVX512) return sink = peak_avx512(iterations), 12.0 * 16 * 2 * (double)iterations;
#endif
#if defined(__aarch64__)
    if (path == CK_PATH_NEON) return sink = peak_neon(iterations), 16.0 * 4 * 2 * (double)iterations;
#endif
    return 0;
}
