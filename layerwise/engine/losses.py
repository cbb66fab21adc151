"""Losses: each maps ``(scores, y)`` to ``(loss, dscores)``, the loss averaged over the batch.

* ``"softmax"``: cross-entropy of the softmax of the scores (the multiclass Softmax classifier).
  Softmax lives here, fused with its loss, so the gradient is simply ``probs - onehot``.
* ``"hinge"``: the multiclass SVM loss of cs231n, margin 1: ``sum_{j != y} max(0, s_j - s_y + 1)``.
  PyTorch's ``MultiMarginLoss`` divides this by the number of classes C; we do not.
* ``"logistic"``: binary cross-entropy of ``sigmoid(score)`` (binary Softmax / logistic
  regression), labels in {0, 1}.
* ``"binary_hinge"``: ``max(0, 1 - t * score)`` (the binary SVM), labels in {0, 1} or {-1, +1}.
* ``"mse"``: mean of squared errors over all elements (PyTorch's ``MSELoss``), for regression.

Binary losses take scores of shape ``(N, 1)`` or ``(N,)``; multiclass losses ``(N, C)`` with
integer labels ``(N,)``. Every loss is finite with finite gradients at logits of +-1e4.

>>> import numpy as np
>>> loss, d = get("softmax")(np.array([[2.0, 1.0, 0.1]]), np.array([0]))
>>> round(loss, 4), np.allclose(d.sum(), 0)
(0.417, True)
"""
from __future__ import annotations

import math

from .activations import sigmoid, softplus
from .backend import xp

MULTICLASS = ("softmax", "hinge")
BINARY = ("logistic", "binary_hinge")
LOSSES = MULTICLASS + BINARY + ("mse",)

_ARANGE = {}


def _rows(n):
    """``arange(n)``, cached: it indexes the correct-class scores on every step."""
    a = _ARANGE.get(n)
    if a is None:
        a = _ARANGE[n] = xp.arange(n)
    return a


# -- input checks -------------------------------------------------------------------------------
def _as_scores(scores):
    """``scores`` as a float array: integer scores would make the in-place gradient steps fail."""
    scores = xp.asarray(scores)
    if scores.dtype.kind not in "biuf":
        raise TypeError(f"scores must hold real numbers, got dtype {scores.dtype}")
    return scores if scores.dtype.kind == "f" else scores.astype(xp.float64)


def _check_scores(scores, ndim=(2,)):
    if scores.ndim not in ndim:
        raise ValueError(f"scores must have {' or '.join(map(str, ndim))} dimensions, got "
                         f"shape {scores.shape}")
    if scores.shape[0] == 0:
        raise ValueError(f"scores must hold at least one sample, got shape {scores.shape}")
    if not xp.isfinite(scores.sum()) and not xp.isfinite(scores).all():
        bad = tuple(int(i) for i in xp.argwhere(~xp.isfinite(scores))[0])
        raise ValueError(f"scores contain NaN or inf (first at index {bad}: {scores[bad]}); "
                         "expected finite scores: the network diverged or its input was not "
                         "finite")


def _check_labels(y, n, num_classes=None, allowed=None, allowed_text=None):
    y = xp.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.shape != (n,):
        raise ValueError(f"labels must have shape ({n},) to match the scores, got {y.shape}")
    if y.dtype.kind == "f":
        if not xp.isfinite(y).all() or not (y == xp.round(y)).all():
            raise ValueError(f"labels must be integers, got non-integer values such as "
                             f"{y[~(xp.isfinite(y) & (y == xp.round(y)))][:3].tolist()}")
    elif y.dtype.kind not in "biu":
        raise ValueError(f"labels must be integers, got dtype {y.dtype}")
    y = y.astype(xp.int64, copy=False)
    if num_classes is not None and n and (y.min() < 0 or y.max() >= num_classes):
        bad = y[(y < 0) | (y >= num_classes)]
        raise ValueError(f"labels must lie in [0, {num_classes - 1}] for {num_classes} classes, "
                         f"got {bad[:5].tolist()}")
    if allowed is not None and not xp.isin(y, allowed).all():
        expected = allowed_text or str(set(allowed))
        raise ValueError(f"labels must be {expected}, got {sorted(set(y.tolist()))[:6]}")
    return y


# -- multiclass ---------------------------------------------------------------------------------
def softmax(scores):
    """Row-wise softmax, computed stably from logits (the max is subtracted first)."""
    z = scores - scores.max(axis=1, keepdims=True)
    e = xp.exp(z)
    return e / e.sum(axis=1, keepdims=True)


_SOFTMAX_CONSTS = {}


def _softmax_consts(n, c, dtype):
    """Constants of a softmax step for ``(n, c)`` scores of ``dtype``: read-only, so that threads
    may share them. ``offsets[i]`` is the flat index of row ``i``'s first score; ``n`` and
    ``1/n`` come as length-``n`` vectors, since same-shape operands make the cheapest calls."""
    key = (n, c, dtype)
    consts = _SOFTMAX_CONSTS.get(key)
    if consts is None:
        if len(_SOFTMAX_CONSTS) >= 64:
            _SOFTMAX_CONSTS.clear()
        offsets = xp.arange(n) * c
        consts = (offsets, offsets[:, None].copy(), xp.ones(c, dtype), xp.ones(n, dtype),
                  xp.full(n, n, dtype), xp.full(n, 1.0 / n, dtype))
        for a in consts:
            a.flags.writeable = False
        _SOFTMAX_CONSTS[key] = consts
    return consts


def softmax_cross_entropy(scores, y, validate=True):
    """Softmax classifier loss. ``scores (N, C)``, ``y (N,)`` integers in ``[0, C)``.

    ``L = mean_i (log sum_j e^{s_ij} - s_{i,y_i})`` and ``dL/ds = (softmax(s) - onehot(y)) / N``.

    Each row is shifted before ``exp`` (the softmax does not change): by its maximum, so that
    ``exp`` never overflows. With ``validate=False`` (the training step, on checked data) it is
    shifted by its correct-class score instead, which saves finding the maxima: the shifted
    correct score is 0, so each row's loss is just ``log sum_j e^{z_ij}``. Only a score more
    than ~88 (float32; ~709 in float64) above the correct one overflows ``exp`` that way (the
    caller's ``np.errstate`` decides whether that warns); the loss is then not finite, and the
    rows are shifted by their maxima after all.
    """
    if validate:
        scores = _as_scores(scores)
        _check_scores(scores)
        y = _check_labels(y, scores.shape[0], scores.shape[1])
    n, c = scores.shape
    dt = scores.dtype
    offsets, offsets_col, ones_c, ones_n, n_vec, inv_n = (_SOFTMAX_CONSTS.get((n, c, dt))
                                                          or _softmax_consts(n, c, dt))
    # A small batch's loss costs NumPy calls, not arithmetic, so each row-wise quantity is a
    # gather, a BLAS product or a copy rather than an axis reduction or a broadcasting ufunc,
    # and ufuncs get `out` positionally (keyword parsing costs ~40 ns a call).
    flat_scores = scores.ravel()
    at_y = offsets + y  # flat index of each correct-class score
    z = xp.empty((n, c), dt)
    loss = math.inf
    if not validate:
        z[...] = flat_scores[at_y].reshape(n, 1)
        xp.subtract(scores, z, z)
        e = xp.exp(z, z)
        s = e.dot(ones_c)  # row sums, each >= 1 since its correct term is e^0
        loss = float(xp.log(s).dot(ones_n)) / n
    if not math.isfinite(loss):
        z[...] = flat_scores[offsets_col + scores.argmax(axis=1, keepdims=True)]  # row maxima
        xp.subtract(scores, z, z)
        z_y = z.ravel()[at_y]
        e = xp.exp(z, z)
        s = e.dot(ones_c)
        loss = float(xp.subtract(xp.log(s), z_y, z_y).dot(ones_n)) / n
    # dL/dscores = (probs - onehot) / N
    rows = xp.empty((n, c), dt)
    rows[...] = xp.multiply(s, n_vec, s).reshape(n, 1)
    xp.divide(e, rows, e)
    flat = e.ravel()
    flat[at_y] = flat[at_y] - inv_n
    return loss, e


def multiclass_hinge(scores, y, validate=True):
    """Multiclass SVM loss (cs231n's form, margin 1). ``scores (N, C)``, ``y (N,)``."""
    if validate:
        scores = _as_scores(scores)
        _check_scores(scores)
        y = _check_labels(y, scores.shape[0], scores.shape[1])
    n = scores.shape[0]
    rows = _rows(n)
    margins = scores - scores[rows, y][:, None] + 1.0
    xp.maximum(margins, 0, out=margins)
    margins[rows, y] = 0
    loss = float(margins.sum()) / n
    # every violated margin pushes its class up and the correct class down
    d = (margins > 0).astype(scores.dtype)
    d[rows, y] = -d.sum(axis=1)
    d /= n
    return loss, d


# -- binary ----------------------------------------------------------------------------------
def _binary_scores(scores, validate):
    scores = _as_scores(scores) if validate else scores
    if validate:
        _check_scores(scores, ndim=(1, 2))
        if scores.ndim == 2 and scores.shape[1] != 1:
            raise ValueError(f"binary losses take scores of shape (N, 1) or (N,), got "
                             f"{scores.shape}; use 'softmax' or 'hinge' for several classes")
    return scores, scores.reshape(-1)


def binary_logistic(scores, y, validate=True):
    """Binary Softmax (logistic regression): cross-entropy of ``sigmoid(score)``, y in {0, 1}."""
    scores, s = _binary_scores(scores, validate)
    if validate:
        y = _check_labels(y, s.shape[0], allowed=(0, 1), allowed_text="in {0, 1}")
    y = y.astype(s.dtype, copy=False)
    n = s.shape[0]
    # -log sigmoid(s) for y=1, -log(1 - sigmoid(s)) = softplus(s) for y=0
    loss = float((softplus(s) - y * s).sum()) / n
    d = (sigmoid(s) - y) / n
    return loss, d.reshape(scores.shape)


def binary_hinge(scores, y, validate=True):
    """Binary SVM: ``max(0, 1 - t*score)`` with ``t = +-1``; y in {0, 1} or {-1, +1}."""
    scores, s = _binary_scores(scores, validate)
    if validate:
        y = _check_labels(y, s.shape[0], allowed=(-1, 0, 1),
                          allowed_text="all in {0, 1} or all in {-1, +1}")
        if (y == 0).any() and (y == -1).any():
            raise ValueError("binary_hinge labels must be all in {0, 1} or all in {-1, +1}, "
                             "got both 0 and -1")
    t = xp.where(y > 0, 1.0, -1.0).astype(s.dtype)
    n = s.shape[0]
    margin = 1.0 - t * s
    loss = float(xp.maximum(margin, 0).sum()) / n
    d = xp.where(margin > 0, -t, 0.0).astype(s.dtype) / n
    return loss, d.reshape(scores.shape)


# -- regression -----------------------------------------------------------------------------------
def mse(scores, y, validate=True):
    """Mean squared error over all elements (PyTorch's ``MSELoss``). ``y`` matches ``scores``
    (or is ``(N,)`` for one output)."""
    if validate:
        scores = _as_scores(scores)
        _check_scores(scores, ndim=(1, 2))
        y = xp.asarray(y, dtype=scores.dtype)
        if y.shape != scores.shape and y.reshape(-1).shape != scores.reshape(-1).shape:
            raise ValueError(f"targets must have the shape of the scores {scores.shape}, got "
                             f"{y.shape}")
        if not xp.isfinite(y).all():
            raise ValueError("targets contain NaN or inf")
    diff = scores - y.reshape(scores.shape)
    loss = float(xp.vdot(diff, diff)) / diff.size
    return loss, diff * (2.0 / diff.size)


_TABLE = {"softmax": softmax_cross_entropy, "hinge": multiclass_hinge,
          "logistic": binary_logistic, "binary_hinge": binary_hinge, "mse": mse}


def get(name):
    """The loss function called ``name``: ``(scores, y) -> (loss, dscores)``."""
    if callable(name):
        return name
    try:
        return _TABLE[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown loss {name!r}; expected one of: {', '.join(LOSSES)}") from None


# -- regularization -------------------------------------------------------------------------------
REG_TYPES = ("l2", "l1")


def regularization(net, reg, reg_type="l2"):
    """Add the weight penalty's gradient to ``net``'s gradients and return the penalty.

    L2 is ``reg/2 * sum(W**2)`` (gradient ``reg * W``); L1 is ``reg * sum(|W|)``. Biases are never
    regularized. How ``reg`` maps elsewhere: PyTorch's SGD ``weight_decay`` equals ``reg`` when
    applied to the weights only (a param group without biases); scikit-learn's MLP ``alpha``
    equals ``reg * batch_size`` (it divides its penalty by the batch size).

    Call after ``net.backward``. Returns the penalty as a float.
    """
    if reg_type not in REG_TYPES:
        raise ValueError(f"unknown reg_type {reg_type!r}; expected one of: {', '.join(REG_TYPES)}")
    if reg < 0 or not math.isfinite(reg):
        raise ValueError(f"regularization strength must be a finite number >= 0, got {reg!r}")
    if reg == 0:
        return 0.0
    store = net.store
    w, g, tmp, reg_w = (store.weight_params, store.weight_grads, store.weight_scratch,
                        store.scalar(reg))
    if reg_type == "l2":
        g += xp.multiply(w, reg_w, tmp)
    else:
        g += xp.multiply(xp.sign(w, out=tmp), reg_w, out=tmp)
    return _penalty_of(w, reg, reg_type)


def penalty(net, reg, reg_type="l2"):
    """The regularization loss alone, without touching gradients."""
    if reg == 0:
        return 0.0
    return _penalty_of(net.store.weight_params, reg, reg_type)


def _penalty_of(w, reg, reg_type):
    """``reg/2 * sum(w**2)`` (L2) or ``reg * sum(|w|)`` (L1) of the flat weight vector ``w``."""
    return 0.5 * reg * float(w.dot(w)) if reg_type == "l2" else reg * float(xp.abs(w).sum())
