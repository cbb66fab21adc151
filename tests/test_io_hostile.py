"""Hostile model files: every malformed or forged file gets a ModelFileError naming the file and
the problem, and nothing in a file is ever executed."""
import json
import pickle
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import layerwise as lw
from layerwise.io.model import MAX_HEADER_BYTES, ModelFileError, load, read_metadata

pytest.importorskip("safetensors")

ARCH = {"class": "Network", "sizes": [3, 4, 2], "activation": "relu", "dropout": 0.0,
        "init": "auto", "maxout_k": 2, "dtype": "float32"}


def _meta(arch=ARCH):
    return {"format": "layerwise", "version": "1", "architecture": json.dumps(arch)}


def _tensors(dtype="F32"):
    """The header entries and data of a valid [3, 4, 2] net, laid out in order."""
    item = {"F32": 4, "F64": 8}[dtype]
    shapes = {"0.weight": [4, 3], "0.bias": [4], "2.weight": [2, 4], "2.bias": [2]}
    header, offset = {}, 0
    for name, shape in shapes.items():
        n = int(np.prod(shape)) * item
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    data = np.linspace(-1, 1, offset // item).astype({"F32": "<f4", "F64": "<f8"}[dtype])
    return header, data.tobytes()


def _write(path, header, data=b"", meta=None, length=None, raw_header=None):
    if meta is not None:
        header = {"__metadata__": meta, **header}
    text = raw_header if raw_header is not None else json.dumps(header).encode()
    n = len(text) if length is None else length
    path.write_bytes(struct.pack("<Q", n) + text + data)
    return path


@pytest.fixture
def path(tmp_path):
    return tmp_path / "model.safetensors"


def _rejects(path, match):
    with pytest.raises(ModelFileError, match=match) as info:
        load(path)
    assert isinstance(info.value, ValueError)
    assert str(path.name) in str(info.value)  # the message names the file
    return info.value


def test_the_crafting_helper_makes_a_valid_file(path):
    header, data = _tensors()
    net = load(_write(path, header, data, _meta()))
    np.testing.assert_array_equal(net.layers[0].weight.ravel(),
                                  np.frombuffer(data[:48], "<f4"))


def test_empty_file(path):
    path.write_bytes(b"")
    _rejects(path, "empty")


def test_shorter_than_the_length_field(path):
    path.write_bytes(b"\x05\x00\x00")
    _rejects(path, "too short")


def test_truncated_file(path, tmp_path):
    lw.save(lw.Network([3, 4, 2], seed=0), path)
    whole = path.read_bytes()
    for cut in (len(whole) - 1, len(whole) - 20, 20, 9):
        part = tmp_path / f"cut{cut}.safetensors"
        part.write_bytes(whole[:cut])
        _rejects(part, "truncated")


def test_header_length_past_the_end(path):
    header, data = _tensors()
    _write(path, header, data, _meta(), length=len(json.dumps(header)) + 10_000)
    _rejects(path, "runs past the end")


def test_huge_header_length(path):
    _write(path, {}, length=2**63 + 12345, raw_header=b"{}")
    _rejects(path, "over the cap")
    _write(path, {}, length=MAX_HEADER_BYTES + 1, raw_header=b"{}")
    _rejects(path, "over the cap")


def test_bad_json(path):
    _write(path, {}, raw_header=b'{"0.weight": {"dtype": "F32", ')
    _rejects(path, "not valid JSON")


def test_header_not_utf8(path):
    _write(path, {}, raw_header=b'{"\xff\xfe": 1}')
    _rejects(path, "not valid JSON")


def test_header_not_an_object(path):
    _write(path, {}, raw_header=b"[1, 2, 3]")
    _rejects(path, "does not start with")
    _write(path, {}, raw_header=b'{"a": 1}')
    _rejects(path, "exactly dtype, shape and data_offsets")


def test_duplicate_keys_are_rejected(path):
    # a JSON parser that keeps the last duplicate would see a different tensor than another tool
    header, data = _tensors()
    text = json.dumps({"__metadata__": _meta(), **header})
    text = text[:-1] + ', "2.bias": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}'
    _write(path, {}, data, raw_header=text.encode())
    _rejects(path, "duplicate key '2.bias'")


def test_deeply_nested_json(path):
    _write(path, {}, raw_header=b"{" + b'"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    _rejects(path, "nested too deeply|not valid JSON")


def test_nan_constant_in_json(path):
    header, data = _tensors()
    text = json.dumps({"__metadata__": _meta(), **header}).replace('"shape": [2]',
                                                                   '"shape": [NaN]')
    _write(path, {}, data, raw_header=text.encode())
    _rejects(path, "not valid JSON")


def test_overlapping_offsets(path):
    header, data = _tensors()
    header["2.weight"]["data_offsets"] = [60, 92]  # the bias of layer 0 ends at 64
    header["2.bias"]["data_offsets"] = [92, 100]
    _write(path, header, data[:100], _meta())
    _rejects(path, "overlap")


def test_two_tensors_on_the_same_bytes(path):
    header, data = _tensors()
    header["0.bias"]["data_offsets"] = [0, 16]
    _rejects(_write(path, header, data, _meta()), "overlap|gap")


def test_gap_between_tensors(path):
    header, data = _tensors()
    for name in ("0.bias", "2.weight", "2.bias"):
        header[name]["data_offsets"] = [o + 4 for o in header[name]["data_offsets"]]
    _write(path, header, data + b"\0" * 4, _meta())
    _rejects(path, "gap of 4 bytes")


def test_offsets_out_of_range(path):
    header, data = _tensors()
    header["2.bias"]["data_offsets"] = [96, 1 << 40]
    _rejects(_write(path, header, data, _meta()), "run past the end")


def test_negative_or_reversed_offsets(path):
    header, data = _tensors()
    header["0.bias"]["data_offsets"] = [64, 48]
    _rejects(_write(path, header, data, _meta()), "0 <= begin <= end")
    header["0.bias"]["data_offsets"] = [-16, 0]
    _rejects(_write(path, header, data, _meta()), "0 <= begin <= end")


def test_trailing_bytes_after_the_tensors(path):
    header, data = _tensors()
    _write(path, header, data + b"junk", _meta())
    _rejects(path, "4 bytes would be left unread")


def test_shape_overflow(path):
    # 2**63 * 2 wraps to 0 in 64-bit arithmetic: a C reader could take it for an empty tensor
    header, data = _tensors()
    header["x"] = {"dtype": "F32", "shape": [2**63, 2], "data_offsets": [104, 104]}
    _rejects(_write(path, header, data, _meta()), "needs 73,786,976,294,838,206,464 bytes")
    header["x"]["shape"] = [2**32, 2**32]
    _rejects(_write(path, header, data, _meta()), r"needs .* bytes, but its data_offsets")


def test_shape_that_disagrees_with_its_bytes(path):
    header, data = _tensors()
    header["0.weight"]["shape"] = [4, 4]
    _rejects(_write(path, header, data, _meta()), "needs 64 bytes")


def test_malformed_shapes(path):
    for shape in ([-4, 3], [4.0, 3], "12", [True, 12], [1] * 9, None):
        header, data = _tensors()
        header["0.weight"]["shape"] = shape
        _rejects(_write(path, header, data, _meta()), "non-negative integers")


@pytest.mark.parametrize("dtype", ["I64", "F16", "BF16", "U8", "BOOL", 7])
def test_wrong_dtype(path, dtype):
    header, data = _tensors()
    header["0.bias"]["dtype"] = dtype
    _rejects(_write(path, header, data, _meta()), "only F32 .* and F64 .* are allowed")


def test_mixed_dtypes(path):
    header, data = _tensors()
    header["2.bias"] = {"dtype": "F64", "shape": [1], "data_offsets": [96, 104]}
    _rejects(_write(path, header, data, _meta()), "mix dtypes")


def test_dtype_that_disagrees_with_the_architecture(path):
    header, data = _tensors("F64")
    _rejects(_write(path, header, data, _meta()), "F64 but the architecture says float32")


def test_extra_keys_in_a_tensor_entry(path):
    header, data = _tensors()
    header["0.bias"]["pickle"] = "cos\nsystem\n"
    _rejects(_write(path, header, data, _meta()), "exactly dtype, shape and data_offsets")


def test_shapes_that_disagree_with_the_architecture(path):
    header, data = _tensors()
    header["0.weight"]["shape"] = [3, 4]  # transposed: same bytes, wrong layout
    _rejects(_write(path, header, data, _meta()), r"'0.weight' has shape \[3, 4\].*needs \[4, 3\]")


def test_architecture_larger_than_the_file(path):
    # a forged architecture must not make the loader allocate a huge network
    header, data = _tensors()
    arch = dict(ARCH, sizes=[3, 100_000, 100_000, 2])
    _rejects(_write(path, header, data, _meta(arch)), "parameters but the file holds 26 values")


def test_missing_tensor(path):
    header, data = _tensors()
    del header["2.bias"]
    arch = dict(ARCH)
    _write(path, header, data[:-8], _meta(arch))
    _rejects(path, "24 values")
    # the same count, different names: layout right, names wrong
    header, data = _tensors()
    header["5.bias"] = header.pop("2.bias")
    _rejects(_write(path, header, data, _meta()), r"missing \['2.bias'\], unexpected \['5.bias'\]")


def test_extra_tensor(path):
    header, data = _tensors()
    header["9.weight"] = {"dtype": "F32", "shape": [1], "data_offsets": [104, 108]}
    _rejects(_write(path, header, data + b"\0" * 4, _meta()), "27 values")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_weights(path, bad):
    header, data = _tensors()
    values = np.frombuffer(data, "<f4").copy()
    values[20] = bad  # inside 2.weight (values 16 to 23)
    _rejects(_write(path, header, values.tobytes(), _meta()), "'2.weight' holds 1 NaN or inf")


def test_architecture_missing(path):
    header, data = _tensors()
    _rejects(_write(path, header, data, {"format": "pt"}), "no layerwise architecture")
    _rejects(_write(path, header, data), "no layerwise architecture")


def test_metadata_not_strings(path):
    header, data = _tensors()
    _rejects(_write(path, header, data, {"architecture": ARCH}), "strings to strings")
    _rejects(_write(path, header, data, ["architecture"]), "strings to strings")


def test_newer_file_version(path):
    header, data = _tensors()
    meta = dict(_meta(), version="2")
    _rejects(_write(path, header, data, meta), "version '2' is not supported")


@pytest.mark.parametrize("arch, match", [
    ("{not json", "architecture is not valid JSON"),
    ([1, 2], "must be a JSON object"),
    (dict(ARCH, activation="swish"), "unknown activation 'swish'"),
    (dict(ARCH, activation=["relu"]), "unknown activation"),
    (dict(ARCH, sizes=[3, "4", 2]), "sizes must be a positive integer"),
    (dict(ARCH, sizes=[3, 4.0, 2]), "sizes must be a positive integer"),
    (dict(ARCH, sizes=[3, True, 2]), "sizes must be a positive integer"),
    (dict(ARCH, sizes=[3, -4, 2]), "sizes must be a positive integer"),
    (dict(ARCH, sizes=26), "list of at least two"),
    (dict(ARCH, dtype="float16"), "invalid architecture: dtype must be float32 or float64"),
    (dict(ARCH, dtype=["f4"]), "invalid architecture"),
    (dict(ARCH, dropout=2.0), "invalid architecture: dropout p"),
    (dict(ARCH, init="lecun"), "invalid architecture: unknown init"),
    (dict(ARCH, **{"class": "os.system"}), "class must be 'Network' or 'Sequential'"),
    ({"class": "Sequential", "layers": "Dense"}, "non-empty list"),
    ({"class": "Sequential", "layers": [{"type": "Lambda", "code": "1"}]}, "type in"),
    ({"class": "Sequential", "layers": [
        {"type": "Dense", "in_features": 3, "out_features": 4, "bias": False},
        {"type": "Activation", "name": "relu"},
        {"type": "Dense", "in_features": 4, "out_features": 2}]},
     "invalid architecture: .*bias"),
])
def test_malformed_architecture(path, arch, match):
    header, data = _tensors()
    meta = dict(_meta(), architecture=arch if isinstance(arch, str) else json.dumps(arch))
    _rejects(_write(path, header, data, meta), match)


class _Payload:
    """Unpickling this would create a folder: proof that the payload ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os
        return os.mkdir, (self.marker,)


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_pickle_renamed_is_never_unpickled(tmp_path, protocol):
    marker = tmp_path / "payload-ran"
    path = tmp_path / "weights.safetensors"
    path.write_bytes(pickle.dumps({"0.weight": _Payload(str(marker))}, protocol=protocol))
    err = _rejects(path, "not a safetensors|runs past the end|does not start with")
    if protocol >= 2:
        assert "pickle" in str(err)
    assert not marker.exists()
    with pytest.raises(ModelFileError):
        read_metadata(path)
    assert not marker.exists()


def test_torch_checkpoint_renamed(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "model.safetensors"
    torch.save(torch.nn.Linear(3, 2).state_dict(), path)
    assert "zip archive" in str(_rejects(path, "not a safetensors"))


def test_file_over_the_size_cap(path):
    lw.save(lw.Network([3, 4, 2], seed=0), path)
    with pytest.raises(ModelFileError, match="over the limit of 100 bytes"):
        load(path, max_bytes=100)
    assert load(path, max_bytes=path.stat().st_size).num_params == 26


def test_a_folder_is_not_a_model(tmp_path):
    with pytest.raises(OSError):
        load(tmp_path)


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_damaged_files_fail_cleanly(tmp_path, data):
    """Any corruption of a good file either still loads (a changed but finite weight) or
    raises ModelFileError; never another exception."""
    good = tmp_path / "good.safetensors"
    if not good.exists():
        lw.save(lw.Network([3, 4, 2], activation="tanh", seed=0), good)
    raw = bytearray(good.read_bytes())
    kind = data.draw(st.sampled_from(["flip", "cut", "splice"]))
    if kind == "flip":
        for i in data.draw(st.lists(st.integers(0, len(raw) - 1), min_size=1, max_size=4)):
            raw[i] = data.draw(st.integers(0, 255))
    elif kind == "cut":
        raw = raw[:data.draw(st.integers(0, len(raw) - 1))]
    else:
        at = data.draw(st.integers(0, len(raw)))
        raw[at:at] = data.draw(st.binary(min_size=1, max_size=16))
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(bytes(raw))
    try:
        net = load(bad)
    except ModelFileError:
        return
    assert np.isfinite(net.flat_params).all()
