"""PyTorch as an oracle, in float64: every layer, activation, loss, optimizer and schedule, and a
whole network's state dict loaded into the equivalent ``nn.Sequential``.

Agreement is measured relative to the size of the reference array:
``max|ours - theirs| / max|theirs| < 1e-10``.
"""
import inspect

import numpy as np
import pytest

import layerwise as lw

torch = pytest.importorskip("torch")
F = torch.nn.functional
nn = torch.nn

TOL = 1e-10

TORCH_ACTIVATIONS = {
    "identity": lambda x: x,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": F.relu,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.01),
    "elu": lambda x: F.elu(x, alpha=1.0),
    "softplus": F.softplus,
    "gelu": lambda x: F.gelu(x, approximate="tanh"),
    "silu": F.silu,
}
TORCH_MODULES = {
    "identity": nn.Identity, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.01), "elu": lambda: nn.ELU(alpha=1.0),
    "softplus": nn.Softplus, "gelu": lambda: nn.GELU(approximate="tanh"), "silu": nn.SiLU,
}


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """These arrays are tiny: torch's thread pool, spinning between steps against NumPy's,
    only costs time here."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def T(a, grad=True):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def assert_agrees(ours, theirs, tol=TOL):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    ours = np.asarray(ours)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    scale = max(float(np.abs(theirs).max(initial=0.0)), 1e-300)
    err = float(np.abs(ours - theirs).max(initial=0.0)) / scale
    assert err < tol, f"relative disagreement {err:.3g}"


def away_from_zero(x, margin=0.05):
    return np.where(x >= 0, x + margin, x - margin)


def test_every_activation_has_an_oracle():
    assert set(TORCH_ACTIVATIONS) == set(lw.activations.ACTIVATIONS) == set(TORCH_MODULES)


# -- layers -------------------------------------------------------------------------------------
def test_dense(rng):
    layer = lw.Dense(5, 4, dtype=np.float64, rng=rng)
    layer.bias[:] = rng.standard_normal(4)
    x = rng.standard_normal((7, 5))
    dout = rng.standard_normal((7, 4))
    y = layer.forward(x, train=True).copy()
    dx = layer.backward(dout)
    xt, Wt, bt = T(x), T(layer.weight), T(layer.bias)
    yt = F.linear(xt, Wt, bt)
    yt.backward(torch.tensor(dout))
    assert_agrees(y, yt)
    assert_agrees(dx, xt.grad)
    assert_agrees(layer.grads["weight"], Wt.grad)
    assert_agrees(layer.grads["bias"], bt.grad)


@pytest.mark.parametrize("name", list(lw.activations.ACTIVATIONS))
@pytest.mark.parametrize("scale", [1.0, 6.0])
def test_activation(name, scale, rng):
    x = away_from_zero(rng.standard_normal((8, 5)) * scale)
    dout = rng.standard_normal(x.shape)
    layer = lw.Activation(name)
    y = layer.forward(x, train=True).copy()
    dx = layer.backward(dout)
    xt = T(x)
    yt = TORCH_ACTIVATIONS[name](xt)
    yt.backward(torch.tensor(dout))
    assert_agrees(y, yt)
    assert_agrees(dx, xt.grad)
    # evaluation mode gives the same values as training mode
    assert_agrees(layer.forward(x), yt)


@pytest.mark.parametrize("name", list(lw.activations.ACTIVATIONS))
def test_activation_at_extreme_inputs(name):
    x = np.array([[-1e4, -700.0, -40.0, -15.0, 15.0, 40.0, 700.0, 1e4]])
    layer = lw.Activation(name)
    y = layer.forward(x, train=True).copy()
    dx = layer.backward(np.ones_like(x))
    xt = T(x)
    yt = TORCH_ACTIVATIONS[name](xt)
    yt.sum().backward()
    # elementwise: sigmoid(-700) = 1e-304 must come out right, not merely small
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=TOL, atol=1e-300)
    # elementwise too: ELU's slope e^-40 = 4e-18 must come out right, not rounded to 0
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=TOL, atol=1e-300)


def test_prelu(rng):
    layer = lw.PReLU(5, dtype=np.float64)
    layer.weight[:] = [0.25, 0.0, -0.3, 0.7, 1.2]
    x = away_from_zero(rng.standard_normal((9, 5)))
    dout = rng.standard_normal(x.shape)
    y = layer.forward(x, train=True).copy()
    dx = layer.backward(dout)
    xt, at = T(x), T(layer.weight)
    yt = F.prelu(xt, at)
    yt.backward(torch.tensor(dout))
    assert_agrees(y, yt)
    assert_agrees(dx, xt.grad)
    assert_agrees(layer.grads["weight"], at.grad)


def test_prelu_initial_slope_is_torchs():
    assert np.array_equal(lw.PReLU(3, dtype=np.float64).weight,
                          nn.PReLU(3).weight.detach().double().numpy())


@pytest.mark.parametrize("k", [2, 3])
def test_maxout(k, rng):
    layer = lw.Maxout(5, 4, k=k, dtype=np.float64, rng=rng)
    layer.bias[:] = rng.standard_normal(layer.bias.shape)
    x = rng.standard_normal((9, 5))
    dout = rng.standard_normal((9, 4))
    y = layer.forward(x, train=True).copy()
    dx = layer.backward(dout)
    xt, Wt, bt = T(x), T(layer.weight), T(layer.bias)
    yt = F.linear(xt, Wt, bt).view(9, 4, k).max(-1).values
    yt.backward(torch.tensor(dout))
    assert_agrees(y, yt)
    assert_agrees(dx, xt.grad)
    assert_agrees(layer.grads["weight"], Wt.grad)
    assert_agrees(layer.grads["bias"], bt.grad)


# -- losses -------------------------------------------------------------------------------------
def torch_loss(name, st, y):
    if name == "softmax":
        return F.cross_entropy(st, torch.tensor(y))
    if name == "hinge":
        # MultiMarginLoss divides each sample's sum by the number of classes; cs231n does not
        return F.multi_margin_loss(st, torch.tensor(y)) * st.shape[1]
    if name == "logistic":
        return F.binary_cross_entropy_with_logits(st, torch.tensor(y, dtype=torch.float64)
                                                  .reshape(st.shape))
    if name == "binary_hinge":
        t = torch.tensor(np.where(y > 0, 1.0, -1.0)).reshape(st.shape)
        return torch.clamp(1.0 - t * st, min=0.0).mean()
    return F.mse_loss(st, torch.tensor(y).reshape(st.shape))


def loss_case(name, shape, rng, scale):
    scores = rng.standard_normal(shape) * scale
    n = shape[0]
    if name in lw.losses.MULTICLASS:
        y = rng.integers(0, shape[1], n)
    elif name == "logistic":
        y = rng.integers(0, 2, n)
    elif name == "binary_hinge":
        y = rng.choice([-1, 1], n)
        # keep each margin clear of its kink at exactly 1
        scores = np.where(np.abs(1 - np.where(y > 0, 1, -1).reshape(-1, *shape[1:]) * scores)
                          < 1e-3, scores + 0.1, scores)
    else:
        y = rng.standard_normal(shape)
    return scores, y


@pytest.mark.parametrize("scale", [1.0, 30.0, 1e4])
@pytest.mark.parametrize("name,shape", [("softmax", (10, 4)), ("hinge", (10, 4)),
                                        ("logistic", (10,)), ("logistic", (10, 1)),
                                        ("binary_hinge", (10,)), ("binary_hinge", (10, 1)),
                                        ("mse", (10,)), ("mse", (10, 3))])
def test_loss(name, shape, scale, rng):
    scores, y = loss_case(name, shape, rng, scale)
    loss, d = lw.losses.get(name)(scores, y)
    st = T(scores)
    lt = torch_loss(name, st, y)
    lt.backward()
    assert np.isfinite(loss) and np.isfinite(d).all()
    assert abs(loss - lt.item()) <= TOL * max(abs(lt.item()), 1e-300)
    assert_agrees(d, st.grad)


def test_binary_hinge_accepts_zero_one_labels_like_plus_minus_one(rng):
    scores = rng.standard_normal(10)
    y01 = rng.integers(0, 2, 10)
    assert lw.losses.get("binary_hinge")(scores, y01)[0] == \
        lw.losses.get("binary_hinge")(scores, 2 * y01 - 1)[0]


# -- whole networks -------------------------------------------------------------------------------
def torch_sequential(net):
    modules = []
    for layer in net.layers:
        if isinstance(layer, lw.Dense):
            modules.append(nn.Linear(layer.in_features, layer.out_features, dtype=torch.float64))
        elif isinstance(layer, lw.Activation):
            modules.append(TORCH_MODULES[layer.name]())
        elif isinstance(layer, lw.PReLU):
            modules.append(nn.PReLU(layer.num_parameters, dtype=torch.float64))
        elif isinstance(layer, lw.Dropout):
            modules.append(nn.Dropout(layer.p))
        else:
            raise AssertionError(f"no torch module for {layer!r}")
    seq = nn.Sequential(*modules)
    seq.load_state_dict({k: torch.from_numpy(v) for k, v in net.state_dict().items()},
                        strict=True)
    return seq.eval()


@pytest.mark.parametrize("dropout", [0.0, 0.3])
@pytest.mark.parametrize("activation", list(lw.activations.ACTIVATIONS) + ["prelu"])
def test_state_dict_loads_into_nn_sequential(activation, dropout, rng):
    net = lw.Network([5, 7, 6, 3], activation=activation, dropout=dropout, dtype=np.float64,
                     seed=2)
    seq = torch_sequential(net)
    X = rng.standard_normal((11, 5))
    assert_agrees(net(X), seq(torch.tensor(X)))
    # and backward: the same gradients under the same names
    if dropout == 0.0:
        dout = rng.standard_normal((11, 3))
        net.forward(X, train=True)
        dx = net.backward(dout)
        xt = T(X)
        seq(xt).backward(torch.tensor(dout))
        assert_agrees(dx, xt.grad)
        ours = net.gradients()
        theirs = dict(seq.named_parameters())
        assert set(ours) == set(theirs)
        for key, p in theirs.items():
            assert_agrees(ours[key], p.grad)


def test_float32_state_dict_loads_into_default_torch_modules(rng):
    net = lw.Network([3, 4, 2], seed=0)
    seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    seq.load_state_dict({k: torch.from_numpy(v) for k, v in net.state_dict().items()})
    X = rng.standard_normal((6, 3)).astype(np.float32)
    np.testing.assert_allclose(net(X), seq(torch.from_numpy(X)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)


def test_torch_state_dict_loads_into_network(rng):
    torch.manual_seed(0)
    seq = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2)).double()
    net = lw.Network([4, 6, 2], activation="tanh", dtype=np.float64, seed=0)
    net.load_state_dict(seq.state_dict())
    X = rng.standard_normal((5, 4))
    assert_agrees(net(X), seq(torch.tensor(X)))


def test_maxout_network(rng):
    net = lw.Network([4, 5, 3], activation="maxout", dtype=np.float64, seed=3)
    sd = {k: T(v) for k, v in net.state_dict().items()}
    X = rng.standard_normal((8, 4))
    dout = rng.standard_normal((8, 3))
    h = F.linear(torch.tensor(X), sd["0.weight"], sd["0.bias"]).view(8, 5, 2).max(-1).values
    out = F.linear(h, sd["1.weight"], sd["1.bias"])
    out.backward(torch.tensor(dout))
    net.forward(X, train=True)
    net.backward(dout)
    assert_agrees(net(X), out)
    for key, g in net.gradients().items():
        assert_agrees(g, sd[key].grad)


# -- optimizers ----------------------------------------------------------------------------------
OPTIMIZERS = [
    ("sgd", {"lr": 0.1}, torch.optim.SGD, {"lr": 0.1}),
    ("sgd", {"lr": 0.1, "momentum": 0.5}, torch.optim.SGD, {"lr": 0.1, "momentum": 0.5}),
    ("momentum", {"lr": 0.1}, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9}),
    ("nesterov", {"lr": 0.1}, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("adagrad", {"lr": 0.1}, torch.optim.Adagrad, {"lr": 0.1}),
    ("adagrad", {"lr": 0.1, "initial_accumulator_value": 0.2, "eps": 1e-6}, torch.optim.Adagrad,
     {"lr": 0.1, "initial_accumulator_value": 0.2, "eps": 1e-6}),
    ("rmsprop", {"lr": 0.01}, torch.optim.RMSprop, {"lr": 0.01}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.9, "alpha": 0.9}, torch.optim.RMSprop,
     {"lr": 0.01, "momentum": 0.9, "alpha": 0.9}),
    ("adam", {"lr": 0.01}, torch.optim.Adam, {"lr": 0.01}),
    ("adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6}, torch.optim.Adam,
     {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6}),
]
OPT_IDS = [f"{name}-{'-'.join(map(str, kw.values()))}" for name, kw, _, _ in OPTIMIZERS]


@pytest.mark.parametrize("name,kwargs,torch_cls,torch_kwargs", OPTIMIZERS, ids=OPT_IDS)
def test_ten_steps_on_the_same_gradients(name, kwargs, torch_cls, torch_kwargs, rng):
    net = lw.Network([4, 5, 3], dtype=np.float64, seed=0)
    p = torch.tensor(net.flat_params.copy(), requires_grad=True)
    opt = lw.optim.get(name, net, **kwargs)
    topt = torch_cls([p], **torch_kwargs)
    for _ in range(10):
        g = rng.standard_normal(net.flat_params.shape) * rng.choice([1e-3, 1.0, 10.0])
        g[:3] = 0.0  # parameters that get no gradient must still follow the same state
        net.flat_grads[:] = g
        opt.step()
        p.grad = torch.tensor(g)
        topt.step()
        assert_agrees(net.flat_params, p)


@pytest.mark.parametrize("name,kwargs,torch_cls,torch_kwargs", OPTIMIZERS, ids=OPT_IDS)
def test_ten_training_steps_match_torch(name, kwargs, torch_cls, torch_kwargs, rng):
    """The whole loop: forward, loss, backward, step, with real gradients that depend on the
    parameters, against the same loop in PyTorch."""
    net = lw.Network([4, 6, 3], activation="tanh", dtype=np.float64, seed=1)
    seq = torch_sequential(net)
    X, y = rng.standard_normal((16, 4)), rng.integers(0, 3, 16)
    opt = lw.optim.get(name, net, **kwargs)
    topt = torch_cls(seq.parameters(), **torch_kwargs)
    for _ in range(10):
        _, d = lw.losses.get("softmax")(net.forward(X, train=True), y)
        net.backward(d, input_grad=False)
        opt.step()
        topt.zero_grad()
        F.cross_entropy(seq(torch.tensor(X)), torch.tensor(y)).backward()
        topt.step()
    for key, value in seq.state_dict().items():
        assert_agrees(net.state_dict()[key], value)


@pytest.mark.parametrize("cls,torch_cls", [(lw.optim.SGD, torch.optim.SGD),
                                           (lw.optim.Adagrad, torch.optim.Adagrad),
                                           (lw.optim.RMSprop, torch.optim.RMSprop),
                                           (lw.optim.Adam, torch.optim.Adam)])
def test_defaults_are_torchs(cls, torch_cls):
    ours = inspect.signature(cls.__init__).parameters
    theirs = inspect.signature(torch_cls.__init__).parameters
    shared = [k for k in ours if k not in ("self", "net")]
    assert "lr" in shared
    for key in shared:
        assert ours[key].default == theirs[key].default, key


# -- schedules ------------------------------------------------------------------------------------
def lr_sequence(torch_sched_cls, epochs, **kwargs):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.5)
    sched = torch_sched_cls(opt, **kwargs)
    lrs = []
    for _ in range(epochs):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(lrs)


@pytest.mark.parametrize("ours,torch_cls,torch_kwargs,epochs", [
    (lw.optim.StepDecay(step_size=3, gamma=0.5), "StepLR", {"step_size": 3, "gamma": 0.5}, 12),
    (lw.optim.ExponentialDecay(gamma=0.9), "ExponentialLR", {"gamma": 0.9}, 12),
    (lw.optim.CosineDecay(total=10), "CosineAnnealingLR", {"T_max": 10}, 11),
    (lw.optim.CosineDecay(total=8, min_factor=0.1), "CosineAnnealingLR",
     {"T_max": 8, "eta_min": 0.05}, 9),
])
def test_schedules(ours, torch_cls, torch_kwargs, epochs):
    theirs = lr_sequence(getattr(torch.optim.lr_scheduler, torch_cls), epochs, **torch_kwargs)
    mine = np.array([0.5 * ours(e) for e in range(epochs)])
    # torch updates the cosine recursively; absolute agreement relative to the base rate
    np.testing.assert_allclose(mine, theirs, rtol=TOL, atol=TOL * 0.5)
