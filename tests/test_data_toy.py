"""2-D toy sets: shapes, balance, determinism, geometry at zero noise, bad input."""
import numpy as np
import pytest

from layerwise.data import TOY_SETS, circles, gaussians, moons, spiral, xor

NAMES = sorted(TOY_SETS)


@pytest.mark.parametrize("name", NAMES)
def test_shapes_dtypes_and_balance(name):
    X, y = TOY_SETS[name](n=301, seed=0)
    assert X.shape == (301, 2) and X.dtype == np.float64
    assert y.shape == (301,) and y.dtype == np.int64
    counts = np.bincount(y)
    assert counts.sum() == 301 and counts.max() - counts.min() <= 1
    assert np.isfinite(X).all()


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_data_other_seed_other_data(name):
    f = TOY_SETS[name]
    a, b, c = f(n=100, seed=1), f(n=100, seed=1), f(n=100, seed=2)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    g = np.random.default_rng(5)  # a Generator is accepted as the seed
    assert f(n=10, seed=g)[0].shape == (10, 2)


def test_spiral_matches_cs231n_generator():
    # The cs231n notes' code: N points per class, r in [0, 1], t = linspace(4j, 4(j+1)) + noise.
    N, K = 50, 3
    X, y = spiral(n=N * K, classes=K, noise=0.0)
    for j in range(K):
        r = np.linspace(0.0, 1, N)
        t = np.linspace(j * 4, (j + 1) * 4, N)
        np.testing.assert_allclose(X[y == j], np.c_[r * np.sin(t), r * np.cos(t)])
    Xn, _ = spiral(n=N * K, classes=K, noise=0.2, seed=0)
    assert np.abs(Xn - X).max() > 0.01
    np.testing.assert_allclose(np.hypot(*Xn.T), np.hypot(*X.T))  # noise moves the angle only
    assert sorted(set(spiral(n=50, classes=5)[1].tolist())) == [0, 1, 2, 3, 4]


def test_circles_radii():
    X, y = circles(n=200, noise=0.0, factor=0.3, seed=0)
    r = np.hypot(*X.T)
    np.testing.assert_allclose(r[y == 0], 1.0)
    np.testing.assert_allclose(r[y == 1], 0.3)


def test_xor_labels_follow_signs():
    X, y = xor(n=400, noise=0.0, seed=0)
    same = np.sign(X[:, 0]) == np.sign(X[:, 1])
    np.testing.assert_array_equal(y, (~same).astype(np.int64))
    assert np.abs(X).min() >= 0.05 and np.abs(X).max() <= 1
    quadrant = (X[:, 0] > 0) * 2 + (X[:, 1] > 0)
    assert len(set(quadrant.tolist())) == 4


def test_gaussians_centres():
    X, y = gaussians(n=4000, classes=4, noise=0.1, seed=0)
    for k in range(4):
        a = 2 * np.pi * k / 4
        np.testing.assert_allclose(X[y == k].mean(0), [2 * np.cos(a), 2 * np.sin(a)], atol=0.02)
        np.testing.assert_allclose(X[y == k].std(0), 0.1, rtol=0.1)


def test_moons_arcs():
    X, y = moons(n=100, noise=0.0)
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0)
    np.testing.assert_allclose(np.hypot(X[y == 1, 0] - 1, X[y == 1, 1] - 0.5), 1.0)
    assert (X[y == 0, 1] >= -1e-12).all() and (X[y == 1, 1] <= 0.5 + 1e-12).all()


@pytest.mark.parametrize("name", NAMES)
def test_bad_input(name):
    f = TOY_SETS[name]
    with pytest.raises(ValueError, match="n must be an integer of at least"):
        f(n=1)
    with pytest.raises(ValueError, match="n must be an integer"):
        f(n=10.5)
    with pytest.raises(ValueError, match="noise must be >= 0, got -0.1"):
        f(n=10, noise=-0.1)
    with pytest.raises(ValueError, match="noise must be >= 0, got nan"):
        f(n=10, noise=float("nan"))


def test_bad_classes():
    with pytest.raises(ValueError, match="classes must be an integer >= 2, got 1"):
        spiral(n=10, classes=1)
    with pytest.raises(ValueError, match="classes must be an integer >= 2"):
        gaussians(n=10, classes=2.5)
    with pytest.raises(ValueError, match="at least 4"):
        gaussians(n=3, classes=4)
    with pytest.raises(ValueError, match="classes must be an integer >= 2, got '3'"):
        spiral(n=10, classes="3")
    with pytest.raises(ValueError, match="noise must be >= 0, got None"):
        moons(n=10, noise=None)
