"""``layerwise sweep``: train one architecture over a grid of hyperparameters, in parallel.

Each grid point and seed is an independent job for joblib; the table of results is printed
sorted by validation accuracy and can be written as CSV.
"""
from __future__ import annotations

import csv
import itertools
import sys

_CASTS = {"lr": float, "reg": float, "dropout": float, "batch_size": int, "epochs": int,
          "activation": str, "optimizer": str, "reg_type": str}


def parse_grid(specs):
    """``["lr=0.1,0.01", "activation=relu,tanh"]`` -> ``{"lr": [0.1, 0.01], ...}``."""
    grid = {}
    for spec in specs:
        name, sep, values = spec.partition("=")
        if not sep or name not in _CASTS or not values:
            raise ValueError(f"grid entries look like NAME=V1,V2 with NAME one of "
                             f"{', '.join(_CASTS)}; got {spec!r}")
        try:
            grid[name] = [_CASTS[name](v) for v in values.split(",")]
        except ValueError:
            raise ValueError(f"cannot read the values of {spec!r} as {_CASTS[name].__name__}") from None
    return grid


def run_point(data, sizes, params, seed):
    """Train one grid point with one seed; return its settings and accuracies."""
    import layerwise as lw

    from .cli import default_lr

    ds = lw.data.load(data, seed=0)
    Xtr, Xte = lw.data.standardize(ds.X_train, ds.X_test)

    p = dict(params)
    p["lr"] = default_lr(p.get("optimizer", "sgd"), p.get("lr"))
    net = lw.Network(sizes, activation=p.pop("activation", "relu"),
                     dropout=p.pop("dropout", 0.0), seed=seed)
    h = lw.fit(net, Xtr, ds.y_train, val_fraction=0.1, seed=seed, progress=False, **p)
    test = lw.evaluate(net, Xte, ds.y_test)
    return {**params, "seed": seed, "train_acc": h.train_acc[-1],
            "val_acc": h.val_acc[-1], "test_acc": test["accuracy"]}


def main(args):
    from .cli import UsageError, parse_sizes
    from .optional import require

    joblib = require("joblib", "dist", "layerwise sweep")
    Parallel, delayed = joblib.Parallel, joblib.delayed

    try:
        grid = parse_grid(args.grid)
    except ValueError as e:
        raise UsageError(str(e)) from None
    grid.setdefault("epochs", [args.epochs])
    sizes = parse_sizes(args.layers)
    names = list(grid)
    points = [dict(zip(names, combo)) for combo in itertools.product(*grid.values())]
    jobs = [(p, s) for p in points for s in range(args.seeds)]
    print(f"sweep: {len(points)} settings x {args.seeds} seeds = {len(jobs)} runs", file=sys.stderr)
    rows = Parallel(n_jobs=args.jobs)(delayed(run_point)(args.data, sizes, p, s) for p, s in jobs)
    rows.sort(key=lambda r: -r["val_acc"])
    columns = names + ["seed", "train_acc", "val_acc", "test_acc"]
    print("  ".join(f"{c:>10}" for c in columns))
    for r in rows:
        print("  ".join(f"{r[c]:>10.4f}" if isinstance(r[c], float) else f"{r[c]!s:>10}"
                        for c in columns))
    if args.out:
        with open(args.out, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=columns)
            w.writeheader()
            w.writerows(rows)
