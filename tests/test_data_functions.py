"""1-D target functions and the seed's sum-of-indicator-bumps approximator."""
import numpy as np
import pytest

from layerwise.data import FUNCTIONS, get_function, indicator_bumps_fit, target_function


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_targets_shapes_range_and_determinism(name):
    x, y = target_function(name, n=300, seed=0)
    assert x.shape == (300, 1) and y.shape == (300,) and x.dtype == y.dtype == np.float64
    assert (np.diff(x[:, 0]) >= 0).all() and x.min() >= -1 and x.max() <= 1
    assert np.abs(y).max() <= 1 + 1e-12 and np.ptp(y) > 0.5
    x2, y2 = target_function(name, n=300, seed=0)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)


def test_known_values():
    f = get_function("sine")
    np.testing.assert_allclose(f(np.array([-0.5, 0.0, 0.5])), [-1, 0, 1], atol=1e-15)
    np.testing.assert_allclose(get_function("abs")([-0.3, 0.2]), [0.3, 0.2])
    np.testing.assert_array_equal(get_function("step")([-1e-9, 0.0, 0.5]), [-1, 1, 1])
    np.testing.assert_allclose(get_function("step_smooth")([0.0, 1.0]), [0.0, np.tanh(10)])
    b = get_function("bumps")
    np.testing.assert_allclose(b(np.array([-0.6])), [1.0], atol=1e-3)  # on the first bump
    assert abs(b(np.array([-1.0]))[0]) < 0.01  # in the tail of the nearest bump


def test_interval_stretches_the_shape():
    x, y = target_function("abs", n=11, grid=True, interval=(2.0, 4.0))
    np.testing.assert_allclose(x[:, 0], np.linspace(2, 4, 11))
    np.testing.assert_allclose(y, np.abs(np.linspace(-1, 1, 11)))


def test_noise():
    _, clean = target_function("sine", n=2000, grid=True)
    _, noisy = target_function("sine", n=2000, grid=True, noise=0.1, seed=3)
    assert 0.09 < np.std(noisy - clean) < 0.11


def test_target_errors():
    with pytest.raises(ValueError, match=r"unknown target function 'cosine'.*'sine'"):
        target_function("cosine")
    with pytest.raises(ValueError, match="n must be a positive integer, got 0"):
        target_function("sine", n=0)
    with pytest.raises(ValueError, match="noise must be >= 0"):
        target_function("sine", noise=-1)
    with pytest.raises(ValueError, match="low < high"):
        target_function("sine", interval=(1, 1))
    with pytest.raises(ValueError, match="pair"):
        target_function("sine", interval=3)


def test_indicator_bumps_match_bin_means():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, 500)
    y = rng.standard_normal(500)
    g = indicator_bumps_fit(x, y, n_bumps=4, interval=(0, 1))
    np.testing.assert_allclose(g.edges, [0, 0.25, 0.5, 0.75, 1])
    for i in range(4):
        inside = (x >= g.edges[i]) & (x < g.edges[i + 1])
        np.testing.assert_allclose(g.c[i], y[inside].mean())
    # g(x) = sum_i c_i 1(a_i <= x < b_i): one bump active at a time, 0 outside.
    probe = np.array([-0.1, 0.1, 0.3, 0.6, 0.9, 1.0, 1.2])
    np.testing.assert_allclose(g.predict(probe), [0, g.c[0], g.c[1], g.c[2], g.c[3], g.c[3], 0])
    direct = sum(c * ((a <= probe) & (probe < b)) for a, b, c in
                 zip(g.edges[:-1], g.edges[1:], g.c))
    np.testing.assert_allclose(g(probe)[:-2], direct[:-2])
    assert g.num_params == 12 and g.n_bumps == 4


def test_indicator_bumps_converge_as_bins_grow():
    # The universal-approximation claim in one dimension: the max error shrinks with more bumps
    # (for a Lipschitz target roughly like 1/n_bumps).
    x, y = target_function("bumps", n=20000, grid=True)
    errs = [np.abs(indicator_bumps_fit(x, y, k).predict(x) - y).max() for k in (10, 100, 1000)]
    assert errs[0] > errs[1] > errs[2] and errs[2] < 0.02
    assert errs[1] / errs[2] > 5


def test_indicator_bumps_empty_bins_take_nearest():
    x = np.array([0.05, 0.95])
    g = indicator_bumps_fit(x, [1.0, 3.0], n_bumps=10, interval=(0, 1))
    np.testing.assert_allclose(g.c, [1] * 5 + [3] * 5)


def test_indicator_bumps_errors():
    with pytest.raises(ValueError, match="n_bumps must be a positive integer, got 0"):
        indicator_bumps_fit([0, 1], [0, 1], 0)
    with pytest.raises(ValueError, match="same positive number of samples, got 2 and 3"):
        indicator_bumps_fit([0, 1], [0, 1, 2], 2)
    with pytest.raises(ValueError, match="spans no interval"):
        indicator_bumps_fit([1, 1], [0, 1], 2)
    with pytest.raises(ValueError, match="finite"):
        indicator_bumps_fit([0, np.nan], [0, 1], 2)
    with pytest.raises(ValueError, match=r"shape \(N,\) or \(N, 1\)"):
        indicator_bumps_fit(np.zeros((2, 2)), [0, 1], 2)
    with pytest.raises(ValueError, match="no samples"):
        indicator_bumps_fit([5.0, 6.0], [0, 1], 2, interval=(0, 1))
