"""Real data sets that ship inside packages: shapes, dtypes, offline use, lazy imports."""
import random
import socket
import subprocess
import sys

import numpy as np
import pytest

from layerwise.data import real


@pytest.mark.parametrize("name,shape,counts", [
    ("digits", (1797, 64), None),
    ("iris", (150, 4), [50, 50, 50]),
    ("wine", (178, 13), [59, 71, 48]),
    ("breast_cancer", (569, 30), [212, 357]),
])
def test_sklearn_sets(name, shape, counts):
    X, y = getattr(real, name)()
    assert X.shape == shape and X.dtype == np.float64
    assert y.shape == (shape[0],) and y.dtype == np.int64
    if counts is not None:
        assert np.bincount(y).tolist() == counts
    assert np.isfinite(X).all()


def test_digits_values():
    X, y = real.digits()
    assert X.min() == 0 and X.max() == 16 and sorted(set(y.tolist())) == list(range(10))


def test_mnist_5000_real_digits():
    X, y = real.mnist()
    assert X.shape == (5000, 784) and X.dtype == np.float64 and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 255
    assert np.bincount(y).tolist() == [500] * 10
    # Real handwriting, not noise: the border pixels are blank and the mean "1" is thinner
    # (fewer inked pixels) than the mean "0".
    img = X.reshape(-1, 28, 28)
    assert img[:, 0, :].max() == 0
    ink = (img > 128).sum(axis=(1, 2))
    assert ink[y == 1].mean() < 0.7 * ink[y == 0].mean()


def test_mnist_subset_is_balanced_and_copies():
    X, y = real.mnist(n=25)
    assert X.shape == (25, 784)
    assert np.bincount(y, minlength=10).tolist() == [3] * 5 + [2] * 5
    X[:] = -1  # the cached data behind mnist() must not change
    X2, _ = real.mnist(n=25)
    assert X2.min() == 0
    with pytest.raises(ValueError, match="n must be an integer in 1..5000, got 5001"):
        real.mnist(n=5001)
    with pytest.raises(ValueError, match="got 0"):
        real.mnist(n=0)


def _no_network(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("tried to open a network connection")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_mnist1d_offline_deterministic_and_leaves_global_state(tmp_path, monkeypatch):
    _no_network(monkeypatch)
    monkeypatch.chdir(tmp_path)
    np.random.seed(123)  # the test's own global state, which mnist1d must leave untouched
    random.seed(7)
    np_before, py_before = np.random.get_state(), random.getstate()
    Xtr, ytr, Xte, yte = real.mnist1d()
    assert Xtr.shape == (4000, 40) and Xte.shape == (1000, 40)
    assert ytr.dtype == np.int64 and Xtr.dtype == np.float64
    assert set(ytr.tolist()) == set(range(10)) and set(yte.tolist()) == set(range(10))
    # The package standardizes the whole set to mean 0 and std 1.
    allX = np.concatenate([Xtr, Xte])
    assert abs(allX.mean()) < 1e-9 and abs(allX.std() - 1) < 1e-9
    after = np.random.get_state()
    assert after[0] == np_before[0] and np.array_equal(after[1], np_before[1])
    assert random.getstate() == py_before
    assert list(tmp_path.iterdir()) == []  # no pickle cache written
    again = real.mnist1d()
    np.testing.assert_array_equal(again[0], Xtr)
    other = real.mnist1d(seed=1)
    assert not np.array_equal(other[0], Xtr)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        real.mnist1d(seed=-1)


def test_missing_package_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # makes the import fail
    with pytest.raises(ImportError, match=r"pip install 'layerwise\[data\]'"):
        real.iris()
    monkeypatch.setitem(sys.modules, "mnist1d.data", None)
    with pytest.raises(ImportError, match=r"'mnist1d'.*pip install 'layerwise\[data\]'"):
        real.mnist1d()


def test_import_layerwise_does_not_import_data_packages():
    code = ("import sys, layerwise; "
            "print([m for m in ('sklearn', 'mlxtend', 'mnist1d', 'scipy') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
