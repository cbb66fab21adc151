"""Losses on known values, their conventions (mean over the batch, label forms, score shapes),
and L1/L2 regularization on weights only."""
import math

import numpy as np
import pytest

import layerwise as lw
from layerwise.engine.losses import penalty, regularization


def loss(name, scores, y):
    return lw.losses.get(name)(np.asarray(scores, dtype=np.float64), y)


def test_softmax_on_known_values():
    value, d = loss("softmax", [[2.0, 1.0, 0.1]], np.array([0]))
    e = np.exp([2.0, 1.0, 0.1])
    p = e / e.sum()
    assert value == pytest.approx(-math.log(p[0]), rel=1e-14)
    np.testing.assert_allclose(d, [p - [1, 0, 0]], rtol=1e-14)
    # uniform scores: log C
    value, _ = loss("softmax", np.zeros((4, 10)), np.arange(4))
    assert value == pytest.approx(math.log(10), rel=1e-14)


def test_hinge_on_the_cs231n_example():
    # cs231n's linear classification notes: scores of cat, car, frog for an image of a cat
    value, d = loss("hinge", [[3.2, 5.1, -1.7]], np.array([0]))
    assert value == pytest.approx(2.9, rel=1e-14)  # max(0, 5.1 - 3.2 + 1) + max(0, -1.7 - 3.2 + 1)
    assert d.tolist() == [[-1.0, 1.0, 0.0]]


def test_hinge_at_satisfied_margins_is_zero():
    value, d = loss("hinge", [[5.0, 3.0, 1.0], [0.0, 10.0, 8.5]], np.array([0, 1]))
    assert value == 0.0 and not d.any()


def test_logistic_and_binary_hinge_on_known_values():
    value, d = loss("logistic", [0.0, 0.0], np.array([0, 1]))
    assert value == pytest.approx(math.log(2), rel=1e-14)
    assert d.tolist() == [0.25, -0.25]
    value, _ = loss("logistic", [[3.0]], np.array([1]))
    assert value == pytest.approx(math.log1p(math.exp(-3.0)), rel=1e-14)
    value, d = loss("binary_hinge", [0.5, -2.0, 3.0], np.array([1, 1, 0]))
    assert value == pytest.approx((0.5 + 3.0 + 4.0) / 3, rel=1e-14)
    np.testing.assert_allclose(d, [-1 / 3, -1 / 3, 1 / 3], rtol=1e-15)


def test_mse_is_torchs_mean_over_elements():
    value, d = loss("mse", [[1.0, 2.0], [3.0, 4.0]], np.array([[0.0, 0.0], [0.0, 0.0]]))
    assert value == pytest.approx(30 / 4)
    np.testing.assert_allclose(d, [[0.5, 1.0], [1.5, 2.0]])
    # one output: targets (N,) match scores (N, 1)
    value, d = loss("mse", [[1.0], [3.0]], np.array([0.0, 1.0]))
    assert value == pytest.approx((1 + 4) / 2) and d.shape == (2, 1)


@pytest.mark.parametrize("name", lw.losses.LOSSES)
def test_losses_average_over_the_batch(name, rng):
    if name in lw.losses.MULTICLASS:
        scores, y = rng.standard_normal((5, 3)), rng.integers(0, 3, 5)
    elif name in lw.losses.BINARY:
        scores, y = rng.standard_normal((5, 1)), rng.integers(0, 2, 5)
    else:
        scores, y = rng.standard_normal((5, 2)), rng.standard_normal((5, 2))
    value, d = loss(name, scores, y)
    value2, d2 = loss(name, np.concatenate([scores, scores]), np.concatenate([y, y]))
    assert value2 == pytest.approx(value, rel=1e-14)
    np.testing.assert_allclose(d2[:5], d / 2, rtol=1e-14)


@pytest.mark.parametrize("name", ["logistic", "binary_hinge"])
def test_binary_losses_take_n_or_n_by_1_scores(name, rng):
    s, y = rng.standard_normal(6), rng.integers(0, 2, 6)
    v1, d1 = loss(name, s, y)
    v2, d2 = loss(name, s[:, None], y)
    v3, _ = loss(name, s[:, None], y[:, None])
    assert v1 == v2 == v3 and d1.shape == (6,) and d2.shape == (6, 1)
    assert np.array_equal(d1, d2[:, 0])


@pytest.mark.parametrize("name", lw.losses.LOSSES)
def test_losses_do_not_touch_their_inputs_and_keep_the_dtype(name, rng):
    scores = rng.standard_normal((4, 3 if name in lw.losses.MULTICLASS else 1)).astype(np.float32)
    y = rng.integers(0, 2, 4) if name != "mse" else rng.standard_normal((4, 1))
    kept = scores.copy()
    value, d = lw.losses.get(name)(scores, y)
    assert np.array_equal(scores, kept)
    assert isinstance(value, float) and d.dtype == np.float32


@pytest.mark.parametrize("name", lw.losses.LOSSES)
def test_integer_scores_are_accepted(name):
    scores = np.array([[1, 3], [2, 0]]) if name not in lw.losses.BINARY else np.array([2, -1])
    y = np.array([0, 1]) if name != "mse" else np.zeros((2, 2))
    value, d = lw.losses.get(name)(scores, y)
    v_float, d_float = lw.losses.get(name)(scores.astype(np.float64), y)
    assert value == v_float and np.array_equal(d, d_float)


def test_float_labels_holding_integers_are_accepted():
    scores = np.array([[1.0, 2.0], [0.5, 0.0]])
    v_float, d_float = loss("softmax", scores, np.array([1.0, 0.0]))
    v_int, d_int = loss("softmax", scores, np.array([1, 0]))
    assert v_float == v_int and np.array_equal(d_float, d_int)


def test_get():
    assert lw.losses.get("softmax") is lw.losses.softmax_cross_entropy

    def custom(s, y):
        return 0.0, np.zeros_like(s)

    assert lw.losses.get(custom) is custom


# -- regularization --------------------------------------------------------------------------------
@pytest.fixture
def net():
    n = lw.Network([3, 4, 2], dtype=np.float64, seed=0)
    n.flat_params[n.weight_slice.stop:] = 1.0  # non-zero biases, which must stay unpenalized
    return n


def test_l2_penalty_and_gradient_on_weights_only(net):
    net.flat_grads[:] = 0.0
    value = regularization(net, 0.1, "l2")
    W = [net.state_dict()[k] for k in ("0.weight", "2.weight")]
    assert value == pytest.approx(0.05 * sum((w ** 2).sum() for w in W), rel=1e-14)
    grads = net.gradients()
    np.testing.assert_allclose(grads["0.weight"], 0.1 * W[0], rtol=1e-15)
    np.testing.assert_allclose(grads["2.weight"], 0.1 * W[1], rtol=1e-15)
    assert not grads["0.bias"].any() and not grads["2.bias"].any()
    assert penalty(net, 0.1, "l2") == value


def test_l1_penalty_and_gradient_on_weights_only(net):
    net.flat_grads[:] = 0.0
    value = regularization(net, 0.1, "l1")
    W = net.state_dict()["0.weight"]
    assert value == pytest.approx(0.1 * sum(np.abs(net.state_dict()[k]).sum()
                                            for k in ("0.weight", "2.weight")), rel=1e-14)
    np.testing.assert_array_equal(net.gradients()["0.weight"], 0.1 * np.sign(W))
    assert not net.gradients()["2.bias"].any()
    assert penalty(net, 0.1, "l1") == value


def test_regularization_adds_to_the_data_gradient(net, rng):
    X, y = rng.standard_normal((5, 3)), rng.integers(0, 2, 5)
    _, d = lw.losses.get("softmax")(net.forward(X, train=True), y)
    net.backward(d)
    data_grads = net.gradients()
    regularization(net, 0.5)
    W = net.state_dict()["0.weight"]
    np.testing.assert_allclose(net.gradients()["0.weight"], data_grads["0.weight"] + 0.5 * W,
                               rtol=1e-14)
    assert np.array_equal(net.gradients()["0.bias"], data_grads["0.bias"])


def test_zero_regularization_changes_nothing(net):
    net.flat_grads[:] = 3.0
    assert regularization(net, 0.0) == 0.0 and penalty(net, 0.0) == 0.0
    assert (net.flat_grads == 3.0).all()


def test_prelu_slopes_are_not_regularized():
    net = lw.Network([3, 4, 2], activation="prelu", dtype=np.float64, seed=0)
    net.flat_grads[:] = 0.0
    regularization(net, 1.0)
    assert not net.gradients()["1.weight"].any()
