"""The one place that names the array module.

Every array operation in the engine goes through ``xp``. It is NumPy today; a NumPy-compatible
library (CuPy) can stand in for it by changing this file alone.
"""
import numpy as xp

__all__ = ["xp", "as_dtype"]

_FLOAT_DTYPES = (xp.float32, xp.float64)


def as_dtype(dtype):
    """Return ``dtype`` as a NumPy float dtype, or raise naming what was received."""
    dt = xp.dtype(dtype)
    if dt not in [xp.dtype(d) for d in _FLOAT_DTYPES]:
        raise ValueError(f"dtype must be float32 or float64, got {dt}")
    return dt
