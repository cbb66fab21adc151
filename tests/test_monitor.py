"""Monitors: dead ReLUs, saturated sigmoids, activation statistics, gradient norms and the
update/weight ratio, each on a network whose answer is known."""
import numpy as np
import pytest

import layerwise as lw
from layerwise import monitor


def forced_dead_net():
    """A [2, 6, 5, 2] ReLU net whose first hidden layer has exactly two dead units (a bias far
    below anything the weights can reach) and whose other units always fire."""
    net = lw.Network([2, 6, 5, 2], dtype=np.float64, seed=0)
    net.layers[0].bias[:] = [-100.0, 100.0, -100.0, 100.0, 100.0, 100.0]
    net.layers[2].bias[:] = 100.0  # all alive
    net.layers[2].weight[:] = np.abs(net.layers[2].weight)
    return net


def test_dead_fraction_finds_the_forced_dead_units(rng):
    X = rng.uniform(-3, 3, (500, 2))
    assert monitor.dead_fraction(forced_dead_net(), X) == {1: pytest.approx(2 / 6), 3: 0.0}


def test_dead_fraction_of_a_healthy_net_is_zero(rng):
    net = lw.Network([2, 20, 2], activation="tanh", seed=0)
    assert monitor.dead_fraction(net, rng.standard_normal((300, 2))) == {1: 0.0}


def test_dead_fraction_counts_units_dead_on_every_sample_only(rng):
    net = lw.Network([1, 2, 2], dtype=np.float64, seed=0)
    net.layers[0].weight[:] = [[1.0], [-1.0]]
    net.layers[0].bias[:] = 0.0
    # unit 0 fires for x > 0, unit 1 for x < 0: neither is dead on data of both signs ...
    assert monitor.dead_fraction(net, np.array([[-1.0], [1.0]])) == {1: 0.0}
    # ... but on positive data alone, unit 1 never fires
    assert monitor.dead_fraction(net, np.array([[0.5], [2.0]])) == {1: 0.5}


def test_saturation_of_sigmoid_with_huge_initial_weights(rng):
    X = rng.standard_normal((400, 10))
    huge = lw.Network([10, 50, 2], activation="sigmoid", init=10.0, seed=0)
    sane = lw.Network([10, 50, 2], activation="sigmoid", init="xavier", seed=0)
    assert monitor.saturation_fraction(huge, X)[1] > 0.8
    assert monitor.saturation_fraction(sane, X)[1] < 0.05


def test_saturation_is_reported_for_sigmoid_and_tanh_layers_only(rng):
    X = rng.standard_normal((50, 3))
    assert list(monitor.saturation_fraction(lw.Network([3, 4, 4, 2], "tanh", seed=0), X)) == [1, 3]
    assert monitor.saturation_fraction(lw.Network([3, 4, 2], "relu", seed=0), X) == {}


def test_activation_stats_match_the_hidden_outputs(rng):
    net = lw.Network([3, 8, 2], activation="tanh", dtype=np.float64, seed=0)
    X = rng.standard_normal((100, 3))
    h = np.tanh(X @ net.layers[0].weight.T + net.layers[0].bias)
    stats = monitor.activation_stats(net, X)
    assert stats[1]["mean"] == pytest.approx(h.mean(), rel=1e-12)
    assert stats[1]["std"] == pytest.approx(h.std(), rel=1e-12)


def test_hidden_activations_are_the_same_in_chunks(rng):
    net = lw.Network([3, 8, 8, 2], activation="maxout", dtype=np.float64, seed=0)
    X = rng.standard_normal((50, 3))
    whole = monitor.hidden_activations(net, X)
    chunked = monitor.hidden_activations(net, X, batch_size=7)
    assert list(whole) == list(chunked) == [0, 1]
    for i in whole:  # equal up to the last bit, which BLAS may round differently per batch
        np.testing.assert_allclose(chunked[i][0], whole[i][0], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(chunked[i][1], whole[i][1], rtol=1e-12, atol=1e-14)


def test_gradient_norms(rng):
    net = lw.Network([3, 5, 2], dtype=np.float64, seed=0)
    X, y = rng.standard_normal((10, 3)), rng.integers(0, 2, 10)
    _, d = lw.losses.get("softmax")(net.forward(X, train=True), y)
    net.backward(d)
    norms = monitor.gradient_norms(net)
    assert list(norms) == list(net.state_dict())
    for key, g in net.gradients().items():
        assert norms[key] == pytest.approx(np.sqrt((g ** 2).sum()), rel=1e-12)
        assert norms[key] > 0


def test_update_ratio_of_one_sgd_step(rng):
    net = lw.Network([3, 5, 2], dtype=np.float64, seed=0)
    net.flat_grads[:] = rng.standard_normal(net.flat_grads.shape)
    before = net.state_dict()
    grads = net.gradients()
    lw.optim.SGD(net, lr=1e-3).step()
    ratios = monitor.update_ratio(before, net)
    assert list(ratios) == ["0.weight", "2.weight"]  # weights only
    for key, r in ratios.items():
        expected = 1e-3 * np.linalg.norm(grads[key]) / np.linalg.norm(before[key])
        assert r == pytest.approx(expected, rel=1e-9)
