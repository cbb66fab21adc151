"""Many small networks trained together: what a sweep over seeds, sizes and strengths does.

:func:`train_many` trains each network as :func:`~layerwise.training.trainer.fit` would train
it alone with the same arguments (the same validation split, minibatch order, random draws and
weights), but epoch by epoch across all of them, with each epoch's training and evaluation of a
network one compiled call each (:mod:`layerwise.engine.compiled`) where the compiled path
covers it. Small nets are all per-call overhead, and ``fit``'s evaluation pass after every
epoch costs about as much as the epoch itself; together they are where a sweep's time goes.

>>> import layerwise as lw
>>> X, y = lw.data.spiral(n=200, classes=2, seed=0)
>>> nets = [lw.Network([2, 20, 2], seed=s) for s in range(3)]
>>> histories = train_many(nets, X, y, seeds=range(3), optimizer="adam", lr=0.01, epochs=5,
...                        batch_size=10, val_fraction=0.1)
>>> [len(h) for h in histories]
[5, 5, 5]
"""
from __future__ import annotations

import inspect
import time

import numpy as np

from ..engine import compiled, losses
from . import trainer as _fit

__all__ = ["train_many"]

#: the arguments of fit that train_many runs itself; any other sends each net through fit
_OWN = {"loss", "optimizer", "lr", "epochs", "batch_size", "reg", "reg_type", "val",
        "val_fraction", "eval_train", "compiled", "progress"}


def train_many(nets, X, y, seeds=None, errors="raise", **fit_args):
    """Train every network in ``nets`` on ``(X, y)``; return their histories, in order.

    Each network ends as ``lw.fit(net, X, y, seed=seed, **fit_args)`` would leave it, with its
    own seed from ``seeds``, and its :class:`~layerwise.training.trainer.History` holds the same
    losses; the evaluation numbers (training and validation accuracy, validation loss, dead
    fractions) come from a compiled evaluation pass where the compiled path runs, equal to
    ``fit``'s to round-off.

    Parameters
    ----------
    nets : sequence of Sequential
        Trained in place; they may differ in architecture.
    X : array (N, D)
    y : array (N,) or (N, outputs)
    seeds : sequence of int or Generator, optional
        One per network (default: ``0, 1, 2, ...``).
    errors : {"raise", "return"}, default "raise"
        What a diverging network does: raise its
        :class:`~layerwise.training.trainer.TrainingDiverged` at once (as a loop of ``fit``
        calls would), or stop that network alone and put the error in its place in the result
        (its ``history`` holds the epochs before it).
    **fit_args
        As for :func:`~layerwise.training.trainer.fit`. Callbacks, checkpoints, schedules and
        early stopping are honoured by training each network through ``fit`` itself, one after
        another (the results are the same, only slower); ``progress`` is ignored.

    Returns
    -------
    list of History (or TrainingDiverged, with ``errors="return"``)

    Raises
    ------
    ValueError
        For ``seeds`` of another length than ``nets``, an unknown ``errors``, or any argument
        ``fit`` refuses.
    """
    nets = list(nets)
    if not nets:
        return []
    seeds = list(range(len(nets))) if seeds is None else list(seeds)
    if len(seeds) != len(nets):
        raise ValueError(f"train_many needs one seed per network: got {len(nets)} networks and "
                         f"{len(seeds)} seeds")
    if errors not in ("raise", "return"):
        raise ValueError(f"errors must be 'raise' or 'return', got {errors!r}")
    fit_args.pop("progress", None)
    optimizer_kwargs = {k: v for k, v in fit_args.items() if k not in _OWN}
    if any(k in optimizer_kwargs for k in ("callbacks", "checkpoint", "resume", "schedule",
                                           "early_stopping", "patience")):
        return [_one_by_one(net, X, y, seed, errors, fit_args) for net, seed in zip(nets, seeds)]
    runs = [_Run(net, X, y, seed, fit_args, optimizer_kwargs) for net, seed in zip(nets, seeds)]
    result = [run.history for run in runs]
    live = list(range(len(runs)))
    for epoch in range(max(run.epochs for run in runs)):
        for i in [i for i in live if runs[i].epochs > epoch]:
            try:
                runs[i].epoch()
            except _fit.TrainingDiverged as e:
                e.history = runs[i].history
                if errors == "raise":
                    raise
                result[i] = e
                live.remove(i)
    for i in live:
        _fit._warn_if_underfit(runs[i].trainer, runs[i].history, runs[i].y)
    return result


def _one_by_one(net, X, y, seed, errors, fit_args):
    try:
        return _fit.fit(net, X, y, seed=seed, progress=False, **fit_args)
    except _fit.TrainingDiverged as e:
        if errors == "raise":
            raise
        return e


def _fit_defaults():
    """fit's own defaults, so that train_many's stay the same as they change."""
    return {k: p.default for k, p in inspect.signature(_fit.fit).parameters.items()
            if p.default is not inspect.Parameter.empty}


class _Run:
    """One network's run, set up as fit sets it up (the same seeds, split and checks)."""

    def __init__(self, net, X, y, seed, args, optimizer_kwargs):
        args = {**_fit_defaults(), **args}
        epochs = args["epochs"]
        if not (isinstance(epochs, (int, np.integer)) and not isinstance(epochs, bool)
                and epochs >= 1):
            raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
        self.epochs = int(epochs)
        trainer_seed, split_rng = _fit._seeds(seed)
        t = self.trainer = _fit.Trainer(
            net, loss=args["loss"], optimizer=args["optimizer"], lr=args["lr"], reg=args["reg"],
            reg_type=args["reg_type"], batch_size=args["batch_size"], seed=trainer_seed,
            compiled=args.get("compiled"), **optimizer_kwargs)
        X, y = t.prepare(X, y)
        self.X, self.y, self.validation = _fit._validation_split(
            t, X, y, args["val"], args["val_fraction"], None, split_rng)
        self.eval_train = args["eval_train"]
        self.want_acc = _fit._is_classification(args["loss"]) or self.y.dtype.kind in "biu"
        self.history = _fit.History()
        self._evaluators = {}

    def _evaluate(self, which, X, y, with_loss, want_dead):
        """fit's evaluation pass, compiled where the compiled path covers the net (made ready
        once per data set: it runs after every epoch)."""
        t = self.trainer
        run = self._evaluators.get(which)
        if run is None:
            run = self._evaluators[which] = compiled.evaluator(t, X, y, with_loss,
                                                               self.want_acc, want_dead)
        out = run() if run is not None else None
        if out is None:
            self._evaluators.pop(which)
            out = _fit._sweep(t.net, X, y, t._loss if with_loss else None, self.want_acc,
                              want_dead)
        return out

    def epoch(self):
        t = self.trainer
        t0 = time.perf_counter()
        lr_used = t.optimizer.lr
        train_loss = t.run_epoch(self.X, self.y)
        _, train_acc, dead = (self._evaluate("train", self.X, self.y, False, True)
                              if self.eval_train else (None, None, {}))
        val_loss = val_acc = None
        if self.validation is not None:
            val_loss, val_acc, _ = self._evaluate("val", *self.validation, True, False)
            val_loss += losses.penalty(t.net, t.reg, t.reg_type)
        self.history.append(epoch=t.epoch, train_loss=float(train_loss), train_acc=train_acc,
                            val_loss=val_loss, val_acc=val_acc, lr=float(lr_used),
                            dead_fraction=dead, time=time.perf_counter() - t0)
