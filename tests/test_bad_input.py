"""Bad input gets a ValueError (or TypeError) whose message names what was received and what
was expected."""
import re

import numpy as np
import pytest

import layerwise as lw

TABLE = ", ".join(list(lw.activations.ACTIVATIONS) + ["prelu", "maxout"])


@pytest.fixture(scope="module")
def net():
    return lw.Network([3, 4, 2], seed=0)


# -- sizes -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("sizes,shown", [
    ([3, 0], "[3, 0]"), ([3, -4, 2], "[3, -4, 2]"), ([3], "[3]"), ([], "[]"), (3, "3"),
    ([3.0, 2], "[3.0, 2]"), ([3, "4", 2], "[3, '4', 2]"), ([3, True], "[3, True]"),
    (None, "None"), ("3,4", "'3,4'"),
])
def test_sizes_must_be_two_or_more_positive_integers(sizes, shown):
    with pytest.raises(ValueError, match=r"at least two positive integers.*got "
                                         + re.escape(shown)):
        lw.Network(sizes)


@pytest.mark.parametrize("make,message", [
    (lambda: lw.Dense(0, 3), "in_features must be a positive integer, got 0"),
    (lambda: lw.Dense(3, 2.5), "out_features must be a positive integer, got 2.5"),
    (lambda: lw.Maxout(3, -1), "out_features must be a positive integer, got -1"),
    (lambda: lw.Maxout(3, 2, k=0), "maxout needs k >= 1 pieces, got 0"),
    (lambda: lw.Network([3, 4, 2], activation="maxout", maxout_k=0), "k >= 1 pieces, got 0"),
    (lambda: lw.PReLU(0), "num_parameters must be a positive integer, got 0"),
])
def test_layer_sizes(make, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make()


# -- unknown names list the valid ones -------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: lw.Network([3, 4, 2], activation="sigmod"),
    lambda: lw.Activation("sigmod"),
    lambda: lw.Neuron([1.0], activation="sigmod"),
])
def test_unknown_activation(make):
    with pytest.raises(ValueError, match=r"unknown activation 'sigmod'; expected one of: "
                                         + re.escape(TABLE)):
        make()


@pytest.mark.parametrize("bad", [None, 3, ["relu"]])
def test_activation_that_is_not_a_name(bad):
    with pytest.raises(ValueError, match=r"unknown activation " + re.escape(repr(bad))):
        lw.Network([3, 4, 2], activation=bad)


def test_unknown_loss():
    with pytest.raises(ValueError, match=r"unknown loss 'cross_entropy'; expected one of: "
                                         r"softmax, hinge, logistic, binary_hinge, mse"):
        lw.losses.get("cross_entropy")


def test_unknown_optimizer(net):
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamw'; expected one of: "
                                         r"sgd, momentum, nesterov, adagrad, rmsprop, adam"):
        lw.optim.get("adamw", net)
    with pytest.raises(ValueError, match=r"unknown optimizer None"):
        lw.optim.get(None, net)


@pytest.mark.parametrize("make", [lambda: lw.Network([3, 2], init="glorot"),
                                  lambda: lw.Dense(3, 2, init="glorot")])
def test_unknown_init(make):
    with pytest.raises(ValueError, match=r"unknown init 'glorot'; expected one of: .*he, "
                                         r"xavier, small"):
        make()


def test_unknown_regularization_and_dtype(net):
    with pytest.raises(ValueError, match=r"unknown reg_type 'l3'; expected one of: l2, l1"):
        lw.losses.regularization(net, 0.1, "l3")
    with pytest.raises(ValueError, match=r"finite number >= 0, got -0.1"):
        lw.losses.regularization(net, -0.1)
    with pytest.raises(ValueError, match=r"dtype must be float32 or float64, got int32"):
        lw.Network([3, 2], dtype=np.int32)


# -- X --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("train", [False, True])
def test_wrong_number_of_features(net, train):
    with pytest.raises(ValueError, match=r"X has 4 features per sample, but the network expects "
                                         r"3 \(got shape \(5, 4\)\)"):
        net.forward(np.zeros((5, 4)), train=train)
    with pytest.raises(ValueError, match=r"X has 2 features.*expects 3 \(got shape \(2,\)\)"):
        net.forward(np.zeros(2), train=train)


@pytest.mark.parametrize("X,shape", [(np.zeros((2, 3, 1)), "(2, 3, 1)"),
                                     (np.float64(1.0), "()"), (np.zeros((1, 1, 1, 3)),
                                                               "(1, 1, 1, 3)")])
def test_X_must_be_1d_or_2d(net, X, shape):
    with pytest.raises(ValueError, match=r"X must be 1-D \(one sample\) or 2-D \(N, D\), got shape "
                                         + re.escape(shape)):
        net(X)


def test_X_must_hold_numbers(net):
    with pytest.raises(TypeError, match=r"X must hold real numbers, got dtype <U1"):
        net(np.array([["a", "b", "c"]]))
    with pytest.raises(TypeError, match=r"X must hold real numbers, got dtype complex128"):
        net(np.ones((1, 3), complex))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("train", [False, True])
def test_X_must_be_finite(net, bad, train):
    X = np.zeros((4, 3))
    X[2, 1] = bad
    with pytest.raises(ValueError, match=r"X contains NaN or inf \(first at row 2, column 1: "
                                         + re.escape(str(bad))):
        net.forward(X, train=train)


# -- scores ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", lw.losses.LOSSES)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_scores_must_be_finite(name, bad):
    if name in lw.losses.MULTICLASS:
        scores, y, where = np.zeros((3, 2)), np.array([0, 1, 0]), "(1, 0)"
        scores[1, 0] = bad
    elif name in lw.losses.BINARY:
        scores, y, where = np.zeros(3), np.array([0, 1, 0]), "(1,)"
        scores[1] = bad
    else:
        scores, y, where = np.zeros(3), np.zeros(3), "(1,)"
        scores[1] = bad
    with pytest.raises(ValueError, match=r"scores contain NaN or inf \(first at index "
                                         + re.escape(f"{where}: {bad}") + r"\); expected finite"):
        lw.losses.get(name)(scores, y)


def test_scores_shape():
    with pytest.raises(ValueError, match=r"scores must have 2 dimensions, got shape \(4,\)"):
        lw.losses.get("softmax")(np.zeros(4), np.zeros(4, int))
    with pytest.raises(ValueError, match=r"binary losses take scores of shape \(N, 1\) or "
                                         r"\(N,\), got \(4, 2\); use 'softmax'"):
        lw.losses.get("logistic")(np.zeros((4, 2)), np.zeros(4, int))
    with pytest.raises(ValueError, match=r"at least one sample, got shape \(0, 3\)"):
        lw.losses.get("hinge")(np.zeros((0, 3)), np.zeros(0, int))
    with pytest.raises(TypeError, match=r"scores must hold real numbers, got dtype <U1"):
        lw.losses.get("mse")(np.array(["a"]), np.zeros(1))


# -- labels ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", lw.losses.MULTICLASS)
@pytest.mark.parametrize("y,shown", [([0, 3, 1], "[3]"), ([-1, 0, 1], "[-1]"),
                                     ([5, 0, 7], "[5, 7]")])
def test_labels_out_of_range(name, y, shown):
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\] for 3 classes, got "
                                         + re.escape(shown)):
        lw.losses.get(name)(np.zeros((3, 3)), np.array(y))


@pytest.mark.parametrize("name", lw.losses.MULTICLASS + lw.losses.BINARY)
@pytest.mark.parametrize("y,shape", [(np.zeros(4, int), "(4,)"), (np.zeros((3, 2), int),
                                                                     "(3, 2)"),
                                     (np.int64(0), "()")])
def test_labels_of_the_wrong_shape(name, y, shape):
    scores = np.zeros((3, 2)) if name in lw.losses.MULTICLASS else np.zeros(3)
    with pytest.raises(ValueError, match=r"labels must have shape \(3,\) to match the scores, "
                                         r"got " + re.escape(shape)):
        lw.losses.get(name)(scores, y)


def test_labels_must_be_integers():
    with pytest.raises(ValueError, match=r"labels must be integers, got non-integer values such "
                                         r"as \[0.5\]"):
        lw.losses.get("softmax")(np.zeros((2, 3)), np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match=r"non-integer values such as \[nan\]"):
        lw.losses.get("hinge")(np.zeros((2, 3)), np.array([np.nan, 1.0]))
    with pytest.raises(ValueError, match=r"labels must be integers, got dtype <U3"):
        lw.losses.get("softmax")(np.zeros((2, 3)), np.array(["cat", "dog"]))


def test_binary_labels():
    with pytest.raises(ValueError, match=r"labels must be in \{0, 1\}, got \[-1, 1\]"):
        lw.losses.get("logistic")(np.zeros(2), np.array([-1, 1]))
    with pytest.raises(ValueError,
                       match=r"labels must be all in \{0, 1\} or all in \{-1, \+1\}, got \[0, 1, 2\]"):
        lw.losses.get("binary_hinge")(np.zeros(3), np.array([0, 2, 1]))
    with pytest.raises(ValueError, match=r"all in \{0, 1\} or all in \{-1, \+1\}, got both 0 and "
                                         r"-1"):
        lw.losses.get("binary_hinge")(np.zeros(3), np.array([0, -1, 1]))


def test_regression_targets():
    with pytest.raises(ValueError, match=r"targets must have the shape of the scores \(2, 2\), "
                                         r"got \(3,\)"):
        lw.losses.get("mse")(np.zeros((2, 2)), np.zeros(3))
    with pytest.raises(ValueError, match=r"targets contain NaN or inf"):
        lw.losses.get("mse")(np.zeros((2, 1)), np.array([np.nan, 0.0]))


# -- dropout and noise -----------------------------------------------------------------------------
@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5, float("nan"), "0.5", True])
def test_dropout_p_outside_zero_one(p):
    shown = re.escape(repr(p))
    with pytest.raises(ValueError, match=r"dropout p must be a probability in \[0, 1\), got "
                                         + shown):
        lw.Dropout(p)
    with pytest.raises(ValueError, match=r"in \[0, 1\), got " + shown):
        lw.Network([3, 4, 2], dropout=p)


def test_noise_std():
    with pytest.raises(ValueError, match=r"noise std must be a non-negative number, got -0.5"):
        lw.GaussianNoise(-0.5)


# -- optimizers ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(lw.optim.OPTIMIZERS))
@pytest.mark.parametrize("lr", [0, 0.0, -0.01, float("nan"), float("inf"), "0.1", True])
def test_learning_rate_must_be_positive(name, lr, net):
    with pytest.raises(ValueError, match=r"learning rate must be a positive finite number, got "
                                         + re.escape(repr(lr))):
        lw.optim.get(name, net, lr=lr)


def test_optimizer_options(net):
    with pytest.raises(ValueError, match=r"momentum must lie in \[0, 1\), got 1.0"):
        lw.optim.SGD(net, lr=0.1, momentum=1.0)
    with pytest.raises(ValueError, match=r"Nesterov momentum needs momentum > 0, got momentum=0"):
        lw.optim.SGD(net, lr=0.1, nesterov=True)


# -- containers and state dicts --------------------------------------------------------------------
def test_sequential_needs_layers():
    with pytest.raises(ValueError, match=r"at least one layer, got none"):
        lw.Sequential()
    with pytest.raises(TypeError, match=r"layer 1 must be a layerwise Layer, got str"):
        lw.Sequential(lw.Dense(2, 2), "relu")


def test_from_config_rejects_what_it_cannot_build():
    with pytest.raises(ValueError, match=r"class 'Network' or 'Sequential', got \{'class': "
                                         r"'MLP'\}"):
        lw.from_config({"class": "MLP"})


def test_load_state_dict_names_the_mismatch(net):
    with pytest.raises(ValueError, match=r"missing keys \['0.bias'\], unexpected keys "
                                         r"\['0.b'\]"):
        sd = net.state_dict()
        sd["0.b"] = sd.pop("0.bias")
        net.load_state_dict(sd)
