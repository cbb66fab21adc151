"""Monitors: what the seed tells us to watch while a network trains.

* dead units: ReLUs that never activate on any sample of a data set ("as much as 40% of your
  network can be dead if the learning rate is set too high");
* saturated units: sigmoid/tanh outputs in their flat tails, where the local gradient vanishes;
* per-layer activation mean and standard deviation, gradient norms, and the update/weight ratio.

>>> import numpy as np, layerwise as lw
>>> net = lw.Network([2, 8, 2], seed=0)
>>> fractions = dead_fraction(net, np.random.default_rng(0).standard_normal((100, 2)))
>>> list(fractions), 0.0 <= fractions[1] <= 1.0
([1], True)
"""
from __future__ import annotations

import math

import numpy as np



def forward_probe(net, X):
    """One evaluation-mode pass that keeps what the monitors look at.

    Returns ``(scores, units)`` where ``units`` is ``{layer index: (unit input, output)}`` for
    every hidden non-linearity. The unit input decides whether a unit is active: a ReLU-like
    unit's input, or a Maxout unit's winning piece (its output).
    """
    units, h, last = {}, X, len(net.layers) - 1
    for i, layer in enumerate(net.layers):
        out = layer.forward(h, train=False)
        if i < last and layer.has_units:
            units[i] = (layer.unit_input(h, out), out)
        h = out
    return h, units


def ever_active(unit_input):
    """Per unit, whether its input is positive on any sample: ``(N, units) -> (units,)``.

    A unit that never is is dead: for ReLU it passes no gradient and cannot recover; leaky ReLU
    and PReLU units still pass a small gradient.
    """
    return (unit_input > 0).any(axis=0)


def hidden_activations(net, X, batch_size=4096):
    """``{layer index: (unit input, output)}`` for every hidden non-linearity, in evaluation
    mode (see :func:`forward_probe`).

    The layer index is the non-linearity's position in ``net.layers`` (1 for the first hidden
    ReLU of a :class:`~layerwise.engine.network.Network`), the key every monitor here uses. ``X`` is
    ``(N, D)``; both arrays of an entry are ``(N, units)``, computed ``batch_size`` rows at a time.
    """
    X = np.asarray(X, dtype=net.dtype)
    chunks = {}
    for start in range(0, max(len(X), 1), batch_size):
        for i, pair in forward_probe(net, X[start:start + batch_size])[1].items():
            chunks.setdefault(i, []).append(pair)
    return {i: (np.concatenate([c[0] for c in v]), np.concatenate([c[1] for c in v]))
            for i, v in chunks.items()}


def dead_fraction(net, X) -> dict:
    """Fraction of each hidden layer's units that never activate (input <= 0 on every sample).

    For ReLU such a unit passes no gradient and cannot recover; for leaky ReLU and PReLU it still
    passes a small gradient; Maxout units always pass gradient to their winning piece and are
    reported by whether their output is ever positive. Returns ``{layer index: fraction}``.
    """
    return {i: float(1.0 - ever_active(pre).mean())
            for i, (pre, _) in hidden_activations(net, X).items()}


def saturation_fraction(net, X, tail=0.05) -> dict:
    """Fraction of (sample, unit) outputs of sigmoid/tanh layers that lie within ``tail`` of
    either end of the output range (scaled to [0, 1]). Returns ``{layer index: fraction}``."""
    out = {}
    for i, (_, y) in hidden_activations(net, X).items():
        fn = getattr(net.layers[i], "fn", None)
        # the units that saturate in two flat tails: a bounded range (sigmoid, tanh)
        if fn is not None and fn.saturates and all(map(math.isfinite, fn.range)):
            lo, hi = fn.range
            u = (y - lo) / (hi - lo)
            out[i] = float(((u < tail) | (u > 1 - tail)).mean())
    return out


def activation_stats(net, X) -> dict:
    """``{layer index: {"mean", "std"}}`` of each hidden layer's outputs."""
    return {i: {"mean": float(y.mean()), "std": float(y.std())}
            for i, (_, y) in hidden_activations(net, X).items()}


def gradient_norms(net) -> dict:
    """``{parameter name: L2 norm of its gradient}`` from the last backward pass."""
    return {name: float(np.linalg.norm(g)) for name, _, g in net.parameters()}


def update_ratio(before: dict, net) -> dict:
    """``{weight name: ||W_after - W_before|| / ||W_before||}`` (aim for about 1e-3 per step).

    ``before`` is a :meth:`~layerwise.engine.network.Sequential.state_dict` taken before the update.
    """
    ratios = {}
    for name, p, _ in net.parameters():
        if p.ndim == 2:
            norm = float(np.linalg.norm(before[name]))
            ratios[name] = float(np.linalg.norm(p - before[name])) / norm if norm else float("inf")
    return ratios
