// Fixed-order numerical kernels, chosen at run time by CPU features.
//
// Every path computes every output element with the same sequence of IEEE
// single-precision operations, so all paths give the same bits on every
// machine (docs/design.md §2, "machine independence"): a running sum that walks
// k = 0, 1, ..., K-1 in order, each step one correctly rounded fused multiply-add
// s = fma(a, b, s) (no reassociation), then alpha and beta applied after the sum.
// The fma is the CPU's instruction where it has one and an exact software fma where it
// does not (the generic path), so both give the same bits. Vector width changes how many
// output elements are computed at once, never the order within one.
#ifndef COMIGS_KERNELS_H
#define COMIGS_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Code paths, from the most portable to the widest.
enum {
    CK_PATH_GENERIC = 0,  // plain C with an exact software fma: any CPU
    CK_PATH_FMA = 1,      // plain C with the fma instruction: x86-64 with FMA3, every arm64
    CK_PATH_AVX2 = 2,     // x86-64 with AVX2 and FMA3 (8 floats per vector)
    CK_PATH_AVX512 = 3,   // x86-64 with AVX-512F (16 floats per vector)
    CK_PATH_NEON = 4,     // arm64 Advanced SIMD (4 floats per vector)
    CK_PATH_COUNT = 5
};

/// 1 if this CPU (and its operating system) can run `path`.
int ck_path_supported(int path);

/// "generic", "fma", "avx2", "avx512", "neon", or "" for an unknown path.
const char *ck_path_name(int path);

/// The path `ck_sgemm_auto` uses: the widest supported one, unless the
/// environment variable COMIGS_KERNELS names another (generic|fma|avx2|avx512|neon|auto).
/// Resolved once, on first use.
int ck_active_path(void);

/// NULL when COMIGS_KERNELS is unset, "auto" or a supported path; otherwise a
/// message naming the variable and the value (the caller reports it and stops).
const char *ck_environment_error(void);

/// Row-major `C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C` on `path`
/// (op = transpose when trans_* is non-zero; leading dimensions in elements).
/// Each C element: s = 0; for k in order: s = fma(a, b, s) (one rounding);
/// then t = alpha == 1 ? s : alpha·s, and C = beta == 0 ? t : (beta == 1 ? C + t : beta·C + t).
/// beta == 0 never reads C. Single-threaded; reentrant (scratch is per thread).
void ck_sgemm(int path, int trans_a, int trans_b, long m, long n, long k, float alpha,
              const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc);

/// Runs `iterations` steps of independent fused multiply-adds held in the registers of `path`
/// (avx2, avx512 or neon) and returns how many floating-point operations that was (an fma is
/// two); 0 for another or an unsupported path. Time it to get the core's FMA peak.
double ck_fma_peak(int path, long iterations);

/// Elementwise kernels on the path `ck_active_path` names (the same bits on every path).
/// GELU (tanh form): y[i] = gelu(x[i]) for i < n (y and x distinct).
void ck_gelu_forward(float *y, const float *x, long n);

/// dx[i] = gelu'(x[i]) · dy[i] for i < n (dx distinct from dy and x).
void ck_gelu_backward(float *dx, const float *dy, const float *x, long n);

/// p[j] = exp(p[j] − shift) for j < n, in place; returns their sum (eight interleaved partial
/// sums, combined pairwise, then the tail).
float ck_exp_sum(float *p, long n, float shift);

/// The polynomial exp of the kernels above (relative error < 3e-7 on [-87, 88]).
float ck_exp(float x);

/// Row loops around the products (rows.c), on the active path, the same bits on every path:
/// each the loop of the Swift function named, element by element.
/// LayerNorm.forward: per row, mean, 1/σ (eps added to the variance) and y = (x − mean)·rstd·gain + bias.
void ck_layernorm_forward(float *y, float *mean, float *rstd, const float *x, const float *gain, const float *bias,
                          long n, long c, float eps);
/// LayerNorm.backward: dx += …, and dgain, dbias (when not NULL) += their gradients.
void ck_layernorm_backward(float *dx, float *dgain, float *dbias, const float *dy, const float *x, const float *mean,
                           const float *rstd, const float *gain, long n, long c);
/// One expert's m rows of width f forward (MoEMLP.forward): row t = idx[i] (i when idx is NULL);
/// base_mode 1: h[i] += h0[t], 2: h[i] = h0[t], 0: h holds the pre-activation; g[i] = gelu(h[i]);
/// mix[t] += w[i]·g[i] unless w is NULL.
void ck_expert_forward(float *h, float *g, float *mix, const float *h0, const int32_t *idx, const float *w, long m,
                       long f, int base_mode);
/// Its backward through GELU: dg[i] = w[i]·dmix[t] (added to dg when accumulate; w NULL: 1),
/// dh[i] = gelu'(h[i])·dg[i], dh0[t] += dh[i] unless dh0 is NULL.
void ck_expert_backward(float *dg, float *dh, float *dh0, const float *dmix, const float *h, const int32_t *idx,
                        const float *w, long m, long f, int accumulate);
/// dcw[slot[i]] = ⟨dmix[t], g[i]⟩ + dob[t] (+ ⟨dout[t], y[i]⟩, width c, unless y is NULL).
void ck_router_weight_grads(float *dcw, const int32_t *slot, const float *dmix, const float *g, const float *dob,
                            const float *dout, const float *y, const int32_t *idx, long m, long f, long c);
/// out[t] += s[t]·v for n rows of width c.
void ck_add_scaled_rows(float *out, const float *s, const float *v, long n, long c);
/// dst[index[i]] += scale[i]·src[gather[i]] (NULL index or gather: i; NULL scale: a plain add).
void ck_scatter_add(float *dst, const float *src, const int32_t *index, const int32_t *gather, const float *scale,
                    long count, long width);
/// dst[i] = scale[i]·src[index[i]] (NULL index: i; NULL scale: a copy).
void ck_gather_rows(float *dst, const float *src, const int32_t *index, const float *scale, long count, long width);
/// out[i] = a[i] + b[i].
void ck_residual(float *out, const float *a, const float *b, long n);

/// fma(a, b, c) = a·b + c rounded once (IEEE 754 fusedMultiplyAdd, round to nearest even),
/// computed without the instruction: what the generic path's kernel does at every step.
float ck_fmaf_soft(float a, float b, float c);

/// The same with the CPU's instruction. Call only where ck_path_supported(CK_PATH_FMA).
float ck_fmaf_hw(float a, float b, float c);

#ifdef __cplusplus
}
#endif
#endif
