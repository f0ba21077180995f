// Every kernel path this build's CPU runs against the contract of Kernels.h (an ordered loop of
// correctly rounded fmaf calls), on the shapes the blocking treats differently. Prints one line
// per case: the shape and an FNV-1a digest of the result's bits, so the output of an x86-64 build
// and of an arm64 build (run under qemu-aarch64) can be compared byte for byte
// (scripts/emulated-check.sh). Exit 1 when a path disagrees with the contract.
//   cc -O2 -ffp-contract=off -I../../Sources/Kernels/include agreement.c ../../Sources/Kernels/*.c -lm
#pragma clang fp contract(off)

#include "Kernels.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x2545F4914F6CDD1Dull;
static float uniform(void) {  // in [-2, 2), exactly representable, any machine
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (float)(int32_t)(state >> 40 & 0xFFFFFF) / (float)(1 << 22) - 2.0f;
}

static uint64_t digest(const float *x, long n) {
    uint64_t h = 1469598103934665603ull;
    for (long i = 0; i < n; i++) {
        uint32_t b;
        memcpy(&b, &x[i], sizeof b);
        for (int k = 0; k < 4; k++) h = (h ^ (b >> (8 * k) & 0xFF)) * 1099511628211ull;
    }
    return h;
}

int main(void) {
    static const long dims[][3] = {{1, 1, 1},    {3, 5, 7},     {8, 8, 8},   {13, 37, 19}, {33, 8, 300},
                                   {8, 70, 45},  {2, 130, 513}, {100, 3, 64}, {67, 129, 257}, {12, 1100, 70},
                                   {257, 40, 0}, {2048, 8, 128}, {64, 512, 8}};
    static const float alphas[] = {1, 0.5f, -1.25f}, betas[] = {0, 1, -0.75f};
    int failures = 0;
    for (unsigned d = 0; d < sizeof dims / sizeof dims[0]; d++)
        for (int t = 0; t < 4; t++) {
            const long m = dims[d][0], n = dims[d][1], k = dims[d][2];
            const int ta = t & 1, tb = t >> 1 & 1;
            const float alpha = alphas[(d + t) % 3], beta = betas[(d + 2 * t) % 3];
            float *a = malloc(sizeof(float) * (m * k + 1)), *b = malloc(sizeof(float) * (k * n + 1));
            float *c0 = malloc(sizeof(float) * m * n), *want = malloc(sizeof(float) * m * n),
                  *got = malloc(sizeof(float) * m * n);
            for (long i = 0; i < m * k; i++) a[i] = uniform();
            for (long i = 0; i < k * n; i++) b[i] = uniform();
            for (long i = 0; i < m * n; i++) c0[i] = beta == 0 ? NAN : uniform();  // beta = 0 never reads C
            for (long i = 0; i < m; i++)
                for (long j = 0; j < n; j++) {
                    float s = 0;
                    for (long p = 0; p < k; p++) s = fmaf(ta ? a[p * m + i] : a[i * k + p], tb ? b[j * k + p] : b[p * n + j], s);
                    const float tt = alpha == 1 ? s : alpha * s, old = c0[i * n + j];
                    want[i * n + j] = beta == 0 ? tt : (beta == 1 ? old + tt : beta * old + tt);
                }
            for (int path = 0; path < CK_PATH_COUNT; path++) {
                if (!ck_path_supported(path)) continue;
                memcpy(got, c0, sizeof(float) * m * n);
                ck_sgemm(path, ta, tb, m, n, k, alpha, a, ta ? m : k, b, tb ? k : n, beta, got, n);
                if (memcmp(got, want, sizeof(float) * m * n) != 0) {
                    printf("DIFFERENT: path %s, %ldx%ldx%ld trans %d%d\n", ck_path_name(path), m, n, k, ta, tb);
                    failures++;
                }
            }
            printf("%ldx%ldx%ld trans %d%d alpha %g beta %g: %016llx\n", m, n, k, ta, tb, alpha, beta,
                   (unsigned long long)digest(want, m * n));
            free(a), free(b), free(c0), free(want), free(got);
        }
    printf("paths:");
    for (int path = 0; path < CK_PATH_COUNT; path++)
        if (ck_path_supported(path)) printf(" %s", ck_path_name(path));
    printf("\n");
    return failures ? 1 : 0;
}
