"""Training callbacks and the checkpoint file format.

A callback is any object with some of these methods; :func:`layerwise.fit` calls each one it
finds, in order, with the :class:`~layerwise.training.trainer.Trainer` and the
:class:`~layerwise.training.trainer.History` so far:

* ``on_train_begin(trainer, history)``
* ``on_epoch_begin(trainer, history)``
* ``on_epoch_end(trainer, history)``: return ``True`` to stop training after this epoch
* ``on_train_end(trainer, history)``
* ``state_dict()`` / ``load_state_dict(state)``: what a checkpoint keeps of the callback, so a
  resumed run continues exactly where it stopped (a dict of JSON values and NumPy arrays)

Checkpoint files are NumPy ``.npz`` archives: the arrays (weights, optimizer state, callback
state) as ``.npy`` members, and everything else (epoch, step, RNG states, architecture, fit
arguments, history) as one JSON document in the member ``__meta__``. They are written atomically
and read with ``allow_pickle=False``: opening one never runs code.

>>> import numpy as np, layerwise as lw
>>> X, y = lw.data.xor(n=64, seed=0)
>>> net = lw.Network([2, 8, 2], seed=0)
>>> history = lw.fit(net, X, y, lr=0.5, epochs=30, seed=0, early_stopping=True, patience=3,
...                  progress=False)
>>> len(history) <= 30
True
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from ..engine import optim
from ..io.atomic import atomic_writer

__all__ = ["Callback", "EarlyStopping", "LearningRateSchedule", "Checkpoint",
           "save_checkpoint", "load_checkpoint", "architecture"]

FORMAT = "layerwise-checkpoint"
VERSION = 1
_META = "__meta__"


class Callback:
    """Base class with every hook a no-op; subclass and override what you need."""

    def on_train_begin(self, trainer, history):
        pass

    def on_epoch_begin(self, trainer, history):
        pass

    def on_epoch_end(self, trainer, history):
        """Return ``True`` to stop training after this epoch."""
        return False

    def on_train_end(self, trainer, history):
        pass


class LearningRateSchedule(Callback):
    """Set the learning rate at the start of each epoch: ``lr = base_lr * schedule(epoch)``.

    ``epoch`` counts completed epochs (0 for the first), so a schedule's factor at 0 applies to
    the first epoch. ``schedule`` is a :class:`layerwise.engine.optim.Schedule`, any callable
    ``epoch -> factor``, or a name: "step", "exponential", "cosine".

    >>> import layerwise as lw
    >>> s = LearningRateSchedule(lw.optim.StepDecay(step_size=2, gamma=0.5))
    >>> [s.schedule(e) for e in range(5)]
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, schedule):
        self.schedule = optim.get_schedule(schedule)
        if self.schedule is None:
            raise ValueError("LearningRateSchedule needs a schedule, got None")

    def on_epoch_begin(self, trainer, history):
        factor = self.schedule(trainer.epoch)
        if not (isinstance(factor, (int, float, np.floating)) and math.isfinite(factor)
                and factor > 0):
            raise ValueError(f"the schedule must return a positive finite factor, got "
                             f"{factor!r} for epoch {trainer.epoch}")
        trainer.optimizer.lr = trainer.optimizer.base_lr * float(factor)

    def __repr__(self):
        return f"LearningRateSchedule({self.schedule!r})"


class EarlyStopping(Callback):
    """Stop when the monitored quantity has not improved for ``patience`` epochs, and put the
    best weights back at the end of training.

    Parameters
    ----------
    monitor : {"auto", "val_loss", "train_loss", "val_acc", "train_acc"}, default "auto"
        "auto" watches the validation loss when there is validation data, else the training loss.
        Losses must fall and accuracies rise to count as an improvement.
    patience : int, default 10
        Epochs without improvement before stopping.
    min_delta : float, default 0.0
        The smallest change that counts as an improvement.
    restore_best : bool, default True
        Copy the best epoch's weights back into the network when training ends.
    """

    def __init__(self, monitor="auto", patience=10, min_delta=0.0, restore_best=True):
        if monitor not in ("auto", "val_loss", "train_loss", "val_acc", "train_acc"):
            raise ValueError(f"unknown monitor {monitor!r}; expected one of: auto, val_loss, "
                             "train_loss, val_acc, train_acc")
        if not (isinstance(patience, (int, np.integer)) and patience >= 1):
            raise ValueError(f"patience must be an integer >= 1, got {patience!r}")
        if not (min_delta >= 0 and math.isfinite(min_delta)):
            raise ValueError(f"min_delta must be a finite number >= 0, got {min_delta!r}")
        self.monitor, self.patience = monitor, int(patience)
        self.min_delta, self.restore_best = float(min_delta), bool(restore_best)
        self.best = None
        self.best_epoch = None
        self.wait = 0
        self.best_weights = None

    def _watched(self, history):
        name = self.monitor
        if name == "auto":
            name = "val_loss" if history.val_loss and history.val_loss[-1] is not None \
                else "train_loss"
        value = getattr(history, name)[-1]
        if value is None:
            raise ValueError(f"early stopping watches {name!r}, but the history has no value "
                             "for it (validation needs val= or val_fraction=; accuracy needs a "
                             "classification loss)")
        return name, float(value)

    def on_epoch_end(self, trainer, history):
        name, value = self._watched(history)
        sign = -1.0 if name.endswith("acc") else 1.0  # compare as "lower is better"
        if self.best is None or sign * value < sign * self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = value, history.epoch[-1], 0
            if self.restore_best:
                if self.best_weights is None:
                    self.best_weights = trainer.net.flat_params.copy()
                else:
                    self.best_weights[...] = trainer.net.flat_params
            return False
        self.wait += 1
        return self.wait >= self.patience

    def on_train_end(self, trainer, history):
        if self.restore_best and self.best_weights is not None:
            trainer.net.flat_params[...] = self.best_weights

    def state_dict(self):
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait,
                "best_weights": self.best_weights}

    def load_state_dict(self, state):
        self.best, self.best_epoch = state["best"], state["best_epoch"]
        self.wait = int(state["wait"])
        w = state["best_weights"]
        self.best_weights = None if w is None else np.array(w)

    def __repr__(self):
        return (f"EarlyStopping(monitor={self.monitor!r}, patience={self.patience}, "
                f"min_delta={self.min_delta})")


class Checkpoint(Callback):
    """Write a checkpoint to ``path`` after every epoch (see :func:`save_checkpoint`).

    It runs after every other callback of the epoch, so what it saves includes their state.
    """

    def __init__(self, path):
        self.path = Path(path)
        folder = self.path.parent if str(self.path.parent) else Path(".")
        # fail before training, not after the first epoch's work
        if not folder.is_dir():
            raise FileNotFoundError(f"checkpoint folder {str(folder)!r} does not exist "
                                    f"(checkpoint={str(path)!r})")

    def on_epoch_end(self, trainer, history):
        save_checkpoint(self.path, trainer, history)
        return False

    def __repr__(self):
        return f"Checkpoint({str(self.path)!r})"


# -- the file format ----------------------------------------------------------------------------
def architecture(net) -> dict:
    """The part of a network a checkpoint must agree with: its layers and its dtype."""
    return {"dtype": str(net.dtype), "layers": [layer.config() for layer in net.layers]}


def describe_architecture(arch) -> str:
    """``"Dense(2->8), Activation(relu), Dense(8->2) in float32"``."""
    parts = []
    for cfg in arch.get("layers", []):
        cfg = dict(cfg)
        kind = cfg.pop("type", "?")
        if "in_features" in cfg and "out_features" in cfg:
            inner = f"{cfg.pop('in_features')}->{cfg.pop('out_features')}"
            inner += "".join(f", {k}={v}" for k, v in cfg.items())
        else:
            inner = ", ".join(str(v) for v in cfg.values())
        parts.append(f"{kind}({inner})")
    return f"{', '.join(parts)} in {arch.get('dtype')}"


def _encode(obj, prefix, arrays):
    """Replace every ndarray in ``obj`` by ``{"__array__": key}``, storing it in ``arrays``."""
    if isinstance(obj, np.ndarray):
        arrays[prefix] = obj
        return {"__array__": prefix}
    if isinstance(obj, dict):
        return {str(k): _encode(v, f"{prefix}/{k}", arrays) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_encode(v, f"{prefix}/{i}", arrays) for i, v in enumerate(obj)]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def _decode(obj, arrays):
    if isinstance(obj, dict):
        if set(obj) == {"__array__"}:
            return arrays[obj["__array__"]]
        return {k: _decode(v, arrays) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_decode(v, arrays) for v in obj]
    return obj


def save_checkpoint(path, trainer, history):
    """Write everything needed to continue training to ``path``, atomically.

    The file holds the weights, the optimizer state, epoch and step counts, the state of every
    random generator (the trainer's shuffling and each Dropout/GaussianNoise layer's), the
    network's architecture and config, the fit arguments, the history, the state of the
    trainer's callbacks and the validation split. A crash at any moment leaves the previous
    complete file or the new one. A state with a NaN or inf anywhere is refused, and nothing is
    written.
    """
    callbacks = []
    for cb in getattr(trainer, "callbacks", ()):
        state = cb.state_dict() if hasattr(cb, "state_dict") else None
        callbacks.append({"class": type(cb).__name__, "state": state})
    doc = {
        "format": FORMAT, "version": VERSION,
        "architecture": architecture(trainer.net),
        "net_config": trainer.net.config(),
        "fit": dict(getattr(trainer, "config", {}) or {}),
        "trainer": trainer.state_dict(),
        "history": history.to_dict(),
        "callbacks": callbacks,
        "data": dict(getattr(trainer, "data_state", {}) or {}),
        "stopped": bool(getattr(trainer, "stop_training", False)),
    }
    arrays = {}
    doc = _encode(doc, "", arrays)
    for key, a in arrays.items():
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            raise ValueError(f"refusing to write a checkpoint with non-finite values in "
                             f"{key.lstrip('/')!r}; {str(path)!r} was left as it was")
        if a.dtype.kind not in "biuf":
            raise TypeError(f"checkpoint arrays must be numeric, got {a.dtype} in {key!r}")
    doc["arrays"] = sorted(arrays)
    try:
        meta = json.dumps(doc, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as e:
        raise ValueError(f"checkpoint state is not JSON-serializable ({e}); {str(path)!r} was "
                         "left as it was") from None
    members = {_META: np.frombuffer(meta, dtype=np.uint8)}
    # npz member names cannot start with "/" portably; keys are stored without it
    members.update({key.lstrip("/"): a for key, a in arrays.items()})
    with atomic_writer(path) as f:
        np.savez(f, **members)


def load_checkpoint(path) -> dict:
    """Read and check a checkpoint written by :func:`save_checkpoint`; never unpickles.

    Returns a dict with ``epoch``, ``step``, ``trainer`` (weights, optimizer and RNG state),
    ``architecture``, ``net_config``, ``fit``, ``history``, ``callbacks``, ``data`` and
    ``stopped``. Raises ``FileNotFoundError`` if there is no file, and ``ValueError`` naming the
    problem if the file is not a complete checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {str(path)!r}")
    try:
        with np.load(path, allow_pickle=False) as z:
            if _META not in z.files:
                raise ValueError(f"it has no {_META!r} member")
            raw = z[_META]
            arrays = {"/" + k: z[k] for k in z.files if k != _META}
        doc = json.loads(bytes(raw).decode("utf-8"))
    except Exception as e:  # zipfile, npy-format and JSON errors all mean "not a checkpoint"
        raise ValueError(f"{str(path)!r} is not a readable layerwise checkpoint "
                         f"({type(e).__name__}: {e})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"{str(path)!r} is not a layerwise checkpoint (format "
                         f"{doc.get('format') if isinstance(doc, dict) else None!r})")
    if doc.get("version") != VERSION:
        raise ValueError(f"{str(path)!r} is a checkpoint of version {doc.get('version')!r}; "
                         f"this layerwise reads version {VERSION}")
    listed = {"/" + k.lstrip("/") for k in doc.get("arrays", [])}
    if listed != set(arrays):
        missing, extra = sorted(listed - set(arrays)), sorted(set(arrays) - listed)
        raise ValueError(f"{str(path)!r} is incomplete: missing arrays {missing}, unexpected "
                         f"{extra}")
    try:
        out = _decode({k: v for k, v in doc.items() if k != "arrays"}, arrays)
        out["epoch"], out["step"] = int(out["trainer"]["epoch"]), int(out["trainer"]["step"])
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"{str(path)!r} is a damaged checkpoint ({type(e).__name__}: {e})") \
            from None
    return out
