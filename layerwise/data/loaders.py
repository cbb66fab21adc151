"""Loading data from files, and :func:`load`, the one entry point behind ``--data NAME|PATH``.

Formats: CSV (label column by index or name), NPZ (never unpickled), MNIST's IDX files (plain or
gzipped), and CIFAR-10 in both its binary and its python (pickled) version. The pickled version
goes through :class:`SafeUnpickler`, which rebuilds NumPy arrays and plain containers and refuses
everything else, so a hostile file cannot run code.

Every loader checks what it reads against what the format promises (magic numbers, dimensions,
record sizes, the file's length) and names the file, line or column at fault.

>>> ds = load("spiral", n=300, seed=0)
>>> ds
Dataset('spiral': train (240, 2), test (60, 2), 3 classes)
"""
from __future__ import annotations

import csv
import gzip
import math
import os
import pickle
import struct
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .preprocess import train_val_test_split
from .real import CLASS_NAMES, REAL_SETS
from .toy import TOY_SETS

__all__ = ["Dataset", "load", "load_csv", "read_csv", "CSVTable", "sniff_delimiter", "LabelError",
           "TextCellError", "csv_header", "load_npz", "read_idx", "load_mnist_idx", "load_cifar10",
           "SafeUnpickler", "UnsafePickleError", "CIFAR10_CLASSES", "NAMES"]

NAMES = tuple(TOY_SETS) + tuple(REAL_SETS)
"""The data set names :func:`load` accepts."""


def _existing_file(path):
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"no such file: {str(p)!r}")
    if not p.is_file():
        raise IsADirectoryError(f"expected a file, got the folder {str(p)!r}")
    return p


class LabelError(ValueError):
    """A label column that cannot hold class labels (a non-integer number, a negative one, an
    empty cell); most often the wrong column was taken as the label."""


class TextCellError(ValueError):
    """Text in a feature column; ``column`` is its name (or 0-based index without a header),
    since a text column is most often the label column that was not named as such."""

    def __init__(self, message, column):
        super().__init__(message)
        self.column = column


def _labels_from_numbers(values, where):
    """float64 label values -> int64, or a ValueError naming the first non-integer one."""
    bad = ~np.isfinite(values) | (values != np.round(values))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise LabelError(f"{where(i)}: label {float(values[i])!r} is not an integer class; "
                         f"labels must be integers or text")
    if values.size and values.min() < 0:
        i = int(np.argmin(values))
        raise LabelError(f"{where(i)}: label {int(values[i])} is negative; integer labels must "
                         f"be class indices 0, 1, ...")
    return values.astype(np.int64)


# -- CSV ------------------------------------------------------------------------------------------
def _is_number(cell):
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _first_rows(path, delimiter, k=2):
    rows = []
    with open(path, newline="", encoding="utf-8-sig") as f:
        for row in csv.reader(f, delimiter=delimiter):
            if row and any(c.strip() for c in row):
                rows.append([c.strip() for c in row])
                if len(rows) == k:
                    break
    return rows


#: Delimiters tried, in order of preference, when a CSV's delimiter is not given. The semicolon
#: goes before the comma: a semicolon file often holds commas (as its decimal mark), a comma
#: file of numbers hardly ever holds semicolons.
DELIMITERS = ("\t", ";", ",", "|")
#: Column names taken as the label column when ``label="auto"`` (compared case-insensitively).
LABEL_NAMES = ("label", "labels", "target", "targets", "class", "classes", "y")


def sniff_delimiter(path, k=20):
    """The delimiter of a CSV file: the first of :data:`DELIMITERS` that splits each of its
    first ``k`` rows into the same number (at least two) of cells; ``","`` when none does.

    A semicolon-separated file (the spreadsheet export where the comma is the decimal mark)
    would otherwise read as one column per row.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "semi.csv")
    >>> _ = open(path, "w").write("a;b;c\\n1.5;2;0\\n3;4.5;1\\n")
    >>> sniff_delimiter(path)
    ';'
    """
    with open(path, newline="", encoding="utf-8-sig") as f:
        lines = []
        for line in f:
            if line.strip():
                lines.append(line)
                if len(lines) == k:
                    break
    for d in DELIMITERS:
        widths = {len(row) for row in csv.reader(lines, delimiter=d)}
        if len(widths) == 1 and widths.pop() >= 2:
            return d
    return ","


def csv_header(path, delimiter="auto"):
    """The column names of a CSV file's header row, or None when it has none (found as
    :func:`load_csv` finds it with ``header="auto"``).

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "h.csv")
    >>> _ = open(path, "w").write("a,b\\n1,2\\n")
    >>> csv_header(path)
    ['a', 'b']
    """
    path = _existing_file(path)
    rows = _first_rows(path, sniff_delimiter(path) if delimiter == "auto" else delimiter)
    return list(rows[0]) if rows and _header_auto(rows) else None


def _header_auto(rows):
    """The first row is a header if some cell of it is text where the row below holds a number
    (so a text label column, as in ``5.1,3.5,1.4,0.2,setosa``, is not mistaken for a header)."""
    first = rows[0]
    if len(rows) == 1:  # nothing to compare with: only names, no numbers, make a header
        return not any(_is_number(c) for c in first)
    second = rows[1]
    return any(not _is_number(a) and _is_number(b) for a, b in zip(first, second))


def _label_index(label, columns, header, ncols, shown):
    """The 0-based index of the label column, or None; ``label`` as :func:`load_csv` takes it."""
    if label is None:
        return None
    if isinstance(label, str) and label == "auto":
        if header:
            named = [j for j, c in enumerate(columns) if c.strip().lower() in LABEL_NAMES]
            if len(named) == 1:
                return named[0]
        return ncols - 1
    if isinstance(label, str):
        if not header:
            raise ValueError(f"label={label!r} names a column, but {shown} has no header "
                             f"row; pass the column index instead")
        if label not in columns:
            raise ValueError(f"label column {label!r} not found in {shown}; its columns "
                             f"are {columns}")
        return columns.index(label)
    if isinstance(label, (int, np.integer)) and not isinstance(label, bool):
        if not -ncols <= label < ncols:
            raise ValueError(f"label column index {label} is out of range for {shown}, "
                             f"which has {ncols} columns (indices 0 to {ncols - 1}, or "
                             f"-{ncols} to -1 from the end)")
        return int(label) % ncols
    raise TypeError(f"label must be a column index, a column name, 'auto' or None, got "
                    f"{label!r}")


@dataclass
class CSVTable:
    """What :func:`read_csv` found in a CSV file.

    Attributes
    ----------
    X : ndarray, shape (N, D), float64
        The feature columns.
    y : ndarray, shape (N,), int64, or None
        The labels as class indices (None without a label column).
    classes : tuple of str or None
        Text labels' names in index order (None for integer labels).
    columns : list of str
        All column names: the header's, or ``"1"``, ``"2"``, ... without one.
    header : bool
        Whether the file has a header row.
    label_index : int or None
        The 0-based index of the label column.
    delimiter : str
    """

    X: np.ndarray
    y: object
    classes: object
    columns: list
    header: bool
    label_index: object
    delimiter: str

    @property
    def feature_names(self):
        """The feature columns' names from the header, or None without one."""
        if not self.header:
            return None
        return [c for j, c in enumerate(self.columns) if j != self.label_index]

    @property
    def label_name(self):
        """The label column's name (``"1"``, ``"2"``, ... without a header), or None."""
        return None if self.label_index is None else self.columns[self.label_index]


def _read_csv(path, label="auto", header="auto", delimiter="auto"):
    """Parse a CSV file into a :class:`CSVTable`."""
    path = _existing_file(path)
    shown = repr(str(path))
    if delimiter == "auto":
        delimiter = sniff_delimiter(path)
    rows = _first_rows(path, delimiter)
    if not rows:
        raise ValueError(f"{shown} is empty: no rows to read")
    if header == "auto":
        header = _header_auto(rows)
    elif not isinstance(header, bool):
        raise ValueError(f"header must be True, False or 'auto', got {header!r}")
    ncols = len(rows[0])
    columns = list(rows[0]) if header else [str(j + 1) for j in range(ncols)]
    li = _label_index(label, columns, header, ncols, shown)
    feat = [j for j in range(ncols) if j != li]
    if not feat:
        raise ValueError(f"{str(path)!r} has no feature columns besides the label column")

    # Fast path: NumPy's C parser reads a clean all-numeric file with valid labels; any trouble
    # (text labels, a bad cell, a short row, a bad label) drops to the row-by-row reader, which
    # handles text labels and says exactly where the trouble is.
    try:
        with warnings.catch_warnings():  # "input contained no data": the slow path says more
            warnings.simplefilter("ignore", UserWarning)
            A = np.loadtxt(path, delimiter=delimiter, skiprows=int(header), dtype=np.float64,
                           ndmin=2, comments=None, encoding="utf-8-sig")
        ok = A.shape[1] == ncols and A.shape[0] > 0 and np.isfinite(A).all()
        if ok and li is not None:
            ok = bool(np.all(A[:, li] == np.round(A[:, li])) and A[:, li].min() >= 0)
    except ValueError:
        ok = False
    if not ok:
        X, y, classes = _read_csv_slow(path, delimiter, header, ncols, li, feat, columns)
    else:
        X = np.ascontiguousarray(A[:, feat])
        y, classes = (None if li is None else A[:, li].astype(np.int64)), None
    return CSVTable(X, y, classes, columns, bool(header), li, delimiter)


def _read_csv_slow(path, delimiter, header, ncols, li, feat, columns):
    X, labels, lines = [], [], []
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f, delimiter=delimiter)
        seen_header = not header
        for row in reader:
            if not row or not any(c.strip() for c in row):
                continue
            if not seen_header:
                seen_header = True
                continue
            line = reader.line_num
            if len(row) != ncols:
                raise ValueError(f"{str(path)!r}, line {line}: expected {ncols} cells, got "
                                 f"{len(row)}")
            vals = []
            for j in feat:
                cell = row[j].strip()
                try:
                    v = float(cell)
                except ValueError:
                    hint = (" (a decimal comma? write decimals with a point)"
                            if _is_number(cell.replace(",", ".")) else "")
                    raise TextCellError(f"{str(path)!r}, line {line}, column {j + 1} "
                                        f"({columns[j]!r}): cannot read {cell!r} as a "
                                        f"number{hint}", column=columns[j] if header else j
                                        ) from None
                if not math.isfinite(v):
                    raise ValueError(f"{str(path)!r}, line {line}, column {j + 1} "
                                     f"({columns[j]!r}): non-finite value {cell!r}")
                vals.append(v)
            X.append(vals)
            lines.append(line)
            if li is not None:
                cell = row[li].strip()
                if not cell:
                    raise LabelError(f"{str(path)!r}, line {line}, column {li + 1} "
                                     f"({columns[li]!r}): empty label")
                labels.append(cell)
    if not X:
        raise ValueError(f"{str(path)!r} has a header row ({', '.join(columns)[:200]}) but no "
                         f"data rows")
    X = np.array(X, dtype=np.float64)
    if li is None:
        return X, None, None
    where = lambda i: f"{str(path)!r}, line {lines[i]}, column {columns[li]!r}"  # noqa: E731
    if all(_is_number(c) for c in labels):
        return X, _labels_from_numbers(np.array(labels, dtype=np.float64), where), None
    # Text labels: classes in sorted order, so the same file always gives the same indices.
    names, y = np.unique(np.array(labels), return_inverse=True)
    return X, y.astype(np.int64), tuple(str(s) for s in names)


def load_csv(path, label="auto", header="auto", delimiter="auto"):
    """Read a CSV file of numbers into features ``X`` and integer labels ``y``.

    Parameters
    ----------
    path : str or Path
    label : int, str, "auto" or None, default "auto"
        The label column: an index (0-based; negative counts from the end), a column name
        (needs a header), ``"auto"`` for the one column named ``label``, ``target``, ``class``
        or ``y`` (any case, plurals too) if the header has exactly one, else the last column,
        or ``None`` for a file without labels (``y`` is then ``None``).
    header : bool or "auto", default "auto"
        Whether the first row holds column names. ``"auto"``: yes if a cell of the first row is
        text where the second row holds a number.
    delimiter : str or "auto", default "auto"
        ``"auto"`` sniffs it (:func:`sniff_delimiter`): comma, semicolon, tab or bar.

    Returns
    -------
    X : ndarray, shape (N, D), float64
    y : ndarray, shape (N,), int64, or None
        Integer labels as given; text labels become ``0..K-1`` in sorted order of the text.

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        A cell that is not a finite number (naming its line and column), a row with the wrong
        number of cells, an unknown label column, a non-integer numeric label.

    See Also
    --------
    read_csv : the same, with the column names, class names and the label column found.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "flowers.csv")
    >>> _ = open(path, "w").write("length,width,kind\\n1.5,0.2,setosa\\n4.5,1.5,versicolor\\n")
    >>> X, y = load_csv(path, label="kind")
    >>> X, y
    (array([[1.5, 0.2],
           [4.5, 1.5]]), array([0, 1]))
    """
    t = _read_csv(path, label=label, header=header, delimiter=delimiter)
    return t.X, t.y


def read_csv(path, label="auto", header="auto", delimiter="auto"):
    """Read a CSV file as :func:`load_csv` does, and say what was found: a :class:`CSVTable`
    with the features, the labels, the class names of text labels, the column names, whether
    there was a header, the label column's index and the delimiter.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "wine.csv")
    >>> _ = open(path, "w").write("target;alcohol;ash\\n0;14.2;2.4\\n1;13.2;2.1\\n")
    >>> t = read_csv(path)
    >>> t.label_name, t.feature_names, t.delimiter, t.y
    ('target', ['alcohol', 'ash'], ';', array([0, 1]))
    """
    return _read_csv(path, label=label, header=header, delimiter=delimiter)


# -- NPZ ------------------------------------------------------------------------------------------
def _npz_arrays(path, keys, optional=()):
    """Read ``keys`` (all required) and ``optional`` keys from an .npz archive, never unpickling."""
    path = _existing_file(path)
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic not in (b"PK\x03\x04", b"PK\x05\x06"):
        raise ValueError(f"{str(path)!r} is not an .npz archive (a zip file); it starts with "
                         f"{magic!r}")
    out, files = {}, []
    try:
        with np.load(path, allow_pickle=False) as z:
            files = list(z.files)
            for k in (*keys, *optional):
                if k in files:
                    out[k] = z[k]
    except ValueError as e:
        if "allow_pickle" in str(e) or "Object arrays" in str(e):
            raise ValueError(f"{str(path)!r} holds object arrays, which can only be read by "
                             f"unpickling; refusing to unpickle (save numeric arrays instead)"
                             ) from None
        raise ValueError(f"cannot read {str(path)!r} as an .npz archive: {e}") from None
    except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as e:  # damaged or truncated
        raise ValueError(f"cannot read {str(path)!r} as an .npz archive: {e}") from None
    missing = [k for k in keys if k not in out]
    if missing:
        raise ValueError(f"{str(path)!r} has no array {missing[0]!r}; it holds {files}")
    return out


def _npz_X(X, path, key):
    if X.dtype.kind not in "fiub":
        raise ValueError(f"array {key!r} in {str(path)!r} must be numeric, got dtype {X.dtype}")
    if X.ndim < 2:
        raise ValueError(f"array {key!r} in {str(path)!r} must have a samples axis and feature "
                         f"axes (2-D or more), got shape {X.shape}")
    X = X.reshape(X.shape[0], -1)  # images (N, H, W[, C]) become rows, as a dense net needs
    if X.dtype.kind != "f":
        X = X.astype(np.float64)
    if not np.isfinite(X).all():
        raise ValueError(f"array {key!r} in {str(path)!r} contains NaN or inf")
    return X


def _npz_y(y, path, key, n):
    if y.dtype.kind not in "fiub" or y.ndim != 1:
        raise ValueError(f"array {key!r} in {str(path)!r} must be 1-D integer labels, got dtype "
                         f"{y.dtype} and shape {y.shape}")
    if y.shape[0] != n:
        raise ValueError(f"{str(path)!r}: {n} samples but {y.shape[0]} labels in {key!r}")
    return _labels_from_numbers(y.astype(np.float64), lambda i: f"{str(path)!r}, {key}[{i}]")


def load_npz(path, x_key="X", y_key="y"):
    """Read features and labels from a NumPy ``.npz`` archive, with ``allow_pickle=False``.

    Parameters
    ----------
    path : str or Path
    x_key, y_key : str
        Names of the arrays; ``y_key=None`` reads features only (``y`` is ``None``).

    Returns
    -------
    X : ndarray, shape (N, D)
        Floating arrays keep their dtype; integer and boolean ones become float64. Arrays with
        more axes (images ``(N, H, W)``) are flattened to rows.
    y : ndarray, shape (N,), int64, or None

    Raises
    ------
    ValueError
        Not a zip archive, a missing key (naming the keys present), object arrays (which would
        need unpickling), non-numeric or non-finite data, non-integer labels.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "d.npz")
    >>> np.savez(path, X=np.zeros((3, 2, 2), np.float32), y=[0, 1, 1])
    >>> X, y = load_npz(path)
    >>> X.shape, X.dtype, y
    ((3, 4), dtype('float32'), array([0, 1, 1]))
    """
    keys = (x_key,) if y_key is None else (x_key, y_key)
    a = _npz_arrays(path, keys)
    X = _npz_X(a[x_key], path, x_key)
    y = None if y_key is None else _npz_y(a[y_key], path, y_key, X.shape[0])
    return X, y


# -- MNIST IDX ------------------------------------------------------------------------------------
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _is_gzip(path):
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def _read_upto(f, n, chunk=1 << 24):
    """Read at most ``n`` bytes, in chunks, so a header that claims a huge size cannot make us
    allocate it before the data runs out."""
    buf = bytearray()
    while len(buf) < n:
        part = f.read(min(chunk, n - len(buf)))
        if not part:
            break
        buf += part
    return bytes(buf)


def read_idx(path):
    """Read one IDX file (the format of the MNIST files), plain or gzipped, into an array.

    The header is a magic number ``0x0000TTDD`` (``TT`` the element type, ``DD`` the number of
    dimensions) followed by ``DD`` big-endian 32-bit sizes; the data follow in C order. The
    sizes are checked against the length of the data actually present.

    Raises
    ------
    ValueError
        A wrong magic number, a truncated header or body, trailing bytes, a corrupt gzip stream.

    Examples
    --------
    >>> import tempfile, os, struct
    >>> path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte")
    >>> _ = open(path, "wb").write(struct.pack(">IIBBB", 0x801, 3, 7, 2, 1))
    >>> read_idx(path)
    array([7, 2, 1], dtype=uint8)
    """
    path = _existing_file(path)
    gz = _is_gzip(path)
    where = f"{str(path)!r}" + (" (gzip)" if gz else "")
    try:
        with (gzip.open(path, "rb") if gz else open(path, "rb")) as f:
            magic = f.read(4)
            if len(magic) < 4:
                raise ValueError(f"{where} is too short for an IDX file: {len(magic)} bytes, "
                                 f"expected at least a 4-byte magic number")
            if magic[:2] != b"\0\0" or magic[2] not in _IDX_DTYPES or magic[3] == 0:
                raise ValueError(
                    f"{where} is not an IDX file: magic number 0x{magic.hex()}, expected "
                    f"0x0000TTDD with type TT one of 08, 09, 0b, 0c, 0d, 0e and DD >= 1 "
                    f"dimensions (MNIST images: 0x00000803, labels: 0x00000801)")
            ndim = magic[3]
            raw = f.read(4 * ndim)
            if len(raw) < 4 * ndim:
                raise ValueError(f"{where} is truncated: its header announces {ndim} dimensions "
                                 f"but holds only {len(raw)} of their {4 * ndim} size bytes")
            dims = struct.unpack(f">{ndim}I", raw)
            dtype = np.dtype(_IDX_DTYPES[magic[2]])
            nbytes = math.prod(dims) * dtype.itemsize
            data = _read_upto(f, nbytes)
            if len(data) < nbytes:
                raise ValueError(f"{where} is truncated: its header gives dimensions {dims} of "
                                 f"{dtype.name}, which is {nbytes} data bytes, but only "
                                 f"{len(data)} follow")
            if f.read(1):
                raise ValueError(f"{where} has bytes after the {nbytes} data bytes its header "
                                 f"{dims} of {dtype.name} announces; the file is damaged")
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise ValueError(f"{where} is a corrupt or truncated gzip stream: {e}") from None
    return np.frombuffer(data, dtype).reshape(dims).astype(dtype.newbyteorder("="))


def load_mnist_idx(images_path, labels_path, dtype=np.float64):
    """Read MNIST-style IDX images and labels (``train-images-idx3-ubyte[.gz]`` and friends).

    Returns
    -------
    X : ndarray, shape (N, rows * cols)
        Images unrolled row by row, values as stored (0..255 for MNIST), in ``dtype``.
    y : ndarray, shape (N,), int64

    Raises
    ------
    ValueError
        What :func:`read_idx` raises, images that are not 2-D or more per sample, labels that
        are not 1-D integers, or different numbers of images and labels.

    Examples
    --------
    >>> import os, struct, tempfile
    >>> d = tempfile.mkdtemp()
    >>> images, labels = os.path.join(d, "images-idx3-ubyte"), os.path.join(d, "labels-idx1-ubyte")
    >>> _ = open(images, "wb").write(struct.pack(">IIII", 0x803, 2, 2, 2) + bytes(range(8)))
    >>> _ = open(labels, "wb").write(struct.pack(">II", 0x801, 2) + bytes([7, 1]))
    >>> load_mnist_idx(images, labels)
    (array([[0., 1., 2., 3.],
           [4., 5., 6., 7.]]), array([7, 1]))
    """
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim < 2:
        raise ValueError(f"{str(images_path)!r} holds a {images.ndim}-D array of shape "
                         f"{images.shape}, expected images (N, rows, cols); were the images "
                         f"and labels files swapped?")
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(f"{str(labels_path)!r} holds an array of shape {labels.shape} and "
                         f"dtype {labels.dtype}, expected 1-D integer labels (N,)")
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"{images.shape[0]} images in {str(images_path)!r} but "
                         f"{labels.shape[0]} labels in {str(labels_path)!r}")
    if labels.size and labels.min() < 0:
        raise ValueError(f"{str(labels_path)!r} holds a negative label {int(labels.min())}")
    return images.reshape(images.shape[0], -1).astype(dtype), labels.astype(np.int64)


# -- CIFAR-10 -------------------------------------------------------------------------------------
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                   "ship", "truck")
_CIFAR_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
_CIFAR_TEST = "test_batch"
_CIFAR_RECORD = 1 + 3072  # one label byte, then 1024 red, 1024 green and 1024 blue bytes


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle asked for something other than NumPy arrays and plain containers."""


def _numpy_reconstruct():
    try:
        from numpy._core.multiarray import _reconstruct  # NumPy >= 2
    except ImportError:  # pragma: no cover - NumPy 1.x
        from numpy.core.multiarray import _reconstruct
    return _reconstruct


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that rebuilds NumPy arrays and plain containers and nothing else.

    A pickle is a program: every ``GLOBAL`` it names is imported and may be called, which is
    how a hostile file runs ``os.system``. Here :meth:`find_class` resolves only the three
    names a pickled ``ndarray`` needs (``numpy.core.multiarray._reconstruct`` — or
    ``numpy._core.multiarray._reconstruct`` as NumPy 2 writes it — ``numpy.ndarray`` and
    ``numpy.dtype``); dicts, lists, tuples, strings, bytes and numbers need no global at all.
    Any other name raises :class:`UnsafePickleError` before anything is imported or called.

    Examples
    --------
    >>> import io, os, pickle
    >>> SafeUnpickler(io.BytesIO(pickle.dumps({"w": np.arange(3)}))).load()
    {'w': array([0, 1, 2])}
    >>> SafeUnpickler(io.BytesIO(pickle.dumps(os.getcwd))).load()
    Traceback (most recent call last):
    ...
    layerwise.data.loaders.UnsafePickleError: refusing to load 'posix.getcwd' from a pickle: ...
    """

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"),
                ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype")}

    def find_class(self, module, name):
        if (module, name) not in self._ALLOWED:
            raise UnsafePickleError(
                f"refusing to load {module + '.' + name!r} from a pickle: only NumPy arrays and "
                f"plain containers (dict, list, tuple, str, bytes, numbers) are allowed")
        if name == "_reconstruct":
            # Resolved here rather than imported by name: NumPy 2 keeps numpy.core only as a
            # deprecated alias, and Python 2-era files (CIFAR-10's) name numpy.core.
            return _numpy_reconstruct()
        return np.ndarray if name == "ndarray" else np.dtype

    def persistent_load(self, pid):
        raise UnsafePickleError(f"refusing persistent id {pid!r} in a pickle")


def _cifar_dir(folder):
    """(directory, "bin" | "py") where the batches lie, or None."""
    folder = Path(folder)
    for d in (folder, folder / "cifar-10-batches-bin", folder / "cifar-10-batches-py"):
        names = (*_CIFAR_TRAIN, _CIFAR_TEST)
        if any((d / f"{n}.bin").is_file() for n in names):
            return d, "bin"
        if any((d / n).is_file() for n in names):
            return d, "py"
    return None


def _cifar_bin(path):
    data = path.read_bytes()
    if not data or len(data) % _CIFAR_RECORD:
        raise ValueError(f"{str(path)!r} is {len(data)} bytes, not a positive multiple of the "
                         f"{_CIFAR_RECORD}-byte CIFAR-10 record (1 label byte + 3072 pixels)")
    rec = np.frombuffer(data, np.uint8).reshape(-1, _CIFAR_RECORD)
    return rec[:, 1:], rec[:, 0].astype(np.int64)


def _get(d, key):
    """``d[b"key"]`` as the Python 2 files store it, or ``d["key"]`` as a Python 3 re-save may."""
    if key.encode() in d:
        return d[key.encode()]
    if key in d:
        return d[key]
    raise KeyError(key)


def _cifar_py(path):
    try:
        with open(path, "rb") as f:
            # encoding="bytes": the files were written by Python 2, whose str is bytes.
            obj = SafeUnpickler(f, encoding="bytes").load()
    except UnsafePickleError as e:
        raise UnsafePickleError(f"{str(path)!r}: {e}") from None
    except Exception as e:  # noqa: BLE001 - any malformed pickle is a damaged file to the user
        raise ValueError(f"cannot read {str(path)!r} as a CIFAR-10 python batch: "
                         f"{type(e).__name__}: {e}") from None
    try:
        data, labels = _get(obj, "data"), _get(obj, "labels")
    except (KeyError, TypeError):
        keys = list(obj) if isinstance(obj, dict) else type(obj).__name__
        raise ValueError(f"{str(path)!r} is not a CIFAR-10 batch: expected a dict with 'data' "
                         f"and 'labels', got {keys}") from None
    if not (isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 2
            and data.shape[1] == 3072):
        desc = (f"dtype {data.dtype} and shape {data.shape}" if isinstance(data, np.ndarray)
                else type(data).__name__)
        raise ValueError(f"{str(path)!r}: 'data' must be a uint8 array of shape (N, 3072), got "
                         f"{desc}")
    try:
        y = np.asarray(labels)
    except Exception:  # noqa: BLE001
        y = np.asarray([], dtype=object)
    if y.ndim != 1 or y.dtype.kind not in "iu" or y.shape[0] != data.shape[0]:
        raise ValueError(f"{str(path)!r}: 'labels' must be {data.shape[0]} integers, got "
                         f"{type(labels).__name__} of shape {y.shape} and dtype {y.dtype}")
    return data, y.astype(np.int64)


def load_cifar10(folder, dtype=np.float32):
    """Read CIFAR-10 from its folder, in its binary or its python version.

    ``folder`` is the unpacked ``cifar-10-batches-bin`` (files ``data_batch_1.bin`` ...
    ``data_batch_5.bin``, ``test_batch.bin``, 10,000 records of 3,073 bytes each) or
    ``cifar-10-batches-py`` (``data_batch_1`` ... ``data_batch_5``, ``test_batch``: pickled
    dicts with ``b"data"`` and ``b"labels"``), or a folder that holds one of them. The pickled
    batches are read with :class:`SafeUnpickler`, so they cannot run code.

    Parameters
    ----------
    folder : str or Path
    dtype : default float32
        Pixel dtype. float32 because the training set in float64 takes 1.2 GB.

    Returns
    -------
    X_train : ndarray, shape (50000, 3072)
        Pixels 0..255, channel-major as CIFAR stores them: 1024 red values (32x32 row by row),
        then 1024 green, then 1024 blue. ``X.reshape(-1, 3, 32, 32)`` gives NCHW images.
    y_train : ndarray, shape (50000,), int64 in 0..9 (names in ``CIFAR10_CLASSES``)
    X_test : ndarray, shape (10000, 3072)
    y_test : ndarray, shape (10000,), int64

    Raises
    ------
    FileNotFoundError
        No batches found, or some batches missing (naming them).
    UnsafePickleError
        A python batch asks to import anything beyond NumPy arrays.
    ValueError
        A damaged batch: wrong record size, wrong shapes, labels outside 0..9.

    Examples
    --------
    A folder in the binary version's layout, with one record per batch:

    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> for k, name in enumerate(["data_batch_1", "data_batch_2", "data_batch_3",
    ...                           "data_batch_4", "data_batch_5", "test_batch"]):
    ...     _ = open(os.path.join(d, name + ".bin"), "wb").write(bytes([k]) + bytes(3072))
    >>> X_train, y_train, X_test, y_test = load_cifar10(d)
    >>> X_train.shape, y_train.tolist(), X_test.shape, CIFAR10_CLASSES[int(y_test[0])]
    ((5, 3072), [0, 1, 2, 3, 4], (1, 3072), 'dog')
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder: {str(folder)!r} (expected the CIFAR-10 folder)")
    found = _cifar_dir(folder)
    if found is None:
        raise FileNotFoundError(
            f"no CIFAR-10 batches in {str(folder)!r}: expected data_batch_1.bin ... "
            f"data_batch_5.bin and test_batch.bin (binary version) or data_batch_1 ... "
            f"data_batch_5 and test_batch (python version), in the folder or in "
            f"cifar-10-batches-bin / cifar-10-batches-py inside it")
    d, kind = found
    suffix = ".bin" if kind == "bin" else ""
    files = [d / f"{n}{suffix}" for n in (*_CIFAR_TRAIN, _CIFAR_TEST)]
    missing = [p.name for p in files if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"the CIFAR-10 folder {str(d)!r} is missing {missing}")
    read = _cifar_bin if kind == "bin" else _cifar_py
    parts = [read(p) for p in files]
    for p, (_, y) in zip(files, parts):
        if y.size and (y.min() < 0 or y.max() > 9):
            bad = y[(y < 0) | (y > 9)][0]
            raise ValueError(f"{str(p)!r} holds label {int(bad)}, expected 0..9")
    X_train = np.concatenate([x for x, _ in parts[:-1]]).astype(dtype)
    y_train = np.concatenate([y for _, y in parts[:-1]])
    return X_train, y_train, parts[-1][0].astype(dtype), parts[-1][1]


# -- one entry point ------------------------------------------------------------------------------
@dataclass(repr=False)
class Dataset:
    """A data set split into training and test parts.

    Attributes
    ----------
    X_train : ndarray, shape (N, D)
    y_train : ndarray, shape (N,), int64
    X_test : ndarray, shape (M, D)
    y_test : ndarray, shape (M,), int64
    name : str
        The name or path it was loaded from.
    classes : tuple of str
        Class names; label ``k`` is ``classes[k]``.
    feature_names : list of str or None
        The features' column names, for a CSV file with a header.
    label_name : str or None
        The label column's name, for a CSV file (``"1"``, ``"2"``, ... without a header).
    columns : list of str or None
        All of a CSV file's column names.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    name: str
    classes: tuple
    feature_names: object = None
    label_name: object = None
    columns: object = None

    @property
    def n_features(self):
        """Features per sample, ``D``."""
        return self.X_train.shape[1]

    @property
    def n_classes(self):
        """The number of classes, ``len(classes)``."""
        return len(self.classes)

    def __repr__(self):
        return (f"Dataset({self.name!r}: train {self.X_train.shape}, test {self.X_test.shape}, "
                f"{self.n_classes} classes)")


def _split(X, y, name, classes, seed, test_fraction):
    if not (isinstance(test_fraction, (int, float)) and 0 < test_fraction < 1):
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    Xtr, ytr, _, _, Xte, yte = train_val_test_split(X, y, val=0.0, test=test_fraction,
                                                    seed=seed)
    return _dataset(Xtr, ytr, Xte, yte, name, classes)


def _dataset(Xtr, ytr, Xte, yte, name, classes=None):
    if classes is None:
        k = int(max(ytr.max(initial=-1), yte.max(initial=-1))) + 1
        classes = tuple(str(i) for i in range(k))
    return Dataset(Xtr, ytr, Xte, yte, name, tuple(classes))


def _idx_labels_for(images):
    """MNIST's naming: ``...-images-idx3-ubyte[.gz]`` pairs with ``...-labels-idx1-ubyte[.gz]``."""
    name = images.name
    for a, b in (("images-idx3", "labels-idx1"), ("images.idx3", "labels.idx1")):
        if a in name:
            p = images.with_name(name.replace(a, b))
            for cand in (p, p.with_name(p.name + ".gz"), p.with_name(p.name.removesuffix(".gz"))):
                if cand.is_file():
                    return cand
    return None


def _find(folder, stem):
    for sep in ("-", "."):
        for ext in ("", ".gz"):
            p = folder / f"{stem.replace('-idx', sep + 'idx')}{ext}"
            if p.is_file():
                return p
    return None


def _looks_like_idx(path):
    try:
        with (gzip.open(path, "rb") if _is_gzip(path) else open(path, "rb")) as f:
            magic = f.read(4)
    except (OSError, EOFError, zlib.error):
        return False
    return len(magic) == 4 and magic[:2] == b"\0\0" and magic[2] in _IDX_DTYPES and magic[3] > 0


def _load_path(p, seed, test_fraction, kw):
    name = str(p)
    if p.is_dir():
        if _cifar_dir(p) is not None:
            return _dataset(*load_cifar10(p, **kw), name, CIFAR10_CLASSES)
        found = {s: _find(p, s) for s in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                          "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
        if all(found.values()):
            tr = load_mnist_idx(found["train-images-idx3-ubyte"],
                                found["train-labels-idx1-ubyte"], **kw)
            te = load_mnist_idx(found["t10k-images-idx3-ubyte"], found["t10k-labels-idx1-ubyte"],
                                **kw)
            return _dataset(*tr, *te, name)
        raise FileNotFoundError(f"{name!r} is a folder, but holds neither CIFAR-10 batches nor "
                                f"MNIST IDX files (train-images-idx3-ubyte, "
                                f"train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
                                f"t10k-labels-idx1-ubyte, maybe .gz)")
    suffix = p.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        if suffix == ".tsv":
            kw.setdefault("delimiter", "\t")
        t = _read_csv(p, **kw)
        if t.y is None:
            raise ValueError(f"{name!r}: a data set for training needs a label column")
        ds = _split(t.X, t.y, name, t.classes, seed, test_fraction)
        ds.columns, ds.label_name, ds.feature_names = t.columns, t.label_name, t.feature_names
        return ds
    if suffix == ".npz":
        x_key, y_key = kw.pop("x_key", "X"), kw.pop("y_key", "y")
        if kw:
            raise TypeError(f"unexpected options for an .npz file: {sorted(kw)}")
        a = _npz_arrays(p, (x_key, y_key), optional=(f"{x_key}_test", f"{y_key}_test"))
        X = _npz_X(a[x_key], p, x_key)
        y = _npz_y(a[y_key], p, y_key, X.shape[0])
        if f"{x_key}_test" in a and f"{y_key}_test" in a:  # the file brings its own test split
            Xte = _npz_X(a[f"{x_key}_test"], p, f"{x_key}_test")
            if Xte.shape[1] != X.shape[1]:
                raise ValueError(f"{name!r}: {x_key}_test has {Xte.shape[1]} features, "
                                 f"{x_key} has {X.shape[1]}")
            yte = _npz_y(a[f"{y_key}_test"], p, f"{y_key}_test", Xte.shape[0])
            return _dataset(X, y, Xte, yte, name)
        return _split(X, y, name, None, seed, test_fraction)
    if _looks_like_idx(p):
        labels = kw.pop("labels_path", None) or _idx_labels_for(p)
        if labels is None:
            raise FileNotFoundError(f"found no labels file next to the IDX images {name!r} "
                                    f"(MNIST names it ...-labels-idx1-ubyte); pass labels_path=")
        X, y = load_mnist_idx(p, labels, **kw)
        return _split(X, y, name, None, seed, test_fraction)
    raise ValueError(f"cannot tell the format of {name!r}: expected a .csv, .tsv or .npz file, an "
                     f"IDX file (MNIST's format, maybe .gz) or a CIFAR-10 / MNIST folder")


def load(name_or_path, *, seed=0, test_fraction=0.2, **kw):
    """Load a data set by name or from a path, split into training and test sets.

    Parameters
    ----------
    name_or_path : str or Path
        A toy set (``spiral``, ``circles``, ``xor``, ``gaussians``, ``moons``), a real one
        (``digits``, ``iris``, ``wine``, ``breast_cancer``, ``mnist``, ``mnist1d``), a ``.csv``
        / ``.tsv`` / ``.npz`` / IDX file, or a folder with CIFAR-10 batches or the four MNIST
        IDX files.
    seed : int, default 0
        Seeds the toy generators and the split, so a name and a seed always give the same data.
    test_fraction : float, default 0.2
        Share of the data held out for testing, stratified by class, for sets without a given
        test split. MNIST-1D, CIFAR-10, an MNIST folder and an ``.npz`` with ``X_test`` /
        ``y_test`` keep their own splits (MNIST-1D keeps the package's generator seed too).
    **kw
        Passed on: to a toy generator (``n``, ``noise``, ``classes``), to ``mnist`` (``n``), to
        :func:`load_csv` (``label``, ``header``, ``delimiter``; the label column
        is found as ``label="auto"`` says unless given), :func:`load_npz` (``x_key``,
        ``y_key``), :func:`load_mnist_idx` / :func:`load_cifar10` (``dtype``), and
        ``labels_path`` for a lone IDX images file.

    Returns
    -------
    Dataset

    Examples
    --------
    >>> ds = load("iris")
    >>> ds
    Dataset('iris': train (120, 4), test (30, 4), 3 classes)
    >>> ds.classes, np.bincount(ds.y_test).tolist()
    (('setosa', 'versicolor', 'virginica'), [10, 10, 10])
    """
    key = str(name_or_path)
    if key in TOY_SETS:
        X, y = TOY_SETS[key](seed=seed, **kw)
        return _split(X, y, key, None, seed, test_fraction)
    if key == "mnist1d":
        return _dataset(*REAL_SETS[key](**kw), key)
    if key in REAL_SETS:
        X, y = REAL_SETS[key](**kw)
        return _split(X, y, key, CLASS_NAMES.get(key), seed, test_fraction)
    p = Path(os.path.expanduser(key))
    if not p.exists():
        raise ValueError(f"unknown data set {key!r}: expected one of {', '.join(NAMES)}, or the "
                         f"path of a .csv/.npz/IDX file or a CIFAR-10 folder (no such file)")
    return _load_path(p, seed, test_fraction, dict(kw))
