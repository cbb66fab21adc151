"""Preprocessing from the cs231n notes: standardize, mean-image subtraction, one-hot, splits.

Statistics always come from the training split only and are then applied unchanged to the
validation and test splits, so no information about held-out data leaks into training.

>>> import numpy as np
>>> X = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 10.0]])
>>> s = Standardizer().fit(X)
>>> s.mean_, s.scale_
(array([ 3., 10.]), array([1.633, 1.   ]))
>>> s.transform(X)[:, 0]
array([-1.2247,  0.    ,  1.2247])
"""
from __future__ import annotations

import numpy as np

__all__ = ["Standardizer", "standardize", "subtract_mean_image", "one_hot",
           "train_val_test_split"]


def _as_2d_float(X, what="X"):
    """``X`` as a 2-D floating array (ints become float64); raises with the received shape."""
    X = np.asarray(X)
    if X.dtype.kind not in "fiub":
        raise TypeError(f"{what} must be numeric, got dtype {X.dtype}")
    if X.ndim != 2:
        raise ValueError(f"{what} must be 2-D (samples, features), got shape {X.shape}")
    if X.dtype.kind != "f":
        X = X.astype(np.float64)
    return X


class Standardizer:
    """Zero mean and unit variance per feature, with statistics from the training split.

    ``transform(X) = (X - mean_) / scale_``. A column with zero variance (a constant pixel, say)
    gets ``scale_ = 1``, so it becomes all zeros instead of NaN — scikit-learn's
    ``StandardScaler`` does the same.

    Attributes
    ----------
    mean_ : ndarray, shape (D,)
        Per-feature mean of the training data.
    scale_ : ndarray, shape (D,)
        Per-feature standard deviation (population, ``ddof=0``); 1 where it is zero.

    Shape
    -----
    X : (N, D) -> (N, D), floating; integer input becomes float64.

    Examples
    --------
    >>> import numpy as np
    >>> Xtr, Xte = np.array([[0.0], [2.0]]), np.array([[4.0]])
    >>> s = Standardizer().fit(Xtr)
    >>> s.transform(Xte)
    array([[3.]])
    >>> s.inverse_transform(s.transform(Xte))
    array([[4.]])
    """

    def fit(self, X):
        """Learn ``mean_`` and ``scale_`` from ``X`` (the training split); returns ``self``.

        >>> s = Standardizer().fit(np.array([[1.0, 5.0], [3.0, 5.0]]))
        >>> s.mean_, s.scale_  # a constant column keeps scale 1
        (array([2., 5.]), array([1., 1.]))
        """
        X = _as_2d_float(X)
        if X.shape[0] == 0:
            raise ValueError(f"cannot fit on 0 samples, got X of shape {X.shape}")
        if not np.isfinite(X).all():
            raise ValueError("X contains NaN or inf; clean or impute it before standardizing")
        self.mean_ = X.mean(axis=0)
        scale = X.std(axis=0)
        # A tiny relative threshold, not == 0: a constant column in float32 can come out with a
        # std of 1e-8 from rounding, and dividing by that would blow noise up to order 1.
        tiny = 10 * np.finfo(X.dtype).eps * np.maximum(np.abs(self.mean_), 1.0)
        scale[scale <= tiny] = 1.0
        self.scale_ = scale
        self.n_features_in_ = X.shape[1]
        return self

    def _check(self, X):
        if not hasattr(self, "mean_"):
            raise RuntimeError("this Standardizer is not fitted yet; call fit(X_train) first")
        X = _as_2d_float(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but the Standardizer was fitted "
                             f"on {self.n_features_in_}")
        return X

    def transform(self, X):
        """Return ``(X - mean_) / scale_`` in the dtype of ``X`` (float64 for integers).

        >>> Standardizer().fit(np.array([[0.0], [2.0]])).transform(np.array([[1.0], [3.0]]))
        array([[0.],
               [2.]])
        """
        X = self._check(X)
        return ((X - self.mean_) / self.scale_).astype(X.dtype, copy=False)

    def fit_transform(self, X):
        """``fit(X)`` then ``transform(X)``.

        >>> Standardizer().fit_transform(np.array([[0.0], [2.0]]))
        array([[-1.],
               [ 1.]])
        """
        return self.fit(X).transform(X)

    def inverse_transform(self, X):
        """Undo :meth:`transform`: ``X * scale_ + mean_``.

        >>> s = Standardizer().fit(np.array([[0.0], [2.0]]))
        >>> s.inverse_transform(np.array([[-1.0], [1.0]]))
        array([[0.],
               [2.]])
        """
        X = self._check(X)
        return (X * self.scale_ + self.mean_).astype(X.dtype, copy=False)


def standardize(X_train, *others):
    """Standardize ``X_train`` and any further splits with statistics of ``X_train`` only.

    Returns a tuple, one array per argument, in order (a 1-tuple for one argument).

    Shape
    -----
    X_train : (N, D); each of ``others`` : (M, D).

    Examples
    --------
    >>> import numpy as np
    >>> Xtr, Xte = standardize(np.array([[0.0], [2.0]]), np.array([[1.0]]))
    >>> Xtr.ravel(), Xte.ravel()
    (array([-1.,  1.]), array([0.]))
    """
    s = Standardizer().fit(X_train)
    return tuple(s.transform(X) for X in (X_train, *others))


def subtract_mean_image(X_train, *others, return_mean=False):
    """Subtract the per-feature mean of ``X_train`` (the "mean image") from every split.

    This is the cs231n preprocessing for images: ``mean_image = X_train.mean(axis=0)``, then
    ``X -= mean_image`` for every split. Unlike :func:`standardize` it does not rescale.

    Parameters
    ----------
    X_train : array, shape (N, D)
    *others : arrays, shape (M, D)
    return_mean : bool, default False
        Append the mean image (shape ``(D,)``) to the returned tuple, to apply it to new data.

    Examples
    --------
    >>> import numpy as np
    >>> Xtr, Xte, mean = subtract_mean_image(np.array([[0.0, 4.0], [2.0, 8.0]]),
    ...                                      np.array([[1.0, 1.0]]), return_mean=True)
    >>> mean, Xte
    (array([1., 6.]), array([[ 0., -5.]]))
    """
    X_train = _as_2d_float(X_train, "X_train")
    if X_train.shape[0] == 0:
        raise ValueError(f"X_train has 0 samples (shape {X_train.shape})")
    mean = X_train.mean(axis=0)
    out = []
    for i, X in enumerate((X_train, *others)):
        X = _as_2d_float(X, "X_train" if i == 0 else f"split {i}")
        if X.shape[1] != mean.shape[0]:
            raise ValueError(f"split {i} has {X.shape[1]} features, X_train has {mean.shape[0]}")
        out.append((X - mean).astype(X.dtype, copy=False))
    if return_mean:
        out.append(mean)
    return tuple(out)


def _as_labels(y, what="y"):
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{what} must be 1-D (N,), got shape {y.shape}")
    if y.dtype.kind in "iu":
        return y.astype(np.int64, copy=False)
    if y.dtype.kind == "f" and y.size and np.isfinite(y).all() and (y == np.round(y)).all():
        return y.astype(np.int64)
    if y.dtype.kind == "f" and y.size == 0:
        return y.astype(np.int64)
    raise ValueError(f"{what} must hold integer class labels, got dtype {y.dtype} "
                     f"(first values {y[:5].tolist()})")


def one_hot(y, num_classes=None, dtype=np.float64):
    """One-hot encode integer labels: row ``i`` has a 1 in column ``y[i]``.

    Parameters
    ----------
    y : array of int, shape (N,)
        Labels in ``0 .. num_classes - 1``.
    num_classes : int, optional
        Number of columns; ``max(y) + 1`` when omitted.
    dtype : default float64

    Shape
    -----
    (N,) -> (N, num_classes)

    Examples
    --------
    >>> one_hot([0, 2, 1], 3)
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]])
    """
    y = _as_labels(y)
    if num_classes is None:
        if y.size == 0:
            raise ValueError("cannot infer num_classes from empty y; pass num_classes")
        num_classes = int(y.max()) + 1
    if not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}")
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        bad = y[(y < 0) | (y >= num_classes)][0]
        raise ValueError(f"labels must lie in 0..{num_classes - 1}, got {int(bad)}")
    out = np.zeros((y.shape[0], int(num_classes)), dtype=dtype)
    out[np.arange(y.shape[0]), y] = 1
    return out


def _largest_remainder(shares, total, caps):
    """Integer counts summing to ``total`` close to the real ``shares``, each at most ``caps``."""
    counts = np.minimum(np.floor(shares).astype(np.int64), caps)
    frac = shares - counts
    # Hand out what is left one by one to the largest remainders that still have room; ties go
    # to the earlier class so the result is deterministic.
    for k in np.argsort(-frac, kind="stable"):
        if counts.sum() >= total:
            break
        if counts[k] < caps[k]:
            counts[k] += 1
    while counts.sum() < total:  # shares rounded against caps: fill any class with room
        k = int(np.flatnonzero(counts < caps)[0])
        counts[k] += 1
    return counts


def train_val_test_split(X, y, val=0.1, test=0.2, stratify=True, seed=None):
    """Split into training, validation and test sets, keeping class proportions (stratified).

    The test set gets ``round(test * N)`` samples and the validation set ``round(val * N)``;
    with ``stratify`` each class contributes in proportion to its size (largest-remainder
    rounding), so a class with 10% of the data has about 10% of every split. Each split comes
    back in random order.

    Parameters
    ----------
    X : array, shape (N, ...)
    y : array of int, shape (N,)
    val, test : float in [0, 1), with ``val + test < 1``
        Fractions of the data for the validation and test sets (either may be 0).
    stratify : bool, default True
        Preserve class proportions; ``False`` gives a plain random split.
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    X_train, y_train, X_val, y_val, X_test, y_test

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.arange(20.0).reshape(10, 2), np.array([0] * 5 + [1] * 5)
    >>> Xtr, ytr, Xva, yva, Xte, yte = train_val_test_split(X, y, val=0.2, test=0.2, seed=0)
    >>> len(ytr), len(yva), len(yte), np.bincount(yte).tolist()
    (6, 2, 2, [1, 1])
    """
    X = np.asarray(X)
    y = _as_labels(y)
    n = y.shape[0]
    if X.shape[:1] != (n,):
        raise ValueError(f"X and y must have the same number of samples, got X of shape "
                         f"{X.shape} and y of shape {y.shape}")
    for name, f in (("val", val), ("test", test)):
        if not (isinstance(f, (int, float, np.floating)) and 0 <= f < 1):
            raise ValueError(f"{name} must be a fraction in [0, 1), got {f!r}")
    n_test, n_val = int(round(test * n)), int(round(val * n))
    if n - n_test - n_val < 1:
        raise ValueError(f"val={val} and test={test} leave no training samples out of {n}")
    rng = np.random.default_rng(seed)
    if stratify:
        classes, inverse = np.unique(y, return_inverse=True)
        members = [np.flatnonzero(inverse == k) for k in range(classes.size)]
        sizes = np.array([m.size for m in members])
        c_test = _largest_remainder(sizes * (n_test / n), n_test, sizes)
        c_val = _largest_remainder(sizes * (n_val / n), n_val, sizes - c_test)
        parts = ([], [], [])
        for m, t, v in zip(members, c_test, c_val):
            m = rng.permutation(m)
            parts[2].append(m[:t])
            parts[1].append(m[t:t + v])
            parts[0].append(m[t + v:])
        idx = [rng.permutation(np.concatenate(p)) for p in parts]
    else:
        perm = rng.permutation(n)
        idx = [perm[n_test + n_val:], perm[n_test:n_test + n_val], perm[:n_test]]
    return tuple(a for i in idx for a in (X[i], y[i]))
