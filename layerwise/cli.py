"""The ``layerwise`` command line.

Every subcommand has ``--help``. Exit status: 0 on success, 2 on a usage error, 1 on a failure,
reported as one line (``layerwise: error: ...``) without a traceback unless ``--debug`` is given.
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A command line that names something impossible (exit status 2)."""


#: SGD's library default (PyTorch's 0.001) is far too slow for the seed's small nets; the command
#: line starts the SGD family at 0.1 and every other optimizer at its own default.
CLI_SGD_LR = 0.1


def default_lr(optimizer, lr):
    if lr is not None:
        return lr
    return CLI_SGD_LR if optimizer in ("sgd", "momentum", "nesterov") else None


def parse_sizes(text: str) -> list:
    """``"64-100-10"`` -> ``[64, 100, 10]``."""
    parts = str(text).replace(",", "-").split("-")
    try:
        sizes = [int(p) for p in parts]
    except ValueError:
        raise UsageError(f"layer sizes must look like 64-100-10, got {text!r}") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise UsageError(f"layer sizes need at least two positive integers, got {text!r}")
    return sizes


# -- subcommands ----------------------------------------------------------------------------------
def cmd_summary(args):
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


def _load_data(name, seed):
    import layerwise as lw

    import pickle

    try:
        return lw.data.load(name, seed=seed)
    except (OSError, ValueError, TypeError, pickle.UnpicklingError) as e:
        raise UsageError(str(e)) from None


def _standardizer(ds, standardize):
    """A :class:`~layerwise.data.Standardizer` fitted on the training split, or None."""
    from .data import Standardizer

    return Standardizer().fit(ds.X_train) if standardize else None


def _apply(scaler, X):
    return X if scaler is None else scaler.transform(X)


def fold_standardization(net, scaler):
    """Fold ``x -> (x - mean) / scale`` into the first weight layer, so that the saved model
    takes raw inputs: ``W' = W / scale`` and ``b' = b - W' @ mean`` (exact up to rounding)."""
    first = next(layer for layer in net.layers if layer.is_weight_layer)
    mean, scale = np.asarray(scaler.mean_), np.asarray(scaler.scale_)
    w = first.weight.astype(np.float64) / scale
    first.bias[...] = first.bias - w @ mean
    first.weight[...] = w


def cmd_train(args):
    import json

    import layerwise as lw

    ds = _load_data(args.data, args.seed)
    n_features = ds.X_train.shape[1]
    n_classes = int(ds.y_train.max()) + 1
    binary = args.loss in ("logistic", "binary_hinge")
    out = 1 if binary else n_classes
    sizes = parse_sizes(args.layers) if args.layers else [n_features, 100, out]
    if sizes[0] != n_features:
        raise UsageError(f"--layers starts with {sizes[0]} inputs but {args.data!r} has "
                         f"{n_features} features per sample")
    if sizes[-1] != out:
        raise UsageError(f"--layers ends with {sizes[-1]} outputs but the {args.loss!r} loss on "
                         f"{args.data!r} needs {out}")
    scaler = _standardizer(ds, args.standardize)
    X_train, X_test = _apply(scaler, ds.X_train), _apply(scaler, ds.X_test)
    net = lw.Network(sizes, activation=args.activation, dropout=args.dropout, seed=args.seed)
    history = lw.fit(net, X_train, ds.y_train, loss=args.loss, optimizer=args.optimizer,
                     lr=default_lr(args.optimizer, args.lr), epochs=args.epochs, batch_size=args.batch_size, reg=args.reg,
                     reg_type=args.reg_type, val_fraction=args.val_fraction,
                     checkpoint=args.checkpoint, resume=args.resume, seed=args.seed,
                     progress=not args.quiet)
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
        lw.save(net, args.save, metadata=meta)
        print(f"saved {args.save}")
    if args.plot:
        from . import plots

        plots.save(plots.learning_curves({ds.name: history}), args.plot)
        print(f"plotted {args.plot}")


def _load_model(path):
    from . import io as lwio

    try:
        return lwio.load(path), lwio.read_metadata(path)
    except FileNotFoundError:
        raise UsageError(f"no model file at {path!r}") from None


def cmd_evaluate(args):
    import layerwise as lw

    net, meta = _load_model(args.model)
    # the split the model was trained on, so that "test" holds only samples it never saw
    seed, stored = args.seed, meta.get("seed", "0")
    if seed is None:
        seed = int(stored) if stored.lstrip("-").isdigit() else 0
    ds = _load_data(args.data, seed)
    loss = meta.get("loss", "softmax")
    for split, X, y in (("train", ds.X_train, ds.y_train), ("test", ds.X_test, ds.y_test)):
        if len(X):
            r = lw.evaluate(net, X, y, loss=loss)
            print(f"{split}: loss {r['loss']:.4f}  accuracy {r['accuracy']:.2%}  ({len(X)} samples)")


def cmd_predict(args):
    net, meta = _load_model(args.model)
    X = _read_inputs(args.input, net.in_features)
    scores = net.forward(X)
    w = sys.stdout
    if args.proba:
        from .engine.activations import sigmoid
        from .engine.losses import softmax

        if scores.shape[1] == 1:
            p1 = sigmoid(scores[:, 0].astype(np.float64))
            probs = np.c_[1 - p1, p1]
        else:
            probs = softmax(scores.astype(np.float64))
        w.write(",".join(f"p{k}" for k in range(probs.shape[1])) + "\n")
        for row in probs:
            w.write(",".join(f"{p:.6g}" for p in row) + "\n")
    else:
        w.write("prediction\n")
        for label in scores.argmax(axis=1) if scores.shape[1] > 1 else (scores[:, 0] > 0):
            w.write(f"{int(label)}\n")


def _read_inputs(path, n_features):
    """Read a CSV of inputs: ``n_features`` numeric columns, an optional header row."""
    import csv

    try:
        with open(path, newline="") as f:
            rows = [r for r in csv.reader(f) if r]
    except OSError as e:
        raise UsageError(f"cannot read {path!r}: {e.strerror}") from None
    if rows and not _is_number(rows[0][0]):
        rows = rows[1:]
    if not rows:
        raise UsageError(f"{path!r} holds no rows of inputs")
    for i, r in enumerate(rows, 1):
        if len(r) != n_features:
            raise UsageError(f"{path!r} row {i} has {len(r)} columns; the model expects "
                             f"{n_features} features")
        bad = [c for c in r if not _is_number(c)]
        if bad:
            raise UsageError(f"{path!r} row {i} has a non-numeric value {bad[0]!r}")
    return np.array(rows, dtype=np.float64)


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def cmd_export(args):
    import layerwise as lw

    net, _ = _load_model(args.model)
    if not (args.onnx or args.torch):
        raise UsageError("say what to export: --onnx FILE and/or --torch FILE")
    if args.onnx:
        lw.export_onnx(net, args.onnx)
        print(f"wrote {args.onnx}")
    if args.torch:
        import torch

        from .io.atomic import atomic_writer

        with atomic_writer(args.torch) as f:
            torch.save(net.to_torch().state_dict(), f)
        print(f"wrote {args.torch} (a torch state dict for the nn.Sequential of net.to_torch())")


def cmd_lab(args, rest):
    from .lab import main as lab_main

    return lab_main(rest)


def cmd_serve(args):
    from .web.server import serve

    serve(host=args.host, port=args.port, open_browser=not args.no_browser,
          allow_remote=args.allow_remote)


def cmd_sweep(args):
    from .sweep import main as sweep_main

    return sweep_main(args)


def cmd_bench(args, rest):
    from benchmarks.__main__ import main as bench_main

    return bench_main(rest, prog="layerwise bench")


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


def build_parser():
    from .engine.activations import ACTIVATIONS, LAYER_ACTIVATIONS
    from .engine.losses import LOSSES, REG_TYPES
    from .engine.optim import OPTIMIZERS

    activations = list(ACTIVATIONS) + list(LAYER_ACTIVATIONS)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    p = argparse.ArgumentParser(prog="layerwise", description="Neural networks, layer by layer.",
                                parents=[common])
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
    s.add_argument("--checkpoint", help="write a checkpoint here after every epoch")
    s.add_argument("--resume", help="continue from this checkpoint")
    s.add_argument("--save", metavar="MODEL", help="save the trained model (.safetensors)")
    s.add_argument("--plot", metavar="FILE", help="save loss and accuracy curves (PNG)")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_train)

    s = sub.add_parser("evaluate", help="loss and accuracy of a saved model on a data set")
    s.add_argument("model", help="a model file saved by layerwise train --save")
    s.add_argument("--data", required=True, help="a data set name or file, as for train")
    s.add_argument("--seed", type=int, default=None,
                   help="seed of the data and its train/test split (default: the --seed the "
                        "model was trained with, as stored in its file; else 0)")
    s.set_defaults(func=cmd_evaluate)

    s = sub.add_parser("predict", help="predict the rows of a CSV file; CSV to stdout")
    s.add_argument("model", help="a model file saved by layerwise train --save")
    s.add_argument("input", help="CSV with one sample per row (a header row is allowed)")
    s.add_argument("--proba", action="store_true", help="class probabilities instead of labels")
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
    s.add_argument("--port", type=int, default=8000,
                   help="port to listen on (default: 8000; 0 takes a free port)")
    s.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    s.add_argument("--allow-remote", action="store_true",
                   help="required to bind an address other than loopback")
    s.add_argument("--no-browser", action="store_true",
                   help="print the URL without opening a browser")
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("sweep", help="train over a grid of hyperparameters, in parallel")
    s.add_argument("--data", required=True, help="a data set name or file, as for train")
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
    s.add_argument("--out", help="write the results as CSV")
    s.set_defaults(func=cmd_sweep)

    s = sub.add_parser("bench", add_help=False,
                       help="the benchmark against PyTorch and scikit-learn")
    s.set_defaults(func=cmd_bench, passthrough=True)
    return p


def main(argv=None):
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
