// OpenBLAS's CBLAS interface plus its thread and core-name controls.
#include <cblas.h>

