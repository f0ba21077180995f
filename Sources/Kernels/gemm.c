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

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { KC = 256, B_BLOCK_FLOATS = 64 * 1024, MAX_MR = 8, MAX_NR = 32 };

// What a micro-kernel does with its finished tile: store the running sums (to the tile buffer
// or the per-thread sums), or, when alpha = 1 and the tile lies whole inside C, write
// C = sums (beta = 0) or C = C + sums (beta = 1) directly — the same operations store_tile does.
enum { OUT_STORE = 0, OUT_SET = 1, OUT_ADD = 2 };

// A is read in place: row i of the strip starts at rows[i] and steps by csa along k (rows
// past the matrix's last repeat it; their sums are computed and dropped).
typedef void (*micro_kernel)(long kc, const float *const *rows, long csa, const float *bp, const float *init,
                             float *out, long ldo, int mode);

typedef struct {
    int mr, nr;
    micro_kernel run;
} kernel;

// MARK: micro-kernels. Each: sums[MR×NR] = init (or 0) + Σ_p rows[i][p·csa] · bp[p·NR + j],
// p in order, one rounding for the product and one for the sum.

static void micro_generic(long kc, const float *const *rows, long csa, const float *bp, const float *init,
                          float *out, long ldo, int mode) {
    float acc[4][8];
    if (init) memcpy(acc, init, sizeof acc);
    else memset(acc, 0, sizeof acc);
    for (long p = 0; p < kc; p++) {
        const float *b = bp + p * 8;
        for (int i = 0; i < 4; i++) {
            const float ai = rows[i][p * csa];
            for (int j = 0; j < 8; j++) acc[i][j] = acc[i][j] + ai * b[j];
        }
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++) out[i * ldo + j] = mode == OUT_ADD ? out[i * ldo + j] + acc[i][j] : acc[i][j];
}

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

__attribute__((target("avx2"))) static void micro_avx2(long kc, const float *const *rows, long csa, const float *bp,
                                                       const float *init, float *out, long ldo, int mode) {
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
            c[i][0] = _mm256_add_ps(c[i][0], _mm256_mul_ps(a, b0));
            c[i][1] = _mm256_add_ps(c[i][1], _mm256_mul_ps(a, b1));
        }
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < 6; i++) {
        float *o = out + i * ldo;
        if (mode == OUT_ADD) {
            c[i][0] = _mm256_add_ps(_mm256_loadu_ps(o), c[i][0]);
            c[i][1] = _mm256_add_ps(_mm256_loadu_ps(o + 8), c[i][1]);
        }
        _mm256_storeu_ps(o, c[i][0]);
        _mm256_storeu_ps(o + 8, c[i][1]);
    }
}

// For products with at most 8 columns (LoRA rank 8, a router's experts): one vector wide, 12 rows.
__attribute__((target("avx2"))) static void micro_avx2_narrow(long kc, const float *const *rows, long csa,
                                                              const float *bp, const float *init, float *out,
                                                              long ldo, int mode) {
    __m256 c[12];
#pragma clang loop unroll(full)
    for (int i = 0; i < 12; i++) c[i] = init ? _mm256_loadu_ps(init + i * 8) : _mm256_setzero_ps();
    for (long p = 0; p < kc; p++) {
        const __m256 b = _mm256_load_ps(bp + p * 8);
#pragma clang loop unroll(full)
        for (int i = 0; i < 12; i++) c[i] = _mm256_add_ps(c[i], _mm256_mul_ps(_mm256_broadcast_ss(rows[i] + p * csa), b));
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < 12; i++) {
        float *o = out + i * ldo;
        _mm256_storeu_ps(o, mode == OUT_ADD ? _mm256_add_ps(_mm256_loadu_ps(o), c[i]) : c[i]);
    }
}

__attribute__((target("avx512f"))) static void micro_avx512(long kc, const float *const *rows, long csa,
                                                            const float *bp, const float *init, float *out, long ldo,
                                                            int mode) {
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
            c[i][0] = _mm512_add_ps(c[i][0], _mm512_mul_ps(a, b0));
            c[i][1] = _mm512_add_ps(c[i][1], _mm512_mul_ps(a, b1));
        }
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < 8; i++) {
        float *o = out + i * ldo;
        if (mode == OUT_ADD) {
            c[i][0] = _mm512_add_ps(_mm512_loadu_ps(o), c[i][0]);
            c[i][1] = _mm512_add_ps(_mm512_loadu_ps(o + 16), c[i][1]);
        }
        _mm512_storeu_ps(o, c[i][0]);
        _mm512_storeu_ps(o + 16, c[i][1]);
    }
}

static unsigned long long xgetbv0(void) {
    unsigned eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

// CPUID says what the core has; XGETBV says which register state the OS saves.
static int cpu_supports(int path) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!((c >> 27) & 1) || !((c >> 28) & 1)) return 0;  // OSXSAVE, AVX
    const unsigned long long xcr0 = xgetbv0();
    if ((xcr0 & 0x6) != 0x6) return 0;  // XMM and YMM state
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    const int avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1;
    if (path == CK_PATH_AVX2) return avx2;
    if (path == CK_PATH_AVX512) return avx2 && avx512f && (xcr0 & 0xE0) == 0xE0;  // opmask, ZMM state
    return 0;
}
#endif

// Per path: the kernel for most products, and the one for products at most 8 wide.
static const kernel kernels[CK_PATH_COUNT][2] = {
    {{4, 8, micro_generic}, {4, 8, micro_generic}},
#if defined(__x86_64__)
    {{6, 16, micro_avx2}, {12, 8, micro_avx2_narrow}},
    {{8, 32, micro_avx512}, {12, 8, micro_avx2_narrow}},
#else
    {{4, 8, micro_generic}, {4, 8, micro_generic}},
    {{4, 8, micro_generic}, {4, 8, micro_generic}},
#endif
};

// MARK: path selection

// CPUID is slow (a VM exit under a hypervisor): ask once, keep the answers as bits.
static int supported_mask = -1;

int ck_path_supported(int path) {
    if (path < 0 || path >= CK_PATH_COUNT) return 0;
    int mask = __atomic_load_n(&supported_mask, __ATOMIC_ACQUIRE);
    if (mask < 0) {
        mask = 1 << CK_PATH_GENERIC;
#if defined(__x86_64__)
        for (int p = CK_PATH_AVX2; p <= CK_PATH_AVX512; p++)
            if (cpu_supports(p)) mask |= 1 << p;
#endif
        __atomic_store_n(&supported_mask, mask, __ATOMIC_RELEASE);
    }
    return (mask >> path) & 1;
}

const char *ck_path_name(int path) {
    static const char *names[CK_PATH_COUNT] = {"generic", "avx2", "avx512"};
    return path >= 0 && path < CK_PATH_COUNT ? names[path] : "";
}

static int resolved_path = -1;
static char environment_error[256];

static int resolve_path(void) {
    int best = CK_PATH_GENERIC;
    for (int p = 1; p < CK_PATH_COUNT; p++)
        if (ck_path_supported(p)) best = p;
    const char *want = getenv("COMIGS_KERNELS");
    if (!want || !*want || strcmp(want, "auto") == 0) return best;
    for (int p = 0; p < CK_PATH_COUNT; p++) {
        if (strcmp(want, ck_path_name(p)) != 0) continue;
        if (ck_path_supported(p)) return p;
        snprintf(environment_error, sizeof environment_error,
                 "COMIGS_KERNELS: this CPU cannot run the '%.40s' path (best here: %s)", want, ck_path_name(best));
        return best;
    }
    snprintf(environment_error, sizeof environment_error,
             "COMIGS_KERNELS: unknown path '%.40s' (known: generic, avx2, avx512, auto)", want);
    return best;
}

int ck_active_path(void) {
    int p = __atomic_load_n(&resolved_path, __ATOMIC_ACQUIRE);
    if (p < 0) {
        p = resolve_path();  // idempotent: racing first calls agree
        __atomic_store_n(&resolved_path, p, __ATOMIC_RELEASE);
    }
    return p;
}

const char *ck_environment_error(void) {
    ck_active_path();
    return environment_error[0] ? environment_error : NULL;
}

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
    for (long i = 0; i < rows; i++) {
        const float *s = tile + i * NR;
        float *dst = c + i * rsc;
        if (csc == 1) {
            if (beta == 0) {
                if (alpha == 1) memcpy(dst, s, (size_t)cols * sizeof(float));
                else for (long j = 0; j < cols; j++) dst[j] = alpha * s[j];
            } else if (beta == 1) {
                if (alpha == 1) for (long j = 0; j < cols; j++) dst[j] = dst[j] + s[j];
                else for (long j = 0; j < cols; j++) dst[j] = dst[j] + alpha * s[j];
            } else {
                for (long j = 0; j < cols; j++) dst[j] = beta * dst[j] + (alpha == 1 ? s[j] : alpha * s[j]);
            }
        } else {
            for (long j = 0; j < cols; j++) {
                const float t = alpha == 1 ? s[j] : alpha * s[j];
                float *e = dst + j * csc;
                *e = beta == 0 ? t : (beta == 1 ? *e + t : beta * *e + t);
            }
        }
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
    const int direct = csc == 1 && alpha == 1 && (beta == 0 || beta == 1);
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
                        kn->run(kc, arows, csa, panel, init, running, NR, OUT_STORE);
                        continue;
                    }
                    const long j0 = jc + q * NR, cols = n - j0 < NR ? n - j0 : NR;
                    float *cij = c + i0 * rsc + j0 * csc;
                    if (direct && rows == MR && cols == NR) {
                        kn->run(kc, arows, csa, panel, init, cij, rsc, beta == 0 ? OUT_SET : OUT_ADD);
                    } else {
                        kn->run(kc, arows, csa, panel, init, tile, NR, OUT_STORE);
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
    if (narrow ? n > 8 : tile_area(n, m, kn) < tile_area(m, n, kn))
        gemm_strided(kn, n, m, k, alpha, b, csb, rsb, a, csa, rsa, beta, c, 1, ldc);
    else
        gemm_strided(kn, m, n, k, alpha, a, rsa, csa, b, rsb, csb, beta, c, ldc, 1);
}
