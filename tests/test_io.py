"""Model files: save/load round trips, the file layout, metadata, and atomic writes."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import layerwise as lw
from layerwise.io import model as io
from layerwise.engine.layers import Activation, Dense, Dropout, GaussianNoise, Maxout, PReLU

pytest.importorskip("safetensors")

ACTIVATIONS = ["identity", "relu", "sigmoid", "tanh", "leaky_relu", "elu", "softplus", "gelu",
               "silu", "prelu", "maxout"]


def _x(n=6, d=3, dtype=np.float64):
    return np.random.default_rng(7).normal(size=(n, d)).astype(dtype) * 2


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_round_trip_is_exact(tmp_path, activation, dtype):
    net = lw.Network([3, 5, 4, 2], activation=activation, dropout=0.25, dtype=dtype, seed=1,
                     maxout_k=3)
    path = tmp_path / "net.safetensors"
    lw.save(net, path)
    again = lw.load(path)
    assert type(again) is lw.Network
    assert again.config() == net.config()
    assert again.dtype == net.dtype
    for (k1, p1, _), (k2, p2, _) in zip(net.parameters(), again.parameters()):
        assert k1 == k2 and p1.dtype == p2.dtype
        np.testing.assert_array_equal(p1, p2)
    X = _x(dtype=dtype)
    np.testing.assert_array_equal(again(X), net(X))


def test_sequential_with_every_layer_round_trips(tmp_path):
    rng = np.random.default_rng(3)
    net = lw.Sequential(GaussianNoise(0.1), Dense(3, 6, rng=rng), PReLU(6), Dropout(0.5),
                        Maxout(6, 4, k=2, rng=rng), Activation("tanh"), Dense(4, 2, rng=rng))
    net.layers[2].weight[...] = rng.uniform(0.05, 0.5, size=6)  # slopes other than the default
    path = tmp_path / "seq.safetensors"
    lw.save(net, path)
    again = lw.load(path)
    assert type(again) is lw.Sequential and again.config() == net.config()
    np.testing.assert_array_equal(again(_x(dtype=np.float32)), net(_x(dtype=np.float32)))


def test_trained_weights_survive(tmp_path):
    # weights moved away from their initial values must come back, not be re-drawn
    net = lw.Network([3, 4, 2], seed=0)
    net.flat_params[:] = np.linspace(-1, 1, net.num_params, dtype=np.float32)
    lw.save(net, str(tmp_path / "a.safetensors"))
    np.testing.assert_array_equal(lw.load(str(tmp_path / "a.safetensors")).flat_params,
                                  net.flat_params)


def test_file_layout_is_plain_safetensors(tmp_path):
    from safetensors import safe_open
    from safetensors.numpy import load_file

    net = lw.Network([3, 4, 4, 1], activation="sigmoid", seed=0)
    path = tmp_path / "net.safetensors"
    lw.save(net, path, metadata={"note": "seed 3-layer net"})
    tensors = load_file(path)
    assert sorted(tensors) == ["0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight"]
    assert all(v.dtype == np.float32 for v in tensors.values())
    assert tensors["2.weight"].shape == (4, 4)  # (out, in): each row one neuron
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(tensors[k], v)
    with safe_open(path, framework="numpy") as f:
        meta = f.metadata()
    assert meta["format"] == "layerwise" and meta["version"] == "1"
    assert json.loads(meta["architecture"]) == net.config()
    assert meta["note"] == "seed 3-layer net"


def test_float64_is_stored_as_float64(tmp_path):
    from safetensors.numpy import load_file

    lw.save(lw.Network([2, 3, 1], dtype=np.float64, seed=0), tmp_path / "n.safetensors")
    assert {v.dtype for v in load_file(tmp_path / "n.safetensors").values()} == {
        np.dtype(np.float64)}


def test_metadata_round_trip_and_checks(tmp_path):
    net = lw.Network([2, 3, 1], seed=0)
    path = tmp_path / "m.safetensors"
    lw.save(net, path, metadata={"dataset": "xor", "accuracy": "0.99"})
    meta = io.read_metadata(path)
    assert meta["dataset"] == "xor" and meta["accuracy"] == "0.99"
    with pytest.raises(ValueError, match="reserved"):
        lw.save(net, path, metadata={"architecture": "{}"})
    with pytest.raises(ValueError, match=r"strings to strings.*0\.99"):
        lw.save(net, path, metadata={"accuracy": 0.99})
    assert io.read_metadata(path)["dataset"] == "xor"  # the failed saves touched nothing


def test_a_failing_save_leaves_the_old_file_whole(tmp_path):
    net = lw.Network([3, 4, 2], seed=0)
    path = tmp_path / "model.safetensors"
    lw.save(net, path)
    before = path.read_bytes()
    broken = lw.Network([3, 4, 2], seed=1)
    broken.flat_params[2] = np.nan  # a diverged run must not overwrite the good checkpoint
    with pytest.raises(ValueError, match=r"'0\.weight' holds NaN or inf"):
        lw.save(broken, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.safetensors"]


def test_a_crash_during_the_write_leaves_the_old_file_and_no_debris(tmp_path, fsync_fails):
    net = lw.Network([3, 4, 2], seed=0)
    path = tmp_path / "model.safetensors"
    lw.save(net, path)
    before = path.read_bytes()
    fsync_fails()
    with pytest.raises(OSError, match="disk full"):
        lw.save(lw.Network([3, 4, 2], seed=5), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.safetensors"]


def test_save_into_a_missing_folder_creates_nothing(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        lw.save(lw.Network([2, 2]), tmp_path / "nope" / "m.safetensors")
    assert os.listdir(tmp_path) == []


def test_save_rejects_what_is_not_a_network(tmp_path):
    with pytest.raises(TypeError, match="dict"):
        lw.save({"0.weight": np.ones((2, 2))}, tmp_path / "x.safetensors")


def test_overwriting_replaces_the_model(tmp_path):
    path = tmp_path / "m.safetensors"
    lw.save(lw.Network([3, 4, 2], seed=0), path)
    second = lw.Network([5, 2], activation="tanh", dtype=np.float64, seed=1)
    lw.save(second, path)
    assert lw.load(path).config() == second.config()


def test_a_state_dict_written_by_torch_loads_with_an_architecture(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    arch = {"class": "Network", "sizes": [3, 4, 2], "activation": "tanh", "dtype": "float32"}
    path = tmp_path / "from_torch.safetensors"
    save_file(model.state_dict(), str(path), metadata={"architecture": json.dumps(arch)})
    net = lw.load(path)
    X = _x(dtype=np.float32)
    np.testing.assert_allclose(net(X), model(torch.from_numpy(X)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_import_and_load_need_numpy_only(tmp_path):
    path = tmp_path / "m.safetensors"
    net = lw.Network([3, 4, 2], seed=0)
    lw.save(net, path)
    expected = net(np.ones((1, 3)))
    code = textwrap.dedent(f"""
        import sys
        for name in ("safetensors", "torch", "onnx", "onnxruntime"):
            sys.modules[name] = None  # any import of them now fails
        import numpy as np
        import layerwise as lw
        net = lw.load({str(path)!r})
        print(repr(net(np.ones((1, 3))).tolist()))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == repr(expected.tolist())


def test_missing_extra_is_named(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "safetensors", None)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match=r"layerwise\[io\]"):
        lw.save(lw.Network([2, 2]), tmp_path / "m.safetensors")
