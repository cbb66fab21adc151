"""2-D toy data sets: each ``NAME(n=..., noise=..., seed=...) -> (X, y)``.

``n`` is the total number of points, spread evenly over the classes. ``X`` is float64 of shape
``(n, 2)``, ``y`` int64 of shape ``(n,)``.

>>> X, y = spiral(n=300, classes=3, seed=0)
>>> X.shape, sorted(set(y.tolist()))
((300, 2), [0, 1, 2])
"""
from __future__ import annotations

import numpy as np


def _check(n, classes, noise):
    # classes first: the message about n quotes it, and n < classes needs it to be a number.
    if not isinstance(classes, (int, np.integer)) or isinstance(classes, bool) or classes < 2:
        raise ValueError(f"classes must be an integer >= 2, got {classes!r}")
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < classes:
        raise ValueError(f"n must be an integer of at least {classes} (one point per class), "
                         f"got {n!r}")
    if not isinstance(noise, (int, float, np.integer, np.floating)) or not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")


def _per_class(n, classes):
    """Split n points as evenly as possible over the classes."""
    return [n // classes + (k < n % classes) for k in range(classes)]


def spiral(n=300, classes=3, noise=0.2, seed=None):
    """cs231n's spiral: ``classes`` arms, radius 0..1, angle spread by ``noise``.

    ``noise`` is the standard deviation of the angle, in radians. Returns ``(X, y)`` as the
    module says.

    >>> X, y = spiral(n=300, classes=3, seed=0)
    >>> X.shape, np.bincount(y).tolist(), bool(np.abs(X).max() <= 1.5)
    ((300, 2), [100, 100, 100], True)
    """
    _check(n, classes, noise)
    rng = np.random.default_rng(seed)
    X, y = [], []
    for k, m in enumerate(_per_class(n, classes)):
        r = np.linspace(0.0, 1, m)
        t = np.linspace(k * 4, (k + 1) * 4, m) + rng.standard_normal(m) * noise
        X.append(np.c_[r * np.sin(t), r * np.cos(t)])
        y.append(np.full(m, k))
    return np.concatenate(X), np.concatenate(y).astype(np.int64)


def circles(n=300, noise=0.1, factor=0.5, seed=None):
    """Two concentric circles: class 0 outside (radius 1), class 1 inside (radius ``factor``).

    ``noise`` is the standard deviation of the Gaussian noise added to each point.
    ``factor`` (default 0.5) is the inner circle's radius. Returns ``(X, y)`` as the module
    says.

    >>> X, y = circles(n=200, noise=0.0, seed=0)
    >>> r = np.hypot(X[:, 0], X[:, 1])
    >>> bool(np.allclose(r[y == 0], 1.0)), bool(np.allclose(r[y == 1], 0.5))
    (True, True)
    """
    _check(n, 2, noise)
    rng = np.random.default_rng(seed)
    m0, m1 = _per_class(n, 2)
    t = rng.uniform(0, 2 * np.pi, n)
    r = np.r_[np.ones(m0), np.full(m1, factor)]
    X = np.c_[r * np.cos(t), r * np.sin(t)] + rng.standard_normal((n, 2)) * noise
    return X, np.r_[np.zeros(m0), np.ones(m1)].astype(np.int64)


def xor(n=300, noise=0.1, seed=None):
    """Points in the square [-1, 1]^2, labelled by whether x and y share a sign: class 0 where
    they do, class 1 where they do not (no line separates the classes).

    ``noise`` is the standard deviation of the Gaussian noise added to each point. Returns
    ``(X, y)`` as the module says.

    >>> X, y = xor(n=100, noise=0.0, seed=0)
    >>> bool(np.all((np.sign(X[:, 0]) != np.sign(X[:, 1])) == (y == 1)))
    True
    """
    _check(n, 2, noise)
    rng = np.random.default_rng(seed)
    m0, m1 = _per_class(n, 2)
    X, y = [], []
    for label, m in ((0, m0), (1, m1)):
        pts = rng.uniform(0.05, 1, (m, 2))
        flip = rng.integers(0, 2, m).astype(bool)
        sx = np.where(flip, -1.0, 1.0)
        sy = sx if label == 0 else -sx  # class 0: same signs; class 1: opposite signs
        X.append(np.c_[pts[:, 0] * sx, pts[:, 1] * sy])
        y.append(np.full(m, label))
    X = np.concatenate(X) + rng.standard_normal((n, 2)) * noise
    return X, np.concatenate(y).astype(np.int64)


def gaussians(n=300, classes=2, noise=0.5, seed=None):
    """``classes`` Gaussian blobs with centres evenly spaced on a circle of radius 2.

    ``noise`` is the standard deviation of each blob. Returns ``(X, y)`` as the module says.

    >>> X, y = gaussians(n=400, classes=4, noise=0.1, seed=0)
    >>> np.round(X[y == 0].mean(axis=0), 1) + 0.0
    array([2., 0.])
    """
    _check(n, classes, noise)
    rng = np.random.default_rng(seed)
    X, y = [], []
    for k, m in enumerate(_per_class(n, classes)):
        a = 2 * np.pi * k / classes
        X.append(rng.standard_normal((m, 2)) * noise + 2 * np.array([np.cos(a), np.sin(a)]))
        y.append(np.full(m, k))
    return np.concatenate(X), np.concatenate(y).astype(np.int64)


def moons(n=300, noise=0.1, seed=None):
    """Two interleaving half circles (scikit-learn's ``make_moons`` shape).

    ``noise`` is the standard deviation of the Gaussian noise added to each point. Returns
    ``(X, y)`` as the module says.

    >>> X, y = moons(n=100, seed=0)
    >>> X.shape, np.bincount(y).tolist()
    ((100, 2), [50, 50])
    """
    _check(n, 2, noise)
    rng = np.random.default_rng(seed)
    m0, m1 = _per_class(n, 2)
    t0, t1 = np.linspace(0, np.pi, m0), np.linspace(0, np.pi, m1)
    X = np.r_[np.c_[np.cos(t0), np.sin(t0)], np.c_[1 - np.cos(t1), 0.5 - np.sin(t1)]]
    X = X + rng.standard_normal((n, 2)) * noise
    return X, np.r_[np.zeros(m0), np.ones(m1)].astype(np.int64)


TOY_SETS = {"spiral": spiral, "circles": circles, "xor": xor, "gaussians": gaussians,
            "moons": moons}
