"""Model files: safetensors weights with the architecture as JSON, and export to PyTorch and ONNX.

A saved model is one `safetensors <https://github.com/huggingface/safetensors>`_ file. Its
tensors are the network's state dict, named as PyTorch's ``nn.Sequential`` names them
(``"0.weight"``, ``"0.bias"``, ...) and stored in the network's dtype; its ``__metadata__``
holds ``format = "layerwise"``, ``version = "1"``, ``architecture`` (the JSON of
:meth:`~layerwise.engine.network.Sequential.config`), the class names and feature names when
known (``class_names`` and ``feature_names``, JSON lists) and any string metadata the caller adds.
:func:`load` puts the names back on the network as ``net.class_names`` and ``net.feature_names``.

Loading never unpickles and trusts nothing in the file: the header is parsed and checked here,
with NumPy alone, before any tensor is read (length cap, JSON shape, dtypes, shapes, offsets,
total size, the architecture, finite values). Every problem raises :class:`ModelFileError`, a
``ValueError`` that names the file and what is wrong. Writes are atomic
(:mod:`layerwise.io.atomic`): a failed save leaves the previous file as it was.

Export: :func:`to_torch` returns an equivalent ``torch.nn.Sequential``; :func:`export_onnx`
writes an ONNX graph built node by node, which onnxruntime runs with the same results.

>>> import os, tempfile
>>> import numpy as np
>>> import layerwise as lw
>>> net = lw.Network([3, 4, 2], activation="tanh", seed=0)
>>> path = os.path.join(tempfile.mkdtemp(), "net.safetensors")
>>> lw.save(net, path, metadata={"trained_on": "spiral"})
>>> again = lw.load(path)
>>> again.config() == net.config(), bool((again(np.ones((2, 3))) == net(np.ones((2, 3)))).all())
(True, True)
>>> read_metadata(path)["trained_on"]
'spiral'

Class names travel with the model, so predictions can be shown as names:

>>> lw.save(net, path, class_names=["cat", "dog"], feature_names=["x", "y", "z"])
>>> again = lw.load(path)
>>> again.class_names, again.feature_names
(('cat', 'dog'), ('x', 'y', 'z'))
>>> [again.class_names[k] for k in again.predict(np.eye(3))]
['dog', 'dog', 'dog']
"""
from __future__ import annotations

import json
import math
import os
import struct

import numpy as np

from ..optional import require

from ..engine import activations as act
from ..engine.layers import LAYER_TYPES
from ..engine.network import Network, Sequential, from_config
from .atomic import atomic_write

__all__ = ["ModelFileError", "save", "load", "read_metadata", "class_names_for", "to_torch",
           "to_onnx", "export_onnx", "FORMAT", "VERSION", "MAX_HEADER_BYTES", "MAX_FILE_BYTES"]

FORMAT = "layerwise"
VERSION = "1"
#: Largest JSON header accepted; a real model's header is a few kilobytes.
MAX_HEADER_BYTES = 16 * 2**20
#: Default cap on a whole file; :func:`load` takes ``max_bytes`` to change it.
MAX_FILE_BYTES = 2 * 2**30
#: The only tensor dtypes a model file may hold (safetensors stores little-endian).
_DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8")}
_DTYPE_NAMES = {np.dtype(np.float32): "F32", np.dtype(np.float64): "F64"}
_RESERVED = ("format", "version", "architecture", "class_names", "feature_names")
# parameters are vectors and matrices; a deeper shape is hostile or a different kind of model
_MAX_NDIM = 8


class ModelFileError(ValueError):
    """A model file that is malformed, hostile, or not a layerwise model."""


# --------------------------------------------------------------------------------------------
# save
# --------------------------------------------------------------------------------------------
def _json_default(obj):
    # numpy scalars in a config (np.float32 dropout, np.int64 sizes) become plain numbers
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"architecture value {obj!r} of type {type(obj).__name__} is not JSON-able")


def _plain(value):
    # NumPy scalars (the items of a classes_ array) become the Python values JSON holds
    return value.item() if isinstance(value, np.generic) else value


def _is_name(v):
    return isinstance(v, str) or (isinstance(v, (int, float)) and not isinstance(v, bool)
                                  and math.isfinite(v)) or isinstance(v, bool)


def class_names_for(n_outputs, names, fail):
    """Check ``names`` as the class names of a net with ``n_outputs`` outputs; return a tuple.

    One name per output, or two names for a single-output (binary) net: label 0 is the score
    below zero, label 1 the score above. Each name is a string, a number or a bool (so that a
    scikit-learn ``classes_`` array of integers comes back as integers).
    """
    try:
        names = [_plain(v) for v in names]
    except TypeError:
        fail(f"class names must be a list of strings or numbers, got {names!r:.200}")
    if not all(_is_name(v) for v in names):
        bad = next(v for v in names if not _is_name(v))
        fail(f"class names must be strings, finite numbers or bools, got {bad!r:.100} "
             f"({type(bad).__name__})")
    expected = (2,) if n_outputs == 1 else (n_outputs,)
    if len(names) not in expected:
        fail(f"the network has {n_outputs} output{'s' * (n_outputs != 1)}, so it needs "
             f"{expected[0]} class names, got {len(names)}: {names!r:.200}")
    if len(set(map(repr, names))) != len(names):
        fail(f"class names must be distinct, got {names!r:.200}")
    return tuple(names)


def _feature_names_for(n_inputs, names, fail):
    try:
        names = [_plain(v) for v in names]
    except TypeError:
        fail(f"feature names must be a list of strings, got {names!r:.200}")
    if not all(isinstance(v, str) for v in names):
        fail(f"feature names must be strings, got {names!r:.200}")
    if len(names) != n_inputs:
        fail(f"the network has {n_inputs} inputs, so it needs {n_inputs} feature names, got "
             f"{len(names)}: {names!r:.200}")
    return tuple(names)


def _raise_value_error(msg):
    raise ValueError(msg)


def save(net, path, metadata=None, class_names=None, feature_names=None):
    """Save ``net`` to ``path`` as a safetensors file with its architecture; atomically.

    Parameters
    ----------
    net : Sequential or Network
    path : str or os.PathLike
        Conventionally ending in ``.safetensors``. Its folder must exist.
    metadata : dict of str to str, optional
        Stored beside the architecture; read it back with :func:`read_metadata`. The keys
        ``format``, ``version``, ``architecture``, ``class_names`` and ``feature_names`` are
        reserved.
    class_names : sequence of str, int, float or bool, optional
        The name of each class, in the order of the network's outputs (two names for a
        single-output binary net). Default: ``net.class_names``, which :func:`load` sets.
        A scikit-learn estimator passes its ``classes_`` here, and gets them back from the
        loaded network's ``class_names`` with their types (integers stay integers).
    feature_names : sequence of str, optional
        The name of each input, in order. Default: ``net.feature_names``.

    Raises
    ------
    ValueError
        When a parameter holds NaN or inf (such a file could not be loaded), the metadata
        is not string to string or uses a reserved key, or the names do not fit the network.
        The file at ``path``, if any, is left untouched.
    TypeError
        When ``net`` is not a layerwise Sequential or Network.
    FileNotFoundError, IsADirectoryError
        When the folder of ``path`` does not exist, or ``path`` is a folder.
    ImportError
        Without ``safetensors`` (``pip install layerwise[io]``).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import layerwise as lw
    >>> path = os.path.join(tempfile.mkdtemp(), "clf.safetensors")
    >>> lw.save(lw.Network([2, 8, 1], seed=0), path, class_names=np.array([3, 7]))
    >>> lw.load(path).class_names
    (3, 7)
    """
    if not isinstance(net, Sequential):
        raise TypeError(f"save expects a layerwise Sequential or Network, got "
                        f"{type(net).__name__}")
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot save to {os.fspath(path)!r}: it is a folder; give a "
                                f"file name such as "
                                f"{os.path.join(os.fspath(path), 'model.safetensors')!r}")
    meta = {"format": FORMAT, "version": VERSION,
            "architecture": json.dumps(net.config(), allow_nan=False, default=_json_default)}
    if class_names is None:
        class_names = getattr(net, "class_names", None)
    if feature_names is None:
        feature_names = getattr(net, "feature_names", None)
    if class_names is not None:
        names = class_names_for(net.out_features, class_names, _raise_value_error)
        meta["class_names"] = json.dumps(list(names), allow_nan=False)
    if feature_names is not None:
        names = _feature_names_for(net.in_features, feature_names, _raise_value_error)
        meta["feature_names"] = json.dumps(list(names))
    for key, value in (metadata or {}).items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ValueError("metadata must map strings to strings, got "
                             f"{key!r}: {value!r} ({type(value).__name__})")
        if key in _RESERVED:
            hint = (f"; pass {key}= to save instead" if key in ("class_names", "feature_names")
                    else "")
            raise ValueError(f"metadata key {key!r} is reserved for the model file itself; "
                             f"reserved keys: {', '.join(_RESERVED)}{hint}")
        meta[key] = value
    state = net.state_dict()
    for name, value in state.items():
        if not np.isfinite(value).all():
            raise ValueError(f"parameter {name!r} holds NaN or inf; refusing to save a model "
                             f"that cannot be loaded ({str(path)!r} is left as it was)")
    st = require("safetensors.numpy", "io", "saving a model")
    # safetensors is little-endian whatever the machine
    state = {k: np.ascontiguousarray(v, dtype=v.dtype.newbyteorder("<"))
             for k, v in state.items()}
    atomic_write(path, st.save(state, metadata=meta))


# --------------------------------------------------------------------------------------------
# load: parse and check the file by hand, never unpickle
# --------------------------------------------------------------------------------------------
def _no_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def _parse_json(text, fail, what):
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except RecursionError:
        fail(f"{what} is nested too deeply to be a model")
    except ValueError as e:  # JSONDecodeError, UnicodeDecodeError, duplicate keys, huge ints
        fail(f"{what} is not valid JSON ({e})")


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _sniff(head: bytes) -> str:
    """A hint at what a file that is not safetensors is, from its first bytes."""
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return " (it looks like a Python pickle, which layerwise never loads)"
    if head[:4] == b"PK\x03\x04":
        return " (it looks like a zip archive, e.g. from torch.save, which layerwise never loads)"
    if head[:6] == b"\x93NUMPY":
        return " (it looks like a NumPy .npy file)"
    return ""


def _read_header(f, shown, max_bytes):
    """Parse and check a safetensors header; return ``(tensors, metadata, data_len)``.

    ``tensors`` maps name -> ``(dtype, shape, begin, end)`` with offsets relative to the data
    section, already checked to lie in order, without overlap or gap, over the whole section.
    """
    def fail(msg):
        raise ModelFileError(f"cannot load {shown}: {msg}")

    size = os.fstat(f.fileno()).st_size
    if size == 0:
        fail("the file is empty")
    if size > max_bytes:
        fail(f"the file is {size:,} bytes, over the limit of {max_bytes:,} bytes "
             "(pass a larger max_bytes to load it)")
    head = f.read(8)
    if len(head) < 8:
        fail(f"the file is {len(head)} bytes, too short for a safetensors header "
             "(8-byte length, then JSON)")
    (n,) = struct.unpack("<Q", head)
    if n > MAX_HEADER_BYTES:
        # a real header is a few kilobytes: these 8 bytes are most likely some other format's
        fail(f"this is not a safetensors model file: its first 8 bytes {head!r}, read as the "
             f"length of a safetensors header, are over the cap of {MAX_HEADER_BYTES:,} bytes"
             + (f" ({n:,})" if n <= size else "") + _sniff(head))
    if 8 + n > size:
        fail(f"header length {n:,} runs past the end of the file ({size:,} bytes; truncated?)"
             f"{_sniff(head)}")
    raw = f.read(n)
    if len(raw) != n:
        fail(f"the file ended while reading the {n:,}-byte header (truncated?)")
    if raw[:1] != b"{":
        fail(f"the header does not start with '{{' (got {raw[:16]!r}); not a safetensors file"
             f"{_sniff(head)}")
    header = _parse_json(raw, fail, "the header")
    if not isinstance(header, dict):
        fail(f"the header must be a JSON object, got {type(header).__name__}")

    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        fail(f"__metadata__ must map strings to strings, got {str(metadata)[:200]}")

    data_len = size - 8 - n
    tensors, dtypes = {}, set()
    for name, info in header.items():
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            fail(f"tensor {name!r} must be an object with exactly dtype, shape and data_offsets, "
                 f"got {str(info)[:200]}")
        dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if dtype not in _DTYPES:
            fail(f"tensor {name!r} has dtype {dtype!r}; only F32 (float32) and F64 (float64) "
                 "are allowed")
        if (not isinstance(shape, list) or len(shape) > _MAX_NDIM
                or not all(_is_int(d) and d >= 0 for d in shape)):
            fail(f"tensor {name!r} has shape {str(shape)[:200]}; expected a list of at most "
                 f"{_MAX_NDIM} non-negative integers")
        if (not isinstance(offsets, list) or len(offsets) != 2
                or not all(_is_int(o) for o in offsets) or not 0 <= offsets[0] <= offsets[1]):
            fail(f"tensor {name!r} has data_offsets {str(offsets)[:200]}; expected "
                 "[begin, end] with 0 <= begin <= end")
        begin, end = offsets
        if end > data_len:
            fail(f"tensor {name!r} data_offsets [{begin}, {end}] run past the end of the "
                 f"{data_len:,}-byte data section (truncated?)")
        # Python integers: the product is exact, so a shape that would wrap a C size_t
        # (2**63 * 2 == 0 mod 2**64) shows up as a mismatch instead of an empty tensor
        count = math.prod(shape)
        nbytes = count * _DTYPES[dtype].itemsize
        if nbytes != end - begin:
            fail(f"tensor {name!r} of shape {shape} and dtype {dtype} needs {nbytes:,} bytes, "
                 f"but its data_offsets [{begin}, {end}] span {end - begin:,}")
        tensors[name] = (dtype, tuple(shape), begin, end)
        dtypes.add(dtype)
    if len(dtypes) > 1:
        fail(f"tensors mix dtypes {sorted(dtypes)}; a model file holds one dtype")

    # in order, no overlap, no gap, and the whole data section covered
    expected, previous = 0, None
    for name, (_, _, begin, end) in sorted(tensors.items(), key=lambda t: t[1][2:]):
        if begin < expected:
            fail(f"tensor {name!r} data_offsets [{begin}, {end}] overlap tensor {previous!r} "
                 f"(which ends at {expected})")
        if begin > expected:
            fail(f"there is a gap of {begin - expected} bytes before tensor {name!r} "
                 f"(data_offsets [{begin}, {end}])")
        expected, previous = end, name
    if expected != data_len:
        fail(f"the data section is {data_len:,} bytes but the tensors cover {expected:,}; "
             f"{data_len - expected:,} bytes would be left unread")
    return tensors, metadata, data_len


def _open_checked(path, max_bytes):
    shown = repr(os.fspath(path))
    f = open(path, "rb")
    try:
        tensors, metadata, data_len = _read_header(f, shown, max_bytes)
    except BaseException:
        f.close()
        raise
    return f, shown, tensors, metadata, data_len


def read_metadata(path, max_bytes=MAX_FILE_BYTES) -> dict:
    """The ``__metadata__`` of a model file (all strings), after checking its header.

    Holds ``format``, ``version``, ``architecture`` (JSON), ``class_names`` and
    ``feature_names`` (JSON, when saved) and whatever was passed to :func:`save` as
    ``metadata``.

    >>> import os, tempfile
    >>> from layerwise import Network
    >>> path = os.path.join(tempfile.mkdtemp(), "m.safetensors")
    >>> save(Network([2, 3], seed=0), path, metadata={"note": "untrained"})
    >>> meta = read_metadata(path)
    >>> meta["format"], meta["note"], json.loads(meta["architecture"])["sizes"]
    ('layerwise', 'untrained', [2, 3])
    """
    f, _, _, metadata, _ = _open_checked(path, max_bytes)
    f.close()
    return metadata


def _positive_int(value, what, fail):
    if not _is_int(value) or value <= 0:
        fail(f"architecture {what} must be a positive integer, got {str(value)[:100]}")
    return value


def _architecture_size(cfg, fail) -> int:
    """Check the architecture's shape and count its parameters, without building anything.

    Building the network allocates its parameters, so their number is checked against the
    file's tensors first: a forged architecture cannot make the loader allocate more than the
    file holds.
    """
    if not isinstance(cfg, dict):
        fail(f"architecture must be a JSON object, got {type(cfg).__name__}")
    kind = cfg.get("class")
    if kind == "Network":
        sizes = cfg.get("sizes")
        if not isinstance(sizes, list) or len(sizes) < 2:
            fail(f"architecture sizes must be a list of at least two positive integers, got "
                 f"{str(sizes)[:200]}")
        for s in sizes:
            _positive_int(s, "sizes", fail)
        activation = cfg.get("activation", "relu")
        if not isinstance(activation, str) or (activation not in act.ACTIVATIONS
                                               and activation not in act.LAYER_ACTIVATIONS):
            valid = ", ".join(list(act.ACTIVATIONS) + list(act.LAYER_ACTIVATIONS))
            fail(f"unknown activation {str(activation)[:100]!r}; expected one of: {valid}")
        k = (_positive_int(cfg.get("maxout_k", 2), "maxout_k", fail)
             if activation == "maxout" else 2)
        plan = Network.layer_plan(sizes, activation, maxout_k=k)
        return sum(LAYER_TYPES[c["type"]].count_params(c) for c in plan)
    if kind == "Sequential":
        layers = cfg.get("layers")
        if not isinstance(layers, list) or not layers:
            fail(f"architecture layers must be a non-empty list, got {str(layers)[:200]}")
        total = 0
        for i, layer in enumerate(layers):
            if not isinstance(layer, dict) or layer.get("type") not in LAYER_TYPES:
                fail(f"architecture layer {i} must be an object with a type in "
                     f"{', '.join(LAYER_TYPES)}, got {str(layer)[:200]}")
            cls = LAYER_TYPES[layer["type"]]
            cls.check_config(layer, lambda message: fail(f"architecture layer {i}: {message}"))
            total += cls.count_params(layer)
        return total
    fail(f"architecture class must be 'Network' or 'Sequential', got {str(kind)[:100]!r}")


def load(path, max_bytes=MAX_FILE_BYTES) -> Sequential:
    """Load a network saved by :func:`save`; never unpickles, checks everything first.

    Parameters
    ----------
    path : str or os.PathLike
    max_bytes : int, default 2 GiB
        Files larger than this are refused before anything is read.

    Returns
    -------
    Sequential or Network
        Rebuilt from the stored architecture, with the stored weights, in the stored dtype.
        A file written by another tool (``safetensors.torch.save_file``, say) loads too when
        its metadata carries an ``architecture``. Its ``class_names`` and ``feature_names``
        are the names stored by :func:`save` (tuples), or None.

    Raises
    ------
    ModelFileError
        A ``ValueError`` naming the file and the problem: a header that is too long, runs past
        the end or is not a JSON object of tensors; a dtype other than F32/F64; offsets that
        overlap, leave gaps or run out of the file; a shape whose size disagrees with its
        bytes or with the architecture; missing or unexpected tensors; NaN or inf weights; a
        missing or malformed architecture.

    Examples
    --------
    >>> import os, tempfile
    >>> from layerwise import Network
    >>> path = os.path.join(tempfile.mkdtemp(), "m.safetensors")
    >>> save(Network([4, 8, 3], activation="tanh", seed=0), path, class_names=["a", "b", "c"])
    >>> net = load(path)
    >>> net, net.class_names, net.feature_names
    (Network([4, 8, 3], activation='tanh'), ('a', 'b', 'c'), None)
    >>> _ = open(path, "wb").write(b"not a model at all")
    >>> load(path)
    Traceback (most recent call last):
    ...
    layerwise.io.model.ModelFileError: cannot load '...m.safetensors': this is not a safetensors model file: ...
    """
    f, shown, tensors, metadata, data_len = _open_checked(path, max_bytes)
    with f:
        def fail(msg):
            raise ModelFileError(f"cannot load {shown}: {msg}")

        if "architecture" not in metadata:
            fail("it has no layerwise architecture in its metadata (a plain state dict? build "
                 "the network and call net.load_state_dict(safetensors.numpy.load_file(path)))")
        if metadata.get("format") == FORMAT and metadata.get("version") != VERSION:
            fail(f"model file version {metadata.get('version')!r} is not supported; this "
                 f"layerwise reads version {VERSION!r}")
        cfg = _parse_json(metadata["architecture"], fail, "the architecture")
        n_values = _architecture_size(cfg, fail)
        in_file = sum(math.prod(t[1]) for t in tensors.values())
        if n_values != in_file:
            fail(f"the architecture has {n_values:,} parameters but the file holds {in_file:,} "
                 "values")
        try:
            net = from_config(cfg)
        except (ValueError, TypeError, KeyError) as e:
            raise ModelFileError(f"cannot load {shown}: invalid architecture: {e}") from None

        expected = {name: p.shape for name, p, _ in net.parameters()}
        missing = sorted(set(expected) - set(tensors))
        extra = sorted(set(tensors) - set(expected))
        if missing or extra:
            fail(f"tensors do not match the architecture: missing {missing}, unexpected {extra}")
        for name, shape in expected.items():
            if tensors[name][1] != shape:
                fail(f"tensor {name!r} has shape {list(tensors[name][1])}, the architecture "
                     f"needs {list(shape)}")
        if tensors and _DTYPES[next(iter(tensors.values()))[0]] != net.dtype.newbyteorder("<"):
            fail(f"tensors are {next(iter(tensors.values()))[0]} but the architecture says "
                 f"{net.dtype}")

        data = f.read(data_len)
        if len(data) != data_len:
            fail(f"the file ended inside the data section ({len(data):,} of {data_len:,} bytes)")
        state = {}
        for name, (dtype, shape, begin, end) in tensors.items():
            value = np.frombuffer(data, dtype=_DTYPES[dtype], count=math.prod(shape),
                                  offset=begin).reshape(shape)
            if not np.isfinite(value).all():
                bad = int(value.size - np.isfinite(value).sum())
                fail(f"tensor {name!r} holds {bad} NaN or inf value(s)")
            state[name] = value
        net.load_state_dict(state)
        for key, check, n in (("class_names", class_names_for, net.out_features),
                              ("feature_names", _feature_names_for, net.in_features)):
            if key in metadata:
                names = _parse_json(metadata[key], fail, f"the {key.replace('_', ' ')}")
                if not isinstance(names, list):
                    fail(f"the {key.replace('_', ' ')} must be a JSON list, got "
                         f"{type(names).__name__}")
                setattr(net, key, check(n, names, fail))
    return net


# --------------------------------------------------------------------------------------------
# PyTorch
# --------------------------------------------------------------------------------------------
def to_torch(net):
    """An equivalent ``torch.nn.Sequential`` of ``net`` (:meth:`Sequential.to_torch`)."""
    if not isinstance(net, Sequential):
        raise TypeError(f"to_torch expects a layerwise Sequential or Network, got "
                        f"{type(net).__name__}")
    return net.to_torch()


# --------------------------------------------------------------------------------------------
# ONNX
# --------------------------------------------------------------------------------------------
DEFAULT_OPSET = 17
MIN_OPSET = 13


class _Graph:
    """Collects ONNX nodes and initializers; every value gets a fresh, readable name."""

    def __init__(self, helper, numpy_helper, dtype, opset):
        self.helper, self.numpy_helper, self.dtype, self.opset = helper, numpy_helper, dtype, opset
        # onnxruntime has kernels for LeakyRelu, Elu, Softplus and PRelu in float32 only
        self.native = np.dtype(dtype) == np.float32
        self.nodes, self.initializers, self._count = [], [], 0

    def tensor(self, name, value, dtype=None):
        value = np.asarray(value, dtype=self.dtype if dtype is None else dtype)
        self.initializers.append(self.numpy_helper.from_array(value, name))
        return name

    def scalar(self, value):
        return self.tensor(f"const_{len(self.initializers)}", value)

    def op(self, op_type, *inputs, prefix="", **attrs):
        self._count += 1
        out = f"{prefix}{op_type.lower()}_{self._count}"
        self.nodes.append(self.helper.make_node(op_type, list(inputs), [out],
                                                name=f"{op_type}_{self._count}", **attrs))
        return out


def to_onnx(net, opset=DEFAULT_OPSET):
    """The network as an ``onnx.ModelProto`` (inference: dropout and noise are left out).

    Input ``"input"`` of shape ``(batch, in_features)``, output ``"output"`` of shape
    ``(batch, out_features)``, in the network's dtype (float32 or float64); the batch dimension
    is dynamic. Weights are initializers named by their state-dict keys. Dense layers are
    ``Gemm``; Maxout is ``Gemm``, ``Reshape`` and ``ReduceMax``; GELU is the tanh formula, or
    ``Gelu(approximate="tanh")`` from opset 20. For float64, activations that onnxruntime has
    no double kernel for (LeakyRelu, Elu, Softplus, PRelu) are written as their formulas.

    >>> _ = pytest.importorskip("onnx")
    >>> from layerwise import Network
    >>> model = to_onnx(Network([3, 4, 2], seed=0))
    >>> [node.op_type for node in model.graph.node], model.graph.output[0].name
    (['Gemm', 'Relu', 'Gemm'], 'output')
    """
    onnx = require("onnx", "io", "exporting to ONNX")
    from onnx import helper, numpy_helper

    if not isinstance(net, Sequential):
        raise TypeError(f"export expects a layerwise Sequential or Network, got "
                        f"{type(net).__name__}")
    newest = onnx.defs.onnx_opset_version()
    if not _is_int(opset) or not MIN_OPSET <= opset <= newest:
        raise ValueError(f"opset must be an integer from {MIN_OPSET} to {newest}, got {opset!r}")
    elem = helper.np_dtype_to_tensor_dtype(net.dtype)
    g = _Graph(helper, numpy_helper, net.dtype, opset)
    x = "input"
    for i, layer in enumerate(net.layers):
        x = layer.onnx_nodes(g, x, i)
    if x == "input":
        x = g.op("Identity", x)
    for node in g.nodes:  # the last value gets the public name
        for names in (node.input, node.output):
            for j, name in enumerate(names):
                if name == x:
                    names[j] = "output"
    graph = helper.make_graph(
        g.nodes, "layerwise",
        [helper.make_tensor_value_info("input", elem, ["batch", net.in_features])],
        [helper.make_tensor_value_info("output", elem, ["batch", net.out_features])],
        g.initializers)
    model = helper.make_model_gen_version(graph, producer_name="layerwise",
                                          opset_imports=[helper.make_opsetid("", opset)])
    helper.set_model_props(model, {"architecture": json.dumps(net.config(),
                                                              default=_json_default)})
    onnx.checker.check_model(model, full_check=True)
    return model


def export_onnx(net, path, opset=DEFAULT_OPSET):
    """Write ``net`` to ``path`` as an ONNX model (see :func:`to_onnx`); atomically.

    The model passes ``onnx.checker.check_model`` before anything is written.

    Parameters
    ----------
    net : Sequential or Network
    path : str or os.PathLike
        Conventionally ending in ``.onnx``. Its folder must exist.
    opset : int, default 17
        The ONNX opset to write, from 13 to the newest the installed ``onnx`` knows.

    Raises
    ------
    TypeError
        When ``net`` is not a layerwise Sequential or Network.
    ValueError
        For an opset outside that range.
    ImportError
        Without ``onnx`` (``pip install layerwise[io]``).

    >>> import os, tempfile
    >>> from layerwise import Network
    >>> path = os.path.join(tempfile.mkdtemp(), "net.onnx")
    >>> export_onnx(Network([3, 4, 2], seed=0), path)
    >>> os.path.getsize(path) > 0
    True
    """
    model = to_onnx(net, opset)
    atomic_write(path, model.SerializeToString())
