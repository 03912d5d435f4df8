// OpenBLAS's CBLAS interface. Debian keeps cblas.h in a per-variant folder
// (openblas-pthread) that pkg-config adds to the search path.
#include <cblas.h>
#include <stdlib.h>

// OpenBLAS's worker threads spin (sched_yield in a loop) for about 2^28
// cycles after each call before they sleep. Between the many mid-sized
// products of a training step that spinning takes the second core from
// everything else the step does (measured on 2 cores: a GPT step 36.6 ms
// with the default, 25.7 ms with OPENBLAS_THREAD_TIMEOUT=4). The variable is
// read when the library loads, before main, so this reads it again and
// restarts the thread pool with the shorter spin, unless the user set the
// variable. These functions are exported by OpenBLAS but not declared in
// its headers; they are weak here, and with another BLAS nothing happens.
extern void openblas_read_env(void) __attribute__((weak));
extern int blas_thread_shutdown_(void) __attribute__((weak));
extern int blas_thread_init(void) __attribute__((weak));

/// Returns 1 when the thread pool was restarted with a short spin.
static inline int opslab_blas_short_spin(void) {
    if (!openblas_read_env || !blas_thread_shutdown_ || !blas_thread_init) return 0;
    if (getenv("OPENBLAS_THREAD_TIMEOUT") != NULL) return 0;
    setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0);
    openblas_read_env();
    blas_thread_shutdown_();
    blas_thread_init();
    return 1;
}
