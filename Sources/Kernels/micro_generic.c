// The portable micro-kernel (4×8 tile), in two builds of one body: with an exact software fma
// (the generic path, any CPU) and with the fma instruction (the fma path: x86-64 with FMA3, arm64).
#pragma clang fp contract(off)

#include "internal.h"

#define GENERIC_BODY(FMA)                                                                                        \
    float acc[4][8];                                                                                             \
    if (init) memcpy(acc, init, sizeof acc);                                                                     \
    else memset(acc, 0, sizeof acc);                                                                             \
    for (long p = 0; p < kc; p++) {                                                                              \
        const float *b = bp + p * 8;                                                                             \
        for (int i = 0; i < 4; i++) {                                                                            \
            const float ai = rows[i][p * csa];                                                                   \
            for (int j = 0; j < 8; j++) acc[i][j] = FMA(ai, b[j], acc[i][j]);                                    \
        }                                                                                                        \
    }                                                                                                            \
    for (int i = 0; i < 4; i++)                                                                                  \
        for (int j = 0; j < 8; j++) out[i * ldo + j] = tile_out(mode, acc[i][j], mode == OUT_ADD ? out[i * ldo + j] : 0, alpha, beta);

void micro_generic_soft(long kc, const float *const *rows, long csa, const float *bp, const float *init, float *out,
                        long ldo, int mode, float alpha, float beta) {
    GENERIC_BODY(soft_fmaf)
}

#if defined(__x86_64__)
__attribute__((target("fma")))
#endif
void micro_generic_fma(long kc, const float *const *rows, long csa, const float *bp, const float *init, float *out,
                       long ldo, int mode, float alpha, float beta) {
    GENERIC_BODY(__builtin_fmaf)
}
