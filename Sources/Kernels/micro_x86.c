// x86-64 micro-kernels (AVX2 + FMA3, AVX-512F) and the CPU checks that allow them. Compiled for
// those instruction sets function by function (target attributes), so the package builds for
// baseline x86-64 and a CPU without them never runs this code.
#pragma clang fp contract(off)

#include "internal.h"
#include "Kernels.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

// The tile epilogue (internal.h, tile_out) on eight or sixteen lanes.
__attribute__((target("avx2,fma"))) static inline __m256 out8(int mode, __m256 sum, const float *o, float alpha,
                                                              float beta) {
    if (mode == OUT_STORE) return sum;
    const __m256 t = _mm256_mul_ps(_mm256_set1_ps(alpha), sum);
    return mode == OUT_SET ? t : _mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(beta), _mm256_loadu_ps(o)), t);
}

__attribute__((target("avx512f,fma"))) static inline __m512 out16(int mode, __m512 sum, const float *o, float alpha,
                                                                  float beta) {
    if (mode == OUT_STORE) return sum;
    const __m512 t = _mm512_mul_ps(_mm512_set1_ps(alpha), sum);
    return mode == OUT_SET ? t : _mm512_add_ps(_mm512_mul_ps(_mm512_set1_ps(beta), _mm512_loadu_ps(o)), t);
}

__attribute__((target("avx2,fma"))) void micro_avx2(long kc, const float *const *rows, long csa, const float *bp,
                                                    const float *init, float *out, long ldo, int mode, float alpha, float beta) {
    __m256 c[6][2];
#pragma clang loop unroll(full)
    for (int i = 0; i < 6; i++) {
        c[i][0] = init ? _mm256_loadu_ps(init + i * 16) : _mm256_setzero_ps();
        c[i][1] = init ? _mm256_loadu_ps(init + i * 16 + 8) : _mm256_setzero_ps();
    }
    for (long p = 0; p < kc; p++) {
        const __m256 b0 = _mm256_load_ps(bp + p * 16), b1 = _mm256_load_ps(bp + p * 16 + 8);
#pragma clang loop unroll(full)
        for (int i = 0; i < 6; i++) {
            const __m256 a = _mm256_broadcast_ss(rows[i] + p * csa);
            c[i][0] = _mm256_fmadd_ps(a, b0, c[i][0]);
            c[i][1] = _mm256_fmadd_ps(a, b1, c[i][1]);
        }
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < 6; i++) {
        float *o = out + i * ldo;
        _mm256_storeu_ps(o, out8(mode, c[i][0], o, alpha, beta));
        _mm256_storeu_ps(o + 8, out8(mode, c[i][1], o + 8, alpha, beta));
    }
}

// For products with at most 8 columns (LoRA rank 8, a router's experts): one vector wide, 12 rows.
__attribute__((target("avx2,fma"))) void micro_avx2_narrow(long kc, const float *const *rows, long csa,
                                                           const float *bp, const float *init, float *out, long ldo,
                                                           int mode, float alpha, float beta) {
    __m256 c[12];
#pragma clang loop unroll(full)
    for (int i = 0; i < 12; i++) c[i] = init ? _mm256_loadu_ps(init + i * 8) : _mm256_setzero_ps();
    for (long p = 0; p < kc; p++) {
        const __m256 b = _mm256_load_ps(bp + p * 8);
#pragma clang loop unroll(full)
        for (int i = 0; i < 12; i++) c[i] = _mm256_fmadd_ps(_mm256_broadcast_ss(rows[i] + p * csa), b, c[i]);
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < 12; i++) {
        float *o = out + i * ldo;
        _mm256_storeu_ps(o, out8(mode, c[i], o, alpha, beta));
    }
}

__attribute__((target("avx512f,fma"))) void micro_avx512(long kc, const float *const *rows, long csa,
                                                         const float *bp, const float *init, float *out, long ldo,
                                                         int mode, float alpha, float beta) {
    __m512 c[8][2];
#pragma clang loop unroll(full)
    for (int i = 0; i < 8; i++) {
        c[i][0] = init ? _mm512_loadu_ps(init + i * 32) : _mm512_setzero_ps();
        c[i][1] = init ? _mm512_loadu_ps(init + i * 32 + 16) : _mm512_setzero_ps();
    }
    for (long p = 0; p < kc; p++) {
        const __m512 b0 = _mm512_load_ps(bp + p * 32), b1 = _mm512_load_ps(bp + p * 32 + 16);
#pragma clang loop unroll(full)
        for (int i = 0; i < 8; i++) {
            const __m512 a = _mm512_set1_ps(rows[i][p * csa]);
            c[i][0] = _mm512_fmadd_ps(a, b0, c[i][0]);
            c[i][1] = _mm512_fmadd_ps(a, b1, c[i][1]);
        }
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < 8; i++) {
        float *o = out + i * ldo;
        _mm512_storeu_ps(o, out16(mode, c[i][0], o, alpha, beta));
        _mm512_storeu_ps(o + 16, out16(mode, c[i][1], o + 16, alpha, beta));
    }
}

static unsigned long long xgetbv0(void) {
    unsigned eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

// CPUID says what the core has; XGETBV says which register state the OS saves.
int x86_supports(int path) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!((c >> 27) & 1) || !((c >> 28) & 1)) return 0;  // OSXSAVE, AVX
    const int fma = (c >> 12) & 1;
    const unsigned long long xcr0 = xgetbv0();
    if ((xcr0 & 0x6) != 0x6 || !fma) return 0;  // XMM and YMM state; FMA3 (VEX-encoded)
    if (path == CK_PATH_FMA) return 1;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    const int avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1;
    if (path == CK_PATH_AVX2) return avx2;
    if (path == CK_PATH_AVX512) return avx2 && avx512f && (xcr0 & 0xE0) == 0xE0;  // opmask, ZMM state
    return 0;
}
#endif
