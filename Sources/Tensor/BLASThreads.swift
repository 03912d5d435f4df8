import CBLAS

/// Configures OpenBLAS's thread pool once, before the first product (see
/// `opslab_blas_short_spin` in the CBLAS shim for why). Every path that
/// calls sgemm reads `ready` first; a static is initialised once, with
/// other threads waiting, so no product runs while the pool restarts.
enum BLASThreads {
    static let ready: Bool = opslab_blas_short_spin() == 1
}
