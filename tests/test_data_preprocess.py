"""Preprocessing: standardize, mean-image subtraction, one-hot, stratified splits."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layerwise.data import (Standardizer, one_hot, standardize, subtract_mean_image,
                            train_val_test_split)


# -- Standardizer ---------------------------------------------------------------------------------
def test_standardizer_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    Xtr = rng.normal(5.0, 3.0, (500, 4))
    Xte = rng.normal(-2.0, 0.5, (100, 4))
    s = Standardizer().fit(Xtr)
    np.testing.assert_allclose(s.mean_, Xtr.mean(0))
    np.testing.assert_allclose(s.scale_, Xtr.std(0))
    Ztr, Zte = s.transform(Xtr), s.transform(Xte)
    np.testing.assert_allclose(Ztr.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(Ztr.std(0), 1, atol=1e-12)
    # The test split is mapped with the training statistics, not re-centred on its own.
    np.testing.assert_allclose(Zte, (Xte - Xtr.mean(0)) / Xtr.std(0))
    assert abs(Zte.mean()) > 1
    np.testing.assert_allclose(s.inverse_transform(Zte), Xte)


def test_standardizer_zero_variance_columns():
    X = np.c_[np.arange(4.0), np.full(4, 7.0), np.zeros(4)]
    s = Standardizer().fit(X)
    assert s.scale_[1] == 1.0 and s.scale_[2] == 1.0
    Z = s.transform(X)
    assert np.isfinite(Z).all()
    np.testing.assert_array_equal(Z[:, 1:], 0.0)
    # A constant float32 column whose std comes out as rounding noise is treated as constant too.
    X32 = np.full((1000, 1), 0.1, np.float32)
    assert Standardizer().fit(X32).scale_[0] == 1.0


def test_standardizer_keeps_float32_and_converts_ints():
    X = np.arange(12, dtype=np.float32).reshape(4, 3)
    assert Standardizer().fit_transform(X).dtype == np.float32
    assert Standardizer().fit_transform(X.astype(np.int64)).dtype == np.float64


def test_standardizer_errors():
    with pytest.raises(RuntimeError, match="not fitted"):
        Standardizer().transform(np.zeros((2, 2)))
    s = Standardizer().fit(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="3 features, but the Standardizer was fitted on 2"):
        s.transform(np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"2-D.*\(3,\)"):
        Standardizer().fit(np.zeros(3))
    with pytest.raises(ValueError, match="0 samples"):
        Standardizer().fit(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="NaN or inf"):
        Standardizer().fit(np.array([[1.0], [np.nan]]))
    with pytest.raises(TypeError, match="numeric"):
        Standardizer().fit(np.array([["a"]]))


def test_standardize_convenience():
    Xtr, Xva, Xte = np.array([[1.0], [3.0]]), np.array([[2.0]]), np.array([[5.0]])
    out = standardize(Xtr, Xva, Xte)
    assert len(out) == 3
    np.testing.assert_allclose(out[0].ravel(), [-1, 1])
    np.testing.assert_allclose(out[1].ravel(), [0])
    np.testing.assert_allclose(out[2].ravel(), [3])
    (only,) = standardize(Xtr)
    np.testing.assert_allclose(only, out[0])


# -- mean image -----------------------------------------------------------------------------------
def test_subtract_mean_image():
    rng = np.random.default_rng(1)
    Xtr = rng.integers(0, 256, (50, 12)).astype(np.float32)
    Xte = rng.integers(0, 256, (10, 12)).astype(np.float32)
    a, b, mean = subtract_mean_image(Xtr, Xte, return_mean=True)
    np.testing.assert_allclose(mean, Xtr.mean(0), rtol=1e-6)
    np.testing.assert_allclose(a.mean(0), 0, atol=1e-3)
    np.testing.assert_allclose(b, Xte - Xtr.mean(0), rtol=1e-5, atol=1e-4)
    assert a.dtype == np.float32 and b.dtype == np.float32
    # Scale is untouched, unlike standardize.
    np.testing.assert_allclose(a.std(0), Xtr.std(0), rtol=1e-5)
    assert Xtr.mean() > 50  # the input was not modified in place
    with pytest.raises(ValueError, match="split 1 has 3 features, X_train has 12"):
        subtract_mean_image(Xtr, np.zeros((2, 3)))


# -- one-hot --------------------------------------------------------------------------------------
def test_one_hot():
    Y = one_hot(np.array([2, 0, 1, 2]), 4)
    assert Y.shape == (4, 4) and Y.dtype == np.float64
    np.testing.assert_array_equal(Y.argmax(1), [2, 0, 1, 2])
    np.testing.assert_array_equal(Y.sum(1), 1)
    assert one_hot([1, 0]).shape == (2, 2)
    assert one_hot([1.0, 0.0], 3, dtype=np.float32).dtype == np.float32
    assert one_hot(np.array([], np.int64), 3).shape == (0, 3)


def test_one_hot_errors():
    with pytest.raises(ValueError, match="lie in 0..2, got 3"):
        one_hot([0, 3], 3)
    with pytest.raises(ValueError, match="got -1"):
        one_hot([0, -1], 3)
    with pytest.raises(ValueError, match="integer class labels"):
        one_hot([0.5, 1.0])
    with pytest.raises(ValueError, match="1-D"):
        one_hot([[0, 1]])
    with pytest.raises(ValueError, match="num_classes must be a positive integer, got 0"):
        one_hot([0], 0)
    with pytest.raises(ValueError, match="pass num_classes"):
        one_hot(np.array([], np.int64))


# -- splits ---------------------------------------------------------------------------------------
def test_split_sizes_and_stratification():
    y = np.repeat([0, 1, 2], [600, 300, 100])
    X = np.arange(len(y) * 2, dtype=float).reshape(-1, 2)
    Xtr, ytr, Xva, yva, Xte, yte = train_val_test_split(X, y, val=0.1, test=0.2, seed=0)
    assert (len(ytr), len(yva), len(yte)) == (700, 100, 200)
    assert np.bincount(yte).tolist() == [120, 60, 20]
    assert np.bincount(yva).tolist() == [60, 30, 10]
    # Rows stay paired with their labels, and the three splits partition the data.
    for Xs, ys in ((Xtr, ytr), (Xva, yva), (Xte, yte)):
        np.testing.assert_array_equal(y[(Xs[:, 0] / 2).astype(int)], ys)
    rows = np.sort(np.concatenate([Xtr[:, 0], Xva[:, 0], Xte[:, 0]]))
    np.testing.assert_array_equal(rows, X[:, 0])


def test_split_is_seeded_and_shuffled():
    y = np.repeat([0, 1], 50)
    X = np.arange(100.0)[:, None]
    a = train_val_test_split(X, y, seed=5)
    b = train_val_test_split(X, y, seed=5)
    c = train_val_test_split(X, y, seed=6)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], c[0])
    assert not np.all(np.diff(a[1]) >= 0)  # not left sorted by class


def test_split_unstratified_and_zero_fractions():
    y = np.repeat([0, 1], [90, 10])
    X = np.zeros((100, 3))
    Xtr, ytr, Xva, yva, Xte, yte = train_val_test_split(X, y, val=0.0, test=0.3,
                                                        stratify=False, seed=0)
    assert len(yva) == 0 and Xva.shape == (0, 3) and len(yte) == 30 and len(ytr) == 70
    out = train_val_test_split(X, y, val=0, test=0, seed=0)
    assert len(out[1]) == 100


def test_split_rare_class_keeps_totals():
    # Class sizes whose proportional shares all round down: the totals must still be exact.
    y = np.array([0] * 3 + [1] * 3 + [2] * 3 + [3] * 1)
    X = np.zeros((10, 1))
    _, ytr, _, yva, _, yte = train_val_test_split(X, y, val=0.2, test=0.2, seed=0)
    assert (len(ytr), len(yva), len(yte)) == (6, 2, 2)


@settings(max_examples=40, deadline=None)
@given(sizes=st.lists(st.integers(1, 30), min_size=1, max_size=6),
       val=st.floats(0, 0.4), test=st.floats(0, 0.4), seed=st.integers(0, 2**32 - 1))
def test_split_properties(sizes, val, test, seed):
    y = np.repeat(np.arange(len(sizes)), sizes)
    n = len(y)
    X = np.arange(n)[:, None]
    if n - round(val * n) - round(test * n) < 1:
        with pytest.raises(ValueError, match="no training samples"):
            train_val_test_split(X, y, val=val, test=test, seed=seed)
        return
    Xtr, ytr, Xva, yva, Xte, yte = train_val_test_split(X, y, val=val, test=test, seed=seed)
    assert len(yte) == round(test * n) and len(yva) == round(val * n)
    np.testing.assert_array_equal(np.sort(np.r_[Xtr[:, 0], Xva[:, 0], Xte[:, 0]]), np.arange(n))
    # Each class's test count is within one of its proportional share (largest remainder).
    for k, m in enumerate(sizes):
        assert abs(np.sum(yte == k) - m * round(test * n) / n) < 1 + 1e-9


def test_split_errors():
    X, y = np.zeros((10, 2)), np.zeros(10, np.int64)
    with pytest.raises(ValueError, match="same number of samples"):
        train_val_test_split(X, y[:9])
    with pytest.raises(ValueError, match="test must be a fraction in \\[0, 1\\), got 1.5"):
        train_val_test_split(X, y, test=1.5)
    with pytest.raises(ValueError, match="val must be a fraction"):
        train_val_test_split(X, y, val=-0.1)
    with pytest.raises(ValueError, match="leave no training samples"):
        train_val_test_split(X, y, val=0.5, test=0.5 - 1e-9)
    with pytest.raises(ValueError, match="integer class labels"):
        train_val_test_split(X, np.linspace(0, 1, 10))
