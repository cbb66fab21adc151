"""Networks: layout, parameters in one vector, state dicts, backward, seeds, and learning the
2-D toy sets with a plain loop of the engine's pieces."""
import numpy as np
import pytest

import layerwise as lw


def train(net, X, y, loss="softmax", optimizer="sgd", lr=1.0, reg=1e-3, steps=3000):
    """The plainest training loop: full-batch forward, loss, backward, L2, step."""
    opt = lw.optim.get(optimizer, net, lr=lr)
    loss_fn = lw.losses.get(loss)
    for _ in range(steps):
        _, dscores = loss_fn(net.forward(X, train=True), y)
        assert net.backward(dscores, input_grad=False) is None
        lw.losses.regularization(net, reg)
        opt.step()
    return float((net.predict(X) == y).mean())


def layer_types(net):
    return [type(layer).__name__ for layer in net.layers]


# -- layout, in nn.Sequential's order -------------------------------------------------------------
@pytest.mark.parametrize("activation,types,keys", [
    ("relu", ["Dense", "Activation", "Dense", "Activation", "Dense"], ["0", "2", "4"]),
    ("prelu", ["Dense", "PReLU", "Dense", "PReLU", "Dense"], ["0", "1", "2", "3", "4"]),
    ("maxout", ["Maxout", "Maxout", "Dense"], ["0", "1", "2"]),
])
def test_layout_and_state_dict_keys(activation, types, keys):
    net = lw.Network([3, 4, 4, 2], activation=activation, seed=0)
    assert layer_types(net) == types
    expected = [f"{i}.{name}" for i in keys for name in net.layers[int(i)].param_names]
    assert list(net.state_dict()) == expected
    assert list(net.gradients()) == expected


def test_dropout_follows_each_hidden_activation():
    net = lw.Network([3, 4, 4, 2], dropout=0.5, seed=0)
    assert layer_types(net) == ["Dense", "Activation", "Dropout", "Dense", "Activation",
                                "Dropout", "Dense"]
    assert list(net.state_dict()) == ["0.weight", "0.bias", "3.weight", "3.bias", "6.weight",
                                      "6.bias"]
    assert [layer.p for layer in net.layers if isinstance(layer, lw.Dropout)] == [0.5, 0.5]


def test_the_output_layer_has_no_activation():
    for activation in list(lw.activations.ACTIVATIONS) + ["prelu", "maxout"]:
        net = lw.Network([2, 3, 2], activation=activation, seed=0)
        assert isinstance(net.layers[-1], lw.Dense), activation


def test_default_dtype_is_float32_and_float64_flows_through():
    net = lw.Network([3, 4, 2], seed=0)
    assert net.dtype == np.float32 and net(np.ones((2, 3))).dtype == np.float32
    net = lw.Network([3, 4, 2], dtype=np.float64, seed=0)
    assert all(p.dtype == np.float64 for p in net.state_dict().values())
    assert net(np.ones((2, 3), np.float32)).dtype == np.float64


# -- parameters live in one flat vector -----------------------------------------------------------
def test_parameters_are_views_into_the_flat_vector(rng):
    net = lw.Network([3, 5, 2], dtype=np.float64, seed=0)
    X = rng.standard_normal((4, 3))
    before, weight = net(X), net.layers[0].weight.copy()
    net.flat_params *= 2.0
    assert np.array_equal(net.layers[0].weight, 2 * weight)
    assert np.array_equal(net.state_dict()["0.weight"], 2 * weight)
    assert not np.allclose(net(X), before)
    for _, param, grad in net.parameters():
        assert np.shares_memory(param, net.flat_params) and np.shares_memory(grad, net.flat_grads)


def test_weight_slice_holds_exactly_the_weights():
    net = lw.Network([3, 5, 4, 2], activation="prelu", seed=0)
    regularized = net.flat_params[net.weight_slice]
    assert regularized.size == 3 * 5 + 5 * 4 + 4 * 2
    expected = np.concatenate([w.ravel() for w in net.weights()])
    assert np.array_equal(np.sort(regularized), np.sort(expected))


def test_state_dict_returns_copies():
    net = lw.Network([3, 4, 2], seed=0)
    sd = net.state_dict()
    sd["0.weight"][:] = 0
    assert net.state_dict()["0.weight"].any()


def test_load_state_dict_round_trip(rng):
    a = lw.Network([3, 6, 2], activation="tanh", dtype=np.float64, seed=0)
    b = lw.Network([3, 6, 2], activation="tanh", dtype=np.float64, seed=1)
    X = rng.standard_normal((5, 3))
    assert not np.array_equal(a(X), b(X))
    assert b.load_state_dict(a.state_dict()) is b
    assert np.array_equal(a(X), b(X))
    # float32 values load into a float64 network, cast
    b.load_state_dict(lw.Network([3, 6, 2], activation="tanh", seed=2).state_dict())
    assert b.dtype == np.float64 and b.state_dict()["0.weight"].dtype == np.float64


def test_load_state_dict_rejects_missing_and_extra_keys():
    net = lw.Network([3, 4, 2], seed=0)
    sd = net.state_dict()
    missing = {k: v for k, v in sd.items() if k != "2.bias"}
    with pytest.raises(ValueError, match=r"missing keys \['2.bias'\]"):
        net.load_state_dict(missing)
    with pytest.raises(ValueError, match=r"unexpected keys \['5.weight'\]"):
        net.load_state_dict({**sd, "5.weight": np.zeros((2, 2))})


def test_load_state_dict_rejects_wrong_shapes():
    net = lw.Network([3, 4, 2], seed=0)
    sd = net.state_dict()
    sd["0.weight"] = sd["0.weight"].T
    with pytest.raises(ValueError, match=r"'0.weight' must have shape \(4, 3\), got an array of shape \(3, 4\)"):
        net.load_state_dict(sd)
    # a failed load leaves the network as it was, even when only the last entry is wrong
    before = net.state_dict()
    other = lw.Network([3, 4, 2], seed=1).state_dict()
    other["2.bias"] = np.zeros(3)
    with pytest.raises(ValueError, match=r"'2.bias' must have shape \(2,\), got an array of shape \(3,\)"):
        net.load_state_dict(other)
    assert all(np.array_equal(before[k], v) for k, v in net.state_dict().items())


# -- forward --------------------------------------------------------------------------------------
def test_one_vector_gives_one_row(rng):
    net = lw.Network([3, 4, 2], dtype=np.float64, seed=0)
    X = rng.standard_normal((5, 3))
    assert net(X[2]).shape == (2,)
    np.testing.assert_array_equal(net(X[2]), net(X)[2])
    assert net.forward(X[2], train=True).shape == (2,)


def test_training_output_survives_the_next_step(rng):
    net = lw.Network([3, 4, 2], seed=0)
    X = rng.standard_normal((5, 3))
    first = net.forward(X, train=True)
    kept = first.copy()
    net.forward(X * 3, train=True)
    assert np.array_equal(first, kept)


def test_predict(rng):
    net = lw.Network([3, 4, 3], dtype=np.float64, seed=0)
    X = rng.standard_normal((6, 3))
    assert np.array_equal(net.predict(X), net(X).argmax(axis=1))
    one = lw.Network([3, 4, 1], dtype=np.float64, seed=0)
    assert np.array_equal(one.predict(X), (one(X)[:, 0] > 0).astype(int))


# -- backward --------------------------------------------------------------------------------------
def _nets():
    yield lw.Network([3, 5, 4, 2], activation="relu", dtype=np.float64, seed=0)
    yield lw.Network([3, 5, 2], activation="sigmoid", dropout=0.3, dtype=np.float64, seed=0)
    yield lw.Network([3, 5, 2], activation="prelu", dtype=np.float64, seed=0)
    yield lw.Network([3, 5, 2], activation="maxout", seed=0)
    rng = np.random.default_rng(0)
    # a parameter layer before the first Dense still gets its gradient
    yield lw.Sequential(lw.GaussianNoise(0.1, rng=rng), lw.PReLU(3, dtype=np.float64),
                        lw.Dense(3, 4, dtype=np.float64, rng=rng), lw.Activation("tanh"),
                        lw.Dense(4, 2, dtype=np.float64, rng=rng))


@pytest.mark.parametrize("net", list(_nets()), ids=["relu", "dropout", "prelu", "maxout",
                                                     "prelu-first"])
def test_backward_without_input_gradient(net, rng):
    X = rng.standard_normal((7, 3)) - 0.3
    dout = rng.standard_normal((7, 2))
    net.forward(X, train=True)
    dx = net.backward(dout, input_grad=True)
    assert dx.shape == X.shape
    with_input = net.gradients()
    net.flat_grads[:] = np.nan  # whatever is there must be overwritten
    assert net.backward(dout, input_grad=False) is None
    without = net.gradients()
    assert list(with_input) == list(without)
    for key in with_input:
        assert np.array_equal(with_input[key], without[key]), key
    assert any(np.abs(g).max() > 0 for g in without.values())


def test_backward_returns_a_copy(rng):
    net = lw.Network([3, 4, 2], seed=0)
    X = rng.standard_normal((4, 3))
    net.forward(X, train=True)
    dx = net.backward(np.ones((4, 2)))
    kept = dx.copy()
    net.forward(X, train=True)
    net.backward(np.full((4, 2), 5.0))
    assert np.array_equal(dx, kept)


# -- seeds -----------------------------------------------------------------------------------------
def _after_training(seed):
    X, y = lw.data.spiral(n=90, classes=3, seed=0)
    net = lw.Network([2, 16, 3], dropout=0.2, seed=seed)
    train(net, X, y, optimizer="adam", lr=0.01, steps=20)
    return net


def test_same_seed_same_weights_and_same_training_bit_for_bit():
    for activation in ("relu", "maxout", "prelu"):
        a = lw.Network([3, 6, 2], activation=activation, seed=42).state_dict()
        b = lw.Network([3, 6, 2], activation=activation, seed=42).state_dict()
        assert all(np.array_equal(a[k], b[k]) for k in a)
    a, b, c = _after_training(7), _after_training(7), _after_training(8)
    assert np.array_equal(a.flat_params, b.flat_params)
    assert not np.array_equal(a.flat_params, c.flat_params)


def test_seed_may_be_a_generator():
    a = lw.Network([3, 4, 2], seed=np.random.default_rng(5))
    b = lw.Network([3, 4, 2], seed=np.random.default_rng(5))
    assert np.array_equal(a.flat_params, b.flat_params)


def test_no_seed_draws_fresh_weights():
    assert not np.array_equal(lw.Network([3, 4, 2]).flat_params,
                              lw.Network([3, 4, 2]).flat_params)


# -- architecture as data -------------------------------------------------------------------------
@pytest.mark.parametrize("net", [
    lw.Network([3, 4, 4, 1], activation="sigmoid", dropout=0.2, dtype=np.float64, seed=0),
    lw.Network([3, 4, 2], activation="maxout", maxout_k=3, seed=0),
    lw.Sequential(lw.Dense(3, 4), lw.Activation("elu"), lw.Dropout(0.1), lw.Dense(4, 2)),
])
def test_config_round_trip(net, rng):
    clone = lw.from_config(net.config(), seed=1)
    assert type(clone) is type(net) and clone.config() == net.config()
    assert layer_types(clone) == layer_types(net) and clone.num_params == net.num_params
    clone.load_state_dict(net.state_dict())
    X = rng.standard_normal((3, 3))
    assert np.array_equal(clone(X), net(X))


def test_sequential_takes_a_list_and_counts_like_network():
    layers = [lw.Dense(3, 4), lw.Activation("relu"), lw.Dense(4, 2)]
    net = lw.Sequential(layers)
    assert (net.depth, net.num_neurons, net.num_params) == (2, 6, 26)
    assert (net.in_features, net.out_features) == (3, 2)


# -- learning --------------------------------------------------------------------------------------
def test_learns_the_spiral():
    """cs231n's case study: a 100-unit ReLU layer fits the 3-arm spiral that a linear classifier
    cannot (it gets about half)."""
    X, y = lw.data.spiral(n=300, classes=3, seed=0)
    assert train(lw.Network([2, 100, 3], seed=0), X, y) >= 0.98
    assert train(lw.Network([2, 3], seed=0), X, y, steps=500) < 0.6


def test_learns_xor():
    # a few noisy points cross the axes, so even the true boundary misses about 4% of them
    X, y = lw.data.xor(n=200, seed=0)
    assert train(lw.Network([2, 8, 2], seed=0), X, y, lr=0.5, steps=500) >= 0.93
    assert train(lw.Network([2, 8, 1], activation="tanh", seed=0), X, y, loss="logistic",
                 lr=0.5, steps=500) >= 0.93
    assert train(lw.Network([2, 2], seed=0), X, y, lr=0.5, steps=500) < 0.75  # no hidden layer


def test_learns_circles():
    X, y = lw.data.circles(n=200, seed=0)
    assert train(lw.Network([2, 10, 2], seed=0), X, y, lr=0.5, steps=500) >= 0.98
    assert train(lw.Network([2, 10, 1], activation="tanh", seed=0), X, y, loss="binary_hinge",
                 lr=0.5, steps=500) >= 0.98


def test_layer_widths_must_chain():
    with pytest.raises(ValueError, match=r"layer 2 .* takes 4 inputs, but the layer before it gives 3"):
        lw.Sequential(lw.Dense(2, 3), lw.Activation("relu"), lw.Dense(4, 2))
    with pytest.raises(ValueError, match="takes 4 inputs"):
        lw.Sequential(lw.Dense(2, 3), lw.PReLU(4))


def test_summary_names_what_the_parameters_are():
    assert lw.Network([3, 4, 2]).summary().endswith("(20 weights + 6 biases)")
    assert "biases and PReLU slopes" in lw.Network([3, 4, 2], activation="prelu").summary()


def test_sizes_may_be_a_numpy_array():
    assert lw.Network(np.array([3, 4, 2])).num_params == 26
