"""1-D target functions for the universal-approximation experiment, and the seed's other
universal approximator, the "sum of indicator bumps" ``g(x) = sum_i c_i 1(a_i < x < b_i)``.

Every target is defined on the reference interval ``[-1, 1]`` and stretched onto whatever
interval is asked for, so its shape does not depend on the interval.

>>> x, y = target_function("abs", n=5, grid=True)
>>> x.ravel(), y
(array([-1. , -0.5,  0. ,  0.5,  1. ]), array([1. , 0.5, 0. , 0.5, 1. ]))
>>> bumps = indicator_bumps_fit(x, y, n_bumps=2)
>>> bumps.predict([-0.75, 0.75])
array([0.75, 0.5 ])
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["FUNCTIONS", "get_function", "target_function", "IndicatorBumps",
           "indicator_bumps_fit"]


def _sine(u):
    return np.sin(np.pi * u)


def _step_smooth(u):
    # A steep but smooth step (logistic with slope 20): continuous, so the theorem applies,
    # yet hard for a few smooth units and easy for bins.
    return np.tanh(10.0 * u)


def _step(u):
    return np.where(u < 0, -1.0, 1.0)


def _abs(u):
    return np.abs(u)


_BUMP_CENTRES = np.array([-0.6, -0.1, 0.35, 0.75])
_BUMP_HEIGHTS = np.array([1.0, -0.7, 0.8, -0.5])
_BUMP_WIDTH = 0.12


def _bumps(u):
    # A few Gaussian bumps of mixed sign: smooth, but with several local features to capture.
    d = (u[..., None] - _BUMP_CENTRES) / _BUMP_WIDTH
    return (_BUMP_HEIGHTS * np.exp(-0.5 * d * d)).sum(axis=-1)


def _wiggle(u):
    # Frequency growing towards the right: a fixed number of equal-width bins fits the left
    # half well and the right half badly.
    return np.sin(4.0 * np.pi * (u + 1.0) ** 2 / 2.0)


FUNCTIONS = {
    "sine": _sine,                 # sin(pi x): one period
    "step_smooth": _step_smooth,   # tanh(10 x)
    "step": _step,                 # sign(x): discontinuous
    "abs": _abs,                   # |x|: a kink at 0
    "bumps": _bumps,               # four Gaussian bumps of mixed sign
    "wiggle": _wiggle,             # a chirp
}
"""Target functions on the reference interval ``[-1, 1]``, values within ``[-1, 1]``."""


def _check_interval(interval):
    try:
        a, b = (float(v) for v in interval)
    except (TypeError, ValueError):
        raise ValueError(f"interval must be a pair (low, high), got {interval!r}") from None
    if not (np.isfinite(a) and np.isfinite(b) and a < b):
        raise ValueError(f"interval must be finite with low < high, got {interval!r}")
    return a, b


def get_function(name, interval=(-1.0, 1.0)):
    """The target ``name`` as a vectorized callable on ``interval``.

    >>> f = get_function("sine", interval=(0, 2))
    >>> f(np.array([0.0, 0.5, 1.0]))
    array([-0., -1.,  0.])
    """
    if name not in FUNCTIONS:
        raise ValueError(f"unknown target function {name!r}; expected one of {list(FUNCTIONS)}")
    a, b = _check_interval(interval)
    ref = FUNCTIONS[name]

    def f(x):
        x = np.asarray(x, dtype=np.float64)
        return ref(2.0 * (x - a) / (b - a) - 1.0)

    f.__name__ = name
    return f


def target_function(name, n=200, noise=0.0, seed=None, interval=(-1.0, 1.0), grid=False):
    """Samples ``(x, f(x) + noise)`` of a 1-D target function, for regression.

    Parameters
    ----------
    name : str
        One of :data:`FUNCTIONS`: ``"sine"``, ``"step_smooth"``, ``"step"``, ``"abs"``,
        ``"bumps"``, ``"wiggle"``.
    n : int, default 200
        Number of samples.
    noise : float, default 0
        Standard deviation of Gaussian noise added to ``f(x)``.
    seed : int or numpy.random.Generator, optional
        Draws ``x`` (unless ``grid``) and the noise.
    interval : (low, high), default (-1, 1)
    grid : bool, default False
        ``x`` evenly spaced over the closed interval instead of drawn uniformly.

    Returns
    -------
    x : ndarray, shape (n, 1), float64, sorted ascending
        One feature column, ready for a network with one input.
    y : ndarray, shape (n,), float64

    Examples
    --------
    >>> x, y = target_function("sine", n=100, noise=0.1, seed=0)
    >>> x.shape, y.shape, bool(np.all(np.diff(x.ravel()) >= 0))
    ((100, 1), (100,), True)
    """
    f = get_function(name, interval)
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    a, b = _check_interval(interval)
    rng = np.random.default_rng(seed)
    x = np.linspace(a, b, n) if grid else np.sort(rng.uniform(a, b, n))
    y = f(x)
    if noise:
        y = y + noise * rng.standard_normal(n)
    return x[:, None], y


@dataclass
class IndicatorBumps:
    """``g(x) = sum_i c_i 1(a_i <= x < b_i)``: a piecewise-constant function on equal bins.

    The seed's example of a universal approximator nobody would use: with enough bins it gets
    within any epsilon of a continuous function, with ``3 * n_bumps`` parameters ``(a, b, c)``
    and no smoothness at all. Bins are half-open (the last one closed) so that every point of the
    interval lies in exactly one bin; the seed's open intervals differ only at the edges, a set
    of measure zero. Outside ``[edges[0], edges[-1]]`` g is 0, as the formula says.

    Attributes
    ----------
    edges : ndarray, shape (n_bumps + 1,)
        ``a_i = edges[i]``, ``b_i = edges[i + 1]``.
    c : ndarray, shape (n_bumps,)
        Height of each bump.
    """

    edges: np.ndarray
    c: np.ndarray

    @property
    def n_bumps(self):
        """The number of bins."""
        return self.c.shape[0]

    @property
    def num_params(self):
        """``3 * n_bumps``: each bump has its own ``a_i``, ``b_i`` and ``c_i``."""
        return 3 * self.n_bumps

    def predict(self, x):
        """Evaluate g at ``x`` of shape ``(N,)`` or ``(N, 1)``; returns shape ``(N,)``.

        >>> g = IndicatorBumps(edges=np.array([0.0, 0.5, 1.0]), c=np.array([2.0, -1.0]))
        >>> g.predict(np.array([0.1, 0.5, 1.0, 1.5])), g.num_params
        (array([ 2., -1., -1.,  0.]), 6)
        """
        x = _as_1d(x)
        i = np.searchsorted(self.edges, x, side="right") - 1
        i[x == self.edges[-1]] = self.n_bumps - 1  # the last bin is closed on the right
        inside = (i >= 0) & (i < self.n_bumps)
        return np.where(inside, self.c[np.clip(i, 0, self.n_bumps - 1)], 0.0)

    __call__ = predict


def _as_1d(x):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 1:
        raise ValueError(f"x must have shape (N,) or (N, 1), got {x.shape}")
    return x


def indicator_bumps_fit(x, y, n_bumps, interval=None):
    """Fit the seed's sum of indicator bumps: equal-width bins, each at the mean of its samples.

    ``c_i`` is the mean of ``y`` over the samples in bin ``i`` — the least-squares fit of a
    constant on that bin. A bin with no samples takes the height of the nearest bin that has
    some (ties to the left), so g has no holes at 0 inside the interval.

    Parameters
    ----------
    x : array, shape (N,) or (N, 1)
    y : array, shape (N,)
    n_bumps : int
        Number of bins (bumps).
    interval : (low, high), optional
        The span cut into bins; ``(x.min(), x.max())`` when omitted.

    Returns
    -------
    IndicatorBumps
        With ``predict(x)``.

    Examples
    --------
    >>> x, y = target_function("sine", n=1000, grid=True)
    >>> g = indicator_bumps_fit(x, y, n_bumps=50)
    >>> g.num_params, float(np.abs(g.predict(x) - y).max()) < 0.07
    (150, True)
    """
    x = _as_1d(x)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if y.shape[0] != x.shape[0] or x.shape[0] == 0:
        raise ValueError(f"x and y must hold the same positive number of samples, got "
                         f"{x.shape[0]} and {y.shape[0]}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("x and y must be finite")
    if not isinstance(n_bumps, (int, np.integer)) or n_bumps < 1:
        raise ValueError(f"n_bumps must be a positive integer, got {n_bumps!r}")
    lo, hi = _check_interval(interval) if interval is not None else (x.min(), x.max())
    if hi <= lo:
        raise ValueError(f"x spans no interval (all values {lo}); pass interval=(low, high)")
    edges = np.linspace(lo, hi, n_bumps + 1)
    g = IndicatorBumps(edges, np.zeros(n_bumps))
    i = np.searchsorted(edges, x, side="right") - 1
    i[x == hi] = n_bumps - 1
    keep = (i >= 0) & (i < n_bumps)
    counts = np.bincount(i[keep], minlength=n_bumps)
    sums = np.bincount(i[keep], weights=y[keep], minlength=n_bumps)
    full = np.flatnonzero(counts)
    if full.size == 0:
        raise ValueError(f"no samples of x fall inside the interval ({lo}, {hi})")
    c = np.zeros(n_bumps)
    c[full] = sums[full] / counts[full]
    # Nearest non-empty bin for the empty ones: compare distances to the neighbours on each side.
    k = np.arange(n_bumps)
    pos = np.searchsorted(full, k)
    left = full[np.clip(pos - 1, 0, full.size - 1)]
    right = full[np.clip(pos, 0, full.size - 1)]
    nearest = np.where(np.abs(k - left) <= np.abs(right - k), left, right)
    g.c = c[nearest]
    return g
