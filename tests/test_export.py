"""Interop: PyTorch nn.Sequential and ONNX give the same outputs as the network itself."""
import os

import numpy as np
import pytest

import layerwise as lw
from layerwise.io import model as io
from layerwise.engine.layers import Activation, Dense, Dropout, GaussianNoise, Maxout, PReLU

ACTIVATIONS = ["identity", "relu", "sigmoid", "tanh", "leaky_relu", "elu", "softplus", "gelu",
               "silu", "prelu", "maxout"]
DTYPES = [np.float32, np.float64]


def _net(activation, dtype, **kw):
    net = lw.Network([3, 6, 5, 2], activation=activation, dtype=dtype, seed=2, maxout_k=3, **kw)
    if activation == "prelu":  # slopes other than the shared default, so a mix-up shows
        for layer in net.layers:
            if isinstance(layer, PReLU):
                layer.weight[...] = np.linspace(0.05, 0.6, layer.num_parameters)
    # non-zero biases, so a dropped bias shows
    for name, p, _ in net.parameters():
        if name.endswith("bias"):
            p[...] = np.linspace(-0.5, 0.5, p.size)
    return net


def _x(dtype, n=9):
    # wide enough to reach both sides of every kink and the flat parts of the saturating units
    return (np.random.default_rng(4).normal(size=(n, 3)) * 3).astype(dtype)


def _tol(dtype):
    return dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)


# -- PyTorch -------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_to_torch_gives_equal_outputs(activation, dtype):
    torch = pytest.importorskip("torch")
    net = _net(activation, dtype, dropout=0.3)
    model = net.to_torch()
    assert isinstance(model, torch.nn.Sequential) and not model.training
    assert list(model.state_dict()) == list(net.state_dict())
    X = _x(dtype)
    out = model(torch.from_numpy(X))
    assert out.dtype == {np.float32: torch.float32, np.float64: torch.float64}[dtype]
    np.testing.assert_allclose(out.detach().numpy(), net(X), **_tol(dtype))


def test_to_torch_modules():
    torch = pytest.importorskip("torch")
    nn = torch.nn
    expected = {"identity": nn.Identity, "relu": nn.ReLU, "sigmoid": nn.Sigmoid,
                "tanh": nn.Tanh, "leaky_relu": nn.LeakyReLU, "elu": nn.ELU,
                "softplus": nn.Softplus, "gelu": nn.GELU, "silu": nn.SiLU, "prelu": nn.PReLU}
    for name, cls in expected.items():
        model = lw.to_torch(lw.Network([2, 3, 1], activation=name, dropout=0.5))
        assert [type(m) for m in model] == [nn.Linear, cls, nn.Dropout, nn.Linear]
        assert model[2].p == 0.5
    model = lw.Network([2, 3, 1], activation="leaky_relu").to_torch()
    assert model[1].negative_slope == 0.01
    assert lw.Network([2, 3, 1], activation="gelu").to_torch()[1].approximate == "tanh"
    assert lw.Network([2, 3, 1], activation="prelu").to_torch()[1].num_parameters == 3


def test_to_torch_sequential_with_noise_and_maxout():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    net = lw.Sequential(GaussianNoise(0.2), Maxout(3, 4, k=2, rng=rng), Dropout(0.1),
                        Dense(4, 2, rng=rng))
    model = net.to_torch()
    X = _x(np.float32)
    np.testing.assert_allclose(model(torch.from_numpy(X)).detach().numpy(), net(X), rtol=1e-5,
                               atol=1e-5)
    model.train()  # in training the noise layer is live
    assert not torch.equal(model[0](torch.zeros(4, 3)), torch.zeros(4, 3))


def test_torch_model_trains_like_a_module():
    torch = pytest.importorskip("torch")
    model = lw.Network([3, 4, 2], activation="maxout", seed=0).to_torch().train()
    loss = model(torch.ones(5, 3)).pow(2).sum()
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())


def test_saved_weights_load_into_hand_built_torch(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file

    nn = torch.nn
    net = _net("tanh", np.float32)
    path = tmp_path / "net.safetensors"
    lw.save(net, path)
    model = nn.Sequential(nn.Linear(3, 6), nn.Tanh(), nn.Linear(6, 5), nn.Tanh(), nn.Linear(5, 2))
    model.load_state_dict(load_file(str(path)))  # strict: every key and shape must match
    X = _x(np.float32)
    np.testing.assert_allclose(model(torch.from_numpy(X)).detach().numpy(), net(X), rtol=1e-5,
                               atol=1e-6)


def test_saved_dropout_net_loads_into_torch_with_dropout(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file

    nn = torch.nn
    net = _net("prelu", np.float64, dropout=0.5)
    path = tmp_path / "net.safetensors"
    lw.save(net, path)
    # the layout Dense, PReLU, Dropout, ... is nn.Sequential's, so indices line up
    model = nn.Sequential(nn.Linear(3, 6), nn.PReLU(6), nn.Dropout(0.5), nn.Linear(6, 5),
                          nn.PReLU(5), nn.Dropout(0.5), nn.Linear(5, 2)).double().eval()
    model.load_state_dict(load_file(str(path)))
    X = _x(np.float64)
    np.testing.assert_allclose(model(torch.from_numpy(X)).detach().numpy(), net(X),
                               rtol=1e-12, atol=1e-12)


# -- ONNX ----------------------------------------------------------------------------------------
def _ort_run(path_or_bytes, X):
    ort = pytest.importorskip("onnxruntime")
    sess = ort.InferenceSession(path_or_bytes, providers=["CPUExecutionProvider"])
    return sess.run(["output"], {"input": X})[0]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_onnx_export_agrees_with_the_network(tmp_path, activation, dtype):
    onnx = pytest.importorskip("onnx")
    net = _net(activation, dtype, dropout=0.2)
    path = tmp_path / "net.onnx"
    lw.export_onnx(net, path)
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    assert not any(n.op_type == "Dropout" for n in model.graph.node)
    for n in (1, 9):  # the batch dimension is dynamic
        X = _x(dtype, n)
        out = _ort_run(str(path), X)
        assert out.dtype == dtype and out.shape == (n, 2)
        np.testing.assert_allclose(out, net(X), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("opset", [13, 18, 20])
@pytest.mark.parametrize("activation", ["gelu", "maxout", "softplus", "prelu"])
def test_onnx_opsets(activation, opset):
    # opset 18 moved ReduceMax's axes to an input; opset 20 brought a native Gelu
    pytest.importorskip("onnx")
    net = _net(activation, np.float32)
    model = io.to_onnx(net, opset=opset)
    ops = {n.op_type for n in model.graph.node}
    if activation == "gelu":
        assert ("Gelu" in ops) == (opset >= 20)
    X = _x(np.float32)
    np.testing.assert_allclose(_ort_run(model.SerializeToString(), X), net(X), rtol=1e-5,
                               atol=1e-5)


def test_onnx_large_inputs_stay_finite():
    pytest.importorskip("onnx")
    for activation in ("softplus", "gelu", "silu", "elu", "sigmoid"):
        for dtype in DTYPES:
            net = _net(activation, dtype)
            X = _x(dtype) * 100
            out = _ort_run(io.to_onnx(net).SerializeToString(), X)
            assert np.isfinite(out).all()
            np.testing.assert_allclose(out, net(X), rtol=1e-5, atol=1e-4)


def test_onnx_graph_contents():
    pytest.importorskip("onnx")
    import json

    from onnx import numpy_helper

    net = lw.Network([3, 4, 2], activation="relu", seed=0)
    model = io.to_onnx(net)
    weights = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(weights[k], v)
    assert [n.op_type for n in model.graph.node] == ["Gemm", "Relu", "Gemm"]
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert model.graph.output[0].type.tensor_type.shape.dim[1].dim_value == 2
    props = {p.key: p.value for p in model.metadata_props}
    assert json.loads(props["architecture"]) == net.config()
    assert model.opset_import[0].version == io.DEFAULT_OPSET


def test_onnx_sequential_with_noise():
    pytest.importorskip("onnx")
    rng = np.random.default_rng(1)
    net = lw.Sequential(GaussianNoise(0.3), Dense(3, 4, rng=rng), Activation("identity"),
                        Dense(4, 2, rng=rng), Activation("identity"))
    model = io.to_onnx(net)
    assert [n.op_type for n in model.graph.node] == ["Gemm", "Gemm"]
    X = _x(np.float32)
    np.testing.assert_allclose(_ort_run(model.SerializeToString(), X), net(X), rtol=1e-5,
                               atol=1e-5)


def test_onnx_bad_opset():
    pytest.importorskip("onnx")
    for opset in (7, 10_000, "17", 17.0):
        with pytest.raises(ValueError, match=f"opset must be an integer from 13 .* got {opset!r}"):
            io.to_onnx(lw.Network([2, 2]), opset=opset)


def test_onnx_write_is_atomic(tmp_path, fsync_fails):
    pytest.importorskip("onnx")
    path = tmp_path / "net.onnx"
    lw.export_onnx(lw.Network([3, 4, 2], seed=0), path)
    before = path.read_bytes()
    with pytest.raises(ValueError, match="opset"):  # fails before writing
        lw.export_onnx(lw.Network([3, 4, 2], seed=1), path, opset=3)
    fsync_fails()
    with pytest.raises(OSError, match="disk full"):
        lw.export_onnx(lw.Network([3, 4, 2], seed=1), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["net.onnx"]


def test_round_trip_file_then_onnx(tmp_path):
    # the path a user takes: train, save, later load and export
    pytest.importorskip("onnx")
    net = _net("maxout", np.float64)
    lw.save(net, tmp_path / "m.safetensors")
    lw.export_onnx(lw.load(tmp_path / "m.safetensors"), tmp_path / "m.onnx")
    X = _x(np.float64)
    np.testing.assert_allclose(_ort_run(str(tmp_path / "m.onnx"), X), net(X), rtol=1e-12)
