"""File loaders (CSV, NPZ, IDX, CIFAR-10), the safe unpickler and the ``load`` entry point."""
import gzip
import io
import os
import pickle
import struct

import numpy as np
import pytest

import layerwise as lw
from layerwise.data import loaders
from layerwise.data.loaders import (SafeUnpickler, UnsafePickleError, load, load_cifar10,
                                    load_csv, load_mnist_idx, load_npz, read_idx)


def write(path, text):
    path.write_text(text)
    return path


# -- CSV ------------------------------------------------------------------------------------------
def test_csv_label_last_column_no_header(tmp_path):
    p = write(tmp_path / "a.csv", "1,2,0\n3,4,1\n5,6,2\n")
    X, y = load_csv(p)
    np.testing.assert_array_equal(X, [[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(y, [0, 1, 2])
    assert X.dtype == np.float64 and y.dtype == np.int64


def test_csv_label_by_name_and_by_index(tmp_path):
    p = write(tmp_path / "a.csv", "label,x1,x2\n1,0.5,0.25\n0,1.5,2.5\n")
    X, y = load_csv(p, label="label")
    np.testing.assert_array_equal(X, [[0.5, 0.25], [1.5, 2.5]])
    np.testing.assert_array_equal(y, [1, 0])
    X2, y2 = load_csv(p, label=0)
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)


def test_csv_text_labels_become_sorted_indices(tmp_path):
    # No header: the text in the label column must not be taken for a header row.
    p = write(tmp_path / "iris.csv", "5.1,3.5,virginica\n4.9,3.0,setosa\n6.0,2.2,versicolor\n"
                                     "5.0,3.1,setosa\n")
    X, y = load_csv(p)
    assert X.shape == (4, 2)
    np.testing.assert_array_equal(y, [2, 0, 1, 0])
    ds = load(str(p), test_fraction=0.5)
    assert ds.classes == ("setosa", "versicolor", "virginica")


def test_csv_header_detection_and_override(tmp_path):
    p = write(tmp_path / "h.csv", "a,b,y\n1,2,0\n3,4,1\n")
    X, _ = load_csv(p)
    assert X.shape == (2, 2)
    with pytest.raises(ValueError, match=r"line 1, column 1 \('1'\): cannot read 'a'"):
        load_csv(p, header=False)
    q = write(tmp_path / "n.csv", "1,2,0\n3,4,1\n")
    X, y = load_csv(q, header=True)  # the first row is swallowed as names
    assert X.shape == (1, 2) and y.tolist() == [1]


def test_csv_without_labels_and_blank_lines(tmp_path):
    p = write(tmp_path / "u.csv", "x,y\n\n1,2\n\n3,4\n")
    X, y = load_csv(p, label=None)
    assert y is None
    np.testing.assert_array_equal(X, [[1, 2], [3, 4]])


def test_csv_tab_separated_via_load(tmp_path):
    rows = "".join(f"{i}\t{-i}\t{i % 2}\n" for i in range(20))
    ds = load(str(write(tmp_path / "d.tsv", rows)), seed=1)
    assert ds.X_train.shape == (16, 2) and ds.X_test.shape == (4, 2)


def test_csv_fast_and_row_by_row_readers_agree(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    A = np.c_[rng.normal(size=(50, 3)).round(6), rng.integers(0, 4, 50)]
    p = tmp_path / "a.csv"
    with open(p, "w") as f:
        f.write("a,b,c,label\n\n")
        np.savetxt(f, A, delimiter=",", fmt=["%.6f"] * 3 + ["%d"])
    fast = load_csv(p, label="label")

    def no_loadtxt(*a, **k):
        raise ValueError("forced")
    monkeypatch.setattr(np, "loadtxt", no_loadtxt)
    slow = load_csv(p, label="label")
    np.testing.assert_array_equal(fast[0], slow[0])
    np.testing.assert_array_equal(fast[1], slow[1])
    np.testing.assert_allclose(fast[0], A[:, :3])


def test_csv_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_csv(tmp_path / "nope.csv")


def test_csv_wrong_label_column(tmp_path):
    p = write(tmp_path / "a.csv", "a,b,c\n1,2,0\n")
    with pytest.raises(ValueError, match=r"label column 'd' not found.*\['a', 'b', 'c'\]"):
        load_csv(p, label="d")
    with pytest.raises(ValueError, match="index 3 is out of range .* 3 columns"):
        load_csv(p, label=3)
    q = write(tmp_path / "b.csv", "1,2,0\n")
    with pytest.raises(ValueError, match="has no header row"):
        load_csv(q, label="c")
    with pytest.raises(TypeError, match="column index, a column name, .auto. or None"):
        load_csv(p, label=1.5)


# a malformed file and the error that must name where and what is wrong
BAD_CSV = {
    "non-numeric cell": ("a,b,label\n1,2,0\n3,oops,1\n",
                         r"line 3, column 2 \('b'\): cannot read 'oops'"),
    "empty cell": ("a,b,label\n1,,0\n", r"line 2, column 2 \('b'\): cannot read ''"),
    "non-finite cell": ("a,b,label\n1,2,0\n1,inf,1\n",
                        r"line 3, column 2 \('b'\): non-finite value 'inf'"),
    "ragged row": ("1,2,0\n3,4\n", "line 2: expected 3 cells, got 2"),
    "fractional label": ("a,label\n1,0\n2,0.5\n",
                         r"line 3, column 'label': label 0.5 is not an integer"),
    "negative label": ("a,label\n1,0\n2,-1\n", "line 3.*label -1 is negative"),
    "empty label": ("a,label\n1,\n", "empty label"),
    "blank lines only": ("\n\n", "is empty"),
    "header only": ("a,b,label\n", "no data rows"),
}


@pytest.mark.parametrize("text, match", BAD_CSV.values(), ids=BAD_CSV.keys())
def test_csv_malformed_file_names_the_problem(tmp_path, text, match):
    with pytest.raises(ValueError, match=match):
        load_csv(write(tmp_path / "bad.csv", text))


# -- NPZ ------------------------------------------------------------------------------------------
def test_npz_round_trip_and_image_flattening(tmp_path):
    p = tmp_path / "d.npz"
    X = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    np.savez(p, X=X, y=np.array([1.0, 0.0]))
    Xl, yl = load_npz(p)
    assert Xl.shape == (2, 12) and Xl.dtype == np.float64 and yl.dtype == np.int64
    np.testing.assert_array_equal(Xl, X.reshape(2, -1))
    np.savez(p, data=np.ones((2, 2), np.float32), target=[0, 1])
    Xl, yl = load_npz(p, x_key="data", y_key="target")
    assert Xl.dtype == np.float32 and yl.tolist() == [0, 1]


def test_npz_object_arrays_are_refused_without_unpickling(tmp_path, monkeypatch):
    p = tmp_path / "o.npz"
    np.savez(p, X=np.array([{"a": 1}, None], dtype=object), y=np.array([0, 1]))

    def boom(*a, **k):
        raise AssertionError("pickle.load must not be reached")
    monkeypatch.setattr(pickle, "load", boom)
    monkeypatch.setattr(pickle, "loads", boom)
    with pytest.raises(ValueError, match="object arrays.*refusing to unpickle"):
        load_npz(p)


def test_npz_missing_key_and_bad_contents(tmp_path):
    p = tmp_path / "d.npz"
    np.savez(p, X=np.zeros((2, 2)), labels=[0, 1])
    with pytest.raises(ValueError, match=r"no array 'y'; it holds \['X', 'labels'\]"):
        load_npz(p)
    np.savez(p, X=np.zeros(3), y=[0, 1, 2])
    with pytest.raises(ValueError, match=r"2-D or more.*\(3,\)"):
        load_npz(p)
    np.savez(p, X=np.zeros((3, 2)), y=[0, 1])
    with pytest.raises(ValueError, match="3 samples but 2 labels"):
        load_npz(p)
    np.savez(p, X=np.array([[np.nan, 1.0]]), y=[0])
    with pytest.raises(ValueError, match="NaN or inf"):
        load_npz(p)
    np.savez(p, X=np.array([["a", "b"]]), y=[0])
    with pytest.raises(ValueError, match="must be numeric"):
        load_npz(p)


def test_npz_not_a_zip_and_missing(tmp_path):
    p = tmp_path / "d.npz"
    p.write_bytes(pickle.dumps({"X": 1}))
    with pytest.raises(ValueError, match="not an .npz archive"):
        load_npz(p)
    with pytest.raises(FileNotFoundError):
        load_npz(tmp_path / "missing.npz")
    np.savez_compressed(p, X=np.linspace(0, 1, 1000).reshape(100, 10), y=np.zeros(100, int))
    whole = p.read_bytes()
    p.write_bytes(whole[:len(whole) // 2])
    with pytest.raises(ValueError, match="cannot read .* as an .npz archive"):
        load_npz(p)
    damaged = bytearray(whole)
    damaged[200:260] = bytes(60)
    p.write_bytes(bytes(damaged))
    with pytest.raises(ValueError, match="cannot read .* as an .npz archive"):
        load_npz(p)


def test_load_npz_with_own_test_split(tmp_path):
    p = tmp_path / "s.npz"
    np.savez(p, X=np.zeros((5, 3)), y=[0, 1, 0, 1, 2], X_test=np.ones((2, 3)), y_test=[2, 1])
    ds = load(str(p))
    assert ds.X_train.shape == (5, 3) and ds.X_test.shape == (2, 3)
    assert ds.classes == ("0", "1", "2")


# -- IDX ------------------------------------------------------------------------------------------
def idx_bytes(arr, code=0x08):
    arr = np.asarray(arr)
    head = struct.pack(">BBBB", 0, 0, code, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return head + arr.astype(loaders._IDX_DTYPES[code]).tobytes()


@pytest.fixture
def mnist_pair(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (6, 28, 28), dtype=np.uint8)
    labels = np.array([5, 0, 4, 1, 9, 2], dtype=np.uint8)
    ip, lp = tmp_path / "train-images-idx3-ubyte", tmp_path / "train-labels-idx1-ubyte"
    ip.write_bytes(idx_bytes(images))
    lp.write_bytes(idx_bytes(labels))
    return ip, lp, images, labels


def test_idx_plain_and_gzip(mnist_pair, tmp_path):
    ip, lp, images, labels = mnist_pair
    X, y = load_mnist_idx(ip, lp)
    assert X.shape == (6, 784) and X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(X, images.reshape(6, -1))
    np.testing.assert_array_equal(y, labels)
    gi, gl = tmp_path / "i.gz", tmp_path / "l.gz"  # detected by magic bytes, not by name
    gi.write_bytes(gzip.compress(ip.read_bytes()))
    gl.write_bytes(gzip.compress(lp.read_bytes()))
    X2, y2 = load_mnist_idx(gi, gl)
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)


def test_idx_other_types_are_big_endian(tmp_path):
    p = tmp_path / "f"
    a = np.array([[1.5, -2.0], [3.25, 1e3]])
    p.write_bytes(idx_bytes(a, 0x0E))
    out = read_idx(p)
    np.testing.assert_array_equal(out, a)
    assert out.dtype == np.float64 and out.dtype.isnative
    p.write_bytes(idx_bytes([-3, 70000], 0x0C))
    assert read_idx(p).tolist() == [-3, 70000]


def test_idx_truncated(mnist_pair, tmp_path):
    ip, lp, _, _ = mnist_pair
    cut = tmp_path / "cut"
    cut.write_bytes(ip.read_bytes()[:-100])
    with pytest.raises(ValueError, match=r"truncated.*\(6, 28, 28\).*4704 data bytes.*4604"):
        load_mnist_idx(cut, lp)
    cut.write_bytes(ip.read_bytes()[:10])
    with pytest.raises(ValueError, match="truncated: its header announces 3 dimensions"):
        read_idx(cut)
    cut.write_bytes(b"\0\0")
    with pytest.raises(ValueError, match="too short"):
        read_idx(cut)
    gz = tmp_path / "cut.gz"  # a gzip stream cut short
    gz.write_bytes(gzip.compress(ip.read_bytes())[:-30])
    with pytest.raises(ValueError, match="truncated|corrupt"):
        read_idx(gz)


def test_idx_huge_dims_do_not_allocate(tmp_path):
    p = tmp_path / "huge"
    p.write_bytes(struct.pack(">BBBBIII", 0, 0, 8, 3, 2**31, 2**31, 2**31) + b"\0" * 10)
    with pytest.raises(ValueError, match="truncated"):
        read_idx(p)


def test_idx_wrong_magic_and_trailing_bytes(mnist_pair, tmp_path):
    ip, lp, _, _ = mnist_pair
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x01\x02\x08\x03" + ip.read_bytes()[4:])
    with pytest.raises(ValueError, match="not an IDX file: magic number 0x01020803"):
        read_idx(bad)
    bad.write_bytes(b"\0\0\x07\x03" + ip.read_bytes()[4:])
    with pytest.raises(ValueError, match="magic number 0x00000703"):
        read_idx(bad)
    bad.write_bytes(ip.read_bytes() + b"xx")
    with pytest.raises(ValueError, match="bytes after the 4704 data bytes"):
        read_idx(bad)


def test_idx_swapped_or_mismatched(mnist_pair, tmp_path):
    ip, lp, _, _ = mnist_pair
    with pytest.raises(ValueError, match="swapped"):
        load_mnist_idx(lp, ip)
    short = tmp_path / "short-labels"
    short.write_bytes(idx_bytes(np.array([1, 2], np.uint8)))
    with pytest.raises(ValueError, match="6 images .* but 2 labels"):
        load_mnist_idx(ip, short)
    with pytest.raises(FileNotFoundError):
        load_mnist_idx(tmp_path / "none", lp)


def test_load_idx_file_and_mnist_folder(mnist_pair, tmp_path):
    ip, lp, images, labels = mnist_pair
    ds = load(str(ip), test_fraction=0.5)  # finds train-labels-idx1-ubyte beside it
    assert ds.X_train.shape == (3, 784) and ds.X_test.shape == (3, 784)
    with pytest.raises(FileNotFoundError, match="MNIST IDX files"):
        load(str(tmp_path))  # no t10k files yet
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(images[:2])))
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(labels[:2])))
    ds = load(str(tmp_path))
    assert ds.X_train.shape == (6, 784) and ds.X_test.shape == (2, 784)
    np.testing.assert_array_equal(ds.y_test, labels[:2])


# -- CIFAR-10 -------------------------------------------------------------------------------------
_CIFAR_NAMES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]


def fake_cifar(n_per_batch=3, seed=0):
    """Six batches of random records with the real layout: uint8 (n, 3072), labels 0..9."""
    rng = np.random.default_rng(seed)
    return {name: (rng.integers(0, 256, (n_per_batch, 3072), dtype=np.uint8),
                   rng.integers(0, 10, n_per_batch).tolist()) for name in _CIFAR_NAMES}


def write_cifar_bin(folder, batches):
    folder.mkdir(parents=True, exist_ok=True)
    for name, (data, labels) in batches.items():
        rec = np.concatenate([np.array(labels, np.uint8)[:, None], data], axis=1)
        (folder / f"{name}.bin").write_bytes(rec.tobytes())


class Py2Pickler(pickle._Pickler):
    """Protocol 2 as Python 2's cPickle wrote the CIFAR-10 files: every string as BINSTRING
    (Python 2's str is bytes), and NumPy's globals under their NumPy 1 module names."""

    dispatch = dict(pickle._Pickler.dispatch)

    def save_binstring(self, obj):
        if isinstance(obj, str):
            obj = obj.encode("latin-1")
        n = len(obj)
        head = pickle.SHORT_BINSTRING + bytes([n]) if n < 256 else (
            pickle.BINSTRING + struct.pack("<i", n))
        self.write(head + obj)
        self.memoize(obj)

    def save_numpy_global(self, obj, name=None):
        mod = {"_reconstruct": "numpy.core.multiarray"}.get(obj.__name__, "numpy")
        self.write(pickle.GLOBAL + f"{mod}\n{obj.__name__}\n".encode())
        self.memoize(obj)

    dispatch[bytes] = save_binstring
    dispatch[str] = save_binstring
    dispatch[type] = save_numpy_global


def py2_dumps(obj):
    f = io.BytesIO()
    Py2Pickler(f, protocol=2).dump(obj)
    return f.getvalue()


def write_cifar_py(folder, batches, style="py2"):
    folder.mkdir(parents=True, exist_ok=True)
    for i, (name, (data, labels)) in enumerate(batches.items()):
        d = {b"batch_label": f"batch {i}".encode(), b"data": data, b"labels": labels,
             b"filenames": [f"img_{k}.png".encode() for k in range(len(labels))]}
        blob = py2_dumps(d) if style == "py2" else pickle.dumps(d, protocol=4)
        (folder / name).write_bytes(blob)


def check_cifar(out, batches, dtype=np.float32):
    Xtr, ytr, Xte, yte = out
    n = len(batches["test_batch"][1])
    assert Xtr.shape == (5 * n, 3072) and Xte.shape == (n, 3072)
    assert Xtr.dtype == dtype and ytr.dtype == np.int64
    exp_X = np.concatenate([batches[k][0] for k in _CIFAR_NAMES[:5]])
    exp_y = np.concatenate([batches[k][1] for k in _CIFAR_NAMES[:5]])
    np.testing.assert_array_equal(Xtr, exp_X)
    np.testing.assert_array_equal(ytr, exp_y)
    np.testing.assert_array_equal(Xte, batches["test_batch"][0])
    np.testing.assert_array_equal(yte, batches["test_batch"][1])


def test_cifar_binary_version(tmp_path):
    batches = fake_cifar()
    write_cifar_bin(tmp_path / "cifar-10-batches-bin", batches)
    check_cifar(load_cifar10(tmp_path), batches)  # found in the subfolder
    check_cifar(load_cifar10(tmp_path / "cifar-10-batches-bin", dtype=np.float64), batches,
                np.float64)


def test_cifar_channel_major_layout(tmp_path):
    # One record whose red plane is 1, green 2, blue 3: the row must hold 1024 of each, in order.
    data = np.repeat(np.array([1, 2, 3], np.uint8), 1024)[None, :]
    batches = {name: (data, [7]) for name in _CIFAR_NAMES}
    write_cifar_bin(tmp_path, batches)
    Xtr, ytr, _, _ = load_cifar10(tmp_path)
    img = Xtr[0].reshape(3, 32, 32)
    assert (img[0] == 1).all() and (img[1] == 2).all() and (img[2] == 3).all()
    assert ytr.tolist() == [7] * 5


@pytest.mark.parametrize("style", ["py2", "py3"])
def test_cifar_python_version(tmp_path, style):
    batches = fake_cifar(seed=1)
    write_cifar_py(tmp_path / "cifar-10-batches-py", batches, style)
    check_cifar(load_cifar10(tmp_path), batches)
    ds = load(str(tmp_path))
    assert ds.classes == lw.data.CIFAR10_CLASSES and ds.X_train.shape == (15, 3072)


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_is_refused_and_does_nothing(tmp_path):
    marker = tmp_path / "pwned"
    blob = pickle.dumps({b"data": _Exploit(marker), b"labels": [0]}, protocol=4)
    # The payload really works when unpickled naively ...
    pickle.loads(blob)
    assert marker.exists()
    marker.unlink()
    # ... and the safe unpickler refuses it before importing or calling anything.
    with pytest.raises(UnsafePickleError, match=r"refusing to load '(posix|nt)\.system'"):
        SafeUnpickler(io.BytesIO(blob), encoding="bytes").load()
    assert not marker.exists()
    batches = fake_cifar()
    write_cifar_py(tmp_path, batches)
    (tmp_path / "data_batch_3").write_bytes(blob)
    with pytest.raises(UnsafePickleError, match="data_batch_3.*refusing to load"):
        load_cifar10(tmp_path)
    assert not marker.exists()


@pytest.mark.parametrize("payload", [
    (eval, ("1+1",)),
    (getattr, ("abc", "upper")),
    (os.getenv, ("HOME",)),
    (np.load, ("x.npy",)),
    (__import__, ("os",)),
])
def test_safe_unpickler_refuses_other_globals(payload):
    class Evil:
        def __reduce__(self):
            return payload
    with pytest.raises(UnsafePickleError, match="refusing to load"):
        SafeUnpickler(io.BytesIO(pickle.dumps(Evil(), protocol=4))).load()


def test_safe_unpickler_allows_arrays_in_containers():
    obj = {"a": [np.arange(3.0), (1, "x", b"y")], "b": np.zeros((2, 2), np.int16)}
    out = SafeUnpickler(io.BytesIO(pickle.dumps(obj, protocol=4))).load()
    np.testing.assert_array_equal(out["a"][0], obj["a"][0])
    assert out["a"][1] == (1, "x", b"y") and out["b"].dtype == np.int16


def test_cifar_missing_batches(tmp_path):
    batches = fake_cifar()
    del batches["data_batch_4"], batches["test_batch"]
    write_cifar_bin(tmp_path, batches)
    with pytest.raises(FileNotFoundError,
                       match=r"missing \['data_batch_4.bin', 'test_batch.bin'\]"):
        load_cifar10(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="no CIFAR-10 batches"):
        load_cifar10(empty)
    with pytest.raises(FileNotFoundError, match="no such folder"):
        load_cifar10(tmp_path / "nowhere")


def test_cifar_damaged_batches(tmp_path):
    batches = fake_cifar()
    write_cifar_bin(tmp_path, batches)
    p = tmp_path / "data_batch_2.bin"
    p.write_bytes(p.read_bytes()[:-1])
    with pytest.raises(ValueError, match="not a positive multiple of the 3073-byte"):
        load_cifar10(tmp_path)
    write_cifar_bin(tmp_path, batches)
    raw = bytearray(p.read_bytes())
    raw[0] = 12
    p.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="label 12, expected 0..9"):
        load_cifar10(tmp_path)


def test_cifar_python_damaged(tmp_path):
    batches = fake_cifar()
    write_cifar_py(tmp_path, batches)
    p = tmp_path / "data_batch_1"
    p.write_bytes(p.read_bytes()[:50])
    with pytest.raises(ValueError, match="cannot read .*data_batch_1"):
        load_cifar10(tmp_path)
    p.write_bytes(pickle.dumps({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, 4))
    with pytest.raises(ValueError, match=r"uint8 array of shape \(N, 3072\).*\(2, 100\)"):
        load_cifar10(tmp_path)
    p.write_bytes(pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}, 4))
    with pytest.raises(ValueError, match="'labels' must be 2 integers"):
        load_cifar10(tmp_path)
    p.write_bytes(pickle.dumps([1, 2], 4))
    with pytest.raises(ValueError, match="expected a dict with 'data'"):
        load_cifar10(tmp_path)


# -- load() ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["spiral", "circles", "xor", "gaussians", "moons"])
def test_load_toy_names(name):
    ds = load(name, n=200, seed=3)
    assert ds.X_train.shape == (160, 2) and ds.X_test.shape == (40, 2)
    assert ds.name == name and ds.n_features == 2
    again = load(name, n=200, seed=3)
    np.testing.assert_array_equal(ds.X_test, again.X_test)
    other = load(name, n=200, seed=4)
    assert not np.array_equal(ds.X_test, other.X_test)


def test_load_toy_split_is_stratified():
    ds = load("spiral", n=300, classes=3, seed=0)
    assert np.bincount(ds.y_test).tolist() == [20, 20, 20]
    assert ds.classes == ("0", "1", "2")


@pytest.mark.parametrize("name,shape,k", [("digits", (1797, 64), 10), ("iris", (150, 4), 3),
                                          ("wine", (178, 13), 3),
                                          ("breast_cancer", (569, 30), 2)])
def test_load_real_names(name, shape, k):
    ds = load(name, test_fraction=0.25, seed=0)
    n = shape[0]
    assert len(ds.y_train) + len(ds.y_test) == n
    assert len(ds.y_test) == round(0.25 * n)
    assert ds.n_features == shape[1] and ds.n_classes == k


def test_load_mnist_names():
    ds = load("mnist", n=1000)
    assert ds.X_train.shape == (800, 784) and np.bincount(ds.y_test).tolist() == [20] * 10
    ds = load("mnist1d")
    assert ds.X_train.shape == (4000, 40) and ds.X_test.shape == (1000, 40)


def test_load_unknown_name_lists_valid_ones():
    with pytest.raises(ValueError, match="unknown data set 'spirals'.*spiral, circles.*mnist1d"):
        load("spirals")


def test_load_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="test_fraction must be in"):
        load("iris", test_fraction=1.0)
    with pytest.raises(TypeError):
        load("iris", n=5)
    weird = tmp_path / "data.bin"
    weird.write_bytes(b"hello")
    with pytest.raises(ValueError, match="cannot tell the format"):
        load(str(weird))
    lone = tmp_path / "images.idx"
    lone.write_bytes(idx_bytes(np.zeros((2, 2, 2), np.uint8)))
    with pytest.raises(FileNotFoundError, match="labels_path="):
        load(str(lone))
    lab = tmp_path / "l.idx"
    lab.write_bytes(idx_bytes(np.array([0, 1], np.uint8)))
    assert load(str(lone), labels_path=lab, test_fraction=0.5).X_train.shape == (1, 4)
