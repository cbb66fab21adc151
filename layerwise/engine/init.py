"""Weight initialization: He, Xavier/Glorot and the small-normal of the cs231n notes.

Every scheme draws from a ``numpy.random.Generator`` passed in; nothing seeds globally.
Biases start at zero.

>>> import numpy as np
>>> W = initialize("he", (100, 50), np.random.default_rng(0), np.float64)
>>> W.shape, round(float(W.std() * np.sqrt(50 / 2)), 1)
((100, 50), 1.0)
"""
from __future__ import annotations

import math


INITS = ("he", "xavier", "small")

# ReLU-like units lose half their variance to the zero side: He et al. 2015 doubles it back.
_HE_ACTIVATIONS = {"relu", "leaky_relu", "prelu", "maxout", "elu", "gelu", "silu", "softplus"}


def default_init(activation: str) -> str:
    """The scheme "auto" picks: He for ReLU-like units, Xavier for the rest."""
    return "he" if activation in _HE_ACTIVATIONS else "xavier"


def std_for(scheme: str, fan_in: int, fan_out: int) -> float:
    """Standard deviation of the normal each scheme draws from."""
    if scheme == "he":
        return math.sqrt(2.0 / fan_in)
    if scheme == "xavier":
        return math.sqrt(2.0 / (fan_in + fan_out))
    if scheme == "small":
        return 0.01
    raise ValueError(f"unknown init {scheme!r}; expected one of: {', '.join(INITS)}, auto")


def initialize(scheme, shape, rng, dtype):
    """Draw a weight matrix of ``shape = (fan_out, fan_in)`` with the given scheme.

    ``scheme`` may also be a number: the standard deviation itself (used by the lab to show
    what too-large initial weights do to sigmoid units).
    """
    fan_out, fan_in = shape
    std = float(scheme) if isinstance(scheme, (int, float)) else std_for(scheme, fan_in, fan_out)
    return (rng.standard_normal(shape) * std).astype(dtype)
