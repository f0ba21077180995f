// Fixed-order single-precision matrix product (see Kernels.h for the contract).
//
// Layout of the computation (GotoBLAS/BLIS style, one thread):
//   for each block of NC columns of C
//     for each block of KC steps of k            (B block packed: NR-wide panels, zero-padded)
//       for each MR-row strip of A               (read in place)
//         for each NR-wide panel                 (micro-kernel: an MR×NR tile in registers)
// A tile's running sums leave the registers between k-blocks (stored to a
// per-thread buffer and loaded back exactly), so the sum for every element
// still walks k = 0 .. K-1 in order, whatever MR, NR, KC or the path.
#pragma clang fp contract(off)

#include "Kernels.h"
#include "internal.h"

#include <stdlib.h>

enum { KC = 256, B_BLOCK_FLOATS = 64 * 1024 };

// Per path: the kernel for most products, and the one for products at most 8 wide. A path
// this architecture lacks is never run (ck_sgemm falls back to generic), so its row is generic.
#define GENERIC {{4, 8, micro_generic_soft}, {4, 8, micro_generic_soft}}
static const kernel kernels[CK_PATH_COUNT][2] = {
    [CK_PATH_GENERIC] = GENERIC,
    [CK_PATH_FMA] = {{4, 8, micro_generic_fma}, {4, 8, micro_generic_fma}},
#if defined(__x86_64__)
    [CK_PATH_AVX2] = {{6, 16, micro_avx2}, {12, 8, micro_avx2_narrow}},
    [CK_PATH_AVX512] = {{8, 32, micro_avx512}, {12, 8, micro_avx2_narrow}},
#else
    [CK_PATH_AVX2] = GENERIC,
    [CK_PATH_AVX512] = GENERIC,
#endif
#if defined(__aarch64__)
    [CK_PATH_NEON] = {{6, 16, micro_neon}, {12, 8, micro_neon_narrow}},
#else
    [CK_PATH_NEON] = GENERIC,
#endif
};

// MARK: per-thread scratch (packed panels and running sums), grown on demand, never shrunk

enum { SCRATCH_B, SCRATCH_SUMS, SCRATCH_COUNT };
static _Thread_local float *scratch_buf[SCRATCH_COUNT];
static _Thread_local size_t scratch_cap[SCRATCH_COUNT];

static float *scratch(int which, size_t count) {
    if (scratch_cap[which] < count) {
        free(scratch_buf[which]);
        const size_t bytes = (count * sizeof(float) + 63) & ~(size_t)63;
        scratch_buf[which] = aligned_alloc(64, bytes);
        if (!scratch_buf[which]) abort();
        scratch_cap[which] = count;
    }
    return scratch_buf[which];
}

// MARK: packing

// Panel q: bp[q·kc·NR + p·NR + j] = B(p0 + p, j0 + q·NR + j), zero past column j0 + cols.
// Reads run along memory: along j when B's rows are contiguous (csb = 1), along k otherwise.
static void pack_b(float *bp, int NR, const float *b, long rsb, long csb, long p0, long kc, long j0, long cols) {
    for (long q = 0; q * NR < cols; q++) {
        const long width = cols - q * NR < NR ? cols - q * NR : NR;
        float *panel = bp + q * kc * NR;
        const float *base = b + p0 * rsb + (j0 + q * NR) * csb;
        if (csb == 1) {
            for (long p = 0; p < kc; p++) {
                float *dst = panel + p * NR;
                memcpy(dst, base + p * rsb, (size_t)width * sizeof(float));
                for (long j = width; j < NR; j++) dst[j] = 0;
            }
        } else {
            for (long j = 0; j < width; j++) {
                const float *src = base + j * csb;
                for (long p = 0; p < kc; p++) panel[p * NR + j] = src[p * rsb];
            }
            for (long j = width; j < NR; j++)
                for (long p = 0; p < kc; p++) panel[p * NR + j] = 0;
        }
    }
}

// MARK: epilogue, one formula on every path

static void store_tile(const float *tile, int NR, long rows, long cols, float alpha, float beta, float *c, long rsc,
                       long csc) {
    const int mode = beta == 0 ? OUT_SET : OUT_ADD;  // beta = 0 never reads C
    for (long i = 0; i < rows; i++)
        for (long j = 0; j < cols; j++) {
            float *e = c + i * rsc + j * csc;
            *e = tile_out(mode, tile[i * NR + j], mode == OUT_ADD ? *e : 0, alpha, beta);
        }
}

// MARK: driver

static long round_up(long x, long to) { return (x + to - 1) / to * to; }

// Padded work of an m×n product with MR×NR tiles (what the swap below minimises).
static long tile_area(long m, long n, const kernel *kn) { return round_up(m, kn->mr) * round_up(n, kn->nr); }

static void gemm_strided(const kernel *kn, long m, long n, long k, float alpha, const float *a, long rsa, long csa,
                         const float *b, long rsb, long csb, float beta, float *c, long rsc, long csc) {
    const int MR = kn->mr, NR = kn->nr;
    float tile[MAX_MR * MAX_NR] __attribute__((aligned(64)));
    if (k <= 0) {
        memset(tile, 0, sizeof tile);
        for (long i = 0; i < m; i += MR)
            for (long j = 0; j < n; j += NR)
                store_tile(tile, NR, m - i < MR ? m - i : MR, n - j < NR ? n - j : NR, alpha, beta,
                           c + i * rsc + j * csc, rsc, csc);
        return;
    }
    const long kcmax = k < KC ? k : KC;
    long ncmax = B_BLOCK_FLOATS / kcmax / NR * NR;
    if (ncmax < NR) ncmax = NR;
    if (ncmax > round_up(n, NR)) ncmax = round_up(n, NR);
    const long strips = (m + MR - 1) / MR;
    float *bp = scratch(SCRATCH_B, (size_t)(kcmax * ncmax));
    float *sums = k > KC ? scratch(SCRATCH_SUMS, (size_t)(strips * MR * ncmax)) : NULL;
    for (long jc = 0; jc < n; jc += ncmax) {
        const long nc = n - jc < ncmax ? n - jc : ncmax, panels = (nc + NR - 1) / NR;
        for (long pc = 0; pc < k; pc += KC) {
            const long kc = k - pc < KC ? k - pc : KC;
            const int first = pc == 0, last = pc + kc >= k;
            pack_b(bp, NR, b, rsb, csb, pc, kc, jc, nc);
            for (long s = 0; s < strips; s++) {
                const long i0 = s * MR, rows = m - i0 < MR ? m - i0 : MR;
                const float *arows[MAX_MR];
                for (long i = 0; i < MR; i++) arows[i] = a + (i0 + (i < rows ? i : rows - 1)) * rsa + pc * csa;
                for (long q = 0; q < panels; q++) {
                    float *running = sums ? sums + (s * panels + q) * MR * NR : NULL;
                    const float *init = first ? NULL : running, *panel = bp + q * kc * NR;
                    if (!last) {
                        kn->run(kc, arows, csa, panel, init, running, NR, OUT_STORE, 1, 0);
                        continue;
                    }
                    const long j0 = jc + q * NR, cols = n - j0 < NR ? n - j0 : NR;
                    float *cij = c + i0 * rsc + j0 * csc;
                    if (csc == 1 && rows == MR && cols == NR) {
                        kn->run(kc, arows, csa, panel, init, cij, rsc, beta == 0 ? OUT_SET : OUT_ADD, alpha, beta);
                    } else {
                        kn->run(kc, arows, csa, panel, init, tile, NR, OUT_STORE, 1, 0);
                        store_tile(tile, NR, rows, cols, alpha, beta, cij, rsc, csc);
                    }
                }
            }
        }
    }
}

void ck_sgemm(int path, int trans_a, int trans_b, long m, long n, long k, float alpha, const float *a, long lda,
              const float *b, long ldb, float beta, float *c, long ldc) {
    if (m <= 0 || n <= 0) return;
    if (path < 0 || path >= CK_PATH_COUNT || !ck_path_supported(path)) path = CK_PATH_GENERIC;
    const long rsa = trans_a ? 1 : lda, csa = trans_a ? lda : 1;
    const long rsb = trans_b ? 1 : ldb, csb = trans_b ? ldb : 1;
    // Cᵀ = op(B)ᵀ·op(A)ᵀ when that wastes less of the tiles (e.g. m = 8 rows on a 32-wide kernel).
    // Each element's sum is the same sequence of operations either way: a·b = b·a.
    const int narrow = n <= 8 || m <= 8;
    const kernel *kn = &kernels[path][narrow];
    // A transposed C is written element by element, so the swap must save an eighth of the work.
    if (narrow ? n > 8 : tile_area(n, m, kn) * 8 < tile_area(m, n, kn) * 7)
        gemm_strided(kn, n, m, k, alpha, b, csb, rsb, a, csa, rsa, beta, c, 1, ldc);
    else
        gemm_strided(kn, m, n, k, alpha, a, rsa, csa, b, rsb, csb, beta, c, ldc, 1);
}
