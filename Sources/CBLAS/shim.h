// OpenBLAS's CBLAS interface plus its thread and core-name controls.
#include <cblas.h>

// LAPACK's single-precision SVD, which OpenBLAS exports (Fortran calling
// convention: column-major, every argument by pointer).
void sgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n, float *a, const int *lda, float *s,
             float *u, const int *ldu, float *vt, const int *ldvt, float *work, const int *lwork, int *info);
