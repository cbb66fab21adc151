"""One playground session: its data, its network, its training, and the frames the page draws.

A :class:`Session` is plain NumPy and layerwise, with no web code, so it can be driven and
measured directly::

    s = Session(parse_setup({"data": "spiral", "hidden": [8, 8]}))
    s.train_steps(1000)
    data = s.frame_bytes()  # one binary WebSocket message

A frame is one binary WebSocket message: a 4-byte little-endian length, a JSON header, then
the arrays the header lists (each at a 4-byte aligned offset), so the page reads them as typed
array views without copying:

* ``region``: uint8 ``(2, R, R)``, the output over the plane, row 0 at the top. Classification:
  plane 0 is the predicted class, plane 1 the confidence (the winning softmax probability
  rescaled from ``1/C..1`` to ``0..255``). Regression: plane 0 is the output clipped to
  ``[-1, 1]`` and mapped to ``0..255``, plane 1 is 255;
* ``units``: int8 ``(U, G, G)``, each unit's output over the plane (the input features, every
  hidden neuron, every output), scaled by ``unit_scale`` (float32 ``(U,)``) to -127..127;
* ``links``: float32, every weight layer's ``(out, in)`` matrix, one after another;
* ``biases``: float32, every weight layer's biases, one after another.

``R`` is 100 and ``G`` 20 unless the network is so large that a frame would take longer than
:data:`FRAME_BUDGET_S`; then both shrink (to 25 and 10 at the least) so that the page keeps
drawing: the header names them (``region_size``, ``unit_size``).

Training and drawing may run at once in two threads: :meth:`Session.frame_bytes` draws a
:meth:`Session.snapshot` (a copy of the parameters and references to the data) on a second
network of the same shape, so a long training step never holds up a frame.

>>> from layerwise.web.setup import parse_setup
>>> s = Session(parse_setup({"data": "xor", "hidden": [4], "n": 100}))
>>> s.train_steps(50)
50
>>> header, arrays = unpack_frame(s.frame_bytes())
>>> header["sizes"], {name: a.shape for name, a in arrays.items()}
([2, 4, 2], {'region': (2, 100, 100), 'units': (8, 20, 20), 'unit_scale': (8,), 'links': (16,), \
'biases': (6,)})
"""
from __future__ import annotations

import json
import math
import os
import struct
import tempfile
import threading
import time
from dataclasses import dataclass

import numpy as np

import layerwise as lw
from ..engine import compiled
from ..engine.layers import GaussianNoise
from ..engine.network import depth_name
from ..engine.monitor import ever_active, forward_probe
from ..training.trainer import Trainer, TrainingDiverged
from . import datasets
from .setup import FEATURES, MULTICLASS_SETS, Setup

REGION = 100  # the decision-region grid is REGION x REGION when the network is small enough
UNIT = 20  # each neuron's heatmap is UNIT x UNIT when the network is small enough
#: (region, unit) grid sizes, finest first: a large network draws the first that fits.
RESOLUTIONS = ((100, 20), (64, 20), (50, 16), (40, 12), (32, 10), (25, 10))
FRAME_BUDGET_S = 0.03  # the forward pass over the grids may take this long per frame
EVAL_MAX = 2000  # losses, accuracy and dead units are measured on at most this many points a split
EVAL_MIN = 200  # ... and on at least this many (all, when a split has fewer)
EVAL_BUDGET_S = 0.02  # the measuring of both splits may take this long, at the measured cost
SATURATION_TAIL = 0.05  # as layerwise.engine.monitor.saturation_fraction counts it


def make_data(setup: Setup):
    """The base data set of ``setup``: ``(X_train, y_train, X_test, y_test, extent)``.

    ``X`` are float32 points of the plane, ``(N, 2)``; ``y`` int64 classes, or float32 targets
    in ``[-1, 1]`` for a regression set. Toy sets are drawn with ``data_seed``; the train/test
    split is a permutation drawn from the same seed, so the same setup always gives the same
    points. Points added by clicking (``setup.extra``) are appended to the training set.
    """
    rng = np.random.default_rng(setup.data_seed)
    if setup.data == "custom":
        P = np.asarray(setup.points, dtype=np.float64)
        X, y = P[:, :2], P[:, 2].astype(np.int64)
    elif setup.data in datasets.SETS:
        X, y = datasets.SETS[setup.data](setup.n, setup.noise, rng)
    else:
        make = lw.data.TOY_SETS[setup.data]
        kwargs = {"classes": setup.classes} if setup.data in MULTICLASS_SETS else {}
        X, y = make(n=setup.n, noise=setup.noise, seed=rng, **kwargs)
    order = rng.permutation(len(X))
    n_train = min(max(1, int(round(setup.ratio * len(X)))), len(X) - 1)
    tr, te = order[:n_train], order[n_train:]
    X_train, y_train = X[tr], y[tr]
    if setup.extra:
        E = np.asarray(setup.extra, dtype=np.float64)
        X_train = np.concatenate([X_train, E[:, :2]])
        y_train = np.concatenate([y_train, E[:, 2].astype(np.int64)])
    f32 = np.float32
    if setup.regression:
        y_train, y_test = y_train.astype(f32), y[te].astype(f32)
    else:
        y_test = y[te]
    extent = list(datasets.EXTENT) if setup.data in datasets.SETS else _extent(X)
    return (np.ascontiguousarray(X_train, f32), y_train, np.ascontiguousarray(X[te], f32),
            y_test, extent)


def featurize(X, features):
    """The network's inputs: the chosen features of the points ``X``.

    Shape
    -----
    - X: ``(N, 2)`` -> ``(N, len(features))`` float32, in the order of ``features``

    >>> featurize(np.array([[2.0, 3.0]]), ["x1", "x1sq", "x1x2", "sin_x2"]).round(3)
    array([[2.   , 4.   , 6.   , 0.141]], dtype=float32)
    """
    x1, x2 = X[:, 0], X[:, 1]
    table = {"x1": lambda: x1, "x2": lambda: x2, "x1sq": lambda: x1 * x1,
             "x2sq": lambda: x2 * x2, "x1x2": lambda: x1 * x2,
             "sin_x1": lambda: np.sin(x1), "sin_x2": lambda: np.sin(x2)}
    unknown = [f for f in features if f not in table]
    if unknown:
        raise ValueError(f"unknown features {unknown}; expected some of {', '.join(FEATURES)}")
    return np.ascontiguousarray(np.stack([table[f]() for f in features], axis=1),
                                dtype=np.float32)


def _extent(X):
    """A square view ``[x0, x1, y0, y1]`` around the data with a 10% margin."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    centre = (lo + hi) / 2
    half = max(float((hi - lo).max()) / 2 * 1.1, 1e-3)
    return [float(centre[0] - half), float(centre[0] + half),
            float(centre[1] - half), float(centre[1] + half)]


def _grid(extent, size):
    """``(size*size, 2)`` cell centres, row 0 at the top (largest y), as an image is stored."""
    x0, x1, y0, y1 = extent
    step_x, step_y = (x1 - x0) / size, (y1 - y0) / size
    xs = x0 + step_x * (np.arange(size) + 0.5)
    ys = y1 - step_y * (np.arange(size) + 0.5)
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)


def make_trainer(net, setup: Setup, optimizer=None):
    """The library's :class:`~layerwise.training.trainer.Trainer` for ``setup``'s loss, optimizer, learning
    rate and regularization; ``optimizer`` (an instance) keeps its state across changes."""
    reg = setup.reg if setup.reg_type != "none" else 0.0
    return Trainer(net, loss=setup.loss, optimizer=optimizer or setup.optimizer, lr=setup.lr,
                   reg=reg, reg_type="l2" if setup.reg_type == "none" else setup.reg_type,
                   batch_size=setup.batch_size)


def build_net(setup: Setup):
    """A fresh network for ``setup``, its initial weights scaled by ``setup.init_scale``."""
    rng = np.random.default_rng(setup.seed)
    net = lw.Network(setup.sizes, activation=setup.activation, dropout=setup.dropout, seed=rng)
    if setup.init_scale != 1.0:
        state = net.state_dict()
        net.load_state_dict({k: v * np.float32(setup.init_scale) if v.ndim == 2 else v
                             for k, v in state.items()})
    return net, rng


@dataclass(frozen=True)
class Snapshot:
    """What one frame draws: the parameters at one moment and the data they were trained on."""

    params: np.ndarray
    epoch: int
    steps: int
    diverged: bool
    version: int  # changes whenever the parameters or the data do
    data: tuple  # (X_train, y_train, X_test, y_test, eval order train, eval order test)
    points: tuple  # (train points, test points) of the plane, (N, 2), for the grids' extent
    extent: list
    setup: Setup


class Session:
    """A data set, a network and an optimizer, trained one minibatch at a time.

    Parameters
    ----------
    setup : Setup
        From :func:`~layerwise.web.setup.parse_setup`.

    Whoever trains or changes the session holds :attr:`lock`; drawing a frame needs only a
    :meth:`snapshot` (taken under the lock, and kept in :attr:`snap` after every change).
    """

    def __init__(self, setup: Setup):
        self.lock = threading.Lock()  # held by whoever trains or changes the network
        self._draw_lock = threading.Lock()  # one frame at a time on the drawing network
        self.setup = None
        self.frames = 0
        self._version = 0
        self._eval_cache = (None, None)
        self._grids = {}
        self.resolution = RESOLUTIONS[0]
        self._cost_per_point = None  # seconds per grid point of the last forward pass
        self.apply(setup)

    # -- building ------------------------------------------------------------------------------
    def apply(self, setup: Setup) -> str:
        """Adopt a new setup; return what it took: ``"reset"`` (fresh data or network),
        ``"data"`` (points added by clicking, training continues) or ``"update"`` (learning
        rate, loss, optimizer, regularization, input noise or batch size)."""
        what = self.classify(setup)
        old, self.setup = self.setup, setup
        if what != "update" and (old is None or old.data_key() != setup.data_key()
                                 or old.extra != setup.extra or old.features != setup.features):
            self._build_data()
        if what == "reset":
            self._build_net()
        else:
            # the same network goes on training; a new optimizer only if its kind changed
            keep = self.trainer.optimizer if old.optimizer == setup.optimizer else None
            self.trainer = make_trainer(self.net, setup, keep)
            self.noise.std = setup.input_noise
            # after a divergence the last good weights are back (see train_steps): with a new
            # learning rate (or loss, or optimizer) training may go on from them
            self.diverged = False
        self._changed()
        return what

    def classify(self, setup: Setup) -> str:
        """What :meth:`apply` would do with ``setup`` (see there), without doing it."""
        old = self.setup
        if old is None or old.net_key() != setup.net_key():
            return "reset"
        if old.data_key() != setup.data_key() or old.extra != setup.extra:
            appended = (old.data_key() == setup.data_key()
                        and setup.extra[:len(old.extra)] == old.extra)
            return "data" if appended else "reset"
        return "update"

    def _build_data(self):
        s = self.setup
        self.points_train, self.y_train, self.points_test, self.y_test, self.extent = \
            make_data(s)
        self.X_train = featurize(self.points_train, s.features)
        self.X_test = featurize(self.points_test, s.features)
        if s.regression:
            self.y_train, self.y_test = self.y_train[:, None], self.y_test[:, None]
        self._grids = {}
        # the sample a large split is measured on: a prefix of one fixed order, as long as the
        # budget allows, so that the sample stays put while the network trains
        pick = np.random.default_rng([s.data_seed, 2])
        self._eval_order = tuple(pick.permutation(len(X)) for X in (self.X_train, self.X_test))
        self._order_rng = np.random.default_rng([s.data_seed, s.seed, 1])
        self._Xp = np.empty_like(self.X_train)
        self._yp = np.empty_like(self.y_train)
        self._identity = np.arange(len(self.X_train))
        self._pos = None  # the next step starts a new epoch

    def _build_net(self):
        s = self.setup
        self.net, rng = build_net(s)
        # frames are drawn on a network of their own, so that they may run beside training
        self._draw_net = lw.Network(s.sizes, activation=s.activation, dropout=s.dropout, seed=0)
        self.trainer = make_trainer(self.net, s)
        self.noise = GaussianNoise(s.input_noise, rng=rng.spawn(1)[0])
        self._order_rng = np.random.default_rng([s.data_seed, s.seed, 1])
        self._pos = None
        self.epoch = 0
        self.steps = 0
        self.diverged = False
        self.resolution = RESOLUTIONS[0]
        # a first guess of the cost of a grid point, two FLOPs a weight at 1 GFLOP/s; the first
        # frame measures it
        self._cost_per_point = 2e-9 * self.net.num_params

    def reset(self):
        """Fresh weights from the same seed: training starts over exactly as before."""
        self._build_net()
        self._changed()

    def _changed(self):
        self._version += 1
        self.snap = self.snapshot()

    def snapshot(self) -> Snapshot:
        """The parameters (a copy) and the data as they are now; call it holding :attr:`lock`."""
        return Snapshot(self.net.flat_params.copy(), self.epoch, self.steps, self.diverged,
                        self._version, (self.X_train, self.y_train, self.X_test, self.y_test,
                                        *self._eval_order),
                        (self.points_train, self.points_test), self.extent, self.setup)

    def _current(self):
        """:attr:`snap`, or a fresh snapshot when training went on since it was taken (by a
        caller that trains and draws in one thread)."""
        if self.snap.version != self._version:
            self.snap = self.snapshot()
        return self.snap

    # -- editing -------------------------------------------------------------------------------
    def _weight_layers(self):
        return [layer for layer in self.net.layers if layer.is_weight_layer]

    def check_edit(self, layer, row, col=None, value=0.0):
        """Raise ``ValueError`` naming what is out of range in an :meth:`edit`."""
        n_layers = len(self._weight_layers())
        if isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < n_layers:
            raise ValueError(f"layer: expected a weight layer in [0, {n_layers - 1}], got "
                             f"{layer!r:.40}")
        target = self._weight_layers()[layer]
        n_out, n_in = target.out_features, target.in_features
        if isinstance(row, bool) or not isinstance(row, int) or not 0 <= row < n_out:
            raise ValueError(f"neuron: expected an index in [0, {n_out - 1}], got {row!r:.40}")
        if col is not None and (isinstance(col, bool) or not isinstance(col, int)
                                or not 0 <= col < n_in):
            raise ValueError(f"input: expected an index in [0, {n_in - 1}] or null (the bias), "
                             f"got {col!r:.40}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value) or abs(value) > 1e3:
            raise ValueError(f"value: expected a finite number within +-1000, got {value!r:.40}")
        return target

    def edit(self, layer: int, row: int, col=None, value=0.0):
        """Set one weight (``col`` given: neuron ``row`` of weight layer ``layer``, its input
        ``col``) or one bias (``col`` None) by hand; call it holding :attr:`lock`.

        A maxout neuron's weight is the piece the diagram shows, the largest for that input;
        its bias is set for every piece. Raises ``ValueError`` naming what is out of range.
        """
        target = self.check_edit(layer, row, col, value)
        index = self.net.layers.index(target)
        k = target.pieces
        name = "weight" if col is not None else "bias"
        state = self.net.state_dict()
        p = state[f"{index}.{name}"]
        if col is None:
            p[row * k:(row + 1) * k] = value
        else:
            piece = int(np.abs(p[row * k:(row + 1) * k, col]).argmax())
            p[row * k + piece, col] = value
        # through the state dict: however the network stores its parameters, this sets them
        self.net.load_state_dict(state)
        self.diverged = False
        self._changed()

    # -- training ------------------------------------------------------------------------------
    def train_steps(self, k: int) -> int:
        """Take up to ``k`` minibatch steps of the library's trainer (fewer when training
        diverges); each epoch (one pass over the training set) starts with a fresh shuffle.
        Returns the steps taken.

        Where the compiled fast path covers the network, the steps up to the end of the epoch
        (or to ``k``) run as one :meth:`Trainer.run_epoch` over that run of the shuffled rows,
        in their order; otherwise one :meth:`Trainer.step` each. The batches, their order and
        the input noise are the same either way, and so is what a divergence falls back to: the
        weights at the start of this call's run of steps within the epoch."""
        n = len(self.X_train)
        bs = min(self.setup.batch_size, n)
        trainer, noise, Xp, yp = self.trainer, self.noise, self._Xp, self._yp
        fast = compiled.covers(trainer)
        pos, done = self._pos, 0
        # overflow on the way to divergence is reported as divergence, not as warnings
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            try:
                while done < k:
                    if pos is None:
                        # permute once per epoch, then slice: cheaper than gathering every batch
                        perm = self._order_rng.permutation(n)
                        np.take(self.X_train, perm, axis=0, out=Xp)
                        np.take(self.y_train, perm, axis=0, out=yp)
                        pos = 0
                    steps = min(k - done, -(-(n - pos) // bs)) if fast else 1
                    end = min(pos + steps * bs, n)
                    Xb = Xp[pos:end]
                    # one draw for the run is the draws of its steps, in order
                    Xb = noise.forward(Xb, train=True) if noise.std else Xb
                    if fast:  # run_epoch marks its start as the state to fall back to
                        trainer.run_epoch(Xb, yp[pos:end], order=self._identity[:end - pos])
                    else:
                        if done == 0 or pos == 0:
                            trainer.mark_good()  # as run_epoch does at the start of its run
                        trainer.step(Xb, yp[pos:end])
                    done += steps
                    pos = end
                    if pos >= n:
                        self.epoch += 1
                        pos = None
            except TrainingDiverged:
                # the trainer restored the weights from the start of this run of steps
                self.diverged = True
                pos = None
        self._pos = pos
        self.steps += done
        if done:
            self._version += 1
        return done

    def train_for(self, seconds: float, max_steps: int = 100_000) -> int:
        """Train for about ``seconds`` of wall time (at least one step); return steps taken.
        Leaves a fresh :attr:`snap`."""
        # one step first, then as many as the time left holds at the measured pace: a network
        # whose step takes longer than `seconds` trains one step between two snapshots
        done, chunk = 0, 1
        t0 = time.perf_counter()
        t_end = t0 + seconds
        while done < max_steps and not self.diverged:
            taken = self.train_steps(min(chunk, max_steps - done))
            done += taken
            now = time.perf_counter()
            if now >= t_end or not taken:
                break
            chunk = max(1, min(256, int((t_end - now) / ((now - t0) / done))))
        self._check_finite()
        self.snap = self.snapshot()
        return done

    def train_epoch(self) -> int:
        """Train to the end of the current epoch (a whole epoch when one is not under way)."""
        n, bs = len(self.X_train), min(self.setup.batch_size, len(self.X_train))
        left = n if self._pos is None else n - self._pos
        k = self.train_steps(math.ceil(left / bs))
        self._check_finite()
        self.snap = self.snapshot()
        return k

    def _check_finite(self):
        # a finite sum proves every parameter finite
        if not np.isfinite(self.net.flat_params.sum()):
            self.diverged = True

    # -- what the page draws -------------------------------------------------------------------
    def _probe(self, X):
        """Eval-mode forward pass of the drawing network keeping each hidden layer's input
        and output."""
        h, units = forward_probe(self._draw_net, X)
        return [u[0] for u in units.values()], [u[1] for u in units.values()], h

    def _grid_for(self, snap, resolution):
        key = (id(snap.points[0]), resolution)
        grid = self._grids.get(key)
        if grid is None:
            r, u = resolution
            grid = self._grids[key] = featurize(
                np.concatenate([_grid(snap.extent, r), _grid(snap.extent, u)]),
                snap.setup.features)
        return grid

    def evaluate(self, snap=None):
        """Data loss and accuracy on the training and test sets, and the dead ReLUs.

        A hidden unit is dead when its input is <= 0 on every training point (the definition
        of :func:`layerwise.engine.monitor.dead_fraction`); only ReLU units are reported, since only
        their gradient is then exactly zero. A large split is measured on a fixed random sample
        (``eval_points`` says how many): as many points as :data:`EVAL_BUDGET_S` allows at the
        measured cost of a point, from :data:`EVAL_MIN` to :data:`EVAL_MAX`.
        Sigmoid and tanh units report the share of their outputs on the training points that
        lie within 5% of either end of their range (``saturated``), as
        :func:`layerwise.engine.monitor.saturation_fraction` counts it.
        """
        snap = snap or self._current()
        if self._eval_cache[0] == snap.version:
            return self._eval_cache[1]
        with self._draw_lock:
            self._draw_net.flat_params[...] = snap.params
            out = self._evaluate(snap)
        self._eval_cache = (snap.version, out)
        return out

    def _evaluate(self, snap):
        setup = snap.setup
        loss_fn = lw.losses.get(setup.loss)
        X_tr, y_tr, X_te, y_te, order_tr, order_te = snap.data
        out = {"eval_points": []}
        pre_train = post_train = None
        m = int(min(EVAL_MAX, max(EVAL_MIN, EVAL_BUDGET_S / 2 / self._cost_per_point)))
        for name, X, y, order in (("train", X_tr, y_tr, order_tr), ("test", X_te, y_te, order_te)):
            if len(X) > m:
                idx = np.sort(order[:m])
                X, y = X[idx], y[idx]
            out["eval_points"].append(len(X))
            pre, post, scores = self._probe(X)
            if name == "train":
                pre_train, post_train = pre, post
            if len(X) and np.isfinite(scores).all():
                with np.errstate(over="ignore"):  # the fast softmax falls back on overflow
                    out[f"{name}_loss"] = float(loss_fn(scores, y, validate=False)[0])
                out[f"{name}_acc"] = None if setup.regression else float(
                    (scores.argmax(axis=1) == y).mean())
            else:
                out[f"{name}_loss"] = out[f"{name}_acc"] = None
        relu = setup.activation == "relu"
        dead = [~ever_active(p) if relu else np.zeros(p.shape[1], bool) for p in pre_train]
        out["dead_units"] = [d.astype(int).tolist() for d in dead]
        out["dead"] = [float(d.mean()) if relu else None for d in dead]
        out["saturated"] = None
        if setup.activation in ("sigmoid", "tanh") and post_train:
            lo, hi = lw.activations.get(setup.activation).range
            shares = [(((y - lo) / (hi - lo) < SATURATION_TAIL)
                       | ((y - lo) / (hi - lo) > 1 - SATURATION_TAIL)).mean(axis=0)
                      for y in post_train]
            out["saturated_units"] = [np.round(s, 3).tolist() for s in shares]
            out["saturated"] = float(np.concatenate(shares).mean())
        return out

    def _pick_resolution(self):
        """The finest grids whose forward pass fits :data:`FRAME_BUDGET_S` at the measured cost
        of a grid point."""
        for r, u in RESOLUTIONS:
            if (r * r + u * u) * self._cost_per_point <= FRAME_BUDGET_S:
                return r, u
        return RESOLUTIONS[-1]

    def frame(self, snap=None):
        """``(header, [(name, array), ...])``: everything the page needs to draw one frame of
        ``snap`` (the latest :attr:`snap` when omitted)."""
        snap = snap or self._current()
        self.frames += 1
        r, u = self.resolution = self._pick_resolution()
        grid = self._grid_for(snap, (r, u))
        with self._draw_lock:
            self._draw_net.flat_params[...] = snap.params
            t0 = time.perf_counter()
            pre, post, scores = self._probe(grid)
            spent = time.perf_counter() - t0
        # a running estimate: one slow frame (the host was busy) does not coarsen the next
        measured = spent / len(grid)
        self._cost_per_point = 0.7 * self._cost_per_point + 0.3 * measured \
            if self.frames > 1 else measured
        R = r * r
        region = np.empty((2, r, r), np.uint8)
        s = np.nan_to_num(scores[:R], nan=0.0, posinf=1e30, neginf=-1e30)
        if snap.setup.regression:
            v = np.clip(s[:, 0], -1.0, 1.0)
            region[0] = np.round((v + 1.0) * 127.5).reshape(r, r)
            region[1] = 255
        else:
            c = s.shape[1]
            # the winning probability of a softmax is 1 / sum(exp(s - max)): no full softmax
            best = s.max(axis=1)
            conf = 1.0 / np.exp(s - best[:, None]).sum(axis=1)
            region[0] = s.argmax(axis=1).reshape(r, r)
            conf = (conf - 1.0 / c) / (1.0 - 1.0 / c)
            region[1] = np.clip(np.round(conf * 255), 0, 255).reshape(r, r)
        # each unit's output over the small grid: inputs, hidden layers, output scores
        unit_vals = np.concatenate([grid[R:]] + [p[R:] for p in post] + [scores[R:]],
                                   axis=1).T
        unit_vals = np.nan_to_num(unit_vals, nan=0.0, posinf=0.0, neginf=0.0)
        scale = np.abs(unit_vals).max(axis=1)
        scale[scale == 0] = 1.0
        units = np.round(unit_vals * (127 / scale[:, None])).astype(np.int8)
        layers = [layer for layer in self._draw_net.layers if layer.is_weight_layer]
        with self._draw_lock:
            links = [self._link_matrix(layer) for layer in layers]
            biases = [self._bias_vector(layer) for layer in layers]
        header = {"type": "frame", "frame": self.frames, "epoch": snap.epoch,
                  "steps": snap.steps, "sizes": snap.setup.sizes, "diverged": snap.diverged,
                  "region_size": r, "unit_size": u, "regression": snap.setup.regression}
        header.update(self.evaluate(snap))
        arrays = [("region", region), ("units", units.reshape(-1, u, u)),
                  ("unit_scale", scale.astype(np.float32)),
                  ("links", np.concatenate([m.ravel() for m in links]).astype(np.float32)),
                  ("biases", np.concatenate(biases).astype(np.float32))]
        header["link_shapes"] = [list(m.shape) for m in links]
        return header, arrays

    @staticmethod
    def _link_matrix(layer):
        """``(out, in)`` weights to draw; a maxout neuron shows its largest piece per input."""
        return np.nan_to_num(layer.neuron_weights(), nan=0.0, posinf=0.0, neginf=0.0)

    @staticmethod
    def _bias_vector(layer):
        """``(out,)`` biases to show; a maxout neuron shows its first piece's."""
        b = layer.bias.reshape(layer.out_features, layer.pieces)[:, 0]
        return np.nan_to_num(b, nan=0.0, posinf=0.0, neginf=0.0)

    def frame_bytes(self, snap=None) -> bytes:
        """:meth:`frame`, packed as one binary WebSocket message (see the module docstring)."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            header, arrays = self.frame(snap)
        return pack_frame(header, arrays)

    def info(self, with_points=True, setup=None) -> dict:
        """The network's size in the seed's terms, the data, and the rebuild snippet
        (for ``setup`` when given: a change that keeps the network and the data)."""
        net, setup = self.net, setup or self.setup
        n_weights = int(sum(w.size for w in net.weights()))
        out = {"type": "info", "name": depth_name(net.depth), "depth": net.depth,
               "neurons": net.num_neurons, "params": net.num_params, "weights": n_weights,
               "biases": net.num_params - n_weights, "sizes": setup.sizes,
               "classes": setup.num_classes, "regression": setup.regression,
               "extent": self.extent, "setup": setup.to_json(), "snippet": self.snippet(setup)}
        if with_points:
            out["train"] = _points(self.points_train, self.y_train)
            out["test"] = _points(self.points_test, self.y_test)
        return out

    # -- the model -----------------------------------------------------------------------------
    def model_bytes(self) -> bytes:
        """The trained network as a layerwise safetensors file (:func:`layerwise.io.save`)."""
        from ..io import model as io

        s = self.setup
        meta = {"trained_in": "layerwise playground", "data": s.data,
                "setup": json.dumps({k: v for k, v in s.to_json().items()
                                     if k not in ("points", "extra")}),
                "epoch": str(self.epoch)}
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "model.safetensors")
            io.save(self.net, path, metadata=meta)
            with open(path, "rb") as f:
                return f.read()

    def snippet(self, setup=None) -> str:
        """Python that rebuilds this network with layerwise from the downloaded file."""
        s = setup or self.setup
        args = [repr(s.sizes), f'activation="{s.activation}"']
        if s.dropout:
            args.append(f"dropout={s.dropout:g}")
        reg = "no regularization" if s.reg_type == "none" or not s.reg else \
            f"{s.reg_type.upper()} strength {s.reg:g}"
        outputs = "output (regression)" if s.regression else "class scores"
        code = {"x1": "x1", "x2": "x2", "x1sq": "x1**2", "x2sq": "x2**2", "x1x2": "x1 * x2",
                "sin_x1": "np.sin(x1)", "sin_x2": "np.sin(x2)"}
        lines = ["import numpy as np", "import layerwise as lw", "",
                 f"# the playground's {depth_name(len(s.hidden) + 1)}: {s.sizes[0]} inputs -> "
                 + " -> ".join(map(str, s.hidden + [s.sizes[-1]])) + f" {outputs}, "
                 f"{s.activation}",
                 f"# trained with {s.loss} loss, {s.optimizer} at learning rate {s.lr:g}, {reg}, "
                 f"batch size {s.batch_size}",
                 "net = lw.load(\"layerwise-playground.safetensors\")",
                 f"# the same architecture with fresh weights: lw.Network({', '.join(args)})",
                 "print(net.summary())",
                 "x1, x2 = 0.5, -0.25",
                 f"inputs = np.array([[{', '.join(code[f] for f in s.features)}]], np.float32)",
                 "print(net.predict(inputs))  # " + (
                     "the output at the point (0.5, -0.25)" if s.regression else
                     "the class of the point (0.5, -0.25)")]
        return "\n".join(lines)


def _points(X, y):
    y = np.asarray(y)
    label = np.round(y.ravel().astype(np.float64), 4).tolist() if y.dtype.kind == "f" \
        else y.tolist()
    return {"x": np.round(X[:, 0].astype(np.float64), 5).tolist(),
            "y": np.round(X[:, 1].astype(np.float64), 5).tolist(), "label": label}


def pack_frame(header: dict, arrays) -> bytes:
    """``[uint32 header length][JSON header][pad][arrays, each 4-byte aligned]``."""
    parts, offset, specs = [], 0, []
    for name, a in arrays:
        a = np.ascontiguousarray(a)
        specs.append({"name": name, "dtype": a.dtype.name, "shape": list(a.shape),
                      "offset": offset, "length": int(a.nbytes)})
        raw = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        pad = -len(raw) % 4
        parts.append(raw + b"\0" * pad)
        offset += len(raw) + pad
    header = dict(header, arrays=specs)
    for k, v in header.items():  # JSON has no NaN: a diverged loss is sent as null
        if isinstance(v, float) and not math.isfinite(v):
            header[k] = None
    text = json.dumps(header, allow_nan=False).encode()
    text += b" " * (-(len(text) + 4) % 4)
    return struct.pack("<I", len(text)) + text + b"".join(parts)


def unpack_frame(data: bytes):
    """The inverse of :func:`pack_frame`: ``(header, {name: array})``."""
    (n,) = struct.unpack_from("<I", data, 0)
    header = json.loads(data[4:4 + n])
    base = 4 + n
    arrays = {}
    for spec in header["arrays"]:
        start = base + spec["offset"]
        arrays[spec["name"]] = np.frombuffer(
            data[start:start + spec["length"]], dtype=np.dtype(spec["dtype"]).newbyteorder("<")
        ).reshape(spec["shape"])
    return header, arrays
