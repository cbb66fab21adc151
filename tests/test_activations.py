"""The activation table: each function against its formula, each derivative against central
differences, and the properties the seed discusses."""
import math

import numpy as np
import pytest

import layerwise as lw
from layerwise.engine.activations import ACTIVATIONS, LEAKY_SLOPE, log_sigmoid, sigmoid, softplus

TABLE = list(ACTIVATIONS)

# straightforward float64 formulas, valid for the moderate inputs used with them
REFERENCE = {
    "identity": lambda x: x,
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
    "tanh": np.tanh,
    "relu": lambda x: np.maximum(0.0, x),
    "leaky_relu": lambda x: np.where(x < 0, 0.01 * x, x),
    "elu": lambda x: np.where(x > 0, x, np.exp(x) - 1.0),
    "softplus": lambda x: np.log(1.0 + np.exp(x)),
    "gelu": lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))),
    "silu": lambda x: x / (1.0 + np.exp(-x)),
}


def test_the_table_holds_the_issues_activations():
    assert set(TABLE) == {"identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu",
                          "softplus", "gelu", "silu"}
    assert set(REFERENCE) == set(TABLE)
    assert lw.activations.LAYER_ACTIVATIONS == ("prelu", "maxout")
    for name, fn in ACTIVATIONS.items():
        assert fn.name == name and fn.formula


@pytest.mark.parametrize("name", TABLE)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_its_formula(name, dtype, rng):
    x = (rng.standard_normal(200) * 4).astype(dtype)
    y = ACTIVATIONS[name].f(x.copy(), None)
    assert y.dtype == dtype and y.shape == x.shape
    rtol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(y, REFERENCE[name](x.astype(np.float64)), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("name", TABLE)
def test_derivative_matches_central_differences(name, rng):
    x = rng.standard_normal(300) * 4
    x = x[np.abs(x) > 1e-3]  # ReLU and leaky ReLU have no derivative at 0
    fn = ACTIVATIONS[name]
    h = 1e-6
    numeric = (fn.f(x + h, None) - fn.f(x - h, None)) / (2 * h)
    np.testing.assert_allclose(fn.df(x, fn.f(x.copy(), None)), numeric, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("name", TABLE)
def test_output_stays_in_the_stated_range(name):
    x = np.linspace(-50, 50, 100001)
    y = ACTIVATIONS[name].f(x, None)
    lo, hi = ACTIVATIONS[name].range
    assert y.min() >= lo and y.max() <= hi


def test_properties_the_seed_states():
    # sigmoid: squashes to (0, 1), not zero-centred, saturates at both tails
    s = ACTIVATIONS["sigmoid"]
    assert s.range == (0.0, 1.0) and not s.zero_centered and s.saturates
    # tanh: squashes to (-1, 1), zero-centred, still saturates
    t = ACTIVATIONS["tanh"]
    assert t.range == (-1.0, 1.0) and t.zero_centered and t.saturates
    # ReLU: no saturation on the positive side, not zero-centred
    r = ACTIVATIONS["relu"]
    assert r.range == (0.0, math.inf) and not r.zero_centered and not r.saturates
    assert LEAKY_SLOPE == 0.01


def test_saturating_units_have_vanishing_gradient_at_the_tails():
    x = np.array([-20.0, 20.0])
    for name in ("sigmoid", "tanh"):
        fn = ACTIVATIONS[name]
        assert np.all(fn.df(x, fn.f(x.copy(), None)) < 1e-8)
    relu = ACTIVATIONS["relu"]
    assert relu.df(x, relu.f(x.copy(), None)).tolist() == [0.0, 1.0]


def test_leaky_relu_keeps_a_small_slope():
    fn = ACTIVATIONS["leaky_relu"]
    x = np.array([-3.0, -0.5, 0.5, 3.0])
    y = fn.f(x.copy(), None)
    assert y.tolist() == [-0.03, -0.005, 0.5, 3.0]
    assert fn.df(x, y).tolist() == [0.01, 0.01, 1.0, 1.0]


def test_stable_helpers_at_any_finite_input():
    x = np.array([-1e308, -745.0, -40.0, 0.0, 40.0, 745.0, 1e308])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s, sp, ls = sigmoid(x), softplus(x), log_sigmoid(x)
    assert s[3] == 0.5 and s[0] == 0.0 and s[-1] == 1.0
    assert sp[-1] == 1e308 and sp[0] == 0.0
    assert ls[-1] == 0.0 and ls[0] == -1e308
    # log sigmoid(x) = x - log(1 + e^x) for x <= 0 and -log(1 + e^-x) for x >= 0, both exact here
    exact = [v - math.log1p(math.exp(v)) if v <= 0 else -math.log1p(math.exp(-v)) for v in x[1:-1]]
    np.testing.assert_allclose(ls[1:-1], exact, rtol=1e-14)
    assert ls[4] == pytest.approx(-math.exp(-40.0), rel=1e-12)  # log1p, not log(1 + tiny)


def test_get_lists_the_valid_names():
    assert lw.activations.get("tanh") is ACTIVATIONS["tanh"]
    with pytest.raises(ValueError, match=r"unknown activation 'sigmod'.*sigmoid.*prelu.*maxout"):
        lw.activations.get("sigmod")
