// arm64 micro-kernels (Advanced SIMD, which every arm64 CPU has): the AVX2 kernels' tiles with
// four-float vectors, each step one fused multiply-add (FMLA).
#pragma clang fp contract(off)

#include "internal.h"

#if defined(__aarch64__)
#include <arm_neon.h>

// The tile epilogue (internal.h, tile_out) on four lanes.
static inline float32x4_t out4(int mode, float32x4_t sum, const float *o, float alpha, float beta) {
    if (mode == OUT_STORE) return sum;
    const float32x4_t t = vmulq_n_f32(sum, alpha);
    return mode == OUT_SET ? t : vaddq_f32(vmulq_n_f32(vld1q_f32(o), beta), t);
}

void micro_neon(long kc, const float *const *rows, long csa, const float *bp, const float *init, float *out, long ldo,
                int mode, float alpha, float beta) {
    float32x4_t c[6][4];
#pragma clang loop unroll(full)
    for (int i = 0; i < 6; i++)
#pragma clang loop unroll(full)
        for (int v = 0; v < 4; v++) c[i][v] = init ? vld1q_f32(init + i * 16 + v * 4) : vdupq_n_f32(0);
    for (long p = 0; p < kc; p++) {
        const float *b = bp + p * 16;
        const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8), b3 = vld1q_f32(b + 12);
#pragma clang loop unroll(full)
        for (int i = 0; i < 6; i++) {
            const float32x4_t a = vld1q_dup_f32(rows[i] + p * csa);
            c[i][0] = vfmaq_f32(c[i][0], a, b0);
            c[i][1] = vfmaq_f32(c[i][1], a, b1);
            c[i][2] = vfmaq_f32(c[i][2], a, b2);
            c[i][3] = vfmaq_f32(c[i][3], a, b3);
        }
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < 6; i++)
#pragma clang loop unroll(full)
        for (int v = 0; v < 4; v++) {
            float *o = out + i * ldo + v * 4;
            vst1q_f32(o, out4(mode, c[i][v], o, alpha, beta));
        }
}

void micro_neon_narrow(long kc, const float *const *rows, long csa, const float *bp, const float *init, float *out,
                       long ldo, int mode, float alpha, float beta) {
    float32x4_t c[12][2];
#pragma clang loop unroll(full)
    for (int i = 0; i < 12; i++) {
        c[i][0] = init ? vld1q_f32(init + i * 8) : vdupq_n_f32(0);
        c[i][1] = init ? vld1q_f32(init + i * 8 + 4) : vdupq_n_f32(0);
    }
    for (long p = 0; p < kc; p++) {
        const float32x4_t b0 = vld1q_f32(bp + p * 8), b1 = vld1q_f32(bp + p * 8 + 4);
#pragma clang loop unroll(full)
        for (int i = 0; i < 12; i++) {
            const float32x4_t a = vld1q_dup_f32(rows[i] + p * csa);
            c[i][0] = vfmaq_f32(c[i][0], a, b0);
            c[i][1] = vfmaq_f32(c[i][1], a, b1);
        }
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < 12; i++) {
        float *o = out + i * ldo;
        vst1q_f32(o, out4(mode, c[i][0], o, alpha, beta));
        vst1q_f32(o + 4, out4(mode, c[i][1], o + 4, alpha, beta));
    }
}
#endif
