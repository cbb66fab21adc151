"""The compiled fast path gives the NumPy engine's results: same weights to round-off (float64),
same minibatch order and random draws, same optimizer state, checkpoints that resume across the
two bit for bit; and it steps aside where it does not apply."""
import numpy as np
import pytest

import layerwise as lw
from layerwise.engine import compiled
from layerwise.engine import layers as L
from layerwise.training.trainer import Trainer, TrainingDiverged

pytest.importorskip("numba")

F64 = np.float64


def _data(loss, n=53, d=3, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    if loss in ("softmax", "hinge"):
        return X, rng.integers(0, classes, n), classes
    if loss == "mse":
        return X, rng.standard_normal((n, 2)), 2
    return X, rng.integers(0, 2, n), 1


def _pair(make_net, loss="softmax", epochs=2, n=53, **kw):
    """Train two copies (compiled, NumPy) from the same seeds; return both trainers."""
    X, y, _ = _data(loss, n=n)
    out = []
    for flag in (None, False):
        t = Trainer(make_net(), loss=loss, seed=5, compiled=flag, **kw)
        Xp, yp = t.prepare(X, y)
        t.losses = [t.run_epoch(Xp, yp) for _ in range(epochs)]
        out.append(t)
    return out


def _assert_same(fast, slow, rtol=1e-12):
    assert compiled.covers(fast), "the compiled path did not run"
    assert not compiled.covers(slow)
    a, b = fast.net.flat_params, slow.net.flat_params
    assert np.abs(a - b).max() <= rtol * np.abs(b).max()
    np.testing.assert_allclose(fast.losses, slow.losses, rtol=1e-11)
    sa, sb = fast.optimizer.state_dict(), slow.optimizer.state_dict()
    assert sa.keys() == sb.keys()
    for k in sa:
        if isinstance(sb[k], np.ndarray):
            assert np.abs(sa[k] - sb[k]).max() <= rtol * max(np.abs(sb[k]).max(), 1e-300), k
        else:
            assert sa[k] == sb[k], k
    # the same random draws: every generator ends in the same state
    assert fast._rng_states() == slow._rng_states()
    assert (fast.epoch, fast.step_count) == (slow.epoch, slow.step_count)


@pytest.mark.parametrize("activation", list(lw.activations.ACTIVATIONS) + ["prelu", "maxout"])
def test_every_activation_matches_numpy(activation):
    fast, slow = _pair(lambda: lw.Network([3, 6, 5, 3], activation=activation, dtype=F64,
                                          seed=1), lr=0.1, batch_size=8)
    _assert_same(fast, slow)


@pytest.mark.parametrize("loss", ["softmax", "hinge", "logistic", "binary_hinge", "mse"])
@pytest.mark.parametrize("reg_type", ["l2", "l1"])
def test_every_loss_and_penalty_matches_numpy(loss, reg_type):
    out = _data(loss)[2]
    fast, slow = _pair(lambda: lw.Network([3, 7, out], activation="tanh", dtype=F64, seed=2),
                       loss=loss, lr=0.05, reg=0.01, reg_type=reg_type, batch_size=10)
    _assert_same(fast, slow)


@pytest.mark.parametrize("optimizer, kw", [
    ("sgd", {}), ("sgd", {"momentum": 0.5}), ("momentum", {}), ("nesterov", {}),
    ("adagrad", {}), ("rmsprop", {}), ("rmsprop", {"momentum": 0.9}), ("adam", {}),
    ("adam", {"betas": (0.8, 0.99), "eps": 1e-6})])
def test_every_optimizer_matches_numpy(optimizer, kw):
    fast, slow = _pair(lambda: lw.Network([3, 8, 3], dtype=F64, seed=3), optimizer=optimizer,
                       lr=0.01, reg=1e-3, batch_size=6, epochs=3, **kw)
    _assert_same(fast, slow)


@pytest.mark.parametrize("activation", ["relu", "tanh", "prelu", "maxout"])
@pytest.mark.parametrize("dtype, rtol", [(F64, 1e-12), (np.float32, 2e-5)])
def test_products_run_along_the_rows_at_larger_batches_and_match_numpy(activation, dtype, rtol):
    # batches of 20 (the last of 13) through 3-5-4-3: each product is under DOT_MIN, and from
    # ROW_LOOPS rows on the kernel runs it along the rows on transposed copies
    from layerwise.engine.compiled import _kernels
    assert 20 >= _kernels.ROW_LOOPS > 13 and 20 * 5 * 4 * 2 < _kernels.DOT_MIN
    fast, slow = _pair(lambda: lw.Network([3, 5, 4, 3], activation=activation, dtype=dtype,
                                          dropout=0.2, seed=1), lr=0.1, reg=1e-3,
                       batch_size=20, epochs=3)
    if dtype == F64:
        _assert_same(fast, slow, rtol)
    else:
        assert compiled.covers(fast)
        np.testing.assert_allclose(fast.net.flat_params, slow.net.flat_params, rtol=rtol,
                                   atol=rtol)
        np.testing.assert_allclose(fast.losses, slow.losses, rtol=rtol)
        assert fast._rng_states() == slow._rng_states()


@pytest.mark.parametrize("activation", ["relu", "maxout"])
def test_products_large_enough_for_blas_match_numpy(activation):
    # batches of 64 through 20-30-30: every product is past DOT_MIN and goes to BLAS
    X = np.random.default_rng(1).standard_normal((200, 20))
    y = np.random.default_rng(2).integers(0, 4, 200)
    out = []
    for flag in (None, False):
        t = Trainer(lw.Network([20, 30, 30, 4], activation=activation, dtype=F64, seed=0),
                    optimizer="adam", lr=0.01, reg=1e-3, batch_size=64, seed=0, compiled=flag)
        Xp, yp = t.prepare(X, y)
        t.losses = [t.run_epoch(Xp, yp) for _ in range(2)]
        out.append(t)
    _assert_same(*out)


def test_dropout_and_input_noise_draw_what_the_layers_draw():
    # the last batch is smaller (53 = 6 * 8 + 5), and each random layer has its own generator
    def make():
        rng = np.random.default_rng(7)
        return lw.Sequential(L.GaussianNoise(0.3, rng=np.random.default_rng(8)),
                             L.Dense(3, 9, dtype=F64, rng=rng), L.Activation("relu"),
                             L.Dropout(0.4, rng=np.random.default_rng(9)),
                             L.Dense(9, 3, dtype=F64, rng=rng))
    fast, slow = _pair(make, lr=0.1, batch_size=8, epochs=3)
    _assert_same(fast, slow)
    assert fast.step_count == 3 * 7


def test_layers_sharing_one_generator_take_turns_as_in_numpy():
    def make():
        shared = np.random.default_rng(11)
        return lw.Sequential(L.Dense(3, 6, dtype=F64, rng=np.random.default_rng(0)),
                             L.Activation("sigmoid"), L.Dropout(0.3, rng=shared),
                             L.Dense(6, 6, dtype=F64, rng=np.random.default_rng(1)),
                             L.Activation("relu"), L.Dropout(0.2, rng=shared),
                             L.Dense(6, 3, dtype=F64, rng=np.random.default_rng(2)))
    fast, slow = _pair(make, lr=0.1, batch_size=4, epochs=2)
    _assert_same(fast, slow)


def test_network_dropout_and_float32_agree_closely():
    fast, slow = _pair(lambda: lw.Network([3, 16, 3], dropout=0.25, seed=4), lr=0.1,
                       batch_size=5, epochs=2)
    assert compiled.covers(fast)
    np.testing.assert_allclose(fast.net.flat_params, slow.net.flat_params, rtol=1e-4, atol=1e-5)
    assert fast._rng_states() == slow._rng_states()


def test_minibatch_order_is_the_trainers_permutation():
    # one sample per step with plain SGD: the order decides the result, so agreeing weights
    # show that both paths visited the samples in the same order; a different order does not
    fast, slow = _pair(lambda: lw.Network([3, 5, 3], dtype=F64, seed=6), lr=0.5, batch_size=1,
                       epochs=1, n=20)
    _assert_same(fast, slow)
    X, y, _ = _data("softmax", n=20)
    other = Trainer(lw.Network([3, 5, 3], dtype=F64, seed=6), lr=0.5, batch_size=1, seed=99)
    other.run_epoch(*other.prepare(X, y))
    assert np.abs(other.net.flat_params - slow.net.flat_params).max() > 1e-6


@pytest.mark.parametrize("outside", [False, True])
def test_a_callers_row_order_is_followed_as_numpy_follows_it(outside):
    X, y, _ = _data("softmax", n=30)
    order = np.random.default_rng(3).permutation(30)
    if outside:
        # clipped, as np.take(..., mode="clip") on the NumPy path; never read outside X
        order[:3] = [-5, 30, 10**6]
    out = []
    for flag in (None, False):
        t = Trainer(lw.Network([3, 5, 3], dtype=F64, seed=0), lr=0.3, batch_size=4, seed=0,
                    compiled=flag)
        Xp, yp = t.prepare(X, y)
        t.losses = [t.run_epoch(Xp, yp, order=order)]
        out.append(t)
    _assert_same(*out)
    with pytest.raises(ValueError, match=r"permutation of range\(30\), got 29"):
        out[0].run_epoch(*out[0].prepare(X, y), order=order[:29])


@pytest.mark.filterwarnings("ignore::layerwise.training.trainer.UnderfitWarning")  # random labels
@pytest.mark.parametrize("first, then", [(None, False), (False, None)])
def test_checkpoints_resume_across_the_two_paths_bit_for_bit(tmp_path, first, then):
    X, y, _ = _data("softmax", n=60)
    args = dict(optimizer="adam", lr=0.01, batch_size=7, reg=1e-3, seed=3, progress=False)

    def net():
        return lw.Network([3, 10, 3], dropout=0.2, dtype=F64, seed=0)

    # written by one path, resumed by the other
    ckpt = tmp_path / "run.ckpt"
    a = net()
    lw.fit(a, X, y, epochs=2, checkpoint=ckpt, compiled=first, **args)
    b = net()
    lw.fit(b, X, y, epochs=4, resume=ckpt, compiled=then, **args)
    # against the same two epochs run on by that path in memory, with no file in between
    c = net()
    t = Trainer(c, optimizer="adam", lr=0.01, batch_size=7, reg=1e-3, compiled=first,
                seed=np.random.default_rng(np.random.SeedSequence(3)))  # as fit seeds it
    Xp, yp = t.prepare(X, y)
    for _ in range(2):
        t.run_epoch(Xp, yp)
    t.compiled = then
    for _ in range(2):
        t.run_epoch(Xp, yp)
    np.testing.assert_array_equal(b.flat_params, c.flat_params)


def test_divergence_restores_the_epochs_start_as_numpy_does():
    X, y, _ = _data("mse", n=40)
    out = []
    for flag in (None, False):
        t = Trainer(lw.Network([3, 8, 2], dtype=F64, seed=0), loss="mse", lr=1e3,
                    batch_size=4, seed=0, compiled=flag)
        Xp, yp = t.prepare(X * 1e3, y)
        start = t.net.flat_params.copy()
        with pytest.raises(TrainingDiverged) as e:
            for _ in range(3):
                t.run_epoch(Xp, yp)
        out.append((e.value.epoch, e.value.step, str(e.value)))
        if t.epoch == 0:
            np.testing.assert_array_equal(t.net.flat_params, start)
    assert out[0] == out[1]


@pytest.mark.parametrize("reg", [0.0, 1e-3])
@pytest.mark.parametrize("batch_size", [4, 20])  # 20: the products along the rows
def test_a_nan_weight_behind_a_relu_stops_training_where_numpy_stops(reg, batch_size):
    # ReLU passes NaN on, as np.maximum does: the loss shows the NaN weight at the first step,
    # on both paths, and the epoch's start is restored (a ReLU that mapped NaN to 0 would hide
    # it behind a dead unit until the end of the epoch)
    X, y, _ = _data("softmax", n=40)
    out = []
    for flag in (None, False):
        t = Trainer(lw.Network([3, 5, 3], dtype=F64, seed=0), lr=0.1, reg=reg,
                    batch_size=batch_size, seed=0, compiled=flag)
        Xp, yp = t.prepare(X, y)
        t.net.flat_params[0] = np.nan
        start = t.net.flat_params.copy()
        with pytest.raises(TrainingDiverged) as e:
            t.run_epoch(Xp, yp)
        np.testing.assert_array_equal(t.net.flat_params, start)
        out.append((e.value.epoch, e.value.step, str(e.value), t.step_count))
    assert out[0] == out[1]


@pytest.mark.filterwarnings("ignore::layerwise.training.trainer.UnderfitWarning")
def test_switches_and_fallbacks(monkeypatch):
    net = lw.Network([2, 4, 2], seed=0)
    assert compiled.epoch_runner(Trainer(net, seed=0)) is not None
    assert compiled.epoch_runner(Trainer(net, seed=0, compiled=False)) is None
    monkeypatch.setenv("LAYERWISE_COMPILED", "0")
    assert compiled.epoch_runner(Trainer(net, seed=0)) is None
    monkeypatch.delenv("LAYERWISE_COMPILED")
    # what it does not cover runs on the NumPy engine
    custom = Trainer(net, loss=lambda s, y: lw.losses.get("softmax")(s, y), seed=0)
    assert compiled.epoch_runner(custom) is None
    wide = Trainer(lw.Network([300, 300, 2], seed=0), seed=0)
    assert compiled.epoch_runner(wide) is None
    # the lab's and the scikit-learn face's nets are covered
    for sizes in ([64, 100, 10], [40, 100, 100, 10]):
        assert compiled.epoch_runner(Trainer(lw.Network(sizes, seed=0), seed=0)) is not None
    stepped = Trainer(net, seed=0)
    stepped.step = lambda xb, yb: 0.0
    assert compiled.epoch_runner(stepped) is None
    original = Trainer.step
    monkeypatch.setattr(Trainer, "step", lambda self, xb, yb: original(self, xb, yb))
    assert compiled.epoch_runner(Trainer(net, seed=0)) is None
    monkeypatch.setattr(Trainer, "step", original)
    # without numba everything runs as before
    monkeypatch.setattr(compiled, "_loaded", None)
    assert not compiled.available() and compiled.epoch_runner(Trainer(net, seed=0)) is None
    X, y = lw.data.xor(n=40, seed=0)
    assert len(lw.fit(net, X, y, epochs=2, progress=False)) == 2


def test_a_nan_maxout_piece_is_not_hidden_by_the_max():
    # argmax's rule in both paths: a NaN piece wins over numbers, so the loss shows it
    X, y = lw.data.xor(n=40, seed=0)
    net = lw.Network([2, 4, 2], activation="maxout", dtype=F64, seed=0)
    maxout = next(layer for layer in net.layers if isinstance(layer, L.Maxout))
    bias = maxout.bias.copy()
    bias[1] = np.nan  # the second piece of the first unit
    maxout.bias = bias
    t = Trainer(net, seed=0)
    Xp, yp = t.prepare(X, y)
    got = compiled.evaluation(t, Xp, yp, True, False, False)
    assert np.isnan(got[0]) and np.isnan(net.forward(Xp)).all(axis=1).any()


def test_compiled_evaluation_matches_the_numpy_pass():
    from layerwise.training.trainer import _sweep

    for activation, loss in (("relu", "softmax"), ("maxout", "hinge"), ("prelu", "logistic"),
                             ("tanh", "mse")):
        X, y, out = _data(loss, n=300)
        net = lw.Network([3, 12, 7, out], activation=activation, dtype=F64, seed=0)
        t = Trainer(net, loss=loss, seed=0)
        Xp, yp = t.prepare(X, y)
        want_acc = loss != "mse"
        got = compiled.evaluation(t, Xp, yp, True, want_acc, True)
        ref = _sweep(net, Xp, yp, t._loss, want_acc, True)
        assert got[0] == pytest.approx(ref[0], rel=1e-12)
        assert got[1:] == ref[1:]


def test_train_many_trains_each_net_as_fit_would():
    from layerwise.training.many import train_many

    X, y = lw.data.spiral(n=120, classes=2, seed=0)
    args = dict(optimizer="adam", lr=0.01, epochs=4, batch_size=10, val_fraction=0.2)
    nets = [lw.Network([2, 8, 2], dtype=F64, seed=s) for s in range(3)]
    histories = train_many(nets, X, y, seeds=[5, 6, 7], **args)
    for s, net, h in zip([5, 6, 7], nets, histories):
        ref = lw.Network([2, 8, 2], dtype=F64, seed=s - 5)
        r = lw.fit(ref, X, y, seed=s, progress=False, **args)
        np.testing.assert_array_equal(net.flat_params, ref.flat_params)
        assert h.train_loss == r.train_loss and h.train_acc == r.train_acc
        assert h.val_acc == r.val_acc and h.dead_fraction == r.dead_fraction
        np.testing.assert_allclose(h.val_loss, r.val_loss, rtol=1e-12)
    with pytest.raises(ValueError, match="one seed per network"):
        train_many(nets, X, y, seeds=[1])


def test_train_many_keeps_going_past_a_diverging_net_when_asked():
    from layerwise.training.many import train_many

    X, y, _ = _data("mse", n=40)

    def nets():
        out = [lw.Network([3, 8, 2], dtype=F64, seed=s) for s in range(2)]
        out[0].flat_params = out[0].flat_params * 1e30  # this one blows up at once
        return out
    first, second = train_many(nets(), X, y, loss="mse", lr=0.01, epochs=3, batch_size=4,
                               errors="return")
    assert isinstance(first, TrainingDiverged) and len(first.history) == 0
    assert len(second) == 3
    with pytest.raises(TrainingDiverged):
        train_many(nets(), X, y, loss="mse", lr=0.01, epochs=3, batch_size=4)


# -- forms declared by other modules' losses and optimizers: the scikit-learn face's ----------
def _face_trainer(name, weighted, solver, flag, n=53, alpha=0.3):
    from layerwise.sklearn._solvers import SklearnAdam, SklearnLoss, SklearnSGD

    rng = np.random.default_rng(4)
    X = rng.standard_normal((n, 3))
    out = {"sklearn_log_loss": 3, "sklearn_hinge": 3}.get(name, 2)
    if name == "sklearn_log_loss":
        Y = np.eye(3)[rng.integers(0, 3, n)]
    elif name == "sklearn_hinge":
        Y = rng.integers(0, 3, (n, 1)).astype(F64)
    elif name == "sklearn_binary_log_loss":
        Y = rng.integers(0, 2, (n, 2)).astype(F64)
    elif name == "sklearn_poisson":
        Y = rng.poisson(1.0, (n, 2)).astype(F64)
    else:
        Y = rng.standard_normal((n, 2))
    if weighted:
        Y = np.hstack([Y, rng.uniform(0.2, 3.0, (n, 1))])
    net = lw.Network([3, 7, out], activation="tanh", dtype=F64, seed=2)
    opt = {"sgd": lambda: SklearnSGD(net, 0.05, momentum=0.9, nesterov=False),
           "nesterov": lambda: SklearnSGD(net, 0.05, momentum=0.9, nesterov=True),
           "plain": lambda: SklearnSGD(net, 0.05, momentum=0.0, nesterov=False),
           "adam": lambda: SklearnAdam(net, 0.01, beta_1=0.8, epsilon=1e-6)}[solver]()
    loss = SklearnLoss(name[len("sklearn_"):], alpha=alpha, weighted=weighted)
    t = Trainer(net, loss=loss, optimizer=opt, batch_size=10, seed=5, compiled=flag)
    loss.trainer = t
    return t, X, Y


@pytest.mark.parametrize("solver", ["sgd", "nesterov", "plain", "adam"])
@pytest.mark.parametrize("name, weighted", [
    ("sklearn_log_loss", False), ("sklearn_log_loss", True), ("sklearn_binary_log_loss", False),
    ("sklearn_squared_error", True), ("sklearn_poisson", False), ("sklearn_hinge", True)])
def test_the_sklearn_faces_losses_and_solvers_match_numpy(name, weighted, solver):
    pytest.importorskip("sklearn")
    out = []
    for flag in (None, False):
        t, X, Y = _face_trainer(name, weighted, solver, flag)
        # the per-batch penalty: the last batch (3 rows of 53) has its own strength
        t.losses = [t.run_epoch(X, Y) for _ in range(3)]
        out.append(t)
    _assert_same(*out)
    assert compiled._plan(out[0]).form == compiled.LossForm(name, weighted, 0.3)
    assert out[0].optimizer.learning_rate == out[1].optimizer.learning_rate


def test_forms_are_taken_only_from_the_class_that_declares_them():
    pytest.importorskip("sklearn")
    from layerwise.sklearn._solvers import SklearnAdam, SklearnLoss

    t, X, Y = _face_trainer("sklearn_log_loss", False, "adam", None)
    assert compiled.covers(t)
    # a subclass may compute otherwise: it runs as written, on the NumPy engine
    loss = t._loss_spec
    loss.__class__ = type("Changed", (SklearnLoss,), {})
    assert not compiled.covers(t)
    loss.__class__ = SklearnLoss
    loss.compiled_loss = lambda trainer: compiled.LossForm("sklearn_log_loss")
    assert not compiled.covers(t)
    del loss.compiled_loss
    assert compiled.covers(t)
    changed = type("ChangedAdam", (SklearnAdam,), {})(t.net, 0.01)
    assert not compiled.covers(Trainer(t.net, loss=loss, optimizer=changed, seed=0))
    # a loss whose penalty another trainer sets, and L-BFGS's whole-set loss, have no form
    loss.trainer = object()
    assert not compiled.covers(t)
    loss.trainer, loss.per_batch = t, False
    assert not compiled.covers(t)
    loss.per_batch = True
    assert compiled.covers(t)


def test_a_face_loss_without_its_trainer_takes_the_trainers_penalty():
    """Unattached, the face's loss leaves the penalty to the trainer (``reg``), on both paths."""
    pytest.importorskip("sklearn")
    out = []
    for flag in (None, False):
        t, X, Y = _face_trainer("sklearn_squared_error", False, "adam", flag)
        t._loss_spec.trainer, t.reg = None, 0.02
        t.losses = [t.run_epoch(X, Y) for _ in range(2)]
        out.append(t)
    assert compiled._plan(out[0]).form.batch_alpha is None
    _assert_same(*out)


# -- a big network's penalty and update, compiled on the NumPy engine's step ------------------
BIG = [120, 560, 4]  # 69,444 values: past FUSED_UPDATE_MIN, a layer too wide for the epoch kernel


def _big_pair(dtype, epochs=2, **kw):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((70, BIG[0])), rng.integers(0, BIG[-1], 70)
    out = []
    for flag in (None, False):
        t = Trainer(lw.Network(BIG, dtype=dtype, seed=0), seed=0, batch_size=16, compiled=flag,
                    **kw)
        Xp, yp = t.prepare(X, y)
        t.losses = [t.run_epoch(Xp, yp) for _ in range(epochs)]
        out.append(t)
    return out


@pytest.mark.parametrize("dtype", [np.float32, F64])
@pytest.mark.parametrize("reg, reg_type", [(0.0, "l2"), (1e-3, "l2"), (1e-3, "l1")])
@pytest.mark.parametrize("optimizer, kw", [
    ("sgd", {}), ("nesterov", {}), ("adagrad", {}), ("rmsprop", {"momentum": 0.9}),
    ("adam", {})])
def test_a_big_nets_compiled_update_gives_numpys_weights_bit_for_bit(dtype, reg, reg_type,
                                                                   optimizer, kw):
    fused, plain = _big_pair(dtype, optimizer=optimizer, lr=0.01, reg=reg, reg_type=reg_type,
                             **kw)
    assert compiled.step_update(fused) is not None and compiled.step_update(plain) is None
    assert not compiled.covers(fused)  # the epoch itself runs on the NumPy engine
    # the same operations in the same order: equal, not merely close
    np.testing.assert_array_equal(fused.net.flat_params, plain.net.flat_params)
    np.testing.assert_array_equal(fused.net.flat_grads, plain.net.flat_grads)
    sa, sb = fused.optimizer.state_dict(), plain.optimizer.state_dict()
    for k in sb:
        np.testing.assert_array_equal(sa[k], sb[k], err_msg=k)
    # the L2 sum is taken block by block: the reported loss may differ in float32's last bits
    np.testing.assert_allclose(fused.losses, plain.losses, rtol=1e-6 if dtype is np.float32
                               else 1e-13)


def test_a_big_nets_diverging_step_leaves_the_state_numpy_leaves():
    out = []
    for flag in (None, False):
        t = Trainer(lw.Network(BIG, dtype=F64, seed=0), loss="mse", optimizer="momentum",
                    lr=1e3, reg=1e-3, batch_size=8, seed=0, compiled=flag)
        rng = np.random.default_rng(1)
        Xp, yp = t.prepare(rng.standard_normal((40, BIG[0])) * 1e3,
                           rng.standard_normal((40, BIG[-1])))
        t.run_epoch(Xp[:8], yp[:8])  # one good epoch: momentum has a velocity to restore
        good = t.net.flat_params.copy(), t.optimizer.state_dict()
        with pytest.raises(TrainingDiverged) as e:
            for _ in range(3):
                t.run_epoch(Xp, yp)
        np.testing.assert_array_equal(t.net.flat_params, good[0])
        np.testing.assert_array_equal(t.optimizer.velocity, good[1]["velocity"])
        out.append((str(e.value), t.step_count, t.optimizer.t, t.net.flat_params.copy()))
    assert out[0][:3] == out[1][:3]
    np.testing.assert_array_equal(out[0][3], out[1][3])


def test_the_compiled_update_steps_aside_where_numpy_must_run(monkeypatch):
    big = lw.Network(BIG, seed=0)
    assert compiled.step_update(Trainer(big, seed=0)) is not None
    assert compiled.step_update(Trainer(lw.Network([2, 4, 2], seed=0), seed=0)) is None
    assert compiled.step_update(Trainer(big, seed=0, compiled=False)) is None

    class Clipped(lw.optim.SGD):  # a step of its own: run as written
        def step(self):
            np.clip(self.grads, -1, 1, out=self.grads)
            super().step()

    assert compiled.step_update(Trainer(big, optimizer=Clipped(big, lr=0.1), seed=0)) is None
    patched = lw.optim.SGD(big, lr=0.1)
    patched.step = lambda: None
    assert compiled.step_update(Trainer(big, optimizer=patched, seed=0)) is None
    monkeypatch.setenv("LAYERWISE_COMPILED", "0")
    assert compiled.step_update(Trainer(big, seed=0)) is None
    monkeypatch.delenv("LAYERWISE_COMPILED")
    # a changed penalty strength is read again, not kept from the first step
    t = Trainer(big, reg=0.0, seed=0)
    first = compiled.step_update(t)
    t.reg = 0.5
    assert compiled.step_update(t) is not first


def test_a_first_call_that_compiles_says_so_once(monkeypatch, capsys):
    import time
    import types

    real = compiled._loaded

    def slow_run_steps(*args):  # a first call that takes as long as compiling
        time.sleep(0.3)
        return real.run_steps(*args)

    monkeypatch.setattr(compiled, "_loaded", types.SimpleNamespace(
        run_steps=slow_run_steps, step_workspace=real.step_workspace))
    monkeypatch.setattr(compiled, "_ready", set())
    monkeypatch.setattr(compiled, "_told", False)
    monkeypatch.setattr(compiled, "COMPILE_NOTICE_S", 0.05)
    X, y = lw.data.xor(n=40, seed=0)
    t = Trainer(lw.Network([2, 4, 2], seed=0), seed=0)
    Xp, yp = t.prepare(X, y)
    t.run_epoch(Xp, yp)
    err = capsys.readouterr().err
    assert err.count("compiling the fast path for float32") == 1, err
    # later calls (the code is loaded) and a fast first call say nothing
    t.run_epoch(Xp, yp)
    monkeypatch.setattr(compiled, "_ready", set())
    monkeypatch.setattr(compiled, "_told", False)
    monkeypatch.setattr(compiled, "_loaded", real)
    monkeypatch.setattr(compiled, "COMPILE_NOTICE_S", 30.0)
    t.run_epoch(Xp, yp)
    assert capsys.readouterr().err == ""


def test_float32_exponential_is_within_one_ulp_with_libms_special_values():
    # the kernels' float32 exp (a polynomial that vector instructions run) against the exact
    # value, over every range a softmax or sigmoid meets, subnormal results included
    from numba import njit

    from layerwise.engine.compiled import _kernels

    @njit
    def exp_all(x, out):
        for i in range(x.shape[0]):
            out[i] = _kernels._exp(x[i])

    x = np.concatenate([np.linspace(-110, 90, 400_001), np.linspace(-1, 1, 100_001)])
    x = np.concatenate([x, [88.72283, 88.7229, -87.3365, -103.2789, -103.98]]).astype(np.float32)
    out = np.empty_like(x)
    exp_all(x, out)
    exact = np.exp(x.astype(F64))
    with np.errstate(over="ignore"):
        rounded = exact.astype(np.float32)
    finite = np.isfinite(rounded) & (rounded > 0)
    ulps = np.abs(out[finite] - exact[finite]) / np.spacing(rounded[finite]).astype(F64)
    assert ulps.max() <= 1.0
    assert (out[~finite] == rounded[~finite]).all()  # overflow to inf, underflow to 0
    special = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0], np.float32)
    got = np.empty_like(special)
    exp_all(special, got)
    assert np.isnan(got[0]) and list(got[1:]) == [np.inf, 0.0, 1.0, 1.0]
