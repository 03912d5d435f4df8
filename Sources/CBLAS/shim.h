// OpenBLAS's CBLAS interface. Debian keeps cblas.h in a per-variant folder
// (openblas-pthread) that pkg-config adds to the search path.
#include <cblas.h>
