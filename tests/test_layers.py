"""Layers on their own: what each computes, its shapes, its parameters, and that it never
writes into an array it was given."""
import numpy as np
import pytest

import layerwise as lw
from layerwise.engine.layers import layer_from_config


def test_dense_computes_x_wt_plus_b(rng):
    layer = lw.Dense(3, 4, dtype=np.float64, rng=rng)
    layer.bias[:] = [1.0, -1.0, 0.5, 2.0]
    x = rng.standard_normal((5, 3))
    assert layer.weight.shape == (4, 3) and layer.bias.shape == (4,)
    np.testing.assert_allclose(layer.forward(x), x @ layer.weight.T + layer.bias, rtol=1e-15)
    # each row of W is one neuron, as np.dot(W1, x) in the seed
    np.testing.assert_allclose(layer.forward(x)[:, 2], x @ layer.weight[2] + 0.5, rtol=1e-15)
    assert (layer.num_params, layer.num_neurons, layer.output_size(3)) == (16, 4, 4)


def test_dense_backward_formulas(rng):
    layer = lw.Dense(3, 2, dtype=np.float64, rng=rng)
    x, dout = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    layer.forward(x, train=True)
    dx = layer.backward(dout)
    np.testing.assert_allclose(layer.grads["weight"], dout.T @ x, rtol=1e-14)
    np.testing.assert_allclose(layer.grads["bias"], dout.sum(axis=0), rtol=1e-14)
    np.testing.assert_allclose(dx, dout @ layer.weight, rtol=1e-14)
    assert layer.backward(dout, input_grad=False) is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_keeps_its_dtype(dtype, rng):
    layer = lw.Dense(3, 2, dtype=dtype, rng=rng)
    assert layer.weight.dtype == dtype and layer.bias.dtype == dtype
    assert layer.forward(np.ones((2, 3), dtype)).dtype == dtype


def test_dense_init_schemes_scale_as_documented():
    rng = np.random.default_rng(0)
    for scheme, std in [("he", np.sqrt(2 / 400)), ("xavier", np.sqrt(2 / 600)),
                        ("small", 0.01), (0.3, 0.3)]:
        W = lw.Dense(400, 200, init=scheme, dtype=np.float64, rng=rng).weight
        assert W.std() == pytest.approx(std, rel=0.02), scheme
        assert abs(W.mean()) < 0.05 * std


def test_biases_start_at_zero(rng):
    assert not lw.Dense(3, 4, rng=rng).bias.any()
    assert not lw.Maxout(3, 4, rng=rng).bias.any()


@pytest.mark.parametrize("name", list(lw.activations.ACTIVATIONS))
def test_activation_layer_applies_its_table_entry(name, rng):
    x = rng.standard_normal((4, 5))
    layer = lw.Activation(name)
    expected = lw.activations.ACTIVATIONS[name].f(x.copy(), None)
    np.testing.assert_array_equal(layer.forward(x), expected)
    np.testing.assert_array_equal(layer.forward(x, train=True), expected)
    assert layer.num_params == 0 and layer.num_neurons == 0
    assert repr(layer) == f"Activation({name!r})"


def test_prelu(rng):
    layer = lw.PReLU(3, dtype=np.float64)
    assert layer.weight.tolist() == [0.25, 0.25, 0.25]  # He et al.'s (and PyTorch's) start
    layer.weight[:] = [0.1, 0.0, -0.5]
    x = np.array([[-2.0, -2.0, -2.0], [3.0, 3.0, 3.0]])
    assert layer.forward(x).tolist() == [[-0.2, 0.0, 1.0], [3.0, 3.0, 3.0]]
    layer.forward(x, train=True)
    dx = layer.backward(np.ones_like(x))
    assert dx.tolist() == [[0.1, 0.0, -0.5], [1.0, 1.0, 1.0]]
    assert layer.grads["weight"].tolist() == [-2.0, -2.0, -2.0]  # sum of x over x <= 0
    assert layer.num_params == 3


def test_maxout_is_the_max_of_k_linear_pieces(rng):
    layer = lw.Maxout(3, 2, k=2, dtype=np.float64, rng=rng)
    layer.bias[:] = rng.standard_normal(4)
    x = rng.standard_normal((5, 3))
    z = x @ layer.weight.T + layer.bias
    # neuron j: the seed's max(w1.x + b1, w2.x + b2) over rows 2j and 2j + 1
    expected = np.stack([np.maximum(z[:, 0], z[:, 1]), np.maximum(z[:, 2], z[:, 3])], axis=1)
    np.testing.assert_array_equal(layer.forward(x), expected)
    # it doubles a neuron's parameters
    assert layer.num_params == 2 * lw.Dense(3, 2, rng=rng).num_params
    assert layer.num_neurons == 2


def test_maxout_routes_the_gradient_to_the_winning_piece(rng):
    layer = lw.Maxout(2, 1, k=3, dtype=np.float64, rng=rng)
    layer.weight[:] = [[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]
    x = np.array([[2.0, 1.0], [0.0, 3.0], [-2.0, -2.0]])  # winners: pieces 0, 1, 2
    assert layer.forward(x, train=True)[:, 0].tolist() == [2.0, 3.0, 4.0]
    layer.backward(np.array([[1.0], [10.0], [100.0]]))
    assert layer.grads["bias"].tolist() == [1.0, 10.0, 100.0]
    assert layer.grads["weight"].tolist() == [[2.0, 1.0], [0.0, 30.0], [-200.0, -200.0]]


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_maxout_ties_go_to_the_first_piece_as_argmax_sends_them(k, rng):
    layer = lw.Maxout(4, 6, k=k, dtype=np.float64, rng=rng)
    layer.bias[:] = np.round(rng.standard_normal(6 * k))  # whole numbers: ties at x = 0
    layer.bias[::2] = layer.bias[1::2] if k > 1 else layer.bias[::2]
    x = rng.standard_normal((40, 4))
    x[:10] = 0.0
    if k > 1:  # a NaN piece wins over numbers, as argmax has it, so that it is never hidden
        layer.bias[1] = layer.bias[2 * k + 2] = np.nan
    z = (x @ layer.weight.T + layer.bias).reshape(40, 6, k)
    first = z.argmax(axis=2)
    y = layer.forward(x, train=True)
    np.testing.assert_array_equal(y, np.take_along_axis(z, first[..., None], axis=2)[..., 0])
    dout = rng.standard_normal(y.shape)
    dx = layer.backward(dout)
    dz = np.zeros_like(z)
    np.put_along_axis(dz, first[..., None], dout[..., None], axis=2)
    dz = dz.reshape(40, -1)
    np.testing.assert_array_equal(layer.grads["bias"], dz.sum(axis=0))
    np.testing.assert_allclose(layer.grads["weight"], dz.T @ x, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dx, dz @ layer.weight, rtol=1e-12, atol=1e-15)


def test_maxout_with_one_piece_is_dense(rng):
    m = lw.Maxout(4, 3, k=1, dtype=np.float64, rng=np.random.default_rng(1))
    d = lw.Dense(4, 3, dtype=np.float64, rng=np.random.default_rng(1))
    x = rng.standard_normal((5, 4))
    np.testing.assert_array_equal(m.forward(x), d.forward(x))


def test_dropout_in_training(rng):
    layer = lw.Dropout(0.25, rng=np.random.default_rng(0))
    x = rng.standard_normal((100, 40))
    y = layer.forward(x, train=True)
    kept = y != 0
    np.testing.assert_allclose(y[kept], x[kept] / 0.75, rtol=1e-15)
    assert abs((~kept).mean() - 0.25) < 0.03
    # backward applies the same mask and scale
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), np.where(kept, 1 / 0.75, 0))


def test_dropout_masks_come_from_its_generator(rng):
    x = rng.standard_normal((10, 10))
    a = lw.Dropout(0.5, rng=np.random.default_rng(7)).forward(x, train=True)
    b = lw.Dropout(0.5, rng=np.random.default_rng(7)).forward(x, train=True)
    c = lw.Dropout(0.5, rng=np.random.default_rng(8)).forward(x, train=True)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_dropout_zero_and_eval_are_the_identity(rng):
    x = rng.standard_normal((3, 4))
    assert np.array_equal(lw.Dropout(0.0).forward(x, train=True), x)
    assert lw.Dropout(0.9).forward(x, train=False) is x


def test_gaussian_noise(rng):
    layer = lw.GaussianNoise(0.5, rng=np.random.default_rng(0))
    x = np.zeros((200, 50))
    noisy = layer.forward(x, train=True)
    assert noisy.std() == pytest.approx(0.5, rel=0.03)
    assert layer.forward(x, train=False) is x
    assert lw.GaussianNoise(0.0).forward(x, train=True) is x
    dout = rng.standard_normal(x.shape)
    assert np.array_equal(layer.backward(dout), dout)


@pytest.mark.parametrize("make", [
    lambda r: lw.Dense(3, 4, rng=r), lambda r: lw.Activation("tanh"), lambda r: lw.PReLU(3),
    lambda r: lw.Maxout(3, 2, rng=r), lambda r: lw.Dropout(0.5, rng=r),
    lambda r: lw.GaussianNoise(0.1, rng=r)])
def test_layers_never_write_into_their_inputs(make, rng):
    layer = make(np.random.default_rng(0))
    x = rng.standard_normal((5, 3)).astype(np.float32)
    x_before = x.copy()
    out = layer.forward(x, train=True)
    dout = np.ones_like(out)
    dout_before = dout.copy()
    layer.backward(dout)
    layer.forward(x, train=False)
    assert np.array_equal(x, x_before) and np.array_equal(dout, dout_before)


def test_evaluation_outputs_survive_later_training_steps(rng):
    """Training reuses workspaces from step to step; an evaluation result must not be one."""
    layer = lw.Dense(3, 2, rng=rng)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    y_eval = layer.forward(x)
    kept = y_eval.copy()
    layer.forward(x * 2, train=True)
    assert np.array_equal(y_eval, kept)


@pytest.mark.parametrize("layer", [lw.Dense(3, 4), lw.Activation("elu"), lw.PReLU(5),
                                   lw.Maxout(3, 2, k=3), lw.Dropout(0.3), lw.GaussianNoise(0.2)])
def test_config_round_trip(layer):
    clone = layer_from_config(layer.config())
    assert type(clone) is type(layer) and clone.config() == layer.config()
    assert clone.num_params == layer.num_params


def test_config_rejects_unknown_types():
    with pytest.raises(ValueError, match=r"unknown layer type 'Conv2d'.*Dense"):
        layer_from_config({"type": "Conv2d"})
