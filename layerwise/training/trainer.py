"""Training: the minibatch SGD loop, with validation, history, callbacks and checkpoints.

:class:`Trainer` holds the one definition of a training step (forward, loss, backward,
regularization, update); :func:`fit` drives it over epochs and adds everything around it:
validation, early stopping, learning-rate schedules, a progress bar, divergence handling and
checkpoints that a killed run resumes from, bit for bit.

>>> import layerwise as lw
>>> X, y = lw.data.spiral(n=300, classes=3, seed=0)
>>> net = lw.Network([2, 32, 3], seed=0)
>>> history = lw.fit(net, X, y, optimizer="adam", lr=0.02, epochs=40, seed=0, progress=False)
>>> history.train_acc[-1] > 0.8, len(history), sorted(history.dead_fraction[-1])
(True, 40, [1])
"""
from __future__ import annotations

import copy
import inspect
import json
import math
import sys
import time
import warnings

import numpy as np

from ..engine import compiled, losses, optim
from .callbacks import (Checkpoint, EarlyStopping, LearningRateSchedule, architecture,
                        describe_architecture, load_checkpoint)
from ..engine.monitor import ever_active, forward_probe
from ..engine.network import check_input, predicted_classes

__all__ = ["fit", "evaluate", "accuracy", "Trainer", "History", "TrainingDiverged",
           "UnderfitWarning"]

#: rows per forward pass when evaluating a whole data set (bounds memory, keeps BLAS busy)
EVAL_CHUNK = 4096
#: training data up to this size is shuffled with one gather per epoch; larger data one
#: minibatch at a time (see Trainer.run_epoch)
EPOCH_GATHER_BYTES = 4 << 20


#: A minibatch loss above this many times the first step's loss (or 1, if that is larger) is
#: divergence, as NaN and inf are: a loss that grew by four orders of magnitude is not coming back
#: (with lr=1e6 the spiral's loss goes 1.1, 3e20, 3e26, ...), and its weights are no use.
EXPLOSION = 1e4


class TrainingDiverged(RuntimeError):
    """The loss exploded (see :data:`EXPLOSION`) or became NaN or infinite, or a weight did.

    The network (and optimizer and random generators) hold the state from the end of the last
    good epoch when this is raised. ``epoch`` is the 1-based epoch in which it happened,
    ``step`` the 1-based count of minibatch steps since training began, ``lr`` the learning rate
    in use; ``history`` (when raised by :func:`fit`) the epochs completed before it.
    """

    def __init__(self, epoch, step, lr, what="the loss became nan", history=None):
        self.epoch, self.step, self.lr, self.what, self.history = epoch, step, lr, what, history
        restored = (f"the weights from the end of epoch {epoch - 1}" if epoch > 1
                    else "the initial weights")
        super().__init__(
            f"training diverged at epoch {epoch}, step {step}, with learning rate {lr:g}: "
            f"{what}. {restored[0].upper() + restored[1:]} were restored. Try a smaller "
            f"learning rate, such as lr={lr / 10:g}.")

    def __reduce__(self):
        # rebuild from the fields, so the error crosses process boundaries (joblib, dask)
        return type(self), (self.epoch, self.step, self.lr, self.what)


class History:
    """Per-epoch record of a training run; every attribute is a list with one entry per epoch.

    Attributes
    ----------
    epoch : list of int
        1-based epoch numbers.
    train_loss : list of float
        Mean minibatch loss over the epoch (data loss plus the regularization penalty).
    train_acc : list of float or None
        Accuracy on the training set after the epoch (None for regression losses, or when
        ``fit(eval_train=False)``).
    val_loss, val_acc : list of float or None
        Loss (with the penalty, comparable to ``train_loss``) and accuracy on the validation
        data after the epoch; None without validation data.
    lr : list of float
        The learning rate used in the epoch.
    dead_fraction : list of dict
        ``{layer index: fraction of its units that never activate on the training set}`` after
        the epoch, as :func:`layerwise.engine.monitor.dead_fraction` computes it.
    time : list of float
        Wall-clock seconds the epoch took, evaluation included.

    >>> h = History()
    >>> h.append(epoch=1, train_loss=0.9, train_acc=0.5, val_loss=1.0, val_acc=0.4, lr=0.1,
    ...          dead_fraction={1: 0.0}, time=0.01)
    >>> h.append(epoch=2, train_loss=0.5, train_acc=0.8, val_loss=0.7, val_acc=0.7, lr=0.1,
    ...          dead_fraction={1: 0.1}, time=0.01)
    >>> h.best_epoch, History.from_dict(h.to_dict()).dead_fraction[1]
    (2, {1: 0.1})
    """

    FIELDS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "dead_fraction",
              "time")

    def __init__(self):
        for name in self.FIELDS:
            setattr(self, name, [])

    def append(self, **row):
        if set(row) != set(self.FIELDS):
            raise ValueError(f"a history row needs exactly {self.FIELDS}, got {sorted(row)}")
        for name in self.FIELDS:
            getattr(self, name).append(row[name])

    def __len__(self):
        return len(self.epoch)

    @property
    def best_epoch(self):
        """The epoch with the lowest validation loss (training loss without validation), or
        None before the first epoch."""
        if not self.epoch:
            return None
        values = self.val_loss if any(v is not None for v in self.val_loss) else self.train_loss
        scored = [(v, e) for v, e in zip(values, self.epoch) if v is not None]
        return min(scored)[1] if scored else None

    def to_dict(self) -> dict:
        """Plain lists, ready for JSON (the dead-fraction keys become strings there)."""
        return {name: list(getattr(self, name)) for name in self.FIELDS}

    @classmethod
    def from_dict(cls, d: dict) -> "History":
        missing = [name for name in cls.FIELDS if name not in d]
        if missing:
            raise ValueError(f"history dict lacks {missing}")
        lengths = {len(d[name]) for name in cls.FIELDS}
        if len(lengths) != 1:
            raise ValueError(f"history lists must have equal lengths, got "
                             f"{ {name: len(d[name]) for name in cls.FIELDS} }")
        h = cls()
        for name in cls.FIELDS:
            values = list(d[name])
            if name == "dead_fraction":
                values = [{int(k): float(v) for k, v in row.items()} for row in values]
            setattr(h, name, values)
        return h

    def _repr_html_(self):
        # a notebook shows the loss curves and the last epoch instead of the repr
        from ..engine.display import history_html

        return history_html(self)

    def plot(self, ax=None, accuracy=True):
        """Loss (and accuracy) per epoch with matplotlib; returns the loss axes
        (:func:`layerwise.engine.display.plot_history`)."""
        from ..engine.display import plot_history

        return plot_history(self, ax=ax, accuracy=accuracy)

    def __repr__(self):
        if not self.epoch:
            return "History(0 epochs)"
        last = f"train_loss={self.train_loss[-1]:.4g}"
        if self.val_loss[-1] is not None:
            last += f", val_loss={self.val_loss[-1]:.4g}"
        return f"History({len(self)} epochs, last: {last})"


# -- targets ----------------------------------------------------------------------------------
def _is_classification(loss):
    return loss in losses.MULTICLASS or loss in losses.BINARY


def check_targets(y, n, loss, net):
    """Validate targets for ``loss`` once, and convert them to what the step uses.

    Multiclass losses get integer labels in ``[0, outputs)``; "logistic" labels in {0, 1} as
    the net's dtype; "binary_hinge" labels in {0, 1} or {-1, +1}; "mse" real targets shaped
    ``(N, outputs)``. A custom loss function gets ``y`` as a NumPy array, unchanged.
    """
    y = np.asarray(y)
    if y.ndim == 0 or len(y) != n:
        raise ValueError(f"X has {n} samples but y has "
                         f"{'a scalar' if y.ndim == 0 else len(y)}")
    if callable(loss):
        return y
    if y.dtype.kind not in "biuf":
        raise TypeError(f"y must hold numbers, got dtype {y.dtype}")
    out = net.out_features
    if loss in losses.MULTICLASS:
        return losses._check_labels(y, n, out)
    if loss in losses.BINARY:
        y = losses._check_labels(y, n, allowed=(0, 1) if loss == "logistic" else (-1, 0, 1))
        if loss == "logistic":
            return y.astype(net.dtype)
        if (y == 0).any() and (y == -1).any():
            raise ValueError("binary_hinge labels must be all in {0, 1} or all in {-1, +1}, "
                             "got both 0 and -1")
        return y
    # mse: real targets, one column per output
    if y.ndim == 1 and out == 1:
        y = y[:, None]
    if y.shape != (n, out):
        raise ValueError(f"mse targets must have shape ({n},) or ({n}, {out}) for a network "
                         f"with {out} output(s), got {y.shape}")
    y = y.astype(net.dtype)
    if not np.isfinite(y).all():
        raise ValueError("y contains NaN or inf")
    return y


def _check_loss_fits(loss, net):
    out = net.out_features
    if loss in losses.MULTICLASS and out < 2:
        raise ValueError(f"loss {loss!r} needs a network with at least 2 outputs (one score per "
                         f"class), got {out}; use 'logistic' or 'binary_hinge' for one output")
    if loss in losses.BINARY and out != 1:
        raise ValueError(f"loss {loss!r} needs a network with 1 output, got {out}; use "
                         "'softmax' or 'hinge' for several classes")


# -- the trainer --------------------------------------------------------------------------------
class Trainer:
    """Minibatch training of ``net``: the single definition of a training step.

    Parameters
    ----------
    net : Sequential
    loss : str or callable, default "softmax"
        A name from :data:`layerwise.engine.losses.LOSSES`, or ``fn(scores, y) -> (loss, dscores)``.
    optimizer : str or Optimizer, default "sgd"
        A name from :data:`layerwise.engine.optim.OPTIMIZERS`, or an optimizer built on ``net``.
    lr : float, optional
        Learning rate; None takes :func:`layerwise.engine.optim.training_lr` (0.1 for "sgd",
        0.01 for "momentum"/"nesterov", PyTorch's defaults for the adaptive optimizers).
    reg : float, default 0.0
        Regularization strength; see :func:`layerwise.engine.losses.regularization`.
    reg_type : {"l2", "l1"}, default "l2"
    batch_size : int, default 32
    seed : int or numpy.random.Generator, optional
        Draws the minibatch order.
    compiled : bool, optional
        False runs every epoch on the NumPy engine; by default an epoch runs as one compiled
        call where :mod:`layerwise.engine.compiled` covers it (numba installed), with the same
        results.
    **optimizer_kwargs
        Passed to the optimizer (``momentum=0.9``, ``betas=(0.9, 0.999)``, ...).

    Attributes
    ----------
    net, optimizer, rng : the network, its optimizer and the shuffling Generator
    epoch : int, epochs completed
    step_count : int, minibatch steps taken

    Examples
    --------
    >>> import numpy as np, layerwise as lw
    >>> X, y = lw.data.xor(n=64, seed=0)
    >>> t = Trainer(lw.Network([2, 8, 2], seed=0), lr=0.5, batch_size=16, seed=0)
    >>> X, y = t.prepare(X, y)
    >>> first = t.run_epoch(X, y)
    >>> t.epoch, t.step_count
    (1, 4)
    """

    def __init__(self, net, loss="softmax", optimizer="sgd", lr=None, reg=0.0, reg_type="l2",
                 batch_size=32, seed=None, compiled=None, **optimizer_kwargs):
        self.net = net
        self.compiled = compiled
        self.loss_fn = losses.get(loss)
        self.loss = loss if isinstance(loss, str) else getattr(loss, "__name__", repr(loss))
        if isinstance(loss, str):
            _check_loss_fits(loss, net)
            self._loss = self.loss_fn
        else:
            self._loss = _unvalidated(loss)
        self._loss_spec = loss
        if isinstance(optimizer, optim.Optimizer):
            if optimizer.store is not net.store:
                raise ValueError("the optimizer was built on another network; build it on this "
                                 "one, or pass its name")
            if lr is not None:
                optimizer.lr = optimizer.base_lr = optim._check_lr(lr)
            self.optimizer = optimizer
        else:
            self.optimizer = optim.get(optimizer, net, optim.training_lr(optimizer, lr),
                                       **optimizer_kwargs)
        if reg_type not in losses.REG_TYPES:
            raise ValueError(f"unknown reg_type {reg_type!r}; expected one of: "
                             f"{', '.join(losses.REG_TYPES)}")
        if not (isinstance(reg, (int, float, np.floating)) and not isinstance(reg, bool)
                and math.isfinite(reg) and reg >= 0):
            raise ValueError(f"reg must be a finite number >= 0, got {reg!r}")
        if not (isinstance(batch_size, (int, np.integer)) and not isinstance(batch_size, bool)
                and batch_size >= 1):
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.reg, self.reg_type, self.batch_size = float(reg), reg_type, int(batch_size)
        self.rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        self.epoch = 0
        self.step_count = 0
        # what fit() attaches so that a checkpoint can hold the whole run
        self.callbacks, self.config, self.data_state = [], {}, {}
        self.stop_training = False
        self._xbuf = self._ybuf = None
        self._set_reference(None)
        self.mark_good()

    def __copy__(self):
        # a shallow copy would step the same network and optimizer as the original
        return copy.deepcopy(self)

    # -- data ------------------------------------------------------------------------------
    def prepare(self, X, y):
        """Validate ``X`` and ``y`` once and convert them to what :meth:`step` and
        :meth:`run_epoch` take: ``X`` 2-D in the network's dtype, ``y`` as the loss needs."""
        if np.ndim(X) != 2:
            raise ValueError(f"X must be 2-D (samples, features), got shape {np.shape(X)}"
                             + ("; use X.reshape(-1, 1) for one feature" if np.ndim(X) == 1
                                else ""))
        X = check_input(X, self.net.in_features, self.net.dtype)
        if X.shape[0] == 0:
            raise ValueError(f"X has no samples (shape {X.shape})")
        return X, check_targets(y, X.shape[0], self._loss_spec, self.net)

    # -- one step --------------------------------------------------------------------------
    def step(self, Xb, yb) -> float:
        """One minibatch update on validated arrays; returns data loss + penalty.

        Raises :class:`TrainingDiverged` (with the last good state restored) when the loss is
        not finite, or explodes: more than :data:`EXPLOSION` times the first step's loss (or 1,
        whichever is larger). The bad update does not stay: the NumPy engine never applies
        it, and the compiled update of a big network (applied before the check) is undone by
        the restore.
        """
        net = self.net
        loss, d = self._loss(net._forward(Xb, True), yb, validate=False)
        net._backward(d, False)
        self.step_count += 1
        # a big network's penalty and update run as one compiled pass over its parameters where
        # they can; the loss is then checked after the update, and a bad one is undone by the
        # restore of the last good state that a divergence makes
        update = compiled.step_update(self)
        if update is not None:
            loss += update()
        elif self.reg:
            loss += losses.regularization(net, self.reg, self.reg_type)
        # one comparison a step: False for NaN too, and for the first step (the limit starts at
        # -inf until the first loss sets it)
        if not loss <= self._loss_limit:
            self._check_loss(loss)
        if update is None:
            self.optimizer.step()
        return loss

    def _check_loss(self, loss):
        """Set the explosion limit from the first step's loss, or raise TrainingDiverged."""
        if not math.isfinite(loss):
            self._diverged(f"the loss became {loss}")
        if self.reference_loss is None:
            self._set_reference(loss)
            return
        self._diverged(f"the loss exploded to {loss:.3g}, more than {EXPLOSION:g} times "
                       f"{max(self.reference_loss, 1.0):.3g} (its first value was "
                       f"{self.reference_loss:.3g})")

    def _set_reference(self, loss):
        self.reference_loss = None if loss is None else float(loss)
        self._loss_limit = (-math.inf if loss is None
                            else EXPLOSION * max(self.reference_loss, 1.0))

    def run_epoch(self, X, y, order=None) -> float:
        """One pass over ``(X, y)`` (from :meth:`prepare`) in a fresh random order; returns the
        mean loss per sample.

        ``order``, a permutation of ``range(N)``, visits the rows in that order instead (for a
        caller that owns the shuffling, as the scikit-learn face does). ``X`` may also be a
        SciPy sparse CSR matrix in the network's dtype: each minibatch is then densified on its
        own, so the dense matrix never exists whole.
        """
        sparse = not isinstance(X, np.ndarray) and hasattr(X, "tocsr")
        if sparse and (X.format != "csr" or X.dtype != self.net.dtype):
            raise TypeError(f"a sparse X must be CSR in the network's dtype {self.net.dtype}, "
                            f"got {X.format} {X.dtype}")
        if not sparse and (not isinstance(X, np.ndarray) or X.ndim != 2
                           or X.dtype != self.net.dtype):
            raise TypeError("run_epoch takes arrays from Trainer.prepare(X, y): X 2-D in the "
                            f"network's dtype {self.net.dtype}, got "
                            f"{type(X).__name__} {getattr(X, 'dtype', '')}")
        runner = None if sparse else compiled.epoch_runner(self)
        if runner is not None:
            return runner(X, y, order)
        n = X.shape[0]
        self.mark_good()
        bs, step, total = self.batch_size, self.step, 0.0
        # Small data: one gather per epoch into reused buffers, and every minibatch is then a
        # contiguous slice (the fewest calls per step). Large data: each minibatch is gathered
        # into a reused buffer just before its step, while it is still in cache; an epoch-sized
        # copy goes out to memory and comes back (~25% of a 3072-100-10 step at batch 256).
        per_epoch = not sparse and X.nbytes <= EPOCH_GATHER_BYTES
        rows = n if per_epoch else min(bs, n)
        if self._xbuf is None or self._xbuf.shape != (rows,) + X.shape[1:] \
                or self._ybuf.shape != (rows,) + y.shape[1:] or self._ybuf.dtype != y.dtype:
            self._xbuf = np.empty((rows,) + X.shape[1:], X.dtype)
            self._ybuf = np.empty((rows,) + y.shape[1:], y.dtype)
        perm = self.rng.permutation(n) if order is None else np.asarray(order)
        if len(perm) != n:
            raise ValueError(f"order must be a permutation of range({n}), got {len(perm)} indices")
        # mode="clip" never clips a permutation's indices, and lets np.take write straight
        # into `out` (mode="raise" stages it through a temporary: a third slower on big rows)
        if per_epoch:
            Xs = np.take(X, perm, axis=0, out=self._xbuf, mode="clip")
            ys = np.take(y, perm, axis=0, out=self._ybuf, mode="clip")
        # overflow on the way to divergence is reported by TrainingDiverged, not by warnings
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for start in range(0, n, bs):
                end = min(start + bs, n)
                if per_epoch:
                    xb, yb = Xs[start:end], ys[start:end]
                else:
                    idx = perm[start:end]
                    xb = (X[idx].toarray(out=self._xbuf[:end - start]) if sparse else
                          np.take(X, idx, axis=0, out=self._xbuf[:end - start], mode="clip"))
                    yb = np.take(y, idx, axis=0, out=self._ybuf[:end - start], mode="clip")
                total += step(xb, yb) * (end - start)
            # a non-finite weight that the loss did not show yet (say, behind a dead ReLU)
            if not math.isfinite(self.net.flat_params.sum()) \
                    and not np.isfinite(self.net.flat_params).all():
                self._diverged("a weight became NaN or infinite")
        self.epoch += 1
        return total / n

    # -- state -----------------------------------------------------------------------------
    def _random_layers(self):
        return {i: layer for i, layer in enumerate(self.net.layers)
                if isinstance(getattr(layer, "rng", None), np.random.Generator)}

    def _rng_states(self):
        return {"trainer": self.rng.bit_generator.state,
                "layers": {str(i): layer.rng.bit_generator.state
                           for i, layer in self._random_layers().items()}}

    def _load_rng_states(self, states):
        self.rng = _generator_from_state(states["trainer"])
        layers = self._random_layers()
        saved = {int(k): v for k, v in states.get("layers", {}).items()}
        if set(saved) != set(layers):
            raise ValueError(f"random generators saved for layers {sorted(saved)}, but this "
                             f"network has them at layers {sorted(layers)}")
        restored = {}
        for i, layer in layers.items():
            # layers that shared one generator keep sharing one
            key = id(layer.rng)
            if key not in restored:
                restored[key] = _generator_from_state(saved[i])
            layer.rng = restored[key]

    def state_dict(self) -> dict:
        """Everything a resumed run needs from the trainer: epoch, step, weights, optimizer
        state and random-generator states (copies)."""
        return {"epoch": self.epoch, "step": self.step_count, "params": self.net.state_dict(),
                "optimizer": {"class": type(self.optimizer).__name__,
                              **self.optimizer.state_dict()},
                "rng": self._rng_states(), "reference_loss": self.reference_loss}

    def load_state_dict(self, state):
        opt_state = dict(state["optimizer"])
        kind = opt_state.pop("class", type(self.optimizer).__name__)
        if kind != type(self.optimizer).__name__:
            raise ValueError(f"the saved optimizer state is {kind}'s, this trainer uses "
                             f"{type(self.optimizer).__name__}")
        self.net.load_state_dict(state["params"])
        self.optimizer.load_state_dict(opt_state)
        self._load_rng_states(state["rng"])
        self.epoch, self.step_count = int(state["epoch"]), int(state["step"])
        self._set_reference(state.get("reference_loss"))
        self.mark_good()
        return self

    def mark_good(self):
        """Remember the current state as the one to return to if training diverges (every
        epoch starts with it; a caller that drives :meth:`step` itself calls it where it wants
        a divergence to fall back to)."""
        self._good = (self.net.flat_params.copy(), self.optimizer.state_dict(),
                      self._rng_states(), self.step_count)

    def _diverged(self, what):
        step, lr = self.step_count, self.optimizer.lr
        params, opt_state, rng_states, step_count = self._good
        self.net.flat_params[...] = params
        self.optimizer.load_state_dict(opt_state)
        self._load_rng_states(rng_states)
        self.step_count = step_count
        raise TrainingDiverged(self.epoch + 1, step, lr, what)


def _unvalidated(fn):
    """Call a custom loss as ``fn(scores, y)`` whether or not it takes ``validate``."""
    try:
        takes = "validate" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        takes = False
    if takes:
        return fn
    return lambda scores, y, validate=False: fn(scores, y)


def _generator_from_state(state):
    bitgen = getattr(np.random, state["bit_generator"], None)
    if bitgen is None:
        raise ValueError(f"unknown bit generator {state['bit_generator']!r}")
    g = np.random.Generator(bitgen())
    g.bit_generator.state = state
    return g


# -- evaluation ---------------------------------------------------------------------------------
def _sweep(net, X, y=None, loss_fn=None, want_acc=False, want_dead=False):
    """One evaluation-mode pass in chunks: mean loss, accuracy and dead fractions, as asked."""
    n = X.shape[0]
    total, correct = 0.0, 0
    alive = {}
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for start in range(0, n, EVAL_CHUNK):
            h, units = forward_probe(net, X[start:start + EVAL_CHUNK])
            if want_dead:
                for i, (pre, _) in units.items():
                    seen = ever_active(pre)
                    alive[i] = seen if i not in alive else (alive[i] | seen)
            yc = None if y is None else y[start:start + EVAL_CHUNK]
            if loss_fn is not None:
                total += loss_fn(h, yc, validate=False)[0] * h.shape[0]
            if want_acc:
                correct += int(_correct(h, yc))
    return (total / n if loss_fn is not None else None,
            correct / n if want_acc else None,
            {i: float(1.0 - a.mean()) for i, a in alive.items()})


def _correct(scores, y):
    """How many rows ``predicted_classes`` gets right; a single output's labels may be
    {0, 1} or {-1, +1}."""
    if scores.shape[1] == 1:
        return (predicted_classes(scores) == (y.reshape(-1) > 0)).sum()
    return (predicted_classes(scores) == y).sum()


def evaluate(net, X, y, loss="softmax") -> dict:
    """Loss and accuracy of ``net`` on ``(X, y)``, in evaluation mode (no dropout, no noise).

    Returns ``{"loss": float, "accuracy": float or None}``; accuracy is None for regression.
    The loss is the data loss alone, without a regularization penalty.

    >>> import layerwise as lw
    >>> X, y = lw.data.gaussians(n=100, classes=2, seed=0)
    >>> r = evaluate(lw.Network([2, 4, 2], seed=0), X, y)
    >>> sorted(r), 0.0 <= r["accuracy"] <= 1.0
    (['accuracy', 'loss'], True)
    """
    fn = losses.get(loss)
    if isinstance(loss, str):
        _check_loss_fits(loss, net)
    else:
        fn = _unvalidated(loss)
    X = check_input(X, net.in_features, net.dtype)
    if X.shape[0] == 0:
        raise ValueError(f"X has no samples (shape {X.shape})")
    y = check_targets(y, X.shape[0], loss, net)
    want_acc = _is_classification(loss) or (callable(loss) and y.dtype.kind in "biu")
    value, acc, _ = _sweep(net, X, y, fn, want_acc)
    return {"loss": float(value), "accuracy": acc}


def accuracy(net, X, y) -> float:
    """Fraction of samples classified correctly: argmax of the scores for several outputs,
    ``score > 0`` against ``y > 0`` for one output (labels in {0, 1} or {-1, +1})."""
    X = check_input(X, net.in_features, net.dtype)
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},) to match X, got {y.shape}")
    if X.shape[0] == 0:
        raise ValueError("accuracy of an empty set is undefined: X has no samples")
    return _sweep(net, X, y, want_acc=True)[1]


# -- fit ------------------------------------------------------------------------------------------
def _split(y, fraction, rng, stratify):
    """Indices of a random (stratified for classification) validation split."""
    n = len(y)
    if stratify:
        _, inv = np.unique(y.reshape(n, -1)[:, 0], return_inverse=True)
        parts = []
        for c in range(inv.max() + 1):
            idx = np.flatnonzero(inv == c)
            parts.append(rng.permutation(idx)[:int(round(fraction * len(idx)))])
        val = np.sort(np.concatenate(parts))
    else:
        val = np.sort(rng.permutation(n)[:int(round(fraction * n))])
    if len(val) == 0 or len(val) == n:
        raise ValueError(f"val_fraction={fraction} of {n} samples leaves "
                         f"{'no validation' if len(val) == 0 else 'no training'} samples")
    return val


def _jsonable(value):
    try:
        json.dumps(value, allow_nan=False)
        return value
    except (TypeError, ValueError):
        return repr(value)


class _Progress:
    """A tqdm bar over epochs on a terminal; one plain line per epoch if tqdm is missing."""

    def __init__(self, total, initial):
        try:
            from tqdm import tqdm
        except ImportError:
            self.bar = None
        else:
            self.bar = tqdm(total=total, initial=initial, unit="epoch", file=sys.stderr,
                            dynamic_ncols=True)
        self.total = total

    def update(self, history):
        text = {"loss": f"{history.train_loss[-1]:.4f}"}
        for name in ("train_acc", "val_loss", "val_acc"):
            value = getattr(history, name)[-1]
            if value is not None:
                text[name] = f"{value:.4f}"
        if self.bar is not None:
            self.bar.set_postfix(text, refresh=False)
            self.bar.update(1)
        else:
            print(f"epoch {history.epoch[-1]}/{self.total} "
                  + " ".join(f"{k}={v}" for k, v in text.items()), file=sys.stderr, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def fit(net, X, y, loss="softmax", optimizer="sgd", lr=None, epochs=200, batch_size=32,
        reg=0.0, reg_type="l2", schedule=None, val=None, val_fraction=0.0, early_stopping=False,
        patience=10, callbacks=(), checkpoint=None, resume=None, seed=None, progress=True,
        eval_train=True, **optimizer_kwargs) -> History:
    """Train ``net`` on ``(X, y)`` with minibatch gradient descent; return its :class:`History`.

    Each epoch visits the training data in a fresh random order, in minibatches of
    ``batch_size`` (the last one may be smaller), then evaluates on the training and validation
    data and runs the callbacks.

    Called with nothing but the data, it trains with plain SGD at ``lr=0.1``, minibatches of 32,
    for 200 epochs: enough for the notes' small nets on 2-D data (the README's spiral reaches
    99% with ``Network([2, 100, 3])``). PyTorch's ``torch.optim.SGD`` and scikit-learn's MLP
    default to a rate of 0.001 (and scikit-learn to Adam, 200 epochs and batches of up to 200);
    with the SGD family at that rate a small net barely moves, so ``lr=None`` takes
    :data:`layerwise.engine.optim.TRAINING_LR` instead: 0.1 for "sgd", 0.01 for "momentum" and
    "nesterov", PyTorch's defaults for the adaptive optimizers (0.001 for "adam").

    A run that ends near chance accuracy, or whose loss barely moved, warns with
    :class:`UnderfitWarning` and says what to try.

    Parameters
    ----------
    net : Sequential
        Trained in place.
    X : array (N, D)
    y : array (N,) of labels, or (N,) / (N, outputs) of targets for "mse"
    loss, optimizer, lr, batch_size, reg, reg_type, **optimizer_kwargs
        As for :class:`Trainer`.
    epochs : int, default 200
        Total epochs; a resumed run trains until it has done this many in all.
    schedule : Schedule, callable, or "step" / "exponential" / "cosine", optional
        Learning-rate factor per epoch (see
        :class:`~layerwise.training.callbacks.LearningRateSchedule`).
    val : tuple (X_val, y_val), optional
        Validation data.
    val_fraction : float, default 0.0
        Hold out this fraction of ``(X, y)`` for validation instead (stratified by class for
        classification losses, drawn from ``seed``).
    early_stopping : bool, default False
        Stop after ``patience`` epochs without a better validation loss (training loss without
        validation data) and restore the best weights.
    patience : int, default 10
    callbacks : sequence of callbacks
        See :mod:`layerwise.training.callbacks`; a callback's ``on_epoch_end`` returning True stops.
    checkpoint : path, optional
        Write a checkpoint here, atomically, after every epoch.
    resume : path, optional
        Continue the run saved in this checkpoint (it may be the same path as ``checkpoint``).
        The network must have the checkpoint's architecture and dtype. A run resumed with the
        same arguments ends with weights bit-identical to an uninterrupted run.
    seed : int or numpy.random.Generator, optional
        Draws the minibatch order and the validation split.
    progress : bool, default True
        Show a progress bar when standard error is a terminal (needs ``tqdm``; without it, one
        line per epoch); quiet otherwise.
    eval_train : bool, default True
        After each epoch, measure training accuracy and dead-unit fractions in one evaluation
        pass over the training data (about a third of an epoch's work). False skips the pass;
        those history entries are then None and {}.

    Returns
    -------
    History

    Raises
    ------
    TrainingDiverged
        When the loss explodes (see :class:`Trainer`) or a weight becomes NaN or infinite; the
        network then holds the weights of the last good epoch, which is also what the
        checkpoint holds.

    Examples
    --------
    >>> import layerwise as lw
    >>> X, y = lw.data.spiral(n=300, classes=3, seed=0)
    >>> net = lw.Network([2, 100, 3], seed=0)
    >>> history = lw.fit(net, X, y, seed=0, progress=False)
    >>> len(history), history.train_acc[-1] > 0.95
    (200, True)
    >>> lw.evaluate(net, X, y)["accuracy"] > 0.95
    True
    """
    trainer_seed, split_rng = _seeds(seed)
    if not (isinstance(epochs, (int, np.integer)) and not isinstance(epochs, bool)
            and epochs >= 1):
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    trainer = Trainer(net, loss=loss, optimizer=optimizer, lr=lr, reg=reg, reg_type=reg_type,
                      batch_size=batch_size, seed=trainer_seed, **optimizer_kwargs)
    X, y = trainer.prepare(X, y)
    state = None
    if resume is not None:
        state = load_checkpoint(resume)
        _check_resumable(state, resume, trainer, lr, batch_size, reg, reg_type, X)
    X, y, validation = _validation_split(trainer, X, y, val, val_fraction, state, split_rng)
    trainer.callbacks = _callbacks(callbacks, schedule, early_stopping, patience, checkpoint)
    history = _restore(trainer, state, lr) if state is not None else History()
    trainer.config = {
        "loss": trainer.loss, "optimizer": type(trainer.optimizer).__name__,
        "lr": trainer.optimizer.base_lr, "epochs": int(epochs), "batch_size": trainer.batch_size,
        "reg": trainer.reg, "reg_type": reg_type, "schedule": _jsonable(
            schedule if isinstance(schedule, (str, type(None))) else repr(schedule)),
        "val_fraction": val_fraction, "early_stopping": bool(early_stopping),
        "patience": patience,
        "seed": int(seed) if isinstance(seed, (int, np.integer)) else None,
        "optimizer_kwargs": {k: _jsonable(v) for k, v in optimizer_kwargs.items()},
    }
    _train_epochs(trainer, history, X, y, validation, epochs, eval_train, progress)
    _warn_if_underfit(trainer, history, y)
    return history


def _validation_split(trainer, X, y, val, val_fraction, state, split_rng):
    """``(X, y, (X_val, y_val) or None)``: validation data given, or split off ``(X, y)``
    (the checkpoint's split when resuming)."""
    if val is not None and val_fraction:
        raise ValueError("give validation data as val=(X_val, y_val) or as val_fraction, not "
                         "both")
    if not (isinstance(val_fraction, (int, float, np.floating)) and 0 <= val_fraction < 1):
        raise ValueError(f"val_fraction must lie in [0, 1), got {val_fraction!r}")
    if val is not None:
        if not (isinstance(val, (tuple, list)) and len(val) == 2):
            raise ValueError(f"val must be a pair (X_val, y_val), got {type(val).__name__}")
        return X, y, trainer.prepare(*val)
    if not val_fraction:
        return X, y, None
    if state is not None and "val_index" in state["data"]:
        val_idx = np.asarray(state["data"]["val_index"])
        if len(val_idx) and val_idx.max() >= len(X):
            raise ValueError("the checkpoint's validation split does not fit this data "
                             f"({len(X)} samples); resume with the data it was trained on")
    else:
        val_idx = _split(y, val_fraction, split_rng, _is_classification(trainer._loss_spec))
    trainer.data_state = {"val_index": val_idx}
    keep = np.ones(len(X), bool)
    keep[val_idx] = False
    return X[keep], y[keep], (X[val_idx], y[val_idx])


def _callbacks(callbacks, schedule, early_stopping, patience, checkpoint):
    """The run's callbacks in the order they are called; checkpoints last, so that they save
    the other callbacks' state for the epoch."""
    cbs = list(callbacks)
    if schedule is not None:
        cbs.append(LearningRateSchedule(schedule))
    if early_stopping:
        cbs.append(EarlyStopping(patience=patience))
    if checkpoint is not None:
        cbs.append(Checkpoint(checkpoint))
    return ([cb for cb in cbs if not isinstance(cb, Checkpoint)]
            + [cb for cb in cbs if isinstance(cb, Checkpoint)])


def _restore(trainer, state, lr):
    """Load a checkpoint's trainer and callback state; return its history."""
    trainer.load_state_dict(state["trainer"])
    if lr is not None and float(lr) != trainer.optimizer.base_lr:
        # an explicit rate overrides the saved one (_check_resumable warned)
        trainer.optimizer.lr = trainer.optimizer.base_lr = float(lr)
    # a run that a callback stopped stays stopped, when resumed with the same callbacks
    trainer.stop_training = (_load_callback_states(trainer.callbacks, state["callbacks"])
                             and bool(state["stopped"]))
    return History.from_dict(state["history"])


def _train_epochs(trainer, history, X, y, validation, epochs, eval_train, progress):
    """The epoch loop: train, evaluate, record, run the callbacks."""
    net, cbs = trainer.net, trainer.callbacks
    loss_fn = trainer._loss
    want_acc = _is_classification(trainer._loss_spec) or y.dtype.kind in "biu"
    bar = _Progress(epochs, trainer.epoch) if progress and sys.stderr.isatty() else None
    try:
        _call(cbs, "on_train_begin", trainer, history)
        while trainer.epoch < epochs and not trainer.stop_training:
            t0 = time.perf_counter()
            _call(cbs, "on_epoch_begin", trainer, history)
            lr_used = trainer.optimizer.lr
            try:
                train_loss = trainer.run_epoch(X, y)
            except TrainingDiverged as e:
                e.history = history
                raise
            _, train_acc, dead = (_sweep(net, X, y, None, want_acc, True) if eval_train
                                  else (None, None, {}))
            val_loss = val_acc = None
            if validation is not None:
                val_loss, val_acc, _ = _sweep(net, *validation, loss_fn, want_acc)
                val_loss += losses.penalty(net, trainer.reg, trainer.reg_type)
            history.append(epoch=trainer.epoch, train_loss=float(train_loss),
                           train_acc=train_acc, val_loss=val_loss, val_acc=val_acc,
                           lr=float(lr_used), dead_fraction=dead,
                           time=time.perf_counter() - t0)
            for cb in cbs:
                method = getattr(cb, "on_epoch_end", None)
                if method is not None and method(trainer, history):
                    trainer.stop_training = True
            if bar is not None:
                bar.update(history)
        _call(cbs, "on_train_end", trainer, history)
    finally:
        if bar is not None:
            bar.close()


class UnderfitWarning(UserWarning):
    """A training run ended near chance accuracy, or with a loss that barely moved."""


#: "near chance": training accuracy below chance + this share of the way from chance to 100%
NEAR_CHANCE = 0.1
#: "barely moved": the last epoch's loss above this fraction of the first epoch's
BARELY_MOVED = 0.99


def _warn_if_underfit(trainer, history, y):
    """Say so when a run ends where it began, and what to try; a learner would otherwise
    read it as "the network cannot learn this"."""
    if not len(history):
        return
    lr = trainer.optimizer.lr
    hint = (f"try more epochs, a larger learning rate (lr={lr:g} now; say lr={lr * 10:g}), or "
            "optimizer='adam'; check that the labels match the inputs")
    acc = history.train_acc[-1]
    if acc is not None:
        chance = float(np.unique(y.reshape(len(y), -1)[:, 0], return_counts=True)[1].max()
                       / len(y))
        if acc < chance + NEAR_CHANCE * (1 - chance):
            warnings.warn(f"training ended near chance: accuracy {acc:.1%} where always "
                          f"predicting the most common class gives {chance:.1%}; {hint}",
                          UnderfitWarning, stacklevel=3)
            return
    first, last = history.train_loss[0], history.train_loss[-1]
    if len(history) >= 5 and math.isfinite(first) and last > BARELY_MOVED * first:
        warnings.warn(f"the training loss barely moved in {len(history)} epochs ({first:.4g} "
                      f"in the first, {last:.4g} in the last); {hint}", UnderfitWarning,
                      stacklevel=3)


def _seeds(seed):
    """The trainer's Generator and an independent one for the validation split."""
    if isinstance(seed, np.random.Generator):
        return seed, seed.spawn(1)[0]
    if not (seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)
                             and seed >= 0)):
        raise ValueError(f"seed must be a non-negative integer, a numpy Generator or None, got "
                         f"{seed!r}")
    ss = np.random.SeedSequence(seed)
    return np.random.default_rng(ss), np.random.default_rng(ss.spawn(1)[0])


def _call(cbs, hook, trainer, history):
    for cb in cbs:
        method = getattr(cb, hook, None)
        if method is not None:
            method(trainer, history)


def _load_callback_states(cbs, saved):
    stateful = [cb for cb in cbs if hasattr(cb, "load_state_dict")]
    saved = [s for s in saved if s.get("state") is not None]
    if [type(cb).__name__ for cb in stateful] != [s["class"] for s in saved]:
        warnings.warn(f"the checkpoint holds state for callbacks {[s['class'] for s in saved]}, "
                      f"this run has {[type(cb).__name__ for cb in stateful]}; their state "
                      "starts afresh", RuntimeWarning, stacklevel=3)
        return False
    for cb, s in zip(stateful, saved):
        cb.load_state_dict(s["state"])
    return True


def _check_resumable(state, path, trainer, lr, batch_size, reg, reg_type, X):
    where = f"cannot resume from {str(path)!r}"
    saved, here = state["architecture"], architecture(trainer.net)
    if saved.get("dtype") != here["dtype"]:
        raise ValueError(f"{where}: the checkpoint was trained in {saved.get('dtype')}, this "
                         f"network is {here['dtype']}; build it with "
                         f"dtype=numpy.{saved.get('dtype')}")
    if saved.get("layers") != here["layers"]:
        raise ValueError(f"{where}: the checkpoint holds the network {describe_architecture(saved)}"
                         f", but this network is {describe_architecture(here)}")
    fit_args = state.get("fit", {})
    for name, value in (("loss", trainer.loss), ("optimizer", type(trainer.optimizer).__name__)):
        if name in fit_args and fit_args[name] != value:
            raise ValueError(f"{where}: it was trained with {name} {fit_args[name]!r}, this run "
                             f"uses {value!r}")
    changed = [name for name, value in (("batch_size", batch_size), ("reg", float(reg)),
                                        ("reg_type", reg_type))
               if name in fit_args and fit_args[name] != value]
    if lr is not None and "lr" in fit_args and fit_args["lr"] != lr:
        changed.append("lr")
    if changed:
        warnings.warn(f"resuming {str(path)!r} with different {', '.join(changed)} than it was "
                      "trained with; the result will differ from an uninterrupted run",
                      RuntimeWarning, stacklevel=3)
