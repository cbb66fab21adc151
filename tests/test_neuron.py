"""The seed's single neuron, and one neuron as a linear classifier (binary Softmax / binary SVM)."""
import math

import numpy as np
import pytest

import layerwise as lw


def test_fires_at_sigmoid_of_the_cell_body_sum():
    n = lw.Neuron([0.5, -1.0, 2.0], bias=0.1)
    x = [2.0, 1.0, 0.25]
    s = 0.5 * 2.0 - 1.0 * 1.0 + 2.0 * 0.25 + 0.1
    assert n.cell_body_sum(x) == pytest.approx(s, rel=1e-15)
    assert n.forward(x) == pytest.approx(1 / (1 + math.exp(-s)), rel=1e-15)
    assert n(x) == n.forward(x)


def test_a_batch_gives_one_rate_per_sample(rng):
    n = lw.Neuron(rng.standard_normal(4), bias=-0.3, activation="tanh")
    X = rng.standard_normal((6, 4))
    rates = n.forward(X)
    assert rates.shape == (6,)
    np.testing.assert_allclose(rates, np.tanh(X @ n.weights - 0.3), rtol=1e-15)


@pytest.mark.parametrize("activation", list(lw.activations.ACTIVATIONS))
def test_equals_a_one_unit_dense_layer(activation, rng):
    w, b = rng.standard_normal(3), 0.7
    n = lw.Neuron(w, b, activation=activation)
    net = lw.Sequential(lw.Dense(3, 1, dtype=np.float64, rng=rng), lw.Activation(activation))
    net.load_state_dict({"0.weight": w[None, :], "0.bias": np.array([b])})
    X = rng.standard_normal((5, 3))
    np.testing.assert_allclose(n.forward(X), net(X)[:, 0], rtol=1e-14)


@pytest.mark.parametrize("loss", ["logistic", "binary_hinge"])
def test_one_neuron_is_a_linear_classifier(loss):
    X, y = lw.data.gaussians(n=200, classes=2, seed=0)
    net = lw.Network([2, 1], seed=0)
    assert (net.depth, net.num_neurons, net.num_params) == (1, 1, 3)
    opt = lw.optim.SGD(net, lr=0.1)
    loss_fn = lw.losses.get(loss)
    for _ in range(200):
        _, d = loss_fn(net.forward(X, train=True), y)
        net.backward(d, input_grad=False)
        opt.step()
    assert (net.predict(X) == y).mean() > 0.95
    # the trained neuron, read back as the seed's Neuron, separates the same way
    neuron = lw.Neuron(net.layers[0].weight[0], net.layers[0].bias[0], activation="sigmoid")
    assert np.array_equal(neuron(X) > 0.5, net.predict(X) == 1)


def test_bad_weights_and_inputs():
    with pytest.raises(ValueError, match=r"weights must be 1-D, got shape \(2, 2\)"):
        lw.Neuron(np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"unknown activation 'step'"):
        lw.Neuron([1.0], activation="step")
    with pytest.raises(ValueError, match=r"3 weights, got input of shape \(2,\)"):
        lw.Neuron([1.0, 2.0, 3.0]).forward([1.0, 2.0])
