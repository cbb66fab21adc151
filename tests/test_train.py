"""The trainer: steps, epochs, history, callbacks, divergence, checkpoints and resume."""
import io
import json
import pickle
import sys

import numpy as np
import pytest

import layerwise as lw
from layerwise import losses, monitor
from layerwise.training import trainer as train
from layerwise.training.callbacks import (Callback, EarlyStopping, LearningRateSchedule,
                                          load_checkpoint, save_checkpoint)
from layerwise.engine.optim import StepDecay
from layerwise.training.trainer import Trainer, TrainingDiverged, accuracy, evaluate, fit


class Record(Callback):
    """Keeps a copy of the weights and the learning rate after every epoch."""

    def __init__(self):
        self.weights, self.lrs = [], []

    def on_epoch_end(self, trainer, history):
        self.weights.append(trainer.net.flat_params.copy())
        self.lrs.append(trainer.optimizer.lr)


@pytest.fixture
def spiral():
    return lw.data.spiral(n=150, classes=3, seed=0)


def regression(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3))
    return X, X @ np.array([1.0, 2.0, 3.0])


# -- the step ----------------------------------------------------------------------------------
def test_step_is_forward_loss_backward_penalty_update(rng):
    net = lw.Network([4, 5, 3], activation="tanh", seed=0, dtype=np.float64)
    X, y = rng.standard_normal((8, 4)), rng.integers(0, 3, 8)
    reg, lr = 0.1, 0.05
    expected_loss = losses.get("softmax")(net(X), y)[0] + losses.penalty(net, reg)
    net.forward(X, train=True)
    net.backward(losses.get("softmax")(net(X), y)[1])
    grads = net.gradients()
    expected = {k: p - lr * (grads[k] + (reg * p if p.ndim == 2 else 0))
                for k, p in net.state_dict().items()}

    t = Trainer(net, lr=lr, reg=reg, seed=0)
    loss = t.step(*t.prepare(X, y))
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    for k, p in net.state_dict().items():
        np.testing.assert_allclose(p, expected[k], rtol=1e-12, atol=1e-15)
    assert t.step_count == 1 and t.epoch == 0


def test_run_epoch_visits_each_sample_once_in_fresh_order(rng):
    net = lw.Network([2, 3, 2], seed=0, dtype=np.float64)
    t = Trainer(net, batch_size=4, seed=0)
    seen = []
    real_step = t.step
    t.step = lambda Xb, yb: (seen.append(Xb[:, 0].copy()), real_step(Xb, yb))[1]
    X, y = t.prepare(np.arange(20.0)[:, None].repeat(2, axis=1), np.zeros(20, int))
    t.run_epoch(X, y)
    first = np.concatenate(seen)
    seen.clear()
    t.run_epoch(X, y)
    second = np.concatenate(seen)
    assert sorted(first) == sorted(second) == list(range(20))
    assert not np.array_equal(first, second)
    assert t.epoch == 2 and t.step_count == 10


def test_run_epoch_needs_prepared_arrays():
    t = Trainer(lw.Network([2, 3, 2], seed=0))
    with pytest.raises(TypeError, match="prepare"):
        t.run_epoch(np.zeros((4, 2)), np.zeros(4, int))  # float64 for a float32 net


# -- fit and history -----------------------------------------------------------------------------
def test_history_holds_one_value_per_epoch(spiral):
    X, y = spiral
    Xv, yv = lw.data.spiral(n=60, classes=3, seed=1)
    net = lw.Network([2, 24, 3], seed=0)
    h = fit(net, X, y, optimizer="adam", lr=0.02, epochs=6, val=(Xv, yv), seed=0,
            progress=False)
    assert h.epoch == [1, 2, 3, 4, 5, 6] and len(h) == 6
    for name in h.FIELDS:
        assert len(getattr(h, name)) == 6
    assert h.lr == [0.02] * 6
    assert all(t > 0 for t in h.time)
    assert h.train_loss[-1] < h.train_loss[0]
    # the last row describes the network as it is now
    assert h.train_acc[-1] == accuracy(net, X, y)
    assert h.val_acc[-1] == accuracy(net, Xv, yv)
    assert h.val_loss[-1] == pytest.approx(evaluate(net, Xv, yv)["loss"], rel=1e-5)
    assert h.dead_fraction[-1] == monitor.dead_fraction(net, X)
    assert h.best_epoch == 1 + int(np.argmin(h.val_loss))
    again = lw.History.from_dict(json.loads(json.dumps(h.to_dict())))
    assert again.to_dict() == h.to_dict()


def test_history_without_validation_or_accuracy():
    X, y = regression(64)
    h = fit(lw.Network([3, 8, 1], seed=0), X, y, loss="mse", lr=0.01, epochs=3, seed=0,
            progress=False)
    assert h.val_loss == h.val_acc == h.train_acc == [None] * 3
    assert h.best_epoch == 1 + int(np.argmin(h.train_loss))


def test_fit_learns_the_spiral():
    X, y = lw.data.spiral(n=300, classes=3, seed=0)
    net = lw.Network([2, 64, 3], seed=0)
    h = fit(net, X, y, optimizer="adam", lr=0.02, epochs=60, reg=1e-4, seed=0, progress=False)
    assert h.train_acc[-1] >= 0.9


def test_dead_fraction_recorded_when_a_huge_rate_kills_the_relus(spiral):
    X, y = spiral
    with pytest.warns(lw.UnderfitWarning):
        h = fit(lw.Network([2, 16, 3], seed=0), X, y, lr=30, epochs=2, batch_size=64, seed=0,
                progress=False)
    assert h.dead_fraction[-1] == {1: 1.0}  # the seed's warning: a high rate kills ReLUs


def test_a_loss_that_explodes_is_divergence_and_the_start_is_restored(spiral):
    X, y = spiral
    net = lw.Network([2, 100, 3], seed=0)
    before = net.flat_params.copy()
    with pytest.raises(TrainingDiverged, match=r"epoch 1, step 2, with learning rate 1e\+06: "
                                               r"the loss exploded to .*more than 10000 times"):
        fit(net, X, y, lr=1e6, epochs=3, seed=0, progress=False)
    np.testing.assert_array_equal(net.flat_params, before)


@pytest.mark.filterwarnings("ignore::layerwise.UnderfitWarning")
def test_explosion_is_judged_against_the_first_step_even_after_a_resume(spiral, tmp_path):
    X, y = spiral
    path = tmp_path / "run.ckpt"
    net = lw.Network([2, 16, 3], seed=0)
    fit(net, X, y, lr=0.1, epochs=2, seed=0, progress=False, checkpoint=path)
    resumed = lw.Network([2, 16, 3], seed=0)
    trainer = Trainer(resumed, lr=0.1, seed=0)
    first = trainer.reference_loss
    fit(resumed, X, y, lr=0.1, epochs=3, seed=0, progress=False, resume=path)
    assert first is None  # a fresh trainer has not seen a loss yet
    assert load_checkpoint(path)["trainer"]["reference_loss"] > 0.5


def test_defaults_alone_learn_the_readme_spiral(spiral):
    X, y = spiral
    net = lw.Network([2, 100, 3], seed=0)
    history = lw.fit(net, X, y, seed=0, progress=False)
    assert history.train_acc[-1] >= 0.95
    assert lw.evaluate(net, X, y)["accuracy"] >= 0.95


def test_a_run_that_ends_near_chance_warns_and_says_what_to_try(spiral):
    X, y = spiral
    with pytest.warns(lw.UnderfitWarning, match=r"near chance: accuracy .* most common class "
                                                r"gives 33\.3%.*try more epochs, a larger "
                                                r"learning rate \(lr=0\.0001"):
        fit(lw.Network([2, 100, 3], seed=0), X, y, lr=1e-4, epochs=3, seed=0, progress=False)


def test_a_loss_that_barely_moves_warns_for_regression():
    X = np.linspace(-1, 1, 100)[:, None]
    y = np.sin(3 * X[:, 0])
    with pytest.warns(lw.UnderfitWarning, match="loss barely moved in 5 epochs"):
        fit(lw.Network([1, 8, 1], seed=0), X, y, loss="mse", lr=1e-6, epochs=5, seed=0,
            progress=False)


def test_eval_train_false_skips_the_training_pass(spiral):
    h = fit(lw.Network([2, 8, 3], seed=0), *spiral, epochs=2, seed=0, progress=False,
            eval_train=False)
    assert h.train_acc == [None, None] and h.dead_fraction == [{}, {}]


def test_same_seed_same_weights_and_trainer_matches_fit(spiral):
    X, y = spiral
    a, b, c = (lw.Network([2, 8, 3], dropout=0.2, seed=0) for _ in range(3))
    fit(a, X, y, lr=0.3, epochs=3, batch_size=16, seed=5, progress=False)
    fit(b, X, y, lr=0.3, epochs=3, batch_size=16, seed=5, progress=False)
    t = Trainer(c, lr=0.3, batch_size=16, seed=5)
    Xp, yp = t.prepare(X, y)
    for _ in range(3):
        t.run_epoch(Xp, yp)
    assert a.flat_params.tobytes() == b.flat_params.tobytes() == c.flat_params.tobytes()


@pytest.mark.filterwarnings("ignore::layerwise.UnderfitWarning")
@pytest.mark.parametrize("optimizer,lr", [("adam", 0.001), ("sgd", 0.1), ("momentum", 0.01),
                                          ("rmsprop", 0.01)])
def test_lr_none_takes_the_training_default(spiral, optimizer, lr):
    h = fit(lw.Network([2, 4, 3], seed=0), *spiral, optimizer=optimizer, epochs=1,
            progress=False)
    assert h.lr == [lr]


@pytest.mark.parametrize("loss,out", [("logistic", 1), ("binary_hinge", 1), ("hinge", 2)])
def test_fit_binary_and_hinge_losses(loss, out):
    X, y = lw.data.gaussians(n=80, classes=2, seed=0)
    if loss == "binary_hinge":
        y = 2 * y - 1
    net = lw.Network([2, 8, out], seed=0)
    h = fit(net, X, y, loss=loss, lr=0.1, epochs=20, seed=0, progress=False)
    assert h.train_acc[-1] >= 0.95
    assert evaluate(net, X, y, loss=loss)["accuracy"] == h.train_acc[-1]


# -- validation split ------------------------------------------------------------------------------
def test_val_fraction_is_stratified_and_seeded():
    y = np.repeat([0, 1, 2], [50, 30, 20])
    a = train._split(y, 0.2, np.random.default_rng(0), stratify=True)
    b = train._split(y, 0.2, np.random.default_rng(0), stratify=True)
    assert np.array_equal(a, b)
    assert np.bincount(y[a]).tolist() == [10, 6, 4]
    with pytest.raises(ValueError, match="leaves no validation"):
        train._split(y, 0.001, np.random.default_rng(0), stratify=True)


def test_val_fraction_gives_validation_history(spiral, tmp_path):
    X, y = spiral
    h = fit(lw.Network([2, 8, 3], seed=0), X, y, epochs=2, val_fraction=0.2, seed=0,
            progress=False, checkpoint=tmp_path / "c.npz")
    assert all(v is not None for v in h.val_loss + h.val_acc)
    idx = load_checkpoint(tmp_path / "c.npz")["data"]["val_index"]
    assert len(idx) == 30 and np.bincount(y[idx]).tolist() == [10, 10, 10]


# -- callbacks -----------------------------------------------------------------------------------
def test_early_stopping_restores_the_best_weights():
    X, y = lw.data.gaussians(n=40, classes=2, seed=0)
    y = y.copy()
    flip = np.random.default_rng(0).random(40) < 0.25  # label noise to overfit
    y[flip] = 1 - y[flip]
    Xv, yv = lw.data.gaussians(n=400, classes=2, seed=1)
    net, rec = lw.Network([2, 64, 64, 2], seed=0), Record()
    h = fit(net, X, y, optimizer="adam", lr=0.01, epochs=200, batch_size=8, val=(Xv, yv),
            early_stopping=True, patience=5, seed=0, callbacks=[rec], progress=False)
    best = h.best_epoch
    assert len(h) == best + 5 < 200  # stopped patience epochs after the best
    assert not np.array_equal(rec.weights[best - 1], rec.weights[-1])
    assert np.array_equal(net.flat_params, rec.weights[best - 1])
    assert evaluate(net, Xv, yv)["loss"] == pytest.approx(h.val_loss[best - 1], rel=1e-5)


def test_early_stopping_callback_options():
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=0)
    with pytest.raises(ValueError, match="monitor"):
        EarlyStopping(monitor="val_f1")
    X, y = lw.data.xor(n=64, seed=0)
    with pytest.raises(ValueError, match="val_loss"):
        fit(lw.Network([2, 4, 2], seed=0), X, y, epochs=2, progress=False,
            callbacks=[EarlyStopping(monitor="val_loss")])


def test_schedule_sets_the_rate_each_epoch(spiral):
    X, y = spiral
    net, rec = lw.Network([2, 8, 3], seed=0), Record()
    h = fit(net, X, y, lr=0.4, epochs=5, schedule=StepDecay(step_size=2, gamma=0.5), seed=1,
            callbacks=[rec], progress=False)
    assert h.lr == [0.4, 0.4, 0.2, 0.2, 0.1] == rec.lrs
    # the rate really drove the updates: a hand loop with the same rates gives the same weights
    other = lw.Network([2, 8, 3], seed=0)
    t = Trainer(other, lr=0.4, seed=1)
    Xp, yp = t.prepare(X, y)
    for lr in h.lr:
        t.optimizer.lr = lr
        t.run_epoch(Xp, yp)
    assert net.flat_params.tobytes() == other.flat_params.tobytes()


@pytest.mark.filterwarnings("ignore::layerwise.UnderfitWarning")
def test_schedule_by_name_and_callable(spiral):
    h = fit(lw.Network([2, 4, 3], seed=0), *spiral, lr=0.1, epochs=3, schedule="exponential",
            progress=False)
    assert h.lr == pytest.approx([0.1, 0.095, 0.09025])
    h = fit(lw.Network([2, 4, 3], seed=0), *spiral, lr=0.1, epochs=2, progress=False,
            callbacks=[LearningRateSchedule(lambda e: 1.0 / (e + 1))])
    assert h.lr == pytest.approx([0.1, 0.05])
    with pytest.raises(ValueError, match="positive finite factor"):
        fit(lw.Network([2, 4, 3], seed=0), *spiral, epochs=1, progress=False,
            schedule=lambda e: 0.0)


@pytest.mark.filterwarnings("ignore::layerwise.UnderfitWarning")
def test_a_callback_can_stop_training(spiral):
    class StopAtTwo(Callback):
        def on_epoch_end(self, trainer, history):
            return trainer.epoch == 2

    h = fit(lw.Network([2, 4, 3], seed=0), *spiral, epochs=10, callbacks=[StopAtTwo()],
            progress=False)
    assert len(h) == 2


# -- divergence ----------------------------------------------------------------------------------
def test_divergence_raises_and_keeps_the_last_good_weights(tmp_path):
    X, y = regression()
    net, rec = lw.Network([3, 16, 1], seed=0), Record()
    path = tmp_path / "c.npz"
    with pytest.raises(TrainingDiverged) as info:
        fit(net, X, y, loss="mse", lr=0.5, epochs=20, batch_size=64, seed=0, callbacks=[rec],
            checkpoint=path, progress=False)
    e = info.value
    assert (e.epoch, e.step, e.lr) == (2, 5, 0.5)  # 4 steps per epoch; the 5th blew up
    assert "epoch 2" in str(e) and "step 5" in str(e) and "smaller learning rate" in str(e)
    assert "lr=0.05" in str(e) and "exploded" in str(e)
    assert np.isfinite(net.flat_params).all()
    assert np.array_equal(net.flat_params, rec.weights[-1])  # the end of epoch 1
    assert len(e.history) == 1
    state = load_checkpoint(path)
    assert state["epoch"] == 1
    assert np.array_equal(state["trainer"]["params"]["0.weight"], net.layers[0].weight)
    again = pickle.loads(pickle.dumps(e))
    assert (again.epoch, again.step, again.lr, str(again)) == (2, 5, 0.5, str(e))


def test_divergence_in_the_first_epoch_writes_no_checkpoint(tmp_path):
    X, y = regression()
    net = lw.Network([3, 16, 1], seed=0)
    before = net.flat_params.copy()
    with pytest.raises(TrainingDiverged, match="initial weights"):
        fit(net, X, y, loss="mse", lr=30.0, epochs=5, seed=0, checkpoint=tmp_path / "c.npz",
            progress=False)
    assert np.array_equal(net.flat_params, before)
    assert not (tmp_path / "c.npz").exists()


@pytest.mark.filterwarnings("ignore::layerwise.UnderfitWarning")
def test_a_non_finite_state_is_never_written(tmp_path, spiral):
    path = tmp_path / "c.npz"
    net = lw.Network([2, 4, 3], seed=0)
    fit(net, *spiral, epochs=1, checkpoint=path, progress=False)
    good = path.read_bytes()
    t = Trainer(net)
    net.flat_params[3] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        save_checkpoint(path, t, lw.History())
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["c.npz"]  # no temporary file left


# -- checkpoints and resume ----------------------------------------------------------------------
def run(epochs, checkpoint=None, resume=None, dtype=np.float32, sizes=(2, 12, 3), **kw):
    X, y = lw.data.spiral(n=120, classes=3, seed=0)
    net = lw.Network(list(sizes), dropout=0.2, seed=0, dtype=dtype)
    args = dict(optimizer="adam", lr=0.01, epochs=epochs, batch_size=16, reg=1e-3,
                schedule="cosine", val_fraction=0.25, early_stopping=True, patience=50, seed=3,
                checkpoint=checkpoint, resume=resume, progress=False)
    args.update(kw)
    return net, fit(net, X, y, **args)


def test_checkpoint_holds_the_whole_state(tmp_path):
    path = tmp_path / "c.npz"
    net, h = run(3, checkpoint=path)
    with np.load(path, allow_pickle=False) as z:  # plain arrays only, nothing pickled
        assert "__meta__" in z.files and all(z[k].dtype != object for k in z.files)
    state = load_checkpoint(path)
    assert (state["epoch"], state["step"]) == (3, 18)  # 90 training samples, batches of 16
    # early stopping restored the best weights into the net; the checkpoint holds the last
    ours = {k: v for k, v in state["trainer"]["params"].items()}
    assert set(ours) == set(net.state_dict())
    best = state["callbacks"][1]["state"]["best_weights"]
    assert np.array_equal(best, net.flat_params)
    opt = state["trainer"]["optimizer"]
    assert opt["class"] == "Adam" and opt["t"] == 18 and opt["m"].shape == net.flat_params.shape
    assert state["trainer"]["rng"]["trainer"]["bit_generator"] == "PCG64"
    assert list(state["trainer"]["rng"]["layers"]) == ["2"]  # the Dropout layer's generator
    assert state["net_config"] == net.config()
    assert state["fit"]["optimizer"] == "Adam" and state["fit"]["batch_size"] == 16
    assert state["fit"]["seed"] == 3 and state["fit"]["schedule"] == "cosine"
    assert state["history"]["train_loss"] == h.train_loss
    assert state["stopped"] is False


def test_resume_continues_bit_identically_in_process(tmp_path):
    path = tmp_path / "c.npz"
    full, h_full = run(8)
    run(3, checkpoint=path)
    resumed, h = run(8, checkpoint=path, resume=path)
    assert resumed.flat_params.tobytes() == full.flat_params.tobytes()
    assert h.train_loss == h_full.train_loss and h.val_loss == h_full.val_loss
    assert h.lr == h_full.lr and h.epoch == list(range(1, 9))
    # a finished run resumed to the same length trains nothing more
    again, h2 = run(8, checkpoint=path, resume=path)
    assert again.flat_params.tobytes() == full.flat_params.tobytes() and len(h2) == 8


def test_resume_refuses_another_architecture_or_dtype(tmp_path):
    path = tmp_path / "c.npz"
    run(1, checkpoint=path)
    with pytest.raises(ValueError, match=r"Dense\(2->12\).*but this network is.*Dense\(2->13\)"):
        run(2, resume=path, sizes=(2, 13, 3))
    with pytest.raises(ValueError, match="trained in float32, this network is float64"):
        run(2, resume=path, dtype=np.float64)
    with pytest.raises(ValueError, match="optimizer 'Adam', this run uses 'SGD'"):
        run(2, resume=path, optimizer="sgd")
    with pytest.raises(ValueError, match="loss 'softmax', this run uses 'hinge'"):
        run(2, resume=path, loss="hinge")
    with pytest.warns(RuntimeWarning, match="batch_size"):
        run(2, resume=path, batch_size=8)


def test_resume_refuses_what_is_not_a_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        run(1, resume=tmp_path / "missing.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file at all")
    with pytest.raises(ValueError, match="not a readable layerwise checkpoint"):
        run(1, resume=bad)
    good = tmp_path / "c.npz"
    run(1, checkpoint=good)
    (tmp_path / "cut.npz").write_bytes(good.read_bytes()[:-100])
    with pytest.raises(ValueError, match="not a readable"):
        load_checkpoint(tmp_path / "cut.npz")
    np.savez(tmp_path / "plain.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match="__meta__"):
        load_checkpoint(tmp_path / "plain.npz")


def test_checkpoint_folder_must_exist(tmp_path, spiral):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        fit(lw.Network([2, 4, 3]), *spiral, checkpoint=tmp_path / "no" / "c.npz",
            progress=False)


# -- bad input -----------------------------------------------------------------------------------
@pytest.mark.parametrize("X,y,match", [
    (np.full((4, 2), np.nan), [0, 1, 0, 1], "NaN or inf"),
    (np.zeros((4, 2)), [0, 1, 0], "4 samples but y has 3"),
    (np.zeros((4, 2)), [0, 1, 0, 5], r"labels must lie in \[0, 2\]"),
    (np.zeros((4, 2)), [0, 1, 0.5, 1], "integers"),
    (np.zeros(4), [0, 1, 0, 1], "2-D"),
    (np.zeros((0, 2)), [], "no samples"),
    (np.zeros((4, 3)), [0, 1, 0, 1], "3 features per sample, but the network expects 2"),
])
def test_bad_data_is_refused_up_front(X, y, match):
    with pytest.raises(ValueError, match=match):
        fit(lw.Network([2, 4, 3], seed=0), X, y, progress=False)


@pytest.mark.parametrize("kwargs,match", [
    (dict(epochs=0), "epochs"),
    (dict(batch_size=0), "batch_size"),
    (dict(reg=-1.0), "reg"),
    (dict(lr=-0.1), "learning rate"),
    (dict(optimizer="adamw"), "unknown optimizer"),
    (dict(loss="logistic"), "1 output"),
    (dict(val_fraction=0.2, val=(np.zeros((2, 2)), [0, 1])), "not both"),
    (dict(val_fraction=1.5), "val_fraction"),
    (dict(seed=-1), "seed"),
])
def test_bad_arguments_are_refused(kwargs, match, spiral):
    with pytest.raises(ValueError, match=match):
        fit(lw.Network([2, 4, 3], seed=0), *spiral, progress=False, **kwargs)


def test_string_labels_are_refused(spiral):
    with pytest.raises(TypeError, match="numbers"):
        fit(lw.Network([2, 4, 3], seed=0), spiral[0], spiral[1].astype(str), progress=False)


# -- evaluate, accuracy, progress ------------------------------------------------------------------
def test_evaluate_in_chunks_matches_one_pass(monkeypatch, spiral):
    X, y = spiral
    net = lw.Network([2, 8, 3], seed=0, dtype=np.float64)
    whole = evaluate(net, X, y)
    monkeypatch.setattr(train, "EVAL_CHUNK", 7)
    chunked = evaluate(net, X, y)
    assert chunked["loss"] == pytest.approx(losses.get("softmax")(net(X), y)[0], rel=1e-12)
    assert chunked["loss"] == pytest.approx(whole["loss"], rel=1e-12)
    assert chunked["accuracy"] == whole["accuracy"] == np.mean(net.predict(X) == y)
    assert evaluate(net, X, y, loss="hinge")["loss"] == pytest.approx(
        losses.get("hinge")(net(X), y)[0], rel=1e-12)


def test_accuracy_for_one_output_uses_the_sign():
    net = lw.Network([1, 1], seed=0, dtype=np.float64)
    net.layers[0].weight[...] = 1.0
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    assert accuracy(net, X, [0, 0, 1, 1]) == 1.0
    assert accuracy(net, X, [-1, -1, 1, 1]) == 1.0
    assert accuracy(net, X, [1, 0, 1, 1]) == 0.75


@pytest.mark.filterwarnings("ignore::layerwise.UnderfitWarning")
def test_progress_bar_on_a_terminal_only(monkeypatch, spiral):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    for tty, expect in ((False, ""), (True, "3/3")):
        stream = Terminal() if tty else io.StringIO()
        monkeypatch.setattr(sys, "stderr", stream)
        fit(lw.Network([2, 4, 3], seed=0), *spiral, epochs=3)
        assert (expect in stream.getvalue()) if expect else stream.getvalue() == ""
    stream = Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    fit(lw.Network([2, 4, 3], seed=0), *spiral, epochs=2, progress=False)
    assert stream.getvalue() == ""
