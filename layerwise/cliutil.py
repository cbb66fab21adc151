"""What the command-line surfaces (``layerwise`` and ``layerwise sweep``) share.

Usage errors, layer sizes, the command line's learning-rate default, the label option, the
check that a label column is plausible for classification, and the check that an output path
can be written, which every command runs before it starts any work.

Imports point one way: :mod:`layerwise.cli` and :mod:`layerwise.sweep` import this module,
which imports neither of them.
"""
from __future__ import annotations

import os
import sys
import tempfile

import numpy as np

__all__ = ["UsageError", "CLI_SGD_LR", "default_lr", "parse_sizes", "parse_label",
           "check_output_path", "check_labels", "LABEL_HELP", "is_csv", "load_data",
           "describe_label"]


class UsageError(Exception):
    """A command line or an input that names something impossible (exit status 2)."""


#: SGD's library default (PyTorch's 0.001) is far too slow for the seed's small nets; the command
#: line starts the SGD family at 0.1 and every other optimizer at its own default.
CLI_SGD_LR = 0.1

LABEL_HELP = ("the CSV's label column, by name or 0-based index (negative counts from the end); "
              "default: the one column named label, target, class or y, else the last column")


#: What to do about labels that cannot be class labels: most often the wrong column was taken.
_LABEL_FIX = ("choose the label column with --label NAME|INDEX{columns}, or, for a real-valued "
              "target, use a regression model (the mse loss: lw.fit(..., loss='mse') or "
              "layerwise.sklearn.MLPRegressor)")


def default_lr(optimizer, lr):
    """The command line's learning rate: ``lr`` when given, else 0.1 for the SGD family and
    ``None`` (the optimizer's own default) for the others.

    >>> default_lr("sgd", None), default_lr("adam", None), default_lr("adam", 0.01)
    (0.1, None, 0.01)
    """
    if lr is not None:
        return lr
    return CLI_SGD_LR if optimizer in ("sgd", "momentum", "nesterov") else None


def _layer_name(i, n):
    if i == 0:
        return "the input layer"
    if i == n - 1:
        return "the output layer"
    return f"hidden layer {i}"


def parse_sizes(text: str) -> list:
    """``"64-100-10"`` -> ``[64, 100, 10]``; a bad size is named by its position.

    >>> parse_sizes("3-4-4-1")
    [3, 4, 4, 1]
    >>> parse_sizes("3-0-2")
    Traceback (most recent call last):
    ...
    layerwise.cliutil.UsageError: layer sizes must be positive integers, but '3-0-2' has 0 for hidden layer 1
    """
    parts = str(text).replace(",", "-").split("-")
    if len(parts) < 2:
        raise UsageError(f"layer sizes need at least two numbers, input first, like 64-100-10; "
                         f"got {text!r}")
    sizes = []
    for i, part in enumerate(parts):
        try:
            sizes.append(int(part))
        except ValueError:
            raise UsageError(f"layer sizes must look like 64-100-10, but {text!r} has "
                             f"{part!r} for {_layer_name(i, len(parts))}") from None
    for i, s in enumerate(sizes):
        if s < 1:
            raise UsageError(f"layer sizes must be positive integers, but {text!r} has {s} for "
                             f"{_layer_name(i, len(sizes))}")
    return sizes


def parse_label(text):
    """``--label`` as the loaders take it: an integer index when it reads as one, else a name.

    >>> parse_label("0"), parse_label("-1"), parse_label("target"), parse_label(None)
    (0, -1, 'target', 'auto')
    """
    if text is None:
        return "auto"
    try:
        return int(text)
    except ValueError:
        return str(text)


def check_output_path(path, option):
    """Check that ``path`` can be written, before any work starts; a :class:`UsageError`
    naming the option and the path otherwise.

    The check creates and removes a probe file in the target folder: permission bits do not
    tell the whole story (a read-only mount, a full quota, running as root).

    >>> check_output_path("/no/such/folder/m.safetensors", "--save")
    Traceback (most recent call last):
    ...
    layerwise.cliutil.UsageError: --save '/no/such/folder/m.safetensors': the folder '/no/such/folder' does not exist
    """
    if path is None:
        return
    shown = os.fspath(path)
    if os.path.isdir(shown):
        raise UsageError(f"{option} {shown!r} is a folder; give a file name inside it, such as "
                         f"{os.path.join(shown, 'out')!r}")
    folder = os.path.dirname(os.path.abspath(shown))
    if not os.path.exists(folder):
        raise UsageError(f"{option} {shown!r}: the folder {os.path.dirname(shown) or folder!r} "
                         f"does not exist")
    if not os.path.isdir(folder):
        raise UsageError(f"{option} {shown!r}: {folder!r} is a file, not a folder")
    if os.path.exists(shown) and not os.access(shown, os.W_OK):
        raise UsageError(f"{option} {shown!r}: the file exists and is not writable")
    try:
        fd, probe = tempfile.mkstemp(prefix=".layerwise-probe.", dir=folder)
    except OSError as e:
        raise UsageError(f"{option} {shown!r}: cannot write in the folder {folder!r} "
                         f"({e.strerror})") from None
    os.close(fd)
    os.unlink(probe)


def check_labels(ds, label_desc, binary=False):
    """Refuse a label column that cannot be a classification target, naming the column.

    ``ds`` is a :class:`~layerwise.data.Dataset`; ``label_desc`` says which column the labels
    came from (for the message). A classification label has at least two classes, and at most
    half as many classes as there are samples (else it is an identifier or a real-valued target
    read as integers, like a wine's proline content).

    >>> import layerwise as lw
    >>> check_labels(lw.data.load("iris"), "the label")
    >>> ds = lw.data.load("iris")
    >>> ds.y_train[:] = 0; ds.y_test[:] = 0
    >>> check_labels(ds, "the label")
    Traceback (most recent call last):
    ...
    layerwise.cliutil.UsageError: classification needs at least 2 classes, but the label holds only one ('setosa') ...
    """
    y = np.concatenate([ds.y_train, ds.y_test])
    n = len(y)
    present = np.unique(y)
    columns = getattr(ds, "columns", None)
    hint = _LABEL_FIX.format(columns=f" (the columns: {', '.join(columns)})" if columns else "")
    if len(present) < 2:
        name = ds.classes[int(present[0])] if len(present) and len(ds.classes) else "none"
        raise UsageError(f"classification needs at least 2 classes, but {label_desc} holds "
                         f"only one ({name!r}) in {n} samples; {hint}")
    k = len(ds.classes)
    if k > 2 and k > n / 2:
        distinct = f" ({len(present):,} distinct values)" if len(present) != k else ""
        raise UsageError(f"{label_desc} gives {k:,} classes{distinct} for {n:,} samples: more "
                         f"than half as many classes as samples is not a plausible "
                         f"classification label; {hint}")
    if binary and k != 2:
        raise UsageError(f"the binary losses need exactly 2 classes, but {label_desc} has {k}")


def is_csv(name):
    """Whether ``--data name`` is a CSV file (rather than a named set or another format).

    >>> is_csv("wine.csv"), is_csv("wine"), is_csv("data.npz")
    (True, False, False)
    """
    from .data import NAMES

    return str(name) not in NAMES and os.path.splitext(str(name))[1].lower() in (
        ".csv", ".tsv", ".txt")


def load_data(name, seed, label=None, out=None, label_source="--label"):
    """The data set behind ``--data``, with ``--label`` applied to a CSV file.

    For a CSV file it prints which column is the label to ``out`` (standard output by default)
    and why: ``label_source`` names where a given ``label`` came from. Every problem with the
    data is a :class:`UsageError`, so that it exits with status 2.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "d.csv")
    >>> _ = open(path, "w").write("y,a,b\\n" + "0,1,2\\n1,3,4\\n" * 5)
    >>> ds = load_data(path, seed=0)
    label: column 0 'y' of 3, 2 classes (pick another with --label)
    >>> load_data(path, seed=0, label="c")
    Traceback (most recent call last):
    ...
    layerwise.cliutil.UsageError: label column 'c' not found in '...d.csv'; its columns are ['y', 'a', 'b']
    """
    import pickle

    import layerwise as lw

    kw = {}
    if is_csv(name):
        kw["label"] = parse_label(label)
    elif label is not None:
        raise UsageError(f"--label {label!r} picks a column of a CSV file, but --data {name!r} "
                         f"is not a .csv/.tsv file (its labels are given by its format)")
    try:
        ds = lw.data.load(name, seed=seed, **kw)
    except lw.data.TextCellError as e:
        if label is not None:
            raise UsageError(str(e)) from None
        raise UsageError(f"{e}; if that column holds the labels, say so: --label "
                         f"{e.column}") from None
    except lw.data.LabelError as e:
        raise UsageError(f"{e}; {_LABEL_FIX.format(columns='')}") from None
    except (OSError, ValueError, TypeError, pickle.UnpicklingError) as e:
        raise UsageError(str(e)) from None
    if ds.label_name is not None:
        index = ds.columns.index(ds.label_name)
        shown = f"{ds.label_name!r}" if ds.feature_names is not None else "(no header)"
        how = ("pick another with --label" if label is None else "given by --label"
               if label_source == "--label" else f"{label_source}; --label picks another")
        print(f"label: column {index} {shown} of {len(ds.columns)}, {len(ds.classes)} classes "
              f"({how})", file=out or sys.stdout)
    return ds


def describe_label(ds):
    """Which column the labels of ``ds`` came from, for messages.

    >>> import layerwise as lw
    >>> describe_label(lw.data.load("iris"))
    "the labels of 'iris'"
    """
    if ds.label_name is None:
        return f"the labels of {ds.name!r}"
    return f"label column {ds.columns.index(ds.label_name)} ({ds.label_name!r}) of {ds.name!r}"
