"""Backpropagation against central differences, in float64, relative error < 1e-7.

Every layer, every activation, every loss, L1 and L2 on and off, and whole networks for each
activation x loss. Central differences are only exact where the function is smooth, so each
check first makes sure that no input sits within ``KINK`` of a kink (ReLU at 0, a maxout tie,
a hinge margin at exactly 1, an L1 weight at 0); ``KINK`` is a hundred times the step ``h``.
"""
import numpy as np
import pytest

import layerwise as lw
from layerwise.engine.gradcheck import gradcheck_layer, gradcheck_loss, numerical_gradient, relative_error

TOL = 1e-7
KINK = 1e-3
TABLE = list(lw.activations.ACTIVATIONS)
ALL_ACTIVATIONS = TABLE + ["prelu", "maxout"]
# activations whose derivative jumps at 0 (ELU's first derivative is continuous for alpha = 1)
KINKED = {"relu", "leaky_relu"}


def away_from_zero(x, margin=0.1):
    """Push every entry at least ``margin`` away from 0, keeping its sign."""
    return np.where(x >= 0, x + margin, x - margin)


def labels_for(loss, n, rng, classes=3):
    """Targets each loss accepts, and the number of network outputs it needs."""
    if loss in lw.losses.MULTICLASS:
        return rng.integers(0, classes, n), classes
    if loss == "logistic":
        return rng.integers(0, 2, n), 1
    if loss == "binary_hinge":
        return rng.choice([-1, 1], n), 1
    return rng.standard_normal((n, 2)), 2


def loss_kink_distance(loss, scores, y):
    """How far the scores are from the points where a hinge loss has no derivative."""
    if loss == "hinge":
        rows = np.arange(len(y))
        margins = scores - scores[rows, y][:, None] + 1.0
        margins[rows, y] = np.inf  # the correct class's own term is not a margin
        return float(np.abs(margins).min())
    if loss == "binary_hinge":
        t = np.where(np.asarray(y) > 0, 1.0, -1.0)
        return float(np.abs(1.0 - t * scores.reshape(-1)).min())
    return np.inf


def kink_distance(net, X, y, loss, reg_type="l2"):
    """The smallest distance of any kinked quantity in ``net`` on ``(X, y)`` from its kink."""
    dist, h = np.inf, X
    for layer in net.layers:
        if isinstance(layer, lw.Maxout):
            z = (h @ layer.weight.T + layer.bias).reshape(len(h), layer.out_features, layer.k)
            z = np.sort(z, axis=2)
            dist = min(dist, float((z[..., -1] - z[..., -2]).min()))
        elif isinstance(layer, lw.PReLU) or (isinstance(layer, lw.Activation)
                                             and layer.name in KINKED):
            dist = min(dist, float(np.abs(h).min()))
        h = layer.forward(h, train=False)
    dist = min(dist, loss_kink_distance(loss, h, y))
    if reg_type == "l1":
        dist = min(dist, float(np.abs(net.flat_params[net.weight_slice]).min()))
    return dist


def has_zero_gradient(net, X, y, loss):
    """True when some parameter's whole gradient vanishes (say, a bias under a hinge loss whose
    active margins cancel): its relative error would compare round-off with round-off."""
    _, d = lw.losses.get(loss)(net.forward(X, train=True), y)
    net.backward(d)
    return min(np.abs(g).max() for g in net.gradients().values()) < 1e-6


def smooth_case(activation, loss, reg_type="l2", sizes=(3, 5, 4), n=6):
    """A float64 net, data and targets with every kink at least ``KINK`` away."""
    for seed in range(200):
        rng = np.random.default_rng(seed)
        y, out = labels_for(loss, n, rng)
        net = lw.Network([*sizes, out], activation=activation, dtype=np.float64, seed=seed)
        # non-zero biases (and PReLU slopes other than 0.25) make the check more general
        rest = net.flat_params[net.weight_slice.stop:]
        rest += rng.normal(0.0, 0.2, rest.shape)
        X = rng.standard_normal((n, sizes[0]))
        if kink_distance(net, X, y, loss, reg_type) > KINK and not has_zero_gradient(net, X, y,
                                                                                      loss):
            return net, X, y
    raise AssertionError(f"no smooth case found for {activation} / {loss}")


# -- the checker itself ----------------------------------------------------------------------
def test_numerical_gradient_of_a_known_function():
    x = np.array([[0.3, -1.2], [2.0, 0.5]])
    A = np.array([[1.0, 2.0], [-3.0, 0.5]])
    grad = numerical_gradient(lambda: float((A * x ** 3).sum()), x)
    assert relative_error(grad, 3 * A * x ** 2) < 1e-9
    # the array is restored after every perturbation
    assert np.array_equal(x, [[0.3, -1.2], [2.0, 0.5]])


def test_relative_error_scales_by_the_largest_entry():
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert relative_error([1.0, 4.0], [1.0, 3.0]) == pytest.approx(0.25)


def test_gradcheck_catches_a_wrong_backward(rng):
    class WrongDense(lw.Dense):
        def backward(self, dout, input_grad=True):
            dx = super().backward(dout, input_grad)
            self.grads["weight"] *= 1.01  # one percent off
            return dx

    layer = WrongDense(4, 3, dtype=np.float64, rng=rng)
    errors = gradcheck_layer(layer, rng.standard_normal((5, 4)))
    assert errors["weight"] > 1e-3
    assert errors["bias"] < TOL and errors["input"] < TOL


def test_gradcheck_reports_every_parameter_and_the_input(rng):
    net = lw.Network([3, 4, 2], activation="tanh", dtype=np.float64, seed=0)
    errors = lw.gradcheck(net, rng.standard_normal((5, 3)), rng.integers(0, 2, 5))
    assert set(errors) == set(net.state_dict()) | {"input"}
    assert max(errors.values()) < TOL
    errors = lw.gradcheck(net, rng.standard_normal((5, 3)), rng.integers(0, 2, 5),
                          check_input=False)
    assert "input" not in errors


def test_gradcheck_needs_float64():
    net = lw.Network([2, 3, 2], seed=0)
    with pytest.raises(ValueError, match=r"float64.*got float32"):
        lw.gradcheck(net, np.zeros((2, 2)), np.array([0, 1]))


# -- every layer -------------------------------------------------------------------------------
def test_dense(rng):
    layer = lw.Dense(4, 3, dtype=np.float64, rng=rng)
    layer.bias[:] = rng.standard_normal(3)
    errors = gradcheck_layer(layer, rng.standard_normal((5, 4)))
    assert set(errors) == {"input", "weight", "bias"}
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("name", TABLE)
def test_activation(name, rng):
    x = away_from_zero(rng.standard_normal((6, 5)) * 2)
    errors = gradcheck_layer(lw.Activation(name), x)
    assert errors["input"] < TOL, errors


@pytest.mark.parametrize("scale", [0.5, 3.0])
def test_prelu(scale, rng):
    layer = lw.PReLU(4, dtype=np.float64)
    layer.weight[:] = [0.25, -0.1, 0.6, 1.5]
    errors = gradcheck_layer(layer, away_from_zero(rng.standard_normal((7, 4)) * scale))
    assert set(errors) == {"input", "weight"}
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("k", [1, 2, 3])
def test_maxout(k):
    for seed in range(100):
        rng = np.random.default_rng(seed)
        layer = lw.Maxout(4, 3, k=k, dtype=np.float64, rng=rng)
        layer.bias[:] = rng.standard_normal(layer.bias.shape)
        x = rng.standard_normal((6, 4))
        z = np.sort((x @ layer.weight.T + layer.bias).reshape(6, 3, k), axis=2)
        if k == 1 or (z[..., -1] - z[..., -2]).min() > KINK:
            break
    errors = gradcheck_layer(layer, x)
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_with_a_fixed_mask(p, rng):
    layer = lw.Dropout(p, rng=np.random.default_rng(3))
    errors = gradcheck_layer(layer, rng.standard_normal((8, 6)))
    assert errors["input"] < TOL, errors


def test_gaussian_noise(rng):
    layer = lw.GaussianNoise(0.3, rng=np.random.default_rng(4))
    errors = gradcheck_layer(layer, rng.standard_normal((8, 6)))
    assert errors["input"] < TOL, errors


# -- every loss --------------------------------------------------------------------------------
def _loss_case(loss, shape, labels, rng):
    for _ in range(100):
        scores = rng.standard_normal(shape) * 2
        if loss_kink_distance(loss, scores, labels) > KINK:
            return scores
    raise AssertionError("no smooth scores found")


@pytest.mark.parametrize("loss", lw.losses.MULTICLASS)
@pytest.mark.parametrize("classes", [2, 5])
def test_multiclass_loss(loss, classes, rng):
    y = rng.integers(0, classes, 9)
    scores = _loss_case(loss, (9, classes), y, rng)
    assert gradcheck_loss(loss, scores, y) < TOL


@pytest.mark.parametrize("loss,labels", [("logistic", (0, 1)), ("binary_hinge", (0, 1)),
                                         ("binary_hinge", (-1, 1))])
@pytest.mark.parametrize("shape", [(9,), (9, 1)])
def test_binary_loss(loss, labels, shape, rng):
    y = rng.choice(labels, 9)
    scores = _loss_case(loss, shape, y, rng)
    assert gradcheck_loss(loss, scores, y) < TOL


@pytest.mark.parametrize("shape", [(9,), (9, 1), (9, 3)])
def test_mse(shape, rng):
    assert gradcheck_loss("mse", rng.standard_normal(shape), rng.standard_normal(shape)) < TOL


def test_hinge_loss_has_active_and_inactive_margins(rng):
    """The hinge checks above would prove little if every margin were on one side."""
    y = rng.integers(0, 5, 9)
    scores = _loss_case("hinge", (9, 5), y, rng)
    margins = scores - scores[np.arange(9), y][:, None] + 1
    margins[np.arange(9), y] = np.nan
    assert (margins > 0).any() and (margins < 0).any()


# -- whole networks: each activation x each loss x regularization ----------------------------
@pytest.mark.parametrize("reg,reg_type", [(0.0, "l2"), (0.3, "l2"), (0.3, "l1")],
                         ids=["noreg", "l2", "l1"])
@pytest.mark.parametrize("loss", lw.losses.LOSSES)
@pytest.mark.parametrize("activation", ALL_ACTIVATIONS)
def test_network(activation, loss, reg, reg_type):
    net, X, y = smooth_case(activation, loss, reg_type)
    errors = lw.gradcheck(net, X, y, loss=loss, reg=reg, reg_type=reg_type)
    assert set(errors) == set(net.state_dict()) | {"input"}
    assert max(errors.values()) < TOL, errors


def test_deeper_network_with_dropout():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((6, 3)), rng.integers(0, 3, 6)
    net = lw.Network([3, 6, 5, 4, 3], activation="tanh", dropout=0.4, dtype=np.float64, seed=1)
    errors = lw.gradcheck(net, X, y, loss="softmax", reg=0.1)
    assert max(errors.values()) < TOL, errors


def test_sequential_with_noise_and_prelu_first(rng):
    net = lw.Sequential(lw.GaussianNoise(0.05, rng=np.random.default_rng(5)),
                        lw.PReLU(3, dtype=np.float64),
                        lw.Dense(3, 4, dtype=np.float64, rng=rng), lw.Activation("softplus"),
                        lw.Dense(4, 2, dtype=np.float64, rng=rng))
    net.layers[1].weight[:] = [0.1, 0.5, -0.3]
    X = away_from_zero(rng.standard_normal((6, 3)), 0.5)  # ten noise std from PReLU's kink
    errors = lw.gradcheck(net, X, rng.integers(0, 2, 6), loss="softmax", reg=0.05)
    assert max(errors.values()) < TOL, errors
