"""The activation table: every fixed non-linearity with its derivative and its properties.

Each entry maps a name to an :class:`ActivationFn`, holding

* ``f(x, out)``: the function, written to ``out`` (which may be ``x`` itself, to work in place);
* ``df(x, y)``: the local derivative f'(x), given the input ``x`` and output ``y = f(x)``;
* the properties the seed discusses: output ``range``, ``zero_centered``, ``saturates``.

Everything here is stable for any finite input: no overflow warnings at +-1e4.

>>> import numpy as np
>>> x = np.array([-2.0, 0.5, 3.0])
>>> ACTIVATIONS["relu"].f(x.copy(), None)
array([0. , 0.5, 3. ])
>>> ACTIVATIONS["tanh"].zero_centered, ACTIVATIONS["sigmoid"].zero_centered
(True, False)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from .backend import xp

LEAKY_SLOPE = 0.01  # the seed's "small positive slope (of 0.01, or so)"
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_CLIP = 20.0  # tanh(sqrt(2/pi) (20 + 0.044715 * 20^3)) == 1.0 in float32 and float64


@dataclass(frozen=True)
class ActivationFn:
    name: str
    f: Callable  # f(x, out) -> out; out=None allocates
    df: Callable  # df(x, y) -> f'(x)
    range: tuple
    zero_centered: bool
    saturates: bool
    formula: str


def _out(x, out):
    return xp.empty_like(x) if out is None else out


# --- sigmoid: 1 / (1 + e^-x); the exp only ever sees -|x|, so it never overflows -----------------
def sigmoid(x, out=None):
    """Logistic sigmoid, stable for any finite x: e^-|x| never overflows."""
    out = _out(x, out)
    z = xp.exp(-xp.abs(x))
    # x >= 0: 1/(1+z);  x < 0: z/(1+z)
    xp.divide(xp.where(x >= 0, 1.0, z), 1.0 + z, out=out)
    return out


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), stable for any finite x."""
    return -softplus(-x)


def softplus(x, out=None):
    """log(1 + e^x) = max(x, 0) + log1p(e^-|x|), stable for any finite x."""
    out = _out(x, out)
    t = xp.log1p(xp.exp(-xp.abs(x)))
    xp.maximum(x, 0, out=out)
    out += t
    return out


def _tanh(x, out=None):
    return xp.tanh(x, out=_out(x, out))


def _relu(x, out=None):
    return xp.maximum(x, 0, out=_out(x, out))


def _leaky_relu(x, out=None):
    # max(x, a*x) equals the seed's 1(x<0)(a x) + 1(x>=0)(x) for 0 < a < 1
    return xp.maximum(x, LEAKY_SLOPE * x, out=_out(x, out))


def _elu(x, out=None):
    out = _out(x, out)
    neg = xp.expm1(xp.minimum(x, 0))  # clamp first: expm1 of a large x would overflow
    xp.copyto(out, xp.where(x > 0, x, neg))
    return out


def _gelu(x, out=None):
    """GELU, tanh approximation (PyTorch's ``approximate="tanh"``)."""
    out = _out(x, out)
    # beyond |x| = 20 the tanh is exactly +-1; clipping keeps x**3 from overflowing
    xc = xp.clip(x, -_GELU_CLIP, _GELU_CLIP)
    inner = _SQRT_2_OVER_PI * (xc + 0.044715 * xc**3)
    xp.multiply(0.5 * x, 1.0 + xp.tanh(inner), out=out)
    return out


def _silu(x, out=None):
    out = _out(x, out)
    s = sigmoid(x)
    xp.multiply(x, s, out=out)
    return out


def _identity(x, out=None):
    if out is None or out is x:
        return x
    xp.copyto(out, x)
    return out


def _d_gelu(x, y):
    # the derivative is exactly 0 or 1 beyond the clip, and x*x must not overflow to inf * 0
    x = xp.clip(x, -_GELU_CLIP, _GELU_CLIP)
    x2 = x * x
    inner = _SQRT_2_OVER_PI * (x + 0.044715 * x * x2)
    t = xp.tanh(inner)
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * _SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * x2)


def _d_silu(x, y):
    s = sigmoid(x)
    return s * (1.0 + x * (1.0 - s))


ACTIVATIONS: dict[str, ActivationFn] = {
    a.name: a
    for a in [
        ActivationFn("identity", _identity, lambda x, y: xp.ones_like(y),
                     (-math.inf, math.inf), True, False, "f(x) = x"),
        ActivationFn("sigmoid", sigmoid, lambda x, y: y * (1.0 - y),
                     (0.0, 1.0), False, True, "f(x) = 1 / (1 + e^-x)"),
        ActivationFn("tanh", _tanh, lambda x, y: 1.0 - y * y,
                     (-1.0, 1.0), True, True, "f(x) = tanh(x) = 2 sigmoid(2x) - 1"),
        ActivationFn("relu", _relu, lambda x, y: (y > 0).astype(y.dtype),
                     (0.0, math.inf), False, False, "f(x) = max(0, x)"),
        ActivationFn("leaky_relu", _leaky_relu,
                     lambda x, y: xp.where(y > 0, 1.0, LEAKY_SLOPE).astype(y.dtype),
                     (-math.inf, math.inf), False, False,
                     f"f(x) = x if x >= 0 else {LEAKY_SLOPE} x"),
        # ELU's slope from x, not as y + 1: that would round e^x to 0 below x = -37
        ActivationFn("elu", _elu,
                     lambda x, y: xp.where(x > 0, 1.0, xp.exp(xp.minimum(x, 0))).astype(y.dtype),
                     (-1.0, math.inf), False, True, "f(x) = x if x > 0 else e^x - 1"),
        ActivationFn("softplus", softplus, lambda x, y: sigmoid(x),
                     (0.0, math.inf), False, False, "f(x) = log(1 + e^x)"),
        ActivationFn("gelu", _gelu, _d_gelu,
                     (-0.1701, math.inf), False, False,  # min -0.170041 at x = -0.75
                     "f(x) = x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))"),
        ActivationFn("silu", _silu, _d_silu,
                     (-0.28, math.inf), False, False, "f(x) = x sigmoid(x)"),
    ]
}

#: Activations that are layers of their own because they hold parameters (PReLU) or
#: pick among pieces (Maxout); accepted wherever an activation name is.
LAYER_ACTIVATIONS = ("prelu", "maxout")


def get(name: str) -> ActivationFn:
    """Look up an activation by name, with an error that lists the valid ones."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        valid = ", ".join(list(ACTIVATIONS) + list(LAYER_ACTIVATIONS))
        raise ValueError(f"unknown activation {name!r}; expected one of: {valid}") from None
