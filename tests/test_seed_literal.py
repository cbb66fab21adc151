"""The seed notes, literally: their two example networks and their sizes, the ch6-08 forward
pass written the way the notes write it, and the identities they state."""
import numpy as np
import pytest

import layerwise as lw
from layerwise.engine.activations import sigmoid


def test_the_two_layer_net():
    """ch6-06/07: 3 inputs -> 4 hidden -> 2 outputs: 6 neurons, 20 weights + 6 biases = 26."""
    net = lw.Network([3, 4, 2])
    assert net.depth == 2  # the input layer is not counted
    assert net.num_neurons == 4 + 2 == 6
    assert sum(w.size for w in net.weights()) == 3 * 4 + 4 * 2 == 20
    assert net.num_params == 20 + 6 == 26


def test_the_three_layer_net():
    """ch6-06/07: 3 -> 4 -> 4 -> 1: 9 neurons, 32 weights + 9 biases = 41."""
    net = lw.Network([3, 4, 4, 1])
    assert net.depth == 3
    assert net.num_neurons == 4 + 4 + 1 == 9
    assert sum(w.size for w in net.weights()) == 3 * 4 + 4 * 4 + 4 * 1 == 32
    assert net.num_params == 32 + 9 == 41


def test_the_cifar_sized_net():
    """The notes' s = W2 max(0, W1 x): W1 is [100 x 3072], W2 [10 x 100]."""
    net = lw.Network([3072, 100, 10], seed=0)
    assert net.num_params == 3072 * 100 + 100 + 100 * 10 + 10 == 308_310
    sd = net.state_dict()
    assert sd["0.weight"].shape == (100, 3072) and sd["2.weight"].shape == (10, 100)


@pytest.mark.parametrize("sizes,depth,neurons,weights,params", [
    ([3, 4, 2], 2, 6, 20, 26), ([3, 4, 4, 1], 3, 9, 32, 41), ([3072, 100, 10], 2, 110, 308200,
                                                              308310)])
def test_summary_states_the_totals(sizes, depth, neurons, weights, params):
    text = lw.Network(sizes, seed=0).summary()
    assert f"{depth}-layer network" in text
    assert "input layer is not counted" in text
    assert f"neurons: {neurons:,}" in text
    assert f"parameters: {params:,}" in text
    assert f"{weights:,} weights" in text
    # one row per layer, each with its output shape
    for i, layer in enumerate(lw.Network(sizes, seed=0).layers):
        assert f"{i}: {layer!r}" in text
    assert f"(N, {sizes[-1]})" in text


def test_the_ch6_08_forward_pass():
    """The notes' code, column vectors and all, with the notes' shapes:
    W1 [4x3], b1 [4x1], W2 [4x4], b2 [4x1], W3 [1x4], b3 [1x1], x [3x1]."""
    rng = np.random.default_rng(0)
    W1, b1 = rng.standard_normal((4, 3)), rng.standard_normal((4, 1))
    W2, b2 = rng.standard_normal((4, 4)), rng.standard_normal((4, 1))
    W3, b3 = rng.standard_normal((1, 4)), rng.standard_normal((1, 1))

    def f(z):  # activation function (use sigmoid)
        return 1.0 / (1.0 + np.exp(-z))

    x = rng.standard_normal((3, 1))  # random input vector of three numbers (3x1)
    h1 = f(np.dot(W1, x) + b1)  # calculate first hidden layer activations (4x1)
    h2 = f(np.dot(W2, h1) + b2)  # calculate second hidden layer activations (4x1)
    out = np.dot(W3, h2) + b3  # output neuron (1x1)

    net = lw.Network([3, 4, 4, 1], activation="sigmoid", dtype=np.float64, seed=1)
    net.load_state_dict({"0.weight": W1, "0.bias": b1[:, 0], "2.weight": W2, "2.bias": b2[:, 0],
                         "4.weight": W3, "4.bias": b3[:, 0]})
    assert net.forward(x[:, 0]).shape == (1,)
    np.testing.assert_allclose(net.forward(x[:, 0]), out[:, 0], rtol=1e-14)

    # "x could hold an entire batch of training data (where each input example would be a
    # column of x)": our batches are rows, so the same numbers come out transposed
    xb = rng.standard_normal((3, 7))
    outb = np.dot(W3, f(np.dot(W2, f(np.dot(W1, xb) + b1)) + b2)) + b3
    np.testing.assert_allclose(net(xb.T), outb.T, rtol=1e-14)


def test_tanh_is_a_scaled_sigmoid():
    """tanh(x) = 2 sigma(2x) - 1."""
    x = np.linspace(-20, 20, 4001)
    tanh = lw.activations.ACTIVATIONS["tanh"].f(x.copy(), None)
    np.testing.assert_allclose(tanh, 2 * sigmoid(2 * x) - 1, rtol=1e-12, atol=1e-15)


def test_relu_is_a_threshold_at_zero():
    """f(x) = max(0, x), and leaky ReLU's small slope of 0.01."""
    x = np.array([-2.0, -1e-9, 0.0, 1e-9, 3.0])
    assert lw.activations.ACTIVATIONS["relu"].f(x.copy(), None).tolist() == [0, 0, 0, 1e-9, 3.0]
    leaky = lw.activations.ACTIVATIONS["leaky_relu"].f(x.copy(), None)
    np.testing.assert_allclose(leaky, [-0.02, -1e-11, 0.0, 1e-9, 3.0], rtol=1e-15)


def test_maxout_generalizes_relu_and_doubles_the_parameters():
    """max(w1.x + b1, w2.x + b2): with w1 = b1 = 0 it is a ReLU of w2.x + b2."""
    rng = np.random.default_rng(0)
    m = lw.Maxout(3, 4, k=2, dtype=np.float64, rng=rng)
    m.weight[0::2] = 0.0
    m.bias[0::2] = 0.0
    m.bias[1::2] = rng.standard_normal(4)
    x = rng.standard_normal((6, 3))
    relu_of_w2 = np.maximum(0.0, x @ m.weight[1::2].T + m.bias[1::2])
    np.testing.assert_array_equal(m.forward(x), relu_of_w2)
    assert lw.Network([3, 4, 2], activation="maxout").num_params == 2 * (3 * 4 + 4) + 4 * 2 + 2


def test_the_output_layer_is_linear():
    """"the final layer usually doesn't have an activation function": scores can be negative
    and beyond any squashing range even in a sigmoid net."""
    net = lw.Network([3, 4, 1], activation="sigmoid", dtype=np.float64, seed=0)
    net.layers[-1].bias[:] = -50.0
    assert (net(np.zeros((2, 3))) < -40).all()
