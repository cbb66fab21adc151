"""The ``layerwise`` command line.

Every subcommand has ``--help``; ``layerwise --version`` prints the version. Exit status, the
same for every subcommand: 0 on success; 2 for bad input or usage (an impossible option, a
missing or malformed file, data that cannot be what the command needs, an output path that
cannot be written), found before any work starts; 1 for a failure while working (training
diverged, a disk filled up, a needed optional package is missing). Errors are one line
(``layerwise: error: ...``) without a traceback unless ``--debug`` is given.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

from .cliutil import (LABEL_HELP, UsageError, check_labels, check_output_path, default_lr,
                      describe_label, is_csv, load_data, parse_sizes)

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2

__all__ = ["main", "build_parser", "fold_standardization", "UsageError", "EXIT_OK",
           "EXIT_FAILURE", "EXIT_USAGE"]


# -- subcommands ----------------------------------------------------------------------------------
def cmd_summary(args):
    """``layerwise summary SIZES``: the network's layers, neurons and parameters."""
    import layerwise as lw

    net = lw.Network(parse_sizes(args.sizes), activation=args.activation, dropout=args.dropout)
    print(net.summary())


def cmd_demo(args):
    """The seed's two networks, then its 2-layer ReLU net learning the spiral."""
    import layerwise as lw

    for sizes in ([3, 4, 2], [3, 4, 4, 1]):
        print(lw.Network(sizes, activation="sigmoid").summary(), end="\n\n")
    X, y = lw.data.spiral(n=300, classes=3, seed=args.seed)
    net = lw.Network([2, 100, 3], activation="relu", seed=args.seed)
    history = lw.fit(net, X, y, loss="softmax", optimizer="sgd", lr=1.0, epochs=args.epochs,
                     batch_size=300, reg=1e-3, seed=args.seed, progress=False)
    acc = float((net.predict(X) == y).mean())
    print(f"2-layer ReLU net [2, 100, 3] on the 3-class spiral (300 points): "
          f"training accuracy {acc:.1%} after {len(history.train_loss)} epochs "
          f"(loss {history.train_loss[-1]:.3f})")


def _standardizer(ds, standardize):
    """A :class:`~layerwise.data.Standardizer` fitted on the training split, or None."""
    from .data import Standardizer

    return Standardizer().fit(ds.X_train) if standardize else None


def _apply(scaler, X):
    return X if scaler is None else scaler.transform(X)


def fold_standardization(net, scaler):
    """Fold ``x -> (x - mean) / scale`` into the first weight layer, so that the saved model
    takes raw inputs: ``W' = W / scale`` and ``b' = b - W' @ mean`` (exact up to rounding).

    >>> import numpy as np
    >>> import layerwise as lw
    >>> X = np.random.default_rng(0).normal(5.0, 3.0, size=(50, 2))
    >>> scaler = lw.data.Standardizer().fit(X)
    >>> net = lw.Network([2, 4, 2], dtype=np.float64, seed=0)
    >>> before = net(scaler.transform(X))
    >>> fold_standardization(net, scaler)
    >>> bool(np.allclose(net(X), before))
    True
    """
    first = next(layer for layer in net.layers if layer.is_weight_layer)
    mean, scale = np.asarray(scaler.mean_), np.asarray(scaler.scale_)
    w = first.weight.astype(np.float64) / scale
    first.bias[...] = first.bias - w @ mean
    first.weight[...] = w


def _check_outputs(*pairs):
    for path, option in pairs:
        check_output_path(path, option)


def cmd_train(args):
    """``layerwise train``: train on ``--data``, report the accuracies, save and plot."""
    import layerwise as lw
    from .optional import require

    # every output path is checked before any work starts, so no training is lost to a typo
    _check_outputs((args.save, "--save"), (args.plot, "--plot"),
                   (args.checkpoint, "--checkpoint"))
    if args.plot:  # a missing package, too, is found before the training
        require("matplotlib", "plot", "--plot")
    if args.resume and not os.path.isfile(args.resume):
        raise UsageError(f"--resume {args.resume!r}: no such checkpoint file")
    ds = load_data(args.data, args.seed, args.label)
    binary = args.loss in ("logistic", "binary_hinge")
    check_labels(ds, describe_label(ds), binary=binary)
    n_features = ds.X_train.shape[1]
    out = 1 if binary else ds.n_classes
    sizes = parse_sizes(args.layers) if args.layers else [n_features, 100, out]
    if sizes[0] != n_features:
        raise UsageError(f"--layers starts with {sizes[0]} inputs but {args.data!r} has "
                         f"{n_features} features per sample")
    if sizes[-1] != out:
        raise UsageError(f"--layers ends with {sizes[-1]} outputs but the {args.loss!r} loss on "
                         f"{args.data!r} needs {out}" + (f" (one per class: {ds.n_classes})"
                                                         if not binary else ""))
    scaler = _standardizer(ds, args.standardize)
    X_train, X_test = _apply(scaler, ds.X_train), _apply(scaler, ds.X_test)
    net = lw.Network(sizes, activation=args.activation, dropout=args.dropout, seed=args.seed)
    history = lw.fit(net, X_train, ds.y_train, loss=args.loss, optimizer=args.optimizer,
                     lr=default_lr(args.optimizer, args.lr), epochs=args.epochs,
                     batch_size=args.batch_size, reg=args.reg, reg_type=args.reg_type,
                     val_fraction=args.val_fraction, checkpoint=args.checkpoint,
                     resume=args.resume, seed=args.seed, progress=not args.quiet)
    train = lw.evaluate(net, X_train, ds.y_train, loss=args.loss)
    test = lw.evaluate(net, X_test, ds.y_test, loss=args.loss) if len(X_test) else None
    line = f"{net.depth}-layer net {sizes} on {ds.name}: train accuracy {train['accuracy']:.2%}"
    if test:
        line += f", test accuracy {test['accuracy']:.2%} ({len(X_test)} samples)"
    print(line)
    if args.save:
        if scaler is not None:
            fold_standardization(net, scaler)  # the saved model takes the data as it comes
        meta = {"data": str(args.data), "loss": args.loss, "seed": str(args.seed),
                "history": json.dumps(history.to_dict())}
        if ds.label_name is not None:  # evaluate finds the same column again
            label = ds.label_name if ds.feature_names is not None else ds.columns.index(
                ds.label_name)
            meta["label"] = json.dumps(label)
        lw.save(net, args.save, metadata=meta, class_names=ds.classes,
                feature_names=ds.feature_names)
        print(f"saved {args.save}")
    if args.plot:
        from . import plots

        plots.save(plots.learning_curves({ds.name: history}), args.plot)
        print(f"plotted {args.plot}")


def _load_model(path):
    from . import io as lwio

    if os.path.isdir(path):
        raise UsageError(f"{path!r} is a folder, not a model file")
    try:
        return lwio.load(path), lwio.read_metadata(path)
    except FileNotFoundError:
        raise UsageError(f"no model file at {path!r}") from None
    except lwio.ModelFileError as e:
        raise UsageError(str(e)) from e


def _stored_label(meta):
    try:
        label = json.loads(meta.get("label", "null"))
    except ValueError:
        return None
    return label if isinstance(label, (str, int)) and not isinstance(label, bool) else None


def _model_labels(net, ds):
    """``ds``'s label indices in the model's class order: a CSV's text labels are numbered by
    what that one file holds, so the same name can have another index in another file."""
    names = net.class_names
    if names is None:
        return ds.y_train, ds.y_test
    index = {str(n): k for k, n in enumerate(names)}
    present = np.unique(np.concatenate([ds.y_train, ds.y_test]))
    unknown = [ds.classes[k] for k in present if str(ds.classes[k]) not in index]
    if unknown:
        raise UsageError(f"{ds.name!r} has classes {unknown} that the model was not trained "
                         f"on; it knows {[str(n) for n in names]}")
    lut = np.array([index.get(str(c), -1) for c in ds.classes], dtype=np.int64)
    return lut[ds.y_train], lut[ds.y_test]


def cmd_evaluate(args):
    """``layerwise evaluate MODEL``: loss and accuracy on the training and test splits."""
    import layerwise as lw

    net, meta = _load_model(args.model)
    # the split the model was trained on, so that "test" holds only samples it never saw
    seed, stored = args.seed, meta.get("seed", "0")
    if seed is None:
        seed = int(stored) if stored.lstrip("-").isdigit() else 0
    label, source = args.label, "--label"
    if label is None and is_csv(args.data) and _stored_label(meta) is not None:
        label, source = str(_stored_label(meta)), "the column the model was trained on"
    ds = load_data(args.data, seed, label, label_source=source)
    if ds.n_features != net.in_features:
        raise UsageError(f"the model takes {net.in_features} features but {args.data!r} has "
                         f"{ds.n_features}")
    y_train, y_test = _model_labels(net, ds)
    loss = meta.get("loss", "softmax")
    for split, X, y in (("train", ds.X_train, y_train), ("test", ds.X_test, y_test)):
        if len(X):
            r = lw.evaluate(net, X, y, loss=loss)
            print(f"{split}: loss {r['loss']:.4f}  accuracy {r['accuracy']:.2%}  ({len(X)} samples)")


def read_inputs(path, net, label=None):
    """The rows of an inputs CSV as the model's features.

    The delimiter and a header row are found as for training data. With a header and a model
    that knows its feature names, columns are taken by name, so their order does not matter
    and other columns are left out (``label``, the training file's label column, is then read
    as labels, so the training file itself can be predicted). Otherwise the file must hold
    exactly the model's number of columns.
    """
    from .data import csv_header, read_csv

    features = net.feature_names
    try:
        header = csv_header(path)
        by_name = header is not None and features is not None
        take_label = (by_name and isinstance(label, str) and label in header
                      and label not in features)
        t = read_csv(path, label=label if take_label else None)
    except (OSError, ValueError) as e:
        raise UsageError(str(e)) from None
    if by_name and t.feature_names != list(features):
        missing = [f for f in features if f not in t.feature_names]
        if missing:
            raise UsageError(f"{path!r} lacks the model's feature column(s) {missing}; its "
                             f"columns are {t.columns}, the model takes {list(features)}")
        return t.X[:, [t.feature_names.index(f) for f in features]]
    if t.X.shape[1] != net.in_features:
        named = f" ({', '.join(features)})" if features is not None else ""
        raise UsageError(f"{path!r} has {t.X.shape[1]} columns; the model expects "
                         f"{net.in_features} features{named}")
    return t.X


def cmd_predict(args):
    """``layerwise predict MODEL INPUTS``: one class (name) or row of probabilities a row."""
    import csv
    import io

    _check_outputs((args.out, "--out"))
    net, meta = _load_model(args.model)
    X = read_inputs(args.input, net, _stored_label(meta))
    scores = net.forward(X)
    names = net.class_names
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if args.proba:
        from .engine.activations import sigmoid
        from .engine.losses import softmax

        if scores.shape[1] == 1:
            p1 = sigmoid(scores[:, 0].astype(np.float64))
            probs = np.c_[1 - p1, p1]
        else:
            probs = softmax(scores.astype(np.float64))
        w.writerow(names if names is not None else [f"p{k}" for k in range(probs.shape[1])])
        w.writerows([f"{p:.6g}" for p in row] for row in probs)
    else:
        w.writerow(["prediction"])
        labels = scores.argmax(axis=1) if scores.shape[1] > 1 else (scores[:, 0] > 0)
        w.writerows([names[int(k)] if names is not None else int(k)] for k in labels)
    if args.out:
        from .io.atomic import atomic_write

        atomic_write(args.out, buf.getvalue().encode())
        print(f"wrote {len(X)} predictions to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(buf.getvalue())


def cmd_export(args):
    """``layerwise export MODEL``: an ONNX model and/or a torch state dict."""
    import layerwise as lw
    from .optional import require

    if not (args.onnx or args.torch):
        raise UsageError("say what to export: --onnx FILE and/or --torch FILE")
    _check_outputs((args.onnx, "--onnx"), (args.torch, "--torch"))
    # the packages are looked for first, so that no file is written when one is missing
    onnx = require("onnx", "io", "export --onnx") if args.onnx else None
    torch = require("torch", "torch", "export --torch") if args.torch else None
    net, _ = _load_model(args.model)
    if onnx is not None:
        lw.export_onnx(net, args.onnx)
        print(f"wrote {args.onnx}")
    if torch is not None:
        from .io.atomic import atomic_writer

        with atomic_writer(args.torch) as f:
            torch.save(net.to_torch().state_dict(), f)
        print(f"wrote {args.torch} (a torch state dict for the nn.Sequential of net.to_torch())")


def _option_value(rest, name):
    """The value of ``name`` in an argument list another parser will read, or None."""
    for i, a in enumerate(rest):
        if a == name and i + 1 < len(rest):
            return rest[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return None


def cmd_lab(args, rest):
    """``layerwise lab``: the lab's own options, after checking its ``--out`` folder."""
    from .lab import main as lab_main

    out = _option_value(rest, "--out")
    if out is not None:  # a folder the lab creates: its parent must exist and be writable
        if os.path.exists(out) and not os.path.isdir(out):
            raise UsageError(f"--out {out!r} is a file; the lab writes a folder of files")
        if not os.path.isdir(out):
            check_output_path(out, "--out")
    return lab_main(rest)


def cmd_serve(args):
    """``layerwise serve``: the playground, until interrupted."""
    from .web.server import serve

    try:
        serve(host=args.host, port=args.port, open_browser=not args.no_browser,
              allow_remote=args.allow_remote)
    except ValueError as e:
        raise UsageError(str(e)) from None
    except OSError as e:
        raise OSError(e.errno, f"cannot listen on {args.host}:{args.port}: "
                               f"{e.strerror or e}") from None


def cmd_sweep(args):
    """``layerwise sweep``: see :mod:`layerwise.sweep`."""
    from .sweep import main as sweep_main

    return sweep_main(args)


def _benchmark_harness():
    """Where ``python -m benchmarks`` lives: it ships with the source tree, not the package."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("benchmarks")
    except (ImportError, ValueError):
        spec = None
    folder = os.path.dirname(spec.origin) if spec is not None and spec.origin else None
    if folder is None or not os.path.isfile(os.path.join(folder, "harness.py")):
        raise RuntimeError("layerwise bench runs the benchmark harness of the source tree "
                           "(the benchmarks/ folder of a clone of layerwise), which is not "
                           "importable here; run it from the clone: python -m benchmarks")
    return spec


def cmd_bench(args, rest):
    """``layerwise bench``: the source tree's benchmark harness, with its own options."""
    import importlib

    spec = _benchmark_harness()
    # found at run time, never imported by the library: the harness ships with the source
    # tree (it imports the library, not the other way round)
    entry = importlib.import_module(f"{spec.name}.__main__")
    return entry.main(rest, prog="layerwise bench")


# -- the parser -----------------------------------------------------------------------------------
def _number(cast, low, low_inclusive, high=None, what="a number"):
    def parse(text):
        try:
            value = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        ok = (value >= low if low_inclusive else value > low) and (high is None or value < high)
        if not ok or value != value:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value
    return parse


positive_float = _number(float, 0.0, False, what="a positive number")
non_negative_float = _number(float, 0.0, True, what="a number >= 0")
positive_int = _number(int, 1, True, what="a positive integer")
probability = _number(float, 0.0, True, 1.0, what="a probability in [0, 1)")
port_number = _number(int, 0, True, 65536, what="a port number from 0 to 65535")


def build_parser():
    """The ``argparse`` parser of every subcommand; each sets ``func`` to its ``cmd_*``.

    >>> args = build_parser().parse_args(["train", "--data", "wine.csv", "--label", "target"])
    >>> args.func.__name__, args.label, args.epochs, args.loss
    ('cmd_train', 'target', 20, 'softmax')
    """
    from .engine.activations import ACTIVATIONS, LAYER_ACTIVATIONS
    from .engine.losses import LOSSES, REG_TYPES
    from .engine.optim import OPTIMIZERS

    activations = list(ACTIVATIONS) + list(LAYER_ACTIVATIONS)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    from . import __version__

    p = argparse.ArgumentParser(prog="layerwise", description="Neural networks, layer by layer.",
                                parents=[common],
                                epilog="exit status: 0 success, 2 bad input or usage, 1 a "
                                       "failure while working")
    p.add_argument("--version", action="version", version=f"layerwise {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    _add = sub.add_parser

    def add_parser(name, **kw):
        if kw.get("add_help", True):
            kw.setdefault("parents", [common])
        return _add(name, **kw)

    sub.add_parser = add_parser
    sub.required = True

    s = sub.add_parser("summary", help="print a network's layers, neurons and parameters")
    s.add_argument("sizes", help="layer sizes, input first, e.g. 3-4-4-1")
    s.add_argument("--activation", default="relu", choices=activations,
                   help="hidden units' activation (default: relu)")
    s.add_argument("--dropout", type=probability, default=0.0,
                   help="probability of dropping each hidden unit in training (default: 0)")
    s.set_defaults(func=cmd_summary)

    s = sub.add_parser("demo", help="the seed's two nets, and the spiral learned by a ReLU net")
    s.add_argument("--epochs", type=positive_int, default=2000,
                   help="epochs of full-batch training on the spiral (default: 2000)")
    s.add_argument("--seed", type=int, default=0, help="seed of the data and weights (default: 0)")
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("train", help="train a network on a data set and save it")
    s.add_argument("--data", required=True,
                   help="a data set name (spiral, digits, mnist, ...) or a CSV/NPZ/IDX file or "
                        "CIFAR-10 folder")
    s.add_argument("--label", metavar="NAME|INDEX", help=LABEL_HELP)
    s.add_argument("--layers",
                   help="sizes, input first, e.g. 64-100-10 (default D-100-C: C classes, or 1 "
                        "output for the binary losses)")
    s.add_argument("--activation", default="relu", choices=activations,
                   help="hidden units' activation (default: relu)")
    s.add_argument("--loss", default="softmax", choices=LOSSES[:4],
                   help="default: softmax; logistic and binary_hinge need two classes and end "
                        "the layers in 1")
    s.add_argument("--optimizer", default="sgd", choices=list(OPTIMIZERS), help="default: sgd")
    s.add_argument("--lr", type=positive_float, default=None,
                   help="learning rate (default: 0.1 for sgd, momentum and nesterov; the "
                        "optimizer's own default otherwise)")
    s.add_argument("--reg", type=non_negative_float, default=0.0,
                   help="regularization strength on the weights (default: 0; L2 is "
                        "reg/2*sum(W**2))")
    s.add_argument("--reg-type", default="l2", choices=REG_TYPES, help="default: l2")
    s.add_argument("--dropout", type=probability, default=0.0,
                   help="probability of dropping each hidden unit in training")
    s.add_argument("--epochs", type=positive_int, default=20, help="default: 20")
    s.add_argument("--batch-size", type=positive_int, default=64, help="default: 64")
    s.add_argument("--val-fraction", type=probability, default=0.0,
                   help="hold out this share of the training data for validation (default: 0)")
    s.add_argument("--seed", type=int, default=0,
                   help="seed of the data, its train/test split, the weights and the minibatch "
                        "order (default: 0)")
    s.add_argument("--no-standardize", dest="standardize", action="store_false",
                   help="train on the raw inputs (default: standardize with training statistics)")
    s.add_argument("--checkpoint", metavar="FILE",
                   help="write a checkpoint here after every epoch")
    s.add_argument("--resume", help="continue from this checkpoint")
    s.add_argument("--save", metavar="MODEL", help="save the trained model (.safetensors)")
    s.add_argument("--plot", metavar="FILE", help="save loss and accuracy curves (PNG)")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_train)

    s = sub.add_parser("evaluate", help="loss and accuracy of a saved model on a data set")
    s.add_argument("model", help="a model file saved by layerwise train --save")
    s.add_argument("--data", required=True, help="a data set name or file, as for train")
    s.add_argument("--label", metavar="NAME|INDEX",
                   help="the CSV's label column, as for train (default: the column the model "
                        "was trained on, as stored in its file)")
    s.add_argument("--seed", type=int, default=None,
                   help="seed of the data and its train/test split (default: the --seed the "
                        "model was trained with, as stored in its file; else 0)")
    s.set_defaults(func=cmd_evaluate)

    s = sub.add_parser("predict", help="predict the rows of a CSV file; CSV to stdout or --out")
    s.add_argument("model", help="a model file saved by layerwise train --save")
    s.add_argument("input", help="CSV with one sample per row; with a header row, columns are "
                                 "matched to the model's features by name")
    s.add_argument("--proba", action="store_true", help="class probabilities instead of labels")
    s.add_argument("--out", metavar="FILE", help="write the CSV here instead of stdout")
    s.set_defaults(func=cmd_predict)

    s = sub.add_parser("export", help="export a saved model to ONNX or a PyTorch state dict")
    s.add_argument("model", help="a model file saved by layerwise train --save")
    s.add_argument("--onnx", metavar="FILE", help="write an ONNX model here")
    s.add_argument("--torch", metavar="FILE",
                   help="write a torch state dict here (needs torch)")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("lab", add_help=False,
                       help="reproduce every figure and claim of the seed notes as a report")
    s.set_defaults(func=cmd_lab, passthrough=True)

    s = sub.add_parser("serve", help="the playground: build and train nets live in a browser")
    s.add_argument("--port", type=port_number, default=8000,
                   help="port to listen on (default: 8000; 0 takes a free port)")
    s.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    s.add_argument("--allow-remote", action="store_true",
                   help="required to bind an address other than loopback")
    s.add_argument("--no-browser", action="store_true",
                   help="print the URL without opening a browser")
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("sweep", help="train over a grid of hyperparameters, in parallel")
    s.add_argument("--data", required=True, help="a data set name or file, as for train")
    s.add_argument("--label", metavar="NAME|INDEX", help=LABEL_HELP)
    s.add_argument("--layers", required=True, help="sizes, input first, e.g. 64-100-10")
    s.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2",
                   help="a hyperparameter and its values: lr, reg, reg_type, dropout, "
                        "activation, batch_size, epochs, optimizer (repeatable)")
    s.add_argument("--epochs", type=positive_int, default=20,
                   help="epochs, unless the grid names them (default: 20)")
    s.add_argument("--seeds", type=positive_int, default=1,
                   help="seeds per grid point (default: 1)")
    s.add_argument("--jobs", type=int, default=-1,
                   help="parallel runs (default: -1, one per core)")
    s.add_argument("--out", metavar="FILE", help="write the results as CSV")
    s.set_defaults(func=cmd_sweep)

    s = sub.add_parser("bench", add_help=False,
                       help="the benchmark against PyTorch and scikit-learn")
    s.set_defaults(func=cmd_bench, passthrough=True)
    return p


def main(argv=None):
    """Run the command line on ``argv`` (default ``sys.argv[1:]``); returns the exit status.

    Argparse's own usage errors (an unknown option, a value of the wrong type) exit with
    status 2 by raising ``SystemExit``, as ``--help`` and ``--version`` exit with 0.

    >>> main(["summary", "3-4-4-1", "--activation", "sigmoid"])  # doctest: +ELLIPSIS
    3-layer network, input of 3 (the input layer is not counted)
    ...
    neurons: 9   parameters: 41 (32 weights + 9 biases)
    0
    >>> main(["summary", "3-0-1"])
    2
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    parser = build_parser()
    # lab and bench parse their own options
    for name in ("lab", "bench"):
        if name in argv:
            i = argv.index(name)
            if all(a.startswith("-") for a in argv[:i]):
                args = parser.parse_args(argv[:i + 1])
                return _run(lambda: args.func(args, argv[i + 1:]), debug)
    args = parser.parse_args(argv)
    return _run(lambda: args.func(args), debug)


def _run(call, debug):
    try:
        status = call()
        return EXIT_OK if status is None else int(status)
    except UsageError as e:
        if debug:
            raise
        print(f"layerwise: usage error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("layerwise: interrupted", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as e:  # one line for the user; the traceback only when asked for
        if debug:
            raise
        print(f"layerwise: error: {e}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
