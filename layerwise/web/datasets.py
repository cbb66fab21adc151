"""TensorFlow Playground's data sets, in its ranges: the plane ``[-6, 6]^2``.

Four classification sets (two classes: TensorFlow Playground's positive points are class 0
here, drawn blue, its negative ones class 1, orange) and two regression sets whose targets lie
in ``[-1, 1]`` (the plane's reach 1.2 in its corners, as Playground's do). ``noise`` is Playground's own "noise" setting as a fraction (its slider's 0 to
50 is 0 to 0.5 here). Each function takes ``n`` points in all and a ``numpy.random.Generator``.

>>> import numpy as np
>>> X, y = tf_xor(100, 0.0, np.random.default_rng(0))
>>> X.shape, sorted(set(y.tolist())), bool(np.abs(X).max() <= 5.3)
((100, 2), [0, 1], True)
>>> X, t = reg_plane(50, 0.0, np.random.default_rng(0))
>>> bool(np.allclose(t, (X[:, 0] + X[:, 1]) / 10))
True
"""
from __future__ import annotations

import numpy as np

#: The square TensorFlow Playground draws: ``[x0, x1, y0, y1]``.
EXTENT = [-6.0, 6.0, -6.0, 6.0]


def _labels(positive):
    """Playground's +1 / -1 as classes 0 / 1."""
    return np.where(positive, 0, 1).astype(np.int64)


def tf_circle(n, noise, rng):
    """Class 0 inside radius 2.5, class 1 in the ring from 3.5 to 5; a noisy point takes the
    label of where its displaced copy falls."""
    radius = 5.0
    half = n // 2
    r = np.concatenate([rng.uniform(0, radius * 0.5, half), rng.uniform(radius * 0.7, radius,
                                                                          n - half)])
    angle = rng.uniform(0, 2 * np.pi, n)
    X = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    shifted = X + rng.uniform(-radius, radius, (n, 2)) * noise
    return X, _labels(np.hypot(shifted[:, 0], shifted[:, 1]) < radius * 0.5)


def tf_xor(n, noise, rng):
    """Uniform in ``[-5, 5]^2``, pushed 0.3 away from the axes; class 0 where x and y share a
    sign."""
    X = rng.uniform(-5, 5, (n, 2))
    X += np.where(X > 0, 0.3, -0.3)
    shifted = X + rng.uniform(-5, 5, (n, 2)) * noise
    return X, _labels(shifted[:, 0] * shifted[:, 1] >= 0)


def tf_gauss(n, noise, rng):
    """Two Gaussian blobs at (2, 2) (class 0) and (-2, -2) (class 1); the spread grows from 0.5
    to 4 as noise goes from 0 to 0.5."""
    spread = 0.5 + 7.0 * noise
    half = n // 2
    centres = np.concatenate([np.full((half, 2), 2.0), np.full((n - half, 2), -2.0)])
    X = centres + rng.normal(0.0, np.sqrt(spread), (n, 2))
    return X, np.concatenate([np.zeros(half, np.int64), np.ones(n - half, np.int64)])


def tf_spiral(n, noise, rng):
    """Two arms of 1.75 turns out to radius 5, the second turned by pi."""
    parts, labels = [], []
    for k, (count, delta) in enumerate(((n // 2, 0.0), (n - n // 2, np.pi))):
        i = np.arange(count)
        r = i / count * 5
        t = 1.75 * i / count * 2 * np.pi + delta
        parts.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
                     + rng.uniform(-1, 1, (count, 2)) * noise)
        labels.append(np.full(count, k, np.int64))
    return np.concatenate(parts), np.concatenate(labels)


def reg_plane(n, noise, rng):
    """Uniform in ``[-6, 6]^2``; the target is ``(x + y) / 10`` at a displaced copy of the
    point (not clipped: Playground's scale maps [-10, 10] to [-1, 1] and goes on beyond)."""
    X = rng.uniform(-6, 6, (n, 2))
    shifted = X + rng.uniform(-6, 6, (n, 2)) * noise
    return X, (shifted[:, 0] + shifted[:, 1]) / 10


_BUMPS = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1],
                   [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]], dtype=np.float64)


def reg_gauss(n, noise, rng):
    """Six bumps of height +1 or -1 (falling to 0 at distance 2); the target is the bump of
    largest size at a displaced copy of the point."""
    X = rng.uniform(-6, 6, (n, 2))
    shifted = X + rng.uniform(-6, 6, (n, 2)) * noise
    dist = np.hypot(shifted[:, None, 0] - _BUMPS[:, 0], shifted[:, None, 1] - _BUMPS[:, 1])
    values = _BUMPS[:, 2] * np.clip(1 - dist / 2, 0, 1)
    pick = np.abs(values).argmax(axis=1)
    return X, values[np.arange(n), pick]


CLASSIFICATION = {"tf_circle": tf_circle, "tf_xor": tf_xor, "tf_gauss": tf_gauss,
                  "tf_spiral": tf_spiral}
REGRESSION = {"reg_plane": reg_plane, "reg_gauss": reg_gauss}
SETS = {**CLASSIFICATION, **REGRESSION}
