"""Numerical gradient checking: central differences in float64.

The error reported for each parameter is ``max|analytic - numeric| / max(max|analytic|,
max|numeric|)``: the worst entry's error relative to the size of that parameter's gradient, so
that entries that are legitimately near zero do not drown the check in round-off.

>>> import numpy as np, layerwise as lw
>>> net = lw.Network([3, 5, 4], activation="tanh", dtype=np.float64, seed=0)
>>> rng = np.random.default_rng(1)
>>> errors = gradcheck(net, rng.standard_normal((6, 3)), rng.integers(0, 4, 6), loss="softmax")
>>> max(errors.values()) < 1e-7
True
"""
from __future__ import annotations

import numpy as np

from . import losses as _losses


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of the scalar ``f()`` with respect to array ``x``, which is
    perturbed in place and restored."""
    grad = np.zeros(x.shape, dtype=np.float64)
    # index by position: a parameter may be a strided view (see engine.params.ParameterStore)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        fp = f()
        x[i] = old - h
        fm = f()
        x[i] = old
        grad[i] = (fp - fm) / (2 * h)
    return grad


def relative_error(analytic, numeric) -> float:
    analytic, numeric = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    scale = max(np.abs(analytic).max(initial=0.0), np.abs(numeric).max(initial=0.0))
    if scale == 0.0:
        return 0.0
    return float(np.abs(analytic - numeric).max() / scale)


def _rng_layers(net):
    return [layer for layer in net.layers if hasattr(layer, "rng")]


def gradcheck(net, X, y, loss="softmax", reg=0.0, reg_type="l2", h=1e-5, check_input=True):
    """Compare backpropagation with central differences on a float64 network.

    The objective is the loss on ``(X, y)`` in training mode plus the weight penalty. Dropout
    masks and input noise are held fixed by replaying their generators' state, so the same
    random draw is used by every evaluation. Each parameter entry is perturbed in place and
    restored; the network's gradients are left holding the analytic ones.

    Parameters
    ----------
    net : Sequential or Network
        Built with ``dtype=np.float64``.
    X : array (N, D)
    y : array
        Labels or targets, as the loss takes them.
    loss : str, default "softmax"
        A name from :data:`layerwise.engine.losses.LOSSES`.
    reg : float, default 0.0
    reg_type : {"l2", "l1"}, default "l2"
    h : float, default 1e-5
        The central-difference step.
    check_input : bool, default True
        Also check ``dL/dX``.

    Returns
    -------
    dict
        ``{parameter name: relative error}`` (state-dict names), plus ``"input"`` for
        ``dL/dX`` when ``check_input``; the error is defined in the module docstring.

    Raises
    ------
    ValueError
        When the network is not float64, or for an unknown loss.
    """
    if net.dtype != np.float64:
        raise ValueError(f"gradcheck needs a float64 network (dtype=np.float64), got {net.dtype}")
    loss_fn = _losses.get(loss)
    X = np.array(X, dtype=np.float64)
    rngs = _rng_layers(net)
    states = [layer.rng.bit_generator.state for layer in rngs]

    def objective():
        for layer, state in zip(rngs, states):
            layer.rng.bit_generator.state = state
        value, _ = loss_fn(net._forward(X, train=True), y)
        return value + _losses.penalty(net, reg, reg_type)

    for layer, state in zip(rngs, states):
        layer.rng.bit_generator.state = state
    _, dscores = loss_fn(net._forward(X, train=True), y)
    dx = net._backward(dscores, input_grad=True)
    dx = None if dx is None else dx.copy()
    _losses.regularization(net, reg, reg_type)
    analytic = net.gradients()

    errors = {}
    for name, param, _ in net.parameters():
        errors[name] = relative_error(analytic[name], numerical_gradient(objective, param, h))
    if check_input and dx is not None:
        errors["input"] = relative_error(dx, numerical_gradient(objective, X, h))
    return errors


def gradcheck_layer(layer, x, h=1e-5, seed=0):
    """Check one layer with a random upstream gradient: f = sum(layer(x) * dout).

    Returns ``{"input": err, "weight": err, ...}``.
    """
    rng = np.random.default_rng(seed)
    x = np.array(x, dtype=np.float64)
    state = layer.rng.bit_generator.state if hasattr(layer, "rng") else None

    def run():
        if state is not None:
            layer.rng.bit_generator.state = state
        return layer.forward(x, train=True)

    dout = rng.standard_normal(run().shape)

    def objective():
        return float((run() * dout).sum())

    run()
    dx = layer.backward(dout, input_grad=True).copy()
    analytic = {name: g.copy() for name, g in layer.grads.items()}
    errors = {"input": relative_error(dx, numerical_gradient(objective, x, h))}
    for name, param in layer.params.items():
        errors[name] = relative_error(analytic[name], numerical_gradient(objective, param, h))
    return errors


def gradcheck_loss(name, scores, y, h=1e-5):
    """Check a loss's ``dscores`` against central differences."""
    fn = _losses.get(name)
    scores = np.array(scores, dtype=np.float64)
    _, d = fn(scores, y)
    return relative_error(d, numerical_gradient(lambda: fn(scores, y)[0], scores, h))
