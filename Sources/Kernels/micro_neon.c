// arm64 micro-kernels (Advanced SIMD, which every arm64 CPU has): the AVX2 kernels' tiles with
// four-float vectors, each step one fused multiply-add (FMLA).
#pragma clang fp contract(off)

#include "internal.h"

#if defined(__aarch64__)
#include <arm_neon.h>

void micro_neon(long kc, const float *const *rows, long csa, const float *bp, const float *init, float *out, long ldo,
                int mode) {
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
            vst1q_f32(o, mode == OUT_ADD ? vaddq_f32(vld1q_f32(o), c[i][v]) : c[i][v]);
        }
}

void micro_neon_narrow(long kc, const float *const *rows, long csa, const float *bp, const float *init, float *out,
                       long ldo, int mode) {
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
        vst1q_f32(o, mode == OUT_ADD ? vaddq_f32(vld1q_f32(o), c[i][0]) : c[i][0]);
        vst1q_f32(o + 4, mode == OUT_ADD ? vaddq_f32(vld1q_f32(o + 4), c[i][1]) : c[i][1]);
    }
}
#endif
