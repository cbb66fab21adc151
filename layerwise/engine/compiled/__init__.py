"""The compiled fast path: whole epochs of a small network's training in one compiled call.

A small net's step is all per-call overhead: a 2-20-2 step is ~25 NumPy calls of about a
microsecond each, for arithmetic that takes well under one. With numba installed
(``pip install 'layerwise[fast]'``), :meth:`Trainer.run_epoch
<layerwise.training.trainer.Trainer.run_epoch>` hands the epoch's steps (forward, loss,
backward, penalty and update, minibatch after minibatch) to one compiled function, so that no
Python runs between steps. numba was chosen over a C extension or Cython because it needs no
compiler on the user's machine, compiles the NumPy-style loops of the engine as they are, and
caches the machine code on disk (``cache=True``), so a second process starts without compiling.

What is covered: :class:`~layerwise.engine.network.Sequential` and
:class:`~layerwise.engine.network.Network` of Dense layers with every activation of the table,
PReLU, Maxout, Dropout and GaussianNoise; the five named losses; L1 and L2; every optimizer of
:mod:`layerwise.engine.optim`; float32 and float64. Loss and optimizer objects of other modules
are covered where they declare a formula the kernels have (see :class:`LossForm` and
:class:`UpdateForm`): scikit-learn's MLP losses, with sample weights and its per-batch penalty,
and its SGD and Adam (:mod:`layerwise.sklearn`). Anything else (a custom loss or layer, a
subclassed trainer step or optimizer, a layer too wide for loops to beat BLAS) runs on the NumPy
engine, decided per call, with the same results.

Same results means: the same minibatch order (the trainer's ``rng.permutation(n)`` per epoch,
batches of ``batch_size``, the last one smaller), dropout masks and noise drawn from the same
generators in the same order as the NumPy layers draw them (in NumPy, before the compiled call),
the optimizer's own state vectors updated in place, and in float64 the same weights after an
epoch to round-off (the products' sums are reassociated, as a BLAS library reassociates them).

A network too big for the kernel's loops (a layer past :data:`MAX_LAYER_MACS`) trains on the
NumPy engine, whose products are BLAS's either way; there the step's penalty gradient and
update, five or six passes over the parameters in NumPy, run as one compiled pass
(:func:`step_update`) with the same operations, so the weights are NumPy's bit for bit.

The switch: ``Trainer(..., compiled=False)`` (also through ``lw.fit(..., compiled=False)``)
or the environment variable ``LAYERWISE_COMPILED=0`` turn the fast path off.

>>> import layerwise as lw
>>> t = lw.Trainer(lw.Network([2, 8, 2], seed=0), lr=0.1, batch_size=10, seed=0)
>>> covered = epoch_runner(t) is not None
>>> covered == available()
True
"""
from __future__ import annotations

import math
import os
import sys
import threading
import weakref
from typing import NamedTuple, Optional

import numpy as np

from .. import losses as _losses
from .. import optim as _optim
from ..layers import Activation, Dense, Dropout, GaussianNoise, Maxout, PReLU
from ..network import Network, Sequential

__all__ = ["available", "enabled", "epoch_runner", "covers", "evaluation", "evaluator",
           "step_update", "ENV", "LossForm", "UpdateForm"]

#: set to 0 (or "false", "no", "off") to turn the compiled path off
ENV = "LAYERWISE_COMPILED"
#: a network with a layer of more multiply-adds per sample than this runs on the NumPy engine.
#: Up to here the step's Python overhead is a visible part of it (64-100-10 at batch 32 and
#: 40-100-100-10 at batch 100 take 1.35x and 1.1-1.2x less time compiled, one BLAS thread,
#: float32); beyond it a step is its matrix products, which both paths hand to the same BLAS
#: (3072-100-10 at batch 256: no steady difference), so the NumPy engine keeps them
MAX_LAYER_MACS = 1 << 16
#: random numbers (dropout masks, noise) drawn ahead per compiled call, at most
RAND_BYTES = 16 << 20

#: a kernel's first call in a process that takes longer than this is compiling (loading it from
#: numba's cache takes well under a second): the user is told once, while it runs
COMPILE_NOTICE_S = 2.0

_loaded = None  # the kernels module, once imported (not named _kernels: the import would find it)
_tried = False
_plans = weakref.WeakKeyDictionary()


def available() -> bool:
    """Whether numba (and SciPy, whose BLAS numba calls for products) is installed."""
    global _loaded, _tried
    if not _tried:
        _tried = True
        try:
            import scipy.linalg.cython_blas  # noqa: F401  numba's np.dot calls SciPy's BLAS
            from . import _kernels
        except ImportError:
            _kernels = None
        _loaded = _kernels
    return _loaded is not None


def enabled(trainer=None) -> bool:
    """Whether the fast path may run: numba is installed, ``LAYERWISE_COMPILED`` is not 0, and
    ``trainer`` (when given) was not built with ``compiled=False``."""
    if os.environ.get(ENV, "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    if trainer is not None and getattr(trainer, "compiled", None) is False:
        return False
    return available()


_ready = set()  # (kernel, dtype) pairs this process has called: their machine code is loaded
_told = False


def _kernel(name, dtype):
    """The kernel ``name`` of the loaded module; on its first call in this process for
    ``dtype``, wrapped so that a call still running after :data:`COMPILE_NOTICE_S` (numba
    compiling it, once per machine) says so on stderr, once a process: a first ``fit`` would
    otherwise sit silent for 10-25 s."""
    fn = getattr(_loaded, name)
    key = (name, np.dtype(dtype))
    if key in _ready:
        return fn

    def first_call(*args):
        timer = threading.Timer(COMPILE_NOTICE_S, _tell_compiling, (dtype,))
        timer.daemon = True
        timer.start()
        try:
            return fn(*args)
        finally:
            timer.cancel()
            _ready.add(key)

    return first_call


def _tell_compiling(dtype):
    global _told
    if not _told:
        _told = True
        print(f"layerwise: compiling the fast path for {np.dtype(dtype).name} networks (numba); "
              "this happens once per machine, later runs load it from numba's cache "
              f"(set {ENV}=0 to train on the NumPy engine instead)", file=sys.stderr, flush=True)


_ACT_CODES = {"identity": 0, "sigmoid": 1, "tanh": 2, "relu": 3, "leaky_relu": 4, "elu": 5,
              "softplus": 6, "gelu": 7, "silu": 8}
_LOSS_CODES = {"softmax": 0, "hinge": 1, "logistic": 2, "binary_hinge": 3, "mse": 4,
               "sklearn_squared_error": 5, "sklearn_log_loss": 6, "sklearn_binary_log_loss": 7,
               "sklearn_poisson": 8, "sklearn_hinge": 9}
#: the losses that take integer labels (the first column of a form's targets)
_LABEL_LOSSES = {"softmax", "hinge", "binary_hinge", "sklearn_hinge"}
_OPTIMIZERS = (_optim.SGD, _optim.Momentum, _optim.Nesterov, _optim.Adagrad, _optim.RMSprop,
               _optim.Adam)
_UPDATE_CODES = {"sklearn_sgd": 4, "sklearn_adam": 5}


class LossForm(NamedTuple):
    """How a loss object runs in the kernels, as its ``compiled_loss(trainer)`` method declares.

    A loss ``fn(scores, y) -> (loss, dscores)`` that the trainer calls is a Python callable the
    kernels cannot run; one whose class defines ``compiled_loss(trainer)`` (itself, not by
    inheritance: a subclass may compute otherwise) tells them which of their formulas it is,
    or returns None where it has none for that trainer.

    Attributes
    ----------
    name : str
        A loss of the kernels: a named loss ("softmax", ...), or one of scikit-learn's MLP
        losses, "sklearn_squared_error", "sklearn_log_loss" (one-hot targets),
        "sklearn_binary_log_loss", "sklearn_poisson", "sklearn_hinge" (integer labels in the
        first column).
    weighted : bool
        The targets' last column holds each row's sample weight.
    batch_alpha : float or None
        The L2 penalty is scikit-learn's, ``batch_alpha / 2 ||W||^2 / norm`` for each batch
        (``norm`` its size or weight sum), in place of the trainer's ``reg``.
    """

    name: str
    weighted: bool = False
    batch_alpha: Optional[float] = None


class UpdateForm(NamedTuple):
    """How an optimizer object runs in the kernels, as its ``compiled_update()`` declares (its
    own class's method, as for :class:`LossForm`).

    ``name`` is "sklearn_sgd" (settings: momentum, Nesterov as 0 or 1) or "sklearn_adam"
    (settings: beta_1, beta_2, epsilon); ``state1`` / ``state2`` are the optimizer's state
    vectors (velocity; first and second moments), updated in place, or None.
    """

    name: str
    settings: tuple
    state1: Optional[np.ndarray] = None
    state2: Optional[np.ndarray] = None


def _declared(obj, method, *args):
    """``obj.method(*args)`` when ``obj``'s own class defines ``method`` and the instance does
    not replace it; else None."""
    if method not in vars(type(obj)) or method in getattr(obj, "__dict__", {}):
        return None
    return getattr(obj, method)(*args)


def _loss_form(trainer):
    spec = trainer._loss_spec
    if isinstance(spec, str):
        return LossForm(spec) if spec in _LOSS_CODES else None
    form = _declared(spec, "compiled_loss", trainer)
    return form if form is not None and form.name in _LOSS_CODES else None


def _update_form(opt):
    if type(opt) in _OPTIMIZERS:
        return None
    form = _declared(opt, "compiled_update")
    return form if form is not None and form.name in _UPDATE_CODES else None


def _offset(arr, flat):
    """Where ``arr`` starts in ``flat`` (in elements), if it is a view of ``flat`` laid out as
    the kernels read it: 1-D contiguous, or 2-D ``(out, in)`` stored as its row-major
    transpose; else None."""
    if not isinstance(arr, np.ndarray) or arr.dtype != flat.dtype:
        return None
    if arr.ndim == 2 and not arr.T.flags.c_contiguous:
        return None
    if arr.ndim == 1 and not arr.flags.c_contiguous:
        return None
    start = arr.__array_interface__["data"][0] - flat.__array_interface__["data"][0]
    if start % flat.itemsize or not 0 <= start // flat.itemsize <= flat.size - arr.size:
        return None
    return start // flat.itemsize


class _Plan:
    """What the kernel needs to know about a trainer's network, built once per network."""

    def __init__(self, trainer):
        net, opt = trainer.net, trainer.optimizer
        store = getattr(net, "store", None)
        self.form = _loss_form(trainer)
        self.key = (store, tuple(net.layers), opt, trainer._loss_spec, self.form)
        self.ok = False
        self.work = {}  # the step kernel's buffers, by (batch size, inputs, targets, weighted)
        if type(net) not in (Sequential, Network) or net.dtype not in (np.float32, np.float64):
            return
        if self.form is None:
            return
        if store is None or getattr(opt, "store", None) is not store or \
                (type(opt) not in _OPTIMIZERS and _update_form(opt) is None):
            return
        wslice = store.weight_slice
        if not isinstance(wslice, slice) or wslice.start not in (0, None):
            return
        self.n_weights = int(wslice.stop)
        rows, width = [], net.in_features
        self.random = []  # (layer index, layer) of the layers that draw
        for i, layer in enumerate(net.layers):
            row = self._row(i, layer, width, net)
            if row is None:
                return
            rows.append(row)
            width = row[3]
        self.table = np.array(rows, np.int64)
        self.first = next((i for i, l in enumerate(net.layers) if l.param_names), 0)
        self.loss_code = _LOSS_CODES[self.form.name]
        eps = np.finfo(net.dtype).eps
        # scikit-learn clips probabilities to [eps, 1 - eps] of the dtype before a logarithm
        self.clip = np.array([eps, 1 - eps], net.dtype)
        self.random_width = sum(int(self.table[i, 2]) for i, _ in self.random)
        self.no_draws = np.empty(0, net.dtype)  # `rand` of a net with no random layer
        self.ok = True

    def _row(self, i, layer, width, net):
        kind = type(layer)
        row = [0, 0, width, width, -1, -1, -1]
        if kind in (Dense, Maxout):
            k = layer.k if kind is Maxout else 1
            if layer.in_features != width or layer.in_features * layer.out_features * k \
                    > MAX_LAYER_MACS:
                return None
            row[0], row[1], row[3] = (0, 1, layer.out_features) if kind is Dense \
                else (3, k, layer.out_features)
            for col, name in ((4, "weight"), (5, "bias")):
                off = _offset(getattr(layer, name), net.flat_params)
                if off is None or off != _offset(layer.grads.get(name), net.flat_grads):
                    return None
                row[col] = off
            # weights must lie in the regularized slice, biases outside it
            if row[4] + layer.weight.size > self.n_weights or row[5] < self.n_weights:
                return None
        elif kind is Activation:
            code = _ACT_CODES.get(layer.name)
            if code is None or layer.fn is not _act_fn(layer.name):
                return None
            row[0], row[1] = 1, code
        elif kind is PReLU:
            if layer.num_parameters != width:
                return None
            off = _offset(layer.weight, net.flat_params)
            if off is None or off != _offset(layer.grads.get("weight"), net.flat_grads) \
                    or off < self.n_weights:
                return None
            row[0], row[4] = 2, off
        elif kind in (Dropout, GaussianNoise):
            if not isinstance(getattr(layer, "rng", None), np.random.Generator):
                return None
            row[0] = 4 if kind is Dropout else 5
            self.random.append((i, layer))
        else:
            return None
        return row


def _act_fn(name):
    from .. import activations

    return activations.ACTIVATIONS[name]


def _plan(trainer):
    plan = _plans.get(trainer)
    net = trainer.net
    if plan is not None:
        k = plan.key
        if k[0] is getattr(net, "store", None) and k[2] is trainer.optimizer \
                and len(k[1]) == len(net.layers) and all(a is b for a, b in zip(k[1], net.layers)) \
                and k[3] is trainer._loss_spec and (isinstance(k[3], str)
                                                   or _loss_form(trainer) == k[4]):
            return plan
    plan = _plans[trainer] = _Plan(trainer)
    return plan


def covers(trainer) -> bool:
    """Whether the compiled path would run ``trainer``'s epochs (numba present, switched on,
    and everything in the net, loss and optimizer covered)."""
    return _covering_plan(trainer) is not None


def _covering_plan(trainer):
    """The plan of ``trainer`` where the compiled path covers it, else None."""
    if not enabled(trainer) or not _standard_step(trainer):  # a changed step runs as written
        return None
    plan = _plan(trainer)
    return plan if plan.ok else None


def _standard_step(trainer):
    """Whether ``trainer`` steps with the step written in the class that defines its
    ``run_epoch`` (the Trainer's own), not one that a subclass, the instance or a patch of
    the class put in its place."""
    if "step" in vars(trainer):
        return False
    owner = next((c for c in type(trainer).__mro__ if "run_epoch" in vars(c)), None)
    step = getattr(type(trainer), "step", None)
    return (owner is not None and step is vars(owner).get("step")
            and getattr(step, "__module__", None) == owner.__module__
            and getattr(step, "__qualname__", None) == f"{owner.__qualname__}.step")


def epoch_runner(trainer):
    """The compiled epoch for ``trainer``, or None where the NumPy engine must run it.

    The callable takes ``(X, y, order=None)`` as :meth:`Trainer.run_epoch
    <layerwise.training.trainer.Trainer.run_epoch>` does (dense X only) and does what it does:
    one pass in a fresh random order (or in ``order``), the epoch and step counts advanced,
    the mean loss per sample returned, :class:`~layerwise.training.trainer.TrainingDiverged`
    raised (with the last good state restored) at a non-finite or exploding loss or weight.
    """
    plan = _covering_plan(trainer)
    if plan is None:
        return None
    return lambda X, y, order=None: _run_epoch(trainer, plan, X, y, order)


# -- one epoch ----------------------------------------------------------------------------------
def _targets(plan, y, n, dtype):
    """``(yi, yf, sw)``: integer labels and real targets ``(N, outputs)``, one of them empty,
    and the sample weights (empty: none)."""
    form = plan.form
    sw = np.empty(0, dtype)
    if form.weighted:
        y = np.asarray(y).reshape(n, -1)
        y, sw = y[:, :-1], np.ascontiguousarray(y[:, -1], dtype)
    if form.name in _LABEL_LOSSES:
        y = np.asarray(y)
        if y.ndim == 2:
            y = y[:, 0]
        return np.ascontiguousarray(y, np.int64).reshape(n), np.empty((0, 1), dtype), sw
    return np.empty(0, np.int64), np.ascontiguousarray(y, dtype).reshape(n, -1), sw


def _draws(plan, rows, bs, dtype):
    """Dropout masks and noise for ``rows`` rows in steps of ``bs``, drawn as the NumPy layers
    draw them; returns ``(rand, offsets by layer index)``."""
    live = []
    for i, layer in plan.random:
        amount = layer.p if isinstance(layer, Dropout) else layer.std
        if amount != 0.0:  # a zero rate draws nothing in the NumPy layer either
            live.append((i, layer))
    width = {i: int(plan.table[i, 2]) for i, _ in live}
    offsets, size = {}, 0
    for i, _ in live:
        offsets[i] = size
        size += rows * width[i]
    rand = np.empty(size, dtype)
    blocks = {i: rand[offsets[i]:offsets[i] + rows * width[i]].reshape(rows, width[i])
              for i, _ in live}
    shared = len({id(layer.rng) for _, layer in live}) < len(live)
    if shared:
        # layers sharing a generator take turns on it, step by step, in forward order
        for row in range(0, rows, bs):
            r = min(bs, rows - row)
            for i, layer in live:
                blocks[i][row:row + r] = _draw(layer, (r, width[i]), dtype)
    else:
        # each generator's stream is the same whether drawn per step or all at once
        for i, layer in live:
            blocks[i][...] = _draw(layer, (rows, width[i]), dtype)
    return rand, offsets


def _draw(layer, shape, dtype):
    """What the layer's forward pass draws and makes of it (layers.Dropout, GaussianNoise)."""
    if isinstance(layer, Dropout):
        draw = layer.rng.random(shape, dtype=dtype)
        return (draw >= layer.p) * dtype.type(1.0 / (1.0 - layer.p))
    return (layer.rng.standard_normal(shape) * layer.std).astype(dtype)


def _opt_args(opt):
    """``(code, settings, state 1, state 2)``; missing state vectors are made here (zeros, which
    the update formulas turn into exactly what a first NumPy step would store)."""
    empty = np.empty(0, opt.params.dtype)
    form = _update_form(opt)
    if form is not None:
        settings = np.zeros(3)
        settings[:len(form.settings)] = form.settings
        return (_UPDATE_CODES[form.name], settings,
                empty if form.state1 is None else form.state1,
                empty if form.state2 is None else form.state2)
    if isinstance(opt, _optim.SGD):
        if opt.momentum and opt.velocity is None:
            opt.velocity = np.zeros_like(opt.params)
        s1 = opt.velocity if opt.momentum else empty
        return 0, np.array([opt.momentum, float(opt.nesterov), 0.0]), s1, empty
    if isinstance(opt, _optim.Adagrad):
        return 1, np.array([opt.eps, 0.0, 0.0]), opt.sum, empty
    if isinstance(opt, _optim.RMSprop):
        if opt.momentum and opt.buffer is None:
            opt.buffer = np.zeros_like(opt.params)
        s2 = opt.buffer if opt.momentum else empty
        return 2, np.array([opt.alpha, opt.eps, float(opt.momentum)]), opt.square_avg, s2
    return 3, np.array([opt.beta1, opt.beta2, opt.eps]), opt.m, opt.v


def _run_epoch(trainer, plan, X, y, order):
    net, opt = trainer.net, trainer.optimizer
    n, bs = X.shape[0], trainer.batch_size
    trainer.mark_good()
    if order is None:
        perm = trainer.rng.permutation(n)
    else:
        perm = np.asarray(order, dtype=np.int64)
        if len(perm) != n:
            raise ValueError(f"order must be a permutation of range({n}), got {len(perm)} "
                             "indices")
    X = np.ascontiguousarray(X)
    yi, yf, sw = _targets(plan, y, n, net.dtype)
    code, hp, s1, s2 = _opt_args(opt)
    # the table's column of random offsets is set per call where layers draw
    table = plan.table.copy() if plan.random else plan.table
    # steps per compiled call: the whole epoch, unless its random numbers would not fit
    per_call = n if not plan.random_width else max(
        bs, RAND_BYTES // (plan.random_width * net.dtype.itemsize) // bs * bs)
    total = 0.0
    batch_reg = plan.form.batch_alpha is not None
    reg = plan.form.batch_alpha if batch_reg else trainer.reg
    reg_l1 = trainer.reg_type == "l1" and not batch_reg
    # the trainer's explosion check (Trainer.step) runs in the kernel; the first loss of a run
    # sets its limit, which the trainer computes
    limit = np.array([trainer._loss_limit, np.nan])
    # the step kernel's buffers (it allocates nothing), kept from epoch to epoch: every step
    # writes them before it reads them
    shape = (bs, X.shape[1], yf.shape[1], sw.shape[0] > 0)
    work = plan.work.get(shape)
    if work is None:
        if len(plan.work) >= 4:
            plan.work.clear()
        work = plan.work[shape] = _kernel("step_workspace", net.dtype)(
            table, X.shape[1], bs, net.flat_params, yf, sw)
    params_sum = math.nan  # no call (no rows): the whole check below
    for start in range(0, n, per_call):
        chunk = perm[start:start + per_call]
        steps = -(-len(chunk) // bs)
        if plan.random:
            rand, offsets = _draws(plan, len(chunk), bs, net.dtype)
            table[:, 6] = -1
            for i, off in offsets.items():
                table[i, 6] = off
        else:
            rand = plan.no_draws
        losses = np.empty(steps)
        row = 0
        while row < len(chunk):
            done, status, total, params_sum = _kernel("run_steps", net.dtype)(
                X, chunk, row, bs, yi, yf, sw, plan.clip, table, net.flat_params, net.flat_grads,
                rand, plan.loss_code, plan.first, reg, reg_l1, batch_reg, plan.n_weights, code,
                hp, opt.lr, opt.t, s1, s2, losses, limit, total, work)
            trainer.step_count += done
            if status >= 0:
                trainer._check_loss(float(losses[status]))  # raises TrainingDiverged, as step
            opt.t += done
            row += done * bs
            if status == -2:
                trainer._set_reference(float(limit[1]))
                limit[0] = trainer._loss_limit
    # a non-finite weight that the loss did not show yet, as Trainer.run_epoch checks
    if not math.isfinite(params_sum) and not np.isfinite(net.flat_params).all():
        trainer._diverged("a weight became NaN or infinite")
    trainer.epoch += 1
    return total / n


# -- the update of a step on the NumPy engine ----------------------------------------------------
#: a store of at least this many values has its penalty and update run compiled when its
#: epochs run on the NumPy engine (a big network): there these are memory passes, five of them
#: in NumPy (3072-512-256-10: 1.2 of a 9 ms step), one in the kernel. Below it they are a few
#: microsecond calls either way
FUSED_UPDATE_MIN = 1 << 16

_updates = weakref.WeakKeyDictionary()


def step_update(trainer):
    """For a step that runs on the NumPy engine: a callable that adds the trainer's penalty
    gradient to the gradients and applies its optimizer's update in one compiled pass, with
    the operations of :func:`~layerwise.engine.losses.regularization` and
    ``optimizer.step()``, and returns the penalty of the weights before the update; or None
    where NumPy does it (no numba, switched off, a store under :data:`FUSED_UPDATE_MIN` values,
    an optimizer the kernels have no formula for).

    The callable advances the optimizer's step count, as ``optimizer.step()`` does. The L2
    penalty's sum is taken block by block on the way, so in float32 it can differ from
    NumPy's in the last bits; the weights are the same bit for bit.
    """
    opt, store = trainer.optimizer, getattr(trainer.net, "store", None)
    if store is None or store.size < FUSED_UPDATE_MIN or not enabled(trainer):
        return None
    key = (opt, store, trainer.reg, trainer.reg_type)
    cached = _updates.get(trainer)
    if cached is not None and all(a is b or a == b for a, b in zip(cached[0], key)):
        return cached[1]
    fused = None
    wslice = store.weight_slice
    if getattr(opt, "store", None) is store and "step" not in vars(opt) \
            and (type(opt) in _OPTIMIZERS or _update_form(opt) is not None) \
            and isinstance(wslice, slice) and wslice.start in (0, None) \
            and trainer.reg_type in ("l1", "l2"):
        n_weights, reg, l1 = int(wslice.stop), trainer.reg, trainer.reg_type == "l1"

        def fused():
            # L1's sum is NumPy's; L2's comes from the pass
            penalty = _losses.penalty(trainer.net, reg, "l1") if l1 else 0.0
            code, hp, s1, s2 = _opt_args(opt)  # read each time: a step may replace the state
            opt.t += 1
            squares = _kernel("penalized_update", store.dtype)(
                code, hp, opt.lr, opt.t, store.params, store.grads, s1, s2, n_weights, reg, l1)
            return penalty if l1 else 0.5 * reg * squares
    _updates[trainer] = (key, fused)
    return fused


# -- evaluation -----------------------------------------------------------------------------------
#: rows per evaluation chunk (as the trainer's EVAL_CHUNK bounds its memory)
EVAL_CHUNK = 4096


def evaluation(trainer, X, y, with_loss, want_acc, want_dead):
    """The evaluation pass :func:`~layerwise.training.trainer.fit` makes after each epoch, in
    one compiled call: ``(mean data loss or None, accuracy or None, {layer index: dead
    fraction})``, or None where the compiled path does not cover ``trainer``.

    ``X`` and ``y`` are as :meth:`Trainer.prepare <layerwise.training.trainer.Trainer.prepare>`
    gives them. Dead fractions are those of :func:`layerwise.engine.monitor.dead_fraction`.
    The values agree with the NumPy pass to round-off (an accuracy or dead unit could differ
    only on a score tied to the last bit).
    """
    run = evaluator(trainer, X, y, with_loss, want_acc, want_dead)
    return None if run is None else run()


def evaluator(trainer, X, y, with_loss, want_acc, want_dead):
    """:func:`evaluation` made ready for repeated calls on the same data (after each epoch):
    a callable of no arguments giving what :func:`evaluation` gives, or None where the compiled
    path does not cover ``trainer``. The data are converted once; each call checks only that
    the trainer's network and optimizer are still those it was made for, and returns None
    when they are not."""
    plan, net = _covering_plan(trainer), trainer.net
    if plan is None:
        return None
    if plan.form.weighted:
        return None  # a mean over chunks would not be the weighted mean
    n = X.shape[0]
    yi, yf, sw = _targets(plan, y, n, net.dtype)
    if not want_acc and not with_loss:
        yi, yf = yi[:0], yf[:0]
    last = len(net.layers) - 1
    units = np.array([0 if i == last or not l.has_units else (2 if isinstance(l, Maxout) else 1)
                      for i, l in enumerate(net.layers)] if want_dead else [0] * len(net.layers),
                     np.int64)
    width = int(max(plan.table[:, 3].max(), plan.table[:, 2].max()))
    alive = np.zeros((len(net.layers), width), np.bool_)
    table = plan.table.copy()
    table[:, 6] = -1
    X = np.ascontiguousarray(X)
    code = plan.loss_code if with_loss else -1
    chunk = min(EVAL_CHUNK, n)
    dead_units = [(int(i), int(table[i, 2] if units[i] == 1 else table[i, 3]))
                  for i in np.flatnonzero(units)]

    def run():
        if _plans.get(trainer) is not plan or plan.key[0] is not getattr(net, "store", None) \
                or not enabled(trainer):
            return None
        alive[...] = False
        total, correct = _kernel("evaluate", net.dtype)(
            X, yi, yf, sw, plan.clip, table, net.flat_params, code, units, chunk, alive)
        dead = {i: float(1.0 - alive[i, :w].mean()) for i, w in dead_units}
        return (total / n if with_loss else None, correct / n if want_acc else None, dead)

    return run
