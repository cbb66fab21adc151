"""One playground session: its data, its network, its training, and the frames the page draws.

A :class:`Session` is plain NumPy and layerwise, with no web code, so it can be driven and
measured directly::

    s = Session(parse_setup({"data": "spiral", "hidden": [8, 8]}))
    s.train_steps(1000)
    data = s.frame_bytes()  # one binary WebSocket message

A frame is one binary WebSocket message: a 4-byte little-endian length, a JSON header, then
the arrays the header lists (each at a 4-byte aligned offset), so the page reads them as typed
array views without copying:

* ``region``: uint8 ``(2, 100, 100)``, the decision regions, row 0 at the top: plane 0 is the
  predicted class, plane 1 the confidence (the winning softmax probability rescaled from
  ``1/C..1`` to ``0..255``);
* ``units``: int8 ``(U, 20, 20)``, each unit's output over the plane (inputs x1 and x2, every
  hidden neuron, every output score), scaled by ``unit_scale`` (float32 ``(U,)``) to -127..127;
* ``links``: float32, every weight layer's ``(out, in)`` matrix, one after another.

>>> from layerwise.web.setup import parse_setup
>>> s = Session(parse_setup({"data": "xor", "hidden": [4], "n": 100}))
>>> s.train_steps(50)
50
>>> header, arrays = unpack_frame(s.frame_bytes())
>>> header["sizes"], {name: a.shape for name, a in arrays.items()}
([2, 4, 2], {'region': (2, 100, 100), 'units': (8, 20, 20), 'unit_scale': (8,), 'links': (16,)})
"""
from __future__ import annotations

import json
import math
import os
import struct
import tempfile
import threading
import time

import numpy as np

import layerwise as lw
from ..engine.layers import Dense, GaussianNoise, Maxout
from ..engine.losses import softmax
from ..engine.monitor import ever_active, forward_probe
from ..training.trainer import Trainer, TrainingDiverged
from .setup import MULTICLASS_SETS, Setup

REGION = 100  # the decision-region grid is REGION x REGION
UNIT = 20  # each neuron's heatmap is UNIT x UNIT


def make_data(setup: Setup):
    """The base data set of ``setup`` as float32 ``(X_train, y_train, X_test, y_test)``.

    Toy sets are drawn with ``data_seed``; the train/test split is a permutation drawn from the
    same seed, so the same setup always gives the same points. Points added by clicking
    (``setup.extra``) are appended to the training set.
    """
    rng = np.random.default_rng(setup.data_seed)
    if setup.data == "custom":
        P = np.asarray(setup.points, dtype=np.float64)
        X, y = P[:, :2], P[:, 2].astype(np.int64)
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
    return (np.ascontiguousarray(X_train, f32), y_train, np.ascontiguousarray(X[te], f32),
            y[te], _extent(X))


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


def layer_name(depth: int) -> str:
    """The seed's name: an N-layer network counts its weight layers, not the input."""
    return f"{depth}-layer network"


def make_trainer(net, setup: Setup, optimizer=None):
    """The library's :class:`~layerwise.training.trainer.Trainer` for ``setup``'s loss, optimizer, learning
    rate and regularization; ``optimizer`` (an instance) keeps its state across changes."""
    reg = setup.reg if setup.reg_type != "none" else 0.0
    return Trainer(net, loss=setup.loss, optimizer=optimizer or setup.optimizer, lr=setup.lr,
                   reg=reg, reg_type="l2" if setup.reg_type == "none" else setup.reg_type,
                   batch_size=setup.batch_size)


class Session:
    """A data set, a network and an optimizer, trained one minibatch at a time.

    Parameters
    ----------
    setup : Setup
        From :func:`~layerwise.web.setup.parse_setup`.
    """

    def __init__(self, setup: Setup):
        self.lock = threading.Lock()  # held by whoever trains or reads the network
        self.setup = None
        self.frames = 0
        self.apply(setup)

    # -- building ------------------------------------------------------------------------------
    def apply(self, setup: Setup) -> str:
        """Adopt a new setup; return what it took: ``"reset"`` (fresh data or network),
        ``"data"`` (points added by clicking, training continues) or ``"update"`` (learning
        rate, loss, optimizer, regularization, input noise or batch size)."""
        old, self.setup = self.setup, setup
        what = "update"
        if old is None or old.data_key() != setup.data_key() or old.extra != setup.extra:
            appended = (old is not None and old.data_key() == setup.data_key()
                        and setup.extra[:len(old.extra)] == old.extra)
            self._build_data()
            what = "data" if appended else "reset"
        if what == "reset" or old.net_key() != setup.net_key():
            self._build_net()
            what = "reset"
        else:
            # the same network goes on training; a new optimizer only if its kind changed
            keep = self.trainer.optimizer if old.optimizer == setup.optimizer else None
            self.trainer = make_trainer(self.net, setup, keep)
            self.noise.std = setup.input_noise
            # after a divergence the weights from the start of that epoch are back: with a new
            # learning rate (or loss, or optimizer) training may go on from them
            self.diverged = False
        return what

    def _build_data(self):
        s = self.setup
        self.X_train, self.y_train, self.X_test, self.y_test, self.extent = make_data(s)
        self._grid = np.concatenate([_grid(self.extent, REGION), _grid(self.extent, UNIT)])
        self._order_rng = np.random.default_rng([s.data_seed, s.seed, 1])
        self._Xp = np.empty_like(self.X_train)
        self._yp = np.empty_like(self.y_train)
        self._pos = None  # the next step starts a new epoch

    def _build_net(self):
        s = self.setup
        rng = np.random.default_rng(s.seed)
        self.net = lw.Network(s.sizes, activation=s.activation, dropout=s.dropout, seed=rng)
        self.trainer = make_trainer(self.net, s)
        self.noise = GaussianNoise(s.input_noise, rng=rng.spawn(1)[0])
        self._order_rng = np.random.default_rng([s.data_seed, s.seed, 1])
        self._pos = None
        self.epoch = 0
        self.steps = 0
        self.diverged = False

    def reset(self):
        """Fresh weights from the same seed: training starts over exactly as before."""
        self._build_net()

    # -- training ------------------------------------------------------------------------------
    def train_steps(self, k: int) -> int:
        """Take up to ``k`` minibatch steps (fewer when training diverges); each epoch (one pass
        over the training set) starts with a fresh shuffle. Returns the steps taken."""
        n = len(self.X_train)
        bs = min(self.setup.batch_size, n)
        trainer, noise, Xp, yp = self.trainer, self.noise, self._Xp, self._yp
        pos, done = self._pos, 0
        # overflow on the way to divergence is reported as divergence, not as warnings
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            try:
                for _ in range(k):
                    if pos is None:
                        # permute once per epoch, then slice: cheaper than gathering every batch
                        perm = self._order_rng.permutation(n)
                        np.take(self.X_train, perm, axis=0, out=Xp)
                        np.take(self.y_train, perm, axis=0, out=yp)
                        pos = 0
                        trainer._mark_good()  # what a divergence in this epoch falls back to
                    end = pos + bs
                    Xb = Xp[pos:end]
                    trainer.step(noise.forward(Xb, train=True) if noise.std else Xb, yp[pos:end])
                    done += 1
                    pos = end
                    if pos >= n:
                        self.epoch += 1
                        pos = None
            except TrainingDiverged:
                # the trainer restored the weights from the start of this epoch
                self.diverged = True
                pos = None
        self._pos = pos
        self.steps += done
        return done

    def train_for(self, seconds: float, max_steps: int = 100_000) -> int:
        """Train for about ``seconds`` of wall time (at least one step); return steps taken."""
        done, chunk = 0, 8
        t_end = time.perf_counter() + seconds
        while done < max_steps and not self.diverged:
            done += self.train_steps(min(chunk, max_steps - done))
            if time.perf_counter() >= t_end:
                break
        self._check_finite()
        return done

    def train_epoch(self) -> int:
        """Train to the end of the current epoch (a whole epoch when one is not under way)."""
        n, bs = len(self.X_train), min(self.setup.batch_size, len(self.X_train))
        left = n if self._pos is None else n - self._pos
        k = self.train_steps(math.ceil(left / bs))
        self._check_finite()
        return k

    def _check_finite(self):
        # a finite sum proves every parameter finite
        if not np.isfinite(self.net.flat_params.sum()):
            self.diverged = True

    # -- what the page draws -------------------------------------------------------------------
    def _probe(self, X):
        """Eval-mode forward pass keeping each hidden layer's input and output."""
        h, units = forward_probe(self.net, X)
        return [u[0] for u in units.values()], [u[1] for u in units.values()], h

    def evaluate(self):
        """Data loss and accuracy on the training and test sets, and the dead ReLUs.

        A hidden unit is dead when its input is <= 0 on every training point (the definition
        of :func:`layerwise.engine.monitor.dead_fraction`); only ReLU units are reported, since only
        their gradient is then exactly zero.
        """
        loss_fn = lw.losses.get(self.setup.loss)
        out = {}
        pre_train = None
        for name, X, y in (("train", self.X_train, self.y_train), ("test", self.X_test, self.y_test)):
            pre, _, scores = self._probe(X)
            if name == "train":
                pre_train = pre
            if len(X) and np.isfinite(scores).all():
                with np.errstate(over="ignore"):  # the fast softmax falls back on overflow
                    out[f"{name}_loss"] = float(loss_fn(scores, y, validate=False)[0])
                out[f"{name}_acc"] = float((scores.argmax(axis=1) == y).mean())
            else:
                out[f"{name}_loss"] = out[f"{name}_acc"] = None
        relu = self.setup.activation == "relu"
        dead = [~ever_active(p) if relu else np.zeros(p.shape[1], bool) for p in pre_train]
        out["dead_units"] = [d.astype(int).tolist() for d in dead]
        out["dead"] = [float(d.mean()) if relu else None for d in dead]
        return out

    def frame(self):
        """``(header, [(name, array), ...])``: everything the page needs to draw one frame."""
        self.frames += 1
        pre, post, scores = self._probe(self._grid)
        R = REGION * REGION
        region = np.empty((2, REGION, REGION), np.uint8)
        s = np.nan_to_num(scores[:R], nan=0.0, posinf=1e30, neginf=-1e30)
        c = s.shape[1]
        probs = softmax(s.astype(np.float64))
        region[0] = probs.argmax(axis=1).reshape(REGION, REGION)
        conf = (probs.max(axis=1) - 1.0 / c) / (1.0 - 1.0 / c)
        region[1] = np.clip(np.round(conf * 255), 0, 255).reshape(REGION, REGION)
        # each unit's output over the small grid: inputs, hidden layers, output scores
        unit_vals = np.concatenate([self._grid[R:]] + [p[R:] for p in post] + [scores[R:]],
                                   axis=1).T.astype(np.float64)
        unit_vals = np.nan_to_num(unit_vals, nan=0.0, posinf=0.0, neginf=0.0)
        scale = np.abs(unit_vals).max(axis=1)
        scale[scale == 0] = 1.0
        units = np.round(unit_vals / scale[:, None] * 127).astype(np.int8)
        links = [self._link_matrix(layer) for layer in self.net.layers
                 if isinstance(layer, (Dense, Maxout))]
        header = {"type": "frame", "frame": self.frames, "epoch": self.epoch,
                  "steps": self.steps, "sizes": self.setup.sizes, "diverged": self.diverged}
        header.update(self.evaluate())
        arrays = [("region", region), ("units", units.reshape(-1, UNIT, UNIT)),
                  ("unit_scale", scale.astype(np.float32)),
                  ("links", np.concatenate([m.ravel() for m in links]).astype(np.float32))]
        header["link_shapes"] = [list(m.shape) for m in links]
        return header, arrays

    @staticmethod
    def _link_matrix(layer):
        """``(out, in)`` weights to draw; a maxout neuron shows its largest piece per input."""
        W = layer.weight
        if isinstance(layer, Maxout):
            W = W.reshape(layer.out_features, layer.k, layer.in_features)
            pick = np.abs(W).argmax(axis=1)[:, None, :]
            W = np.take_along_axis(W, pick, axis=1)[:, 0, :]
        return np.nan_to_num(W, nan=0.0, posinf=0.0, neginf=0.0)

    def frame_bytes(self) -> bytes:
        """:meth:`frame`, packed as one binary WebSocket message (see the module docstring)."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            header, arrays = self.frame()
        return pack_frame(header, arrays)

    def info(self, with_points=True) -> dict:
        """The network's size in the seed's terms, the data, and the rebuild snippet."""
        net = self.net
        n_weights = int(sum(w.size for w in net.weights()))
        out = {"type": "info", "name": layer_name(net.depth), "depth": net.depth,
               "neurons": net.num_neurons, "params": net.num_params, "weights": n_weights,
               "biases": net.num_params - n_weights, "sizes": self.setup.sizes,
               "classes": self.setup.num_classes, "extent": self.extent,
               "setup": self.setup.to_json(), "snippet": self.snippet()}
        if with_points:
            out["train"] = _points(self.X_train, self.y_train)
            out["test"] = _points(self.X_test, self.y_test)
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

    def snippet(self) -> str:
        """Python that rebuilds this network with layerwise from the downloaded file."""
        s = self.setup
        args = [repr(s.sizes), f'activation="{s.activation}"']
        if s.dropout:
            args.append(f"dropout={s.dropout:g}")
        reg = "no regularization" if s.reg_type == "none" or not s.reg else \
            f"{s.reg_type.upper()} strength {s.reg:g}"
        return "\n".join([
            "import layerwise as lw",
            "",
            f"# the playground's {layer_name(len(s.hidden) + 1)}: {s.sizes[0]} inputs -> "
            + " -> ".join(map(str, s.hidden + [s.sizes[-1]])) + f" class scores, {s.activation}",
            f"# trained with {s.loss} loss, {s.optimizer} at learning rate {s.lr:g}, {reg}, "
            f"batch size {s.batch_size}",
            "net = lw.load(\"layerwise-playground.safetensors\")",
            f"# the same architecture with fresh weights: lw.Network({', '.join(args)})",
            "print(net.summary())",
            "print(net.predict([[0.5, -0.25]]))  # the class of the point (0.5, -0.25)",
        ])


def _points(X, y):
    return {"x": np.round(X[:, 0].astype(np.float64), 5).tolist(),
            "y": np.round(X[:, 1].astype(np.float64), 5).tolist(), "label": y.tolist()}


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
