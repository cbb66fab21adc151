"""The scikit-learn face against scikit-learn itself: ``layerwise.sklearn.MLPClassifier`` /
``MLPRegressor`` and ``sklearn.neural_network``'s, with the same arguments, on the same data.

``python -m benchmarks.sklearn_fit`` (``--quick`` for a smoke run, ``--json PATH`` to keep the
measurements). For each data set and each seed, both estimators are built with identical
arguments and ``random_state=seed`` and fitted on the same training split, in alternating order
(which goes first swaps from seed to seed), with a short pause between fits; each is scored on
the same test split; each pair is fitted ``--repeats`` times (3) and each estimator's fastest
time counts, as the host's slow bursts only ever add time. The table gives the test score
over the seeds (mean and sample standard deviation), the median fit time, and the median over
seeds of the per-seed time ratio (scikit-learn's time over layerwise's): ratios of fits that ran
back to back, under the same host load. BLAS runs single-threaded for both by default (``--blas-threads``): these nets'
products are small, and on a busy two-core host OpenBLAS's second thread turns each one into a
hand-off that costs more than the product (both contenders then run ~20x slower and the ratio
is noise).

* digits (scikit-learn, 1,797 8x8 images), standardized, a stratified 70/30 split;
* MNIST-1D (the ``mnist1d`` package's default set, 4,000 / 1,000), the issue's setting:
  hidden (100, 100), ``alpha=1e-4``, ``batch_size=100``, ``max_iter=100``;
* diabetes (scikit-learn's ``load_diabetes``, 442 samples), X and y standardized, a 70/30
  split, R^2 (hidden (64,), ``alpha=10``, ``max_iter=1000``).

The fit times above are those of fits after the first in a process. ``--first-fit`` also times
the first fit of a fresh Python process, against a second fit in it, for layerwise's compiled
path with numba's on-disk cache empty (it compiles the kernels), with that cache filled (it
loads them: what every process after the first on a machine pays), and for the NumPy engine
(``LAYERWISE_COMPILED=0``).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Case:
    dataset: str
    task: str  # "classification" or "regression"
    params: dict = field(default_factory=dict)


def cases(quick=False):
    if quick:
        return [Case("digits", "classification", dict(hidden_layer_sizes=(16,), max_iter=3))]
    return [
        Case("digits", "classification", dict(hidden_layer_sizes=(100,), max_iter=100)),
        Case("mnist1d", "classification",
             dict(hidden_layer_sizes=(100, 100), alpha=1e-4, batch_size=100, max_iter=100)),
        Case("diabetes", "regression",
             dict(hidden_layer_sizes=(64,), alpha=10.0, max_iter=1000)),
    ]


def load(name, dtype=np.float64):
    """``(X_train, y_train, X_test, y_test)`` of a benchmark data set."""
    from sklearn.datasets import load_diabetes, load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    if name == "mnist1d":
        import layerwise as lw

        Xtr, ytr, Xte, yte = lw.data.mnist1d()
    else:
        X, y = (load_digits if name == "digits" else load_diabetes)(return_X_y=True)
        stratify = y if name == "digits" else None
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0,
                                              stratify=stratify)
        scaler = StandardScaler().fit(Xtr)
        Xtr, Xte = scaler.transform(Xtr), scaler.transform(Xte)
        if name == "diabetes":
            mean, sd = ytr.mean(), ytr.std()
            ytr, yte = (ytr - mean) / sd, (yte - mean) / sd
    return Xtr.astype(dtype), ytr, Xte.astype(dtype), yte


def _estimators(task):
    from sklearn import neural_network as sknn

    from layerwise import sklearn as lwsk

    if task == "classification":
        return {"layerwise": lwsk.MLPClassifier, "sklearn": sknn.MLPClassifier}
    return {"layerwise": lwsk.MLPRegressor, "sklearn": sknn.MLPRegressor}


def _fit(cls, params, seed, data):
    Xtr, ytr, Xte, yte = data
    est = cls(random_state=seed, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "not converged" at max_iter is expected here
        t0 = time.perf_counter()
        est.fit(Xtr, ytr)
        seconds = time.perf_counter() - t0
    return seconds, float(est.score(Xte, yte)), int(est.n_iter_)


def run(quick=False, seeds=5, dtype=np.float64, pause=0.5, repeats=3, log=None):
    """Fit every case with both estimators for each seed, ``repeats`` times each in
    alternating order, keeping each one's fastest time (the host's slow bursts only ever add
    time); JSON-able rows."""
    seeds, repeats = (1, 1) if quick else (seeds, repeats)
    rows = []
    for case in cases(quick):
        try:
            data = load(case.dataset, dtype)
        except ImportError as e:  # the data set ships in an optional package
            if log:
                log(f"{case.dataset}: skipped ({e})")
            continue
        ests = _estimators(case.task)
        names = list(ests)
        per = {n: {"seconds": [], "score": [], "n_iter": []} for n in names}
        for seed in range(seeds):
            best = {}
            for rep in range(repeats):
                for name in (names if (seed + rep) % 2 == 0 else names[::-1]):
                    seconds, score, n_iter = _fit(ests[name], case.params, seed, data)
                    best[name] = (min(seconds, best.get(name, (np.inf,))[0]), score, n_iter)
                    if log:
                        log(f"{case.dataset} seed {seed} {name}: {seconds:.2f} s, "
                            f"score {score:.4f}")
                    time.sleep(pause)
            for name in names:
                for key, value in zip(("seconds", "score", "n_iter"), best[name]):
                    per[name][key].append(value)
        ratios = [s / o for s, o in zip(per["sklearn"]["seconds"], per["layerwise"]["seconds"])]
        rows.append({"dataset": case.dataset, "task": case.task, "params": _jsonable(case.params),
                     "dtype": np.dtype(dtype).name, "train": len(data[0]), "test": len(data[2]),
                     "seeds": seeds, "repeats": repeats, "contenders": per,
                     "speedup_median": statistics.median(ratios), "speedups": ratios})
    return rows


#: what a fresh process runs for --first-fit: two fits of the first case, each timed
_FIRST_FIT = """
import json, sys, time, warnings
t0 = time.perf_counter()
from benchmarks.sklearn_fit import _estimators, _fit, cases, load
case = cases()[0]
data = load(case.dataset)
cls = _estimators(case.task)["layerwise"]
ready = time.perf_counter() - t0
times = [_fit(cls, case.params, 0, data)[0] for _ in range(2)]
print(json.dumps({"import_and_data_s": ready, "first_fit_s": times[0], "second_fit_s": times[1]}))
"""


def first_fit(log=None):
    """The first fit of the first case in fresh processes (one BLAS thread): layerwise's
    compiled path with numba's cache empty, then filled, and the NumPy engine. Returns
    ``{mode: {"import_and_data_s", "first_fit_s", "second_fit_s"}}``."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", NUMBA_CACHE_DIR=cache)
        for mode, extra in (("compiled, empty cache", {}), ("compiled, cached", {}),
                            ("NumPy engine", {"LAYERWISE_COMPILED": "0"})):
            done = subprocess.run([sys.executable, "-c", _FIRST_FIT], cwd=root,
                                  env={**env, **extra}, capture_output=True, text=True,
                                  check=True)
            out[mode] = json.loads(done.stdout.strip().splitlines()[-1])
            if log:
                log(f"first fit, {mode}: {out[mode]}")
    return out


def first_fit_table(costs) -> str:
    lines = ["| layerwise | import and data s | first fit s | second fit s |",
             "| --- | ---: | ---: | ---: |"]
    lines += [f"| {mode} | {c['import_and_data_s']:.2f} | {c['first_fit_s']:.2f} | "
              f"{c['second_fit_s']:.2f} |" for mode, c in costs.items()]
    return "\n".join(lines)


def _he_init(cls):
    """``cls`` initialized as the scikit-learn face was before it followed scikit-learn:
    He-normal weights (std ``sqrt(2 / fan_in)``) and zero biases."""
    from layerwise.engine.init import initialize
    from layerwise.engine.layers import Dense

    class HeInit(cls):
        def _build(self, layer_units, dtype):
            net = super()._build(layer_units, dtype)
            rng = np.random.default_rng(self.random_state)
            for layer in net.layers:
                if isinstance(layer, Dense):
                    layer.weight[...] = initialize("he", layer.weight.shape, rng, dtype)
                    layer.bias[...] = 0.0
            return net

    return HeInit


def why_mnist1d(seeds=5, log=None):
    """The MNIST-1D gap, taken apart: test accuracy over ``seeds`` of scikit-learn's
    estimator, of ours, of ours initialized as before (He-normal weights, zero biases), and of
    ours with PyTorch's Adam (epsilon added to the bias-corrected ``sqrt(v_hat)``)."""
    from sklearn import neural_network as sknn

    from layerwise import sklearn as lwsk

    data = load("mnist1d")
    params = cases()[1].params
    variants = {"scikit-learn": (sknn.MLPClassifier, {}),
                "layerwise": (lwsk.MLPClassifier, {}),
                "layerwise, He-normal init (before)": (_he_init(lwsk.MLPClassifier), {}),
                "layerwise, PyTorch's Adam": (lwsk.MLPClassifier, {"optimizer": "adam"})}
    scores = {name: [] for name in variants}
    for seed in range(seeds):
        for name, (cls, extra) in variants.items():
            scores[name].append(_fit(cls, {**params, **extra}, seed, data)[1])
            if log:
                log(f"mnist1d seed {seed} {name}: {scores[name][-1]:.4f}")
    lines = ["| variant | test accuracy (mean ± sd) | per seed |", "| --- | ---: | --- |"]
    lines += [f"| {name} | {_mean_sd(v)} | {', '.join(f'{x:.3f}' for x in v)} |"
              for name, v in scores.items()]
    return scores, "\n".join(lines)


def _jsonable(params):
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}


def _mean_sd(values):
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.4f} ± {sd:.4f}"


def table(rows) -> str:
    """The results as a Markdown table."""
    lines = ["| data set | settings | dtype | score (mean ± sd) layerwise | scikit-learn | "
             "fit s layerwise | scikit-learn | speed-up (median of per-seed ratios) |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lw_, sk = r["contenders"]["layerwise"], r["contenders"]["sklearn"]
        metric = "accuracy" if r["task"] == "classification" else "R^2"
        settings = ", ".join(f"{k}={tuple(v) if isinstance(v, list) else v}"
                             for k, v in r["params"].items())
        lines.append(f"| {r['dataset']} ({metric}, {r['seeds']} seeds) | {settings} | "
                     f"{r['dtype']} | {_mean_sd(lw_['score'])} | {_mean_sd(sk['score'])} | "
                     f"{statistics.median(lw_['seconds']):.2f} | "
                     f"{statistics.median(sk['seconds']):.2f} | {r['speedup_median']:.2f}x |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.sklearn_fit",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="one tiny case, one seed")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--repeats", type=int, default=3,
                   help="fits per seed and estimator; the fastest counts")
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                   help="the data's dtype, which both estimators train in")
    p.add_argument("--why-mnist1d", action="store_true",
                   help="also take the MNIST-1D gap of the old face apart (init, Adam)")
    p.add_argument("--first-fit", action="store_true",
                   help="also time the first fit of a fresh process (numba's compile or load)")
    p.add_argument("--blas-threads", type=int, default=1,
                   help="BLAS threads for both contenders (0: the library's default)")
    p.add_argument("--json", metavar="PATH", help="write every measurement here as JSON")
    args = p.parse_args(argv)
    from contextlib import nullcontext

    from .machine import load_average

    limit = nullcontext()
    if args.blas_threads:
        # layerwise's compiled path multiplies through SciPy's BLAS, a library apart from
        # NumPy's: it must be loaded before the limit is set, or it runs with every thread
        import scipy.linalg.cython_blas  # noqa: F401
        from threadpoolctl import threadpool_limits

        limit = threadpool_limits(args.blas_threads, user_api="blas")
    before = load_average()
    with limit:
        rows = run(args.quick, args.seeds, np.dtype(args.dtype), repeats=args.repeats,
                   log=lambda m: print(m, file=sys.stderr, flush=True))
        why = why_mnist1d(args.seeds, log=lambda m: print(m, file=sys.stderr, flush=True)) \
            if args.why_mnist1d else None
    after = load_average()
    first = first_fit(log=lambda m: print(m, file=sys.stderr, flush=True)) \
        if args.first_fit else None
    print(table(rows))
    if why is not None:
        print("\n" + why[1])
    if first is not None:
        print(f"\nFirst fit of {cases(args.quick)[0].dataset} in a fresh process:\n"
              + first_fit_table(first))
    print(f"\nBLAS threads: {args.blas_threads or 'default'}; load average (1, 5, 15 min) "
          f"before: {before}, after: {after}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": rows, "why_mnist1d": why and why[0], "first_fit": first,
                       "blas_threads": args.blas_threads, "load_before": before,
                       "load_after": after}, f, indent=1)


if __name__ == "__main__":
    main()
