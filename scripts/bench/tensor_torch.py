"""The PyTorch (and OpenBLAS) peer of scripts/bench/tensor.lua: the same ops,
printed as KEY VALUE UNIT lines with the same keys, and the memory of the
same training loop. Also times a 1024x1024
float32 matmul by OpenBLAS directly: through the system libopenblas that
opslab links (cblas_sgemm via ctypes) and through numpy's bundled OpenBLAS
(threadpoolctl names the library)."""

import ctypes
import ctypes.util
import time

import numpy as np
import torch


def per_call(n, repeats, fn):
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - start) / n)
    return best


def report(key, value, unit):
    print(f"{key:<22} {value:12.3f} {unit}")


def system_openblas_sgemm(a, b):
    """cblas_sgemm of the system OpenBLAS (the library opslab's CBLAS target links)."""
    name = ctypes.util.find_library("openblas")
    if not name:
        return None
    lib = ctypes.CDLL(name)
    n = a.shape[0]
    c = np.empty((n, n), dtype=np.float32)
    f = ctypes.POINTER(ctypes.c_float)
    lib.cblas_sgemm.argtypes = [ctypes.c_int] * 6 + [ctypes.c_float, f, ctypes.c_int, f, ctypes.c_int,
                                                      ctypes.c_float, f, ctypes.c_int]
    args = (101, 111, 111, n, n, n, 1.0, a.ctypes.data_as(f), n, b.ctypes.data_as(f), n, 0.0, c.ctypes.data_as(f), n)
    return lambda: lib.cblas_sgemm(*args)


def status_mb(field):
    """A field of /proc/self/status (VmRSS, VmHWM) in MiB, or None."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def train_memory():
    """The training loop of tensor.lua: RSS after 1k and 10k steps, and the peak."""
    x, target = torch.randn(32, 64), torch.randn(32, 10)
    w1 = (torch.randn(64, 128) * 0.1).requires_grad_()
    w2 = (torch.randn(128, 10) * 0.1).requires_grad_()

    def step():
        d = (x @ w1).relu() @ w2 - target
        loss = (d * d).mean()
        loss.backward()
        with torch.no_grad():
            w1.sub_(w1.grad * 0.01)
            w2.sub_(w2.grad * 0.01)
        w1.grad = None
        w2.grad = None

    for _ in range(1000):
        step()
    rss_1k = status_mb("VmRSS")
    for _ in range(9000):
        step()
    if rss_1k is not None:
        report("train_rss_1k_steps_mb", rss_1k, "MiB")
        report("train_rss_10k_steps_mb", status_mb("VmRSS"), "MiB")
        report("peak_rss_mb", status_mb("VmHWM"), "MiB")


def main():
    torch.manual_seed(0)
    flops = 2 * 1024 ** 3
    with torch.no_grad():
        a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
        report("matmul_1024_gflops", flops / per_call(3, 5, lambda: a @ b) / 1e9, "GFLOP/s")
        an, bn = a.numpy(), b.numpy()
        sgemm = system_openblas_sgemm(an, bn)
        if sgemm:
            report("openblas_sys_gflops", flops / per_call(3, 5, sgemm) / 1e9, "GFLOP/s")
        report("numpy_openblas_gflops", flops / per_call(3, 5, lambda: an @ bn) / 1e9, "GFLOP/s")

        x, y = torch.randn(2 ** 20), torch.randn(2 ** 20)
        report("add_2p20_us", per_call(50, 5, lambda: x + y) * 1e6, "us")

        p, q = torch.randn(16), torch.randn(16)
        report("add_16_from_script_ns", per_call(100000, 5, lambda: p + q) * 1e9, "ns")

        logits = torch.randn(64, 1000)
        report("softmax_64x1000_us", per_call(200, 5, lambda: torch.softmax(logits, 1)) * 1e6, "us")
        report("log_softmax_64x1000_us", per_call(200, 5, lambda: torch.log_softmax(logits, 1)) * 1e6, "us")

        report("sum_dim1_1024sq_us", per_call(50, 5, lambda: a.sum(0)) * 1e6, "us")
        report("sum_dim2_1024sq_us", per_call(50, 5, lambda: a.sum(1)) * 1e6, "us")
    train_memory()
    try:
        from threadpoolctl import threadpool_info
        blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        for i in blas:
            print(f"# numpy BLAS: {i['internal_api']} {i.get('version')} ({i['num_threads']} threads)")
    except ImportError:
        pass
    print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads, BLAS {torch.backends.mkl.is_available() and 'MKL' or 'other'}")


if __name__ == "__main__":
    main()
