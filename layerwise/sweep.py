"""``layerwise sweep``: train one architecture over a grid of hyperparameters, in parallel.

Each grid point is an independent job for joblib, in which the networks of all its seeds train
together; the table of results is printed sorted by validation accuracy and can be written as
CSV.
"""
from __future__ import annotations

import csv
import io
import itertools
import sys

from .cliutil import (UsageError, check_labels, check_output_path, default_lr, describe_label,
                      is_csv, load_data, parse_label, parse_sizes)

_CASTS = {"lr": float, "reg": float, "dropout": float, "batch_size": int, "epochs": int,
          "activation": str, "optimizer": str, "reg_type": str}


def parse_grid(specs):
    """``["lr=0.1,0.01", "activation=relu,tanh"]`` -> ``{"lr": [0.1, 0.01], ...}``.

    >>> parse_grid(["lr=0.1,0.01", "activation=relu,tanh"])
    {'lr': [0.1, 0.01], 'activation': ['relu', 'tanh']}
    """
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


def run_point(data, sizes, params, seeds, label=None):
    """Train one grid point with each of ``seeds``; return a row of settings and accuracies
    per seed.

    The seeds' networks train together (:func:`layerwise.training.many.train_many`), each
    ending exactly as its own ``lw.fit`` would.

    >>> rows = run_point("iris", [4, 8, 3], {"lr": 0.1, "epochs": 2}, seeds=[0, 1])
    >>> sorted(rows[0]), [r["seed"] for r in rows], 0 <= rows[1]["test_acc"] <= 1
    (['epochs', 'lr', 'seed', 'test_acc', 'train_acc', 'val_acc'], [0, 1], True)
    """
    import layerwise as lw
    from .training.many import train_many

    kw = {"label": parse_label(label)} if is_csv(data) else {}
    ds = lw.data.load(data, seed=0, **kw)
    Xtr, Xte = lw.data.standardize(ds.X_train, ds.X_test)

    p = dict(params)
    p["lr"] = default_lr(p.get("optimizer", "sgd"), p.get("lr"))
    activation, dropout = p.pop("activation", "relu"), p.pop("dropout", 0.0)
    nets = [lw.Network(sizes, activation=activation, dropout=dropout, seed=s) for s in seeds]
    histories = train_many(nets, Xtr, ds.y_train, seeds=list(seeds), val_fraction=0.1,
                           progress=False, **p)
    return [{**params, "seed": s, "train_acc": h.train_acc[-1], "val_acc": h.val_acc[-1],
             "test_acc": lw.evaluate(net, Xte, ds.y_test)["accuracy"]}
            for s, net, h in zip(seeds, nets, histories)]


def main(args):
    """Run ``layerwise sweep`` for parsed arguments ``args``; bad input is a UsageError,
    found before any run starts.

    >>> from layerwise.cli import build_parser
    >>> args = build_parser().parse_args(["sweep", "--data", "iris", "--layers", "4-8-3",
    ...                                   "--grid", "lr=0.1,0.03", "--epochs", "2", "--jobs", "1"])
    >>> main(args)  # doctest: +ELLIPSIS
            lr      epochs        seed   train_acc     val_acc    test_acc
    ...
    """
    from .optional import require

    check_output_path(args.out, "--out")
    try:
        grid = parse_grid(args.grid)
    except ValueError as e:
        raise UsageError(str(e)) from None
    grid.setdefault("epochs", [args.epochs])
    sizes = parse_sizes(args.layers)
    ds = load_data(args.data, 0, args.label, out=sys.stderr)
    check_labels(ds, describe_label(ds))
    if sizes[0] != ds.n_features or sizes[-1] != ds.n_classes:
        raise UsageError(f"--layers {args.layers} does not fit {args.data!r}: it has "
                         f"{ds.n_features} features and {ds.n_classes} classes, so the layers "
                         f"must run from {ds.n_features} to {ds.n_classes}")
    joblib = require("joblib", "dist", "layerwise sweep")
    Parallel, delayed = joblib.Parallel, joblib.delayed

    names = list(grid)
    points = [dict(zip(names, combo)) for combo in itertools.product(*grid.values())]
    seeds = list(range(args.seeds))
    print(f"sweep: {len(points)} settings x {args.seeds} seeds = {len(points) * args.seeds} runs",
          file=sys.stderr)
    # one job per grid point: its seeds' networks train together
    rows = [row for point_rows in Parallel(n_jobs=args.jobs)(
                delayed(run_point)(args.data, sizes, p, seeds, args.label) for p in points)
            for row in point_rows]
    rows.sort(key=lambda r: -r["val_acc"])
    columns = names + ["seed", "train_acc", "val_acc", "test_acc"]
    print("  ".join(f"{c:>10}" for c in columns))
    for r in rows:
        print("  ".join(f"{r[c]:>10.4f}" if isinstance(r[c], float) else f"{r[c]!s:>10}"
                        for c in columns))
    if args.out:
        from .io.atomic import atomic_write

        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        atomic_write(args.out, buf.getvalue().encode())
