// Shared by the kernel files, not part of the public interface (include/Kernels.h).
#ifndef COMIGS_KERNELS_INTERNAL_H
#define COMIGS_KERNELS_INTERNAL_H

#include <stdint.h>
#include <string.h>

enum { MAX_MR = 12, MAX_NR = 32 };

// What a micro-kernel does with its finished tile: store the running sums (to the tile buffer
// or the per-thread sums), or, when the tile lies whole inside a row-major C, write
// C = alpha·sums (beta = 0, C never read) or C = beta·C + alpha·sums directly — the same
// operations, each rounded, that store_tile does (1·x = x exactly, so alpha = 1 and beta = 1
// give the same bits as leaving the product out).
enum { OUT_STORE = 0, OUT_SET = 1, OUT_ADD = 2 };

// A micro-kernel: sums[MR×NR] = init (or 0), then for p = 0 … kc−1 in order
// sums[i][j] = fma(rows[i][p·csa], bp[p·NR + j], sums[i][j]) — one rounding per step.
// A is read in place: row i of the strip starts at rows[i] and steps by csa along k (rows past
// the matrix's last repeat it; their sums are computed and dropped).
typedef void (*micro_kernel)(long kc, const float *const *rows, long csa, const float *bp, const float *init,
                             float *out, long ldo, int mode, float alpha, float beta);

// The scalar epilogue of one element (the vector kernels do the same lane by lane).
static inline float tile_out(int mode, float sum, float old, float alpha, float beta) {
    return mode == OUT_STORE ? sum : mode == OUT_SET ? alpha * sum : beta * old + alpha * sum;
}

typedef struct {
    int mr, nr;
    micro_kernel run;
} kernel;

// fma(a, b, c) correctly rounded, without the instruction: a·b is exact in double (24 + 24 bits
// of significand fit in 53), the sum p + c is rounded to double *to odd* (Boldo & Melquiond,
// "Emulation of FMA and correctly rounded sums", IEEE TC 2008: TwoSum gives the exact error, and
// an inexact result with an even last bit moves one ulp toward the exact value), and rounding that
// to float is then the correctly rounded a·b + c, since double carries more than 24 + 2 bits.
// Branch-free, so the generic kernel's loops stay vectorisable.
static inline float soft_fmaf(float a, float b, float c) {
    const double p = (double)a * (double)b, x = (double)c;
    const double s = p + x;
    const double v = s - p;
    const double err = (p - (s - v)) + (x - v);
    uint64_t bits, ebits;
    memcpy(&bits, &s, sizeof bits);
    memcpy(&ebits, &err, sizeof ebits);
    // err is NaN when s is infinite or NaN: those are already the answer.
    const uint64_t adjust = (uint64_t)((err != 0) & (s - s == 0)) & ~bits & 1;
    const uint64_t toward_zero = (bits ^ ebits) >> 63;  // err's sign differs from s's
    bits += adjust - 2 * (adjust & toward_zero);
    double odd;
    memcpy(&odd, &bits, sizeof odd);
    return (float)odd;
}

void micro_generic_soft(long kc, const float *const *rows, long csa, const float *bp, const float *init, float *out,
                        long ldo, int mode, float alpha, float beta);
void micro_generic_fma(long kc, const float *const *rows, long csa, const float *bp, const float *init, float *out,
                       long ldo, int mode, float alpha, float beta);
#if defined(__x86_64__)
void micro_avx2(long kc, const float *const *rows, long csa, const float *bp, const float *init, float *out, long ldo,
                int mode, float alpha, float beta);
void micro_avx2_narrow(long kc, const float *const *rows, long csa, const float *bp, const float *init, float *out,
                       long ldo, int mode, float alpha, float beta);
void micro_avx512(long kc, const float *const *rows, long csa, const float *bp, const float *init, float *out,
                  long ldo, int mode, float alpha, float beta);
int x86_supports(int path);
#endif
#if defined(__aarch64__)
void micro_neon(long kc, const float *const *rows, long csa, const float *bp, const float *init, float *out, long ldo,
                int mode, float alpha, float beta);
void micro_neon_narrow(long kc, const float *const *rows, long csa, const float *bp, const float *init, float *out,
                       long ldo, int mode, float alpha, float beta);
#endif

#endif
