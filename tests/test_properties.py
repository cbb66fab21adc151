"""Property tests: random shapes and values, including the extremes.

Softmax rows sum to 1, losses are never negative, eval-mode dropout is the identity, and
losses, gradients and activations stay finite (and silent) at logits of +-1e4 and beyond.
"""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import layerwise as lw
from layerwise.engine.losses import softmax

# derandomized: the same examples every run, like every other fixed seed in the suite
FEW = settings(max_examples=30, deadline=None, derandomize=True, database=None)
TABLE = list(lw.activations.ACTIVATIONS)
ALL_ACTIVATIONS = TABLE + ["prelu", "maxout"]


def floats(bound, width=64):
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False, width=width)


@st.composite
def scores_and_labels(draw, loss, bound=1e4, dtype=np.float64):
    n = draw(st.integers(1, 8))
    width = 32 if dtype == np.float32 else 64
    if loss in lw.losses.MULTICLASS:
        c = draw(st.integers(2, 6))
        scores = draw(arrays(dtype, (n, c), elements=floats(bound, width)))
        y = draw(arrays(np.int64, n, elements=st.integers(0, c - 1)))
    elif loss in lw.losses.BINARY:
        shape = draw(st.sampled_from([(n,), (n, 1)]))
        scores = draw(arrays(dtype, shape, elements=floats(bound, width)))
        labels = (0, 1) if loss == "logistic" else draw(st.sampled_from([(0, 1), (-1, 1)]))
        y = draw(arrays(np.int64, n, elements=st.sampled_from(labels)))
    else:
        c = draw(st.integers(1, 4))
        scores = draw(arrays(dtype, (n, c), elements=floats(bound, width)))
        y = draw(arrays(dtype, (n, c), elements=floats(bound, width)))
    return scores, y


@st.composite
def networks(draw):
    sizes = draw(st.lists(st.integers(1, 7), min_size=2, max_size=5))
    activation = draw(st.sampled_from(ALL_ACTIVATIONS))
    dropout = draw(st.sampled_from([0.0, 0.5]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    return lw.Network(sizes, activation=activation, dropout=dropout, dtype=dtype, seed=seed)


def expected_counts(net):
    """Parameters and neurons counted from the sizes alone, the way the seed counts them."""
    sizes, k = net.sizes, (net.maxout_k if net.activation == "maxout" else 1)
    params = sum((a + 1) * b * (k if i < len(sizes) - 2 else 1)
                 for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])))
    if net.activation == "prelu":
        params += sum(sizes[1:-1])
    return params, sum(sizes[1:])


# -- random shapes ---------------------------------------------------------------------------------
@FEW
@given(net=networks(), n=st.integers(1, 9), data=st.data())
def test_random_networks_have_consistent_shapes(net, n, data):
    X = data.draw(arrays(np.float64, (n, net.sizes[0]), elements=floats(3.0)))
    X_before = X.copy()
    out = net(X)
    assert out.shape == (n, net.sizes[-1]) and out.dtype == net.dtype
    assert net(X[0]).shape == (net.sizes[-1],)
    assert net.depth == len(net.sizes) - 1
    assert (net.num_params, net.num_neurons) == expected_counts(net)
    assert net.flat_params.size == net.num_params

    scores = net.forward(X, train=True)
    dout = np.ones_like(scores)
    dx = net.backward(dout)
    assert dx.shape == X.shape and np.isfinite(dx).all()
    grads = net.gradients()
    assert list(grads) == list(net.state_dict())
    for key, value in net.state_dict().items():
        assert grads[key].shape == value.shape
        assert np.isfinite(grads[key]).all()
    assert np.array_equal(X, X_before)  # the network never writes into its input


# -- softmax ---------------------------------------------------------------------------------------
@FEW
@given(scores=arrays(np.float64, st.tuples(st.integers(1, 8), st.integers(1, 8)),
                     elements=floats(1e4)))
def test_softmax_rows_sum_to_one(scores):
    p = softmax(scores)
    assert np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)


@FEW
@given(scores=arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(2, 6)),
                     elements=floats(50)),
       shift=floats(1e3), data=st.data())
def test_softmax_loss_is_shift_invariant(scores, shift, data):
    y = data.draw(arrays(np.int64, scores.shape[0], elements=st.integers(0, scores.shape[1] - 1)))
    loss, d = lw.losses.get("softmax")(scores, y)
    loss2, d2 = lw.losses.get("softmax")(scores + shift, y)
    assert loss2 == pytest.approx(loss, rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(d2, d, atol=1e-12)
    np.testing.assert_allclose(d.sum(axis=1), 0.0, atol=1e-12)


# -- losses: never negative, always finite ---------------------------------------------------------
@pytest.mark.parametrize("loss", lw.losses.LOSSES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_losses_are_non_negative_and_finite_on_random_extremes(loss, dtype):
    @FEW
    @given(case=scores_and_labels(loss, bound=1e4 if loss == "mse" else 1e6, dtype=dtype))
    def check(case):
        scores, y = case
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                value, d = lw.losses.get(loss)(scores, y)
        assert value >= 0 and np.isfinite(value)
        assert d.shape == scores.shape and np.isfinite(d).all()

    check()


@pytest.mark.parametrize("loss", lw.losses.MULTICLASS + lw.losses.BINARY)
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_losses_at_logits_of_1e4(loss, sign):
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        if loss in lw.losses.MULTICLASS:
            scores = np.full((6, 3), -sign * 1e4, dtype)
            scores[np.arange(6), np.arange(6) % 3] = sign * 1e4
            y = rng.integers(0, 3, 6)
        else:
            scores = np.full((6, 1), sign * 1e4, dtype)
            y = np.array([0, 1, 0, 1, 1, 0])
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            value, d = lw.losses.get(loss)(scores, y)
        assert np.isfinite(value) and value >= 0 and np.isfinite(d).all()
        # the right answer at a huge margin costs nothing, the wrong one about 2e4 per sample
        assert value < 5e4


def test_regression_loss_at_targets_of_1e4():
    value, d = lw.losses.get("mse")(np.full((4, 2), 1e4), np.full((4, 2), -1e4))
    assert value == pytest.approx(4e8) and np.isfinite(d).all()


# -- dropout ---------------------------------------------------------------------------------------
@FEW
@given(p=st.floats(0.0, 0.99), x=arrays(np.float64, st.tuples(st.integers(1, 6),
                                                             st.integers(1, 6)),
                                       elements=floats(1e6)))
def test_eval_mode_dropout_is_the_identity(p, x):
    layer = lw.Dropout(p, rng=np.random.default_rng(0))
    assert np.array_equal(layer.forward(x, train=False), x)
    assert np.array_equal(layer.backward(x), x)  # and so is its backward after an eval pass


@FEW
@given(p=st.floats(0.01, 0.9), seed=st.integers(0, 1000))
def test_training_dropout_keeps_the_expectation(p, seed):
    x = np.ones((200, 50))
    y = lw.Dropout(p, rng=np.random.default_rng(seed)).forward(x, train=True)
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1.0 / (1.0 - p))
    # 10,000 Bernoulli draws: the dropped fraction is within 5 standard deviations of p
    assert abs((~kept).mean() - p) < 5 * np.sqrt(p * (1 - p) / x.size)


@FEW
@given(seed=st.integers(0, 1000), p=st.floats(0.05, 0.9))
def test_eval_mode_network_ignores_dropout(seed, p):
    net = lw.Network([3, 6, 5, 2], dropout=p, dtype=np.float64, seed=seed)
    plain = lw.Network([3, 6, 5, 2], dtype=np.float64, seed=seed)
    plain.load_state_dict({k.replace("3.", "2.").replace("6.", "4."): v
                           for k, v in net.state_dict().items()})
    X = np.random.default_rng(seed).standard_normal((4, 3))
    assert np.array_equal(net(X), plain(X))


# -- activations -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", TABLE)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_is_silent_and_finite_at_1e4(name, dtype):
    fn = lw.activations.ACTIVATIONS[name]
    x = np.array([-1e4, -1e3, -100, -1, 0, 1, 100, 1e3, 1e4], dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            y = fn.f(x.copy(), None)
            d = fn.df(x, y)
    assert y.dtype == dtype and np.isfinite(y).all() and np.isfinite(d).all()


@pytest.mark.parametrize("name", TABLE)
@pytest.mark.parametrize("dtype,width", [(np.float32, 32), (np.float64, 64)])
def test_activation_on_any_finite_input(name, dtype, width):
    fn = lw.activations.ACTIVATIONS[name]
    lo, hi = fn.range
    big = float(np.finfo(dtype).max)

    @FEW
    @given(x=arrays(dtype, st.integers(1, 20), elements=st.one_of(floats(big, width),
                                                                   floats(30.0, width))))
    def check(x):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                y = fn.f(x.copy(), None)
                d = fn.df(x, y)
                in_place = x.copy()
                fn.f(in_place, in_place)  # the table's contract: out may be x itself
        assert np.isfinite(y).all() and np.isfinite(d).all()
        assert np.all((y >= lo) & (y <= hi))
        assert np.array_equal(in_place, y)

    check()
