"""The machine a benchmark ran on, and its float32 matrix-multiply peak.

Ratios between contenders mean little without the machine beside them: its CPU, its core count,
the library versions, and which OpenBLAS kernel NumPy picked (an environment variable such as
``OPENBLAS_CORETYPE`` can force a slower one).
"""
from __future__ import annotations

import datetime
import os
import platform
import time

import numpy as np

#: Environment variables that make OpenBLAS pick a kernel or cache size other than its own
#: choice for this CPU; the harness runs without them (see ``benchmarks.__main__``).
BLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def cpu_model() -> str:
    """The CPU's model name from ``/proc/cpuinfo`` (``platform.processor()`` elsewhere)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpu_flags() -> list:
    """The SIMD extensions that matter to GEMM kernels, as ``/proc/cpuinfo`` lists them."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    have = set(line.split(":", 1)[1].split())
                    return [f for f in ("avx2", "fma", "avx512f", "avx512_bf16") if f in have]
    except OSError:
        pass
    return []


def blas_info() -> list:
    """What threadpoolctl reports for every BLAS/OpenMP pool loaded in this process."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    keep = ("user_api", "internal_api", "prefix", "version", "architecture", "num_threads")
    return [{k: info.get(k) for k in keep} | {"library": os.path.basename(info["filepath"])}
            for info in threadpool_info()]


def numpy_blas_kernel(info=None) -> str:
    """The OpenBLAS kernel NumPy's own BLAS uses (e.g. ``SkylakeX``), or what is known."""
    for entry in info if info is not None else blas_info():
        if entry["internal_api"] == "openblas" and "openblas64_" in entry["library"]:
            return f"{entry['architecture']} (OpenBLAS {entry['version']})"
    return "unknown (threadpoolctl not installed or no OpenBLAS)"


def versions() -> dict:
    out = {"python": platform.python_version(), "numpy": np.__version__}
    for name in ("torch", "sklearn"):
        try:
            out[name] = __import__(name).__version__
        except ImportError:
            out[name] = None
    return out


def load_average():
    """The 1, 5 and 15 minute load averages: how busy the shared host was (None elsewhere)."""
    return list(os.getloadavg()) if hasattr(os, "getloadavg") else None


def describe() -> dict:
    """Everything about the machine and the software that a result depends on."""
    info = blas_info()
    desc = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "cpu_flags": cpu_flags(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "versions": versions(),
        "numpy_blas": numpy_blas_kernel(info),
        "blas_pools": info,
        "blas_overrides_set": {k: os.environ[k] for k in BLAS_OVERRIDES if k in os.environ},
        "load_average": load_average(),
    }
    try:
        import torch

        desc["torch_threads"] = torch.get_num_threads()
    except ImportError:
        pass
    return desc


def gemm_gflops(n=2048, repeats=5, library="numpy", pause=0.0) -> float:
    """Median GFLOP/s of an ``n x n x n`` float32 matrix product (``2 n^3`` flops).

    ``library`` is "numpy" (its OpenBLAS) or "torch" (its MKL/oneDNN).
    """
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    if library == "torch":
        import torch

        a, b = torch.from_numpy(a), torch.from_numpy(b)
        out = torch.empty(n, n)

        def product():
            torch.mm(a, b, out=out)
    elif library == "numpy":
        out = np.empty((n, n), np.float32)

        def product():
            np.matmul(a, b, out=out)
    else:
        raise ValueError(f"library must be 'numpy' or 'torch', got {library!r}")
    product()  # warm the thread pool and the caches
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        product()
        times.append(time.perf_counter() - t0)
        if pause:
            time.sleep(pause)
    return 2.0 * n ** 3 / float(np.median(times)) / 1e9
