// Row loops of the model around its matrix products — LayerNorm, the MoE MLP's per-expert rows
// (base pre-activation, GELU, the router-weighted mix, and back), the router's weight
// gradients, gathers, scatters and residual adds — compiled once per instruction set like
// elementwise.c and chosen with the kernel path. Each element is the same sequence of IEEE
// operations in every build (no fma, no reassociation; sums in FastMath's order), so every
// build gives the bits the Swift loops they replace gave.
#pragma clang fp contract(off)

#include "Kernels.h"
#include "elementwise.h"

// Row t of a gathered set: idx[i], or i when idx is NULL (every row, in order).
#define ROW(idx, i) ((idx) ? (long)(idx)[i] : (i))

INLINE void layernorm_forward(float *restrict y, float *restrict mean, float *restrict rstd, const float *restrict x,
                              const float *restrict gain, const float *restrict bias, long n, long c, float eps) {
    for (long i = 0; i < n; i++) {
        const float *xr = x + i * c;
        float *yr = y + i * c;
        const float m = sum8(xr, c) / (float)c;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        long j = 0;
        for (; j + 8 <= c; j += 8) {
            const float *q = xr + j;
            s0 += (q[0] - m) * (q[0] - m), s1 += (q[1] - m) * (q[1] - m), s2 += (q[2] - m) * (q[2] - m);
            s3 += (q[3] - m) * (q[3] - m), s4 += (q[4] - m) * (q[4] - m), s5 += (q[5] - m) * (q[5] - m);
            s6 += (q[6] - m) * (q[6] - m), s7 += (q[7] - m) * (q[7] - m);
        }
        float v = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
        for (; j < c; j++) v += (xr[j] - m) * (xr[j] - m);
        const float r = 1 / __builtin_sqrtf(v / (float)c + eps);
        for (long k = 0; k < c; k++) yr[k] = (xr[k] - m) * r * gain[k] + bias[k];
        mean[i] = m;
        rstd[i] = r;
    }
}

INLINE void layernorm_backward(float *restrict dx, float *restrict dgain, float *restrict dbias, const float *restrict dy,
                               const float *restrict x, const float *restrict mean, const float *restrict rstd,
                               const float *restrict gain, long n, long c) {
    for (long i = 0; i < n; i++) {
        const float *xr = x + i * c, *dyr = dy + i * c;
        float *dxr = dx + i * c;
        const float m = mean[i], r = rstd[i];
        const float sumDn = dot8(gain, dyr, c) / (float)c;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        long j = 0;
#define TERM(k) gain[j + k] * dyr[j + k] * (xr[j + k] - m)
        for (; j + 8 <= c; j += 8) {
            s0 += TERM(0), s1 += TERM(1), s2 += TERM(2), s3 += TERM(3);
            s4 += TERM(4), s5 += TERM(5), s6 += TERM(6), s7 += TERM(7);
        }
        float s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
        for (; j < c; j++) s += TERM(0);
#undef TERM
        const float sumDnX = s * r / (float)c;
        for (long k = 0; k < c; k++) {
            const float xhat = (xr[k] - m) * r;
            dxr[k] += (gain[k] * dyr[k] - sumDn - xhat * sumDnX) * r;
        }
        if (dgain) for (long k = 0; k < c; k++) dgain[k] += (xr[k] - m) * r * dyr[k];
        if (dbias) for (long k = 0; k < c; k++) dbias[k] += dyr[k];
    }
}

// One expert's rows forward: h[i] = its pre-activation (base_mode 1: h[i] += h0[t]; 2: h[i] =
// h0[t]; 0: h already holds it), g[i] = gelu(h[i]), and mix[t] += w[i]·g[i] (no mix when w is NULL).
INLINE void expert_forward(float *restrict h, float *restrict g, float *restrict mix, const float *restrict h0,
                           const int32_t *idx, const float *w, long m, long f, int base_mode) {
    for (long i = 0; i < m; i++) {
        const long t = ROW(idx, i);
        float *hr = h + i * f, *gr = g + i * f;
        const float *br = h0 + t * f;
        if (base_mode == 1) for (long j = 0; j < f; j++) hr[j] += br[j];
        if (base_mode == 2) memcpy(hr, br, (size_t)f * sizeof(float));
        gelu_row(gr, hr, f);
        if (w) {
            float *mr = mix + t * f;
            const float wi = w[i];
            for (long j = 0; j < f; j++) mr[j] += wi * gr[j];
        }
    }
}

// One expert's rows backward through GELU: dg[i] = w[i]·dmix[t] (+ dg[i] when `accumulate`: the
// c_proj LoRA's input gradient is there), dh[i] = gelu'(h[i])·dg[i], and dh0[t] += dh[i] when
// dh0 is given. w NULL: weight 1 (a single expert).
INLINE void expert_backward(float *restrict dg, float *restrict dh, float *restrict dh0, const float *restrict dmix,
                            const float *restrict h, const int32_t *idx, const float *w, long m, long f, int accumulate) {
    for (long i = 0; i < m; i++) {
        const long t = ROW(idx, i);
        const float *src = dmix + t * f;
        float *dgr = dg + i * f, *dr = dh + i * f;
        const float wi = w ? w[i] : 1;
        if (accumulate) for (long j = 0; j < f; j++) dgr[j] += wi * src[j];
        else for (long j = 0; j < f; j++) dgr[j] = wi * src[j];
        gelu_backward_row(dr, dgr, h + i * f, f);
        if (dh0) {
            float *d0 = dh0 + t * f;
            for (long j = 0; j < f; j++) d0[j] += dr[j];
        }
    }
}

// The router's weight gradients of one expert's rows: dcw[slot[i]] = ⟨dmix[t], g[i]⟩ + dob[t]
// (+ ⟨dout[t], y[i]⟩ when y is given: the expert's c_proj LoRA output).
INLINE void router_weight_grads(float *restrict dcw, const int32_t *slot, const float *restrict dmix,
                                const float *restrict g, const float *restrict dob, const float *restrict dout,
                                const float *restrict y, const int32_t *idx, long m, long f, long c) {
    for (long i = 0; i < m; i++) {
        const long t = ROW(idx, i);
        float dw = dot8(dmix + t * f, g + i * f, f) + dob[t];
        if (y) dw += dot8(dout + t * c, y + i * c, c);
        dcw[slot[i]] = dw;
    }
}

// out[t] += s[t]·v for each of n rows of width c.
INLINE void add_scaled_rows(float *restrict out, const float *restrict s, const float *restrict v, long n, long c) {
    for (long t = 0; t < n; t++) {
        float *row = out + t * c;
        const float st = s[t];
        for (long j = 0; j < c; j++) row[j] += st * v[j];
    }
}

// dst[index[i]] += scale[i]·src[gather[i]] (NULL index or gather: row i; NULL scale: 1, no product).
INLINE void scatter_add(float *restrict dst, const float *restrict src, const int32_t *index, const int32_t *gather,
                        const float *scale, long count, long width) {
    for (long i = 0; i < count; i++) {
        float *d = dst + ROW(index, i) * width;
        const float *s = src + ROW(gather, i) * width;
        if (scale) {
            const float wi = scale[i];
            for (long j = 0; j < width; j++) d[j] += wi * s[j];
        } else {
            for (long j = 0; j < width; j++) d[j] += s[j];
        }
    }
}

// dst[i] = scale[i]·src[index[i]] (NULL index: row i; NULL scale: a copy).
INLINE void gather_rows(float *restrict dst, const float *restrict src, const int32_t *index, const float *scale,
                        long count, long width) {
    for (long i = 0; i < count; i++) {
        const float *s = src + ROW(index, i) * width;
        float *d = dst + i * width;
        if (scale) {
            const float wi = scale[i];
            for (long j = 0; j < width; j++) d[j] = wi * s[j];
        } else {
            memcpy(d, s, (size_t)width * sizeof(float));
        }
    }
}

INLINE void residual(float *restrict out, const float *restrict a, const float *restrict b, long n) {
    for (long i = 0; i < n; i++) out[i] = a[i] + b[i];
}

#define VARIANTS(S, ATTR)                                                                                        \
    ATTR static void layernorm_forward_##S(float *y, float *mean, float *rstd, const float *x, const float *gain, \
                                           const float *bias, long n, long c, float eps) {                       \
        layernorm_forward(y, mean, rstd, x, gain, bias, n, c, eps);                                               \
    }                                                                                                            \
    ATTR static void layernorm_backward_##S(float *dx, float *dgain, float *dbias, const float *dy, const float *x, \
                                            const float *mean, const float *rstd, const float *gain, long n, long c) { \
        layernorm_backward(dx, dgain, dbias, dy, x, mean, rstd, gain, n, c);                                      \
    }                                                                                                            \
    ATTR static void expert_forward_##S(float *h, float *g, float *mix, const float *h0, const int32_t *idx,       \
                                        const float *w, long m, long f, int base_mode) {                        \
        expert_forward(h, g, mix, h0, idx, w, m, f, base_mode);                                                   \
    }                                                                                                            \
    ATTR static void expert_backward_##S(float *dg, float *dh, float *dh0, const float *dmix, const float *h,      \
                                         const int32_t *idx, const float *w, long m, long f, int accumulate) {   \
        expert_backward(dg, dh, dh0, dmix, h, idx, w, m, f, accumulate);                                          \
    }                                                                                                            \
    ATTR static void router_weight_grads_##S(float *dcw, const int32_t *slot, const float *dmix, const float *g,   \
                                             const float *dob, const float *dout, const float *y,                \
                                             const int32_t *idx, long m, long f, long c) {                       \
        router_weight_grads(dcw, slot, dmix, g, dob, dout, y, idx, m, f, c);                                      \
    }                                                                                                            \
    ATTR static void add_scaled_rows_##S(float *out, const float *s, const float *v, long n, long c) {           \
        add_scaled_rows(out, s, v, n, c);                                                                         \
    }                                                                                                            \
    ATTR static void scatter_add_##S(float *dst, const float *src, const int32_t *index, const int32_t *gather,   \
                                     const float *scale, long count, long width) {                              \
        scatter_add(dst, src, index, gather, scale, count, width);                                                \
    }                                                                                                            \
    ATTR static void gather_rows_##S(float *dst, const float *src, const int32_t *index, const float *scale,      \
                                     long count, long width) {                                                  \
        gather_rows(dst, src, index, scale, count, width);                                                        \
    }                                                                                                            \
    ATTR static void residual_##S(float *out, const float *a, const float *b, long n) { residual(out, a, b, n); }

VARIANTS(base, )
#if defined(__x86_64__)
VARIANTS(avx2, TARGET_avx2)
VARIANTS(avx512, TARGET_avx512)
#endif

void ck_layernorm_forward(float *y, float *mean, float *rstd, const float *x, const float *gain, const float *bias,
                          long n, long c, float eps) {
    PICK(layernorm_forward)(y, mean, rstd, x, gain, bias, n, c, eps);
}

void ck_layernorm_backward(float *dx, float *dgain, float *dbias, const float *dy, const float *x, const float *mean,
                           const float *rstd, const float *gain, long n, long c) {
    PICK(layernorm_backward)(dx, dgain, dbias, dy, x, mean, rstd, gain, n, c);
}

void ck_expert_forward(float *h, float *g, float *mix, const float *h0, const int32_t *idx, const float *w, long m,
                       long f, int base_mode) {
    PICK(expert_forward)(h, g, mix, h0, idx, w, m, f, base_mode);
}

void ck_expert_backward(float *dg, float *dh, float *dh0, const float *dmix, const float *h, const int32_t *idx,
                        const float *w, long m, long f, int accumulate) {
    PICK(expert_backward)(dg, dh, dh0, dmix, h, idx, w, m, f, accumulate);
}

void ck_router_weight_grads(float *dcw, const int32_t *slot, const float *dmix, const float *g, const float *dob,
                            const float *dout, const float *y, const int32_t *idx, long m, long f, long c) {
    PICK(router_weight_grads)(dcw, slot, dmix, g, dob, dout, y, idx, m, f, c);
}

void ck_add_scaled_rows(float *out, const float *s, const float *v, long n, long c) { PICK(add_scaled_rows)(out, s, v, n, c); }

void ck_scatter_add(float *dst, const float *src, const int32_t *index, const int32_t *gather, const float *scale,
                    long count, long width) {
    PICK(scatter_add)(dst, src, index, gather, scale, count, width);
}

void ck_gather_rows(float *dst, const float *src, const int32_t *index, const float *scale, long count, long width) {
    PICK(gather_rows)(dst, src, index, scale, count, width);
}

void ck_residual(float *out, const float *a, const float *b, long n) { PICK(residual)(out, a, b, n); }
