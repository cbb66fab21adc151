"""Optimizers against their formulas written out by hand, their checkpoints, and the schedules.
(The same optimizers against ``torch.optim`` are in test_oracle_torch.py.)"""
import math

import numpy as np
import pytest

import layerwise as lw
from layerwise import optim


@pytest.fixture
def net():
    return lw.Network([3, 4, 2], dtype=np.float64, seed=0)


def run(opt, net, grads):
    for g in grads:
        net.flat_grads[:] = g
        opt.step()
    return net.flat_params.copy()


def grads_for(net, rng, steps=3):
    return [rng.standard_normal(net.flat_params.shape) for _ in range(steps)]


def test_sgd(net, rng):
    p0, gs = net.flat_params.copy(), grads_for(net, rng)
    got = run(optim.SGD(net, lr=0.1), net, gs)
    np.testing.assert_allclose(got, p0 - 0.1 * sum(gs), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_by_hand(net, rng, nesterov):
    p, gs, v = net.flat_params.copy(), grads_for(net, rng), None
    for g in gs:
        v = g.copy() if v is None else 0.9 * v + g
        p = p - 0.1 * ((g + 0.9 * v) if nesterov else v)
    cls = optim.Nesterov if nesterov else optim.Momentum
    np.testing.assert_allclose(run(cls(net, lr=0.1), net, gs), p, rtol=1e-13)


def test_adagrad_by_hand(net, rng):
    p, gs, s = net.flat_params.copy(), grads_for(net, rng), 0.0
    for g in gs:
        s = s + g * g
        p = p - 0.1 * g / (np.sqrt(s) + 1e-10)
    np.testing.assert_allclose(run(optim.Adagrad(net, lr=0.1), net, gs), p, rtol=1e-13)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_rmsprop_by_hand(net, rng, momentum):
    p, gs, s, buf = net.flat_params.copy(), grads_for(net, rng), 0.0, 0.0
    for g in gs:
        s = 0.99 * s + 0.01 * g * g
        step = g / (np.sqrt(s) + 1e-8)
        buf = momentum * buf + step
        p = p - 0.01 * (buf if momentum else step)
    got = run(optim.RMSprop(net, lr=0.01, momentum=momentum), net, gs)
    np.testing.assert_allclose(got, p, rtol=1e-13)


def test_adam_by_hand(net, rng):
    p, gs, m, v = net.flat_params.copy(), grads_for(net, rng), 0.0, 0.0
    for t, g in enumerate(gs, start=1):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        p = p - 0.001 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    np.testing.assert_allclose(run(optim.Adam(net), net, gs), p, rtol=1e-13)


def test_adam_first_step_moves_every_weight_by_about_lr(net, rng):
    p0 = net.flat_params.copy()
    run(optim.Adam(net, lr=0.01), net, grads_for(net, rng, steps=1))
    np.testing.assert_allclose(np.abs(net.flat_params - p0), 0.01, rtol=1e-5)


@pytest.mark.parametrize("name", list(optim.OPTIMIZERS))
def test_steps_update_the_network_in_place(name, net, rng):
    params = net.flat_params
    weight = net.layers[0].weight
    before = weight.copy()
    opt = optim.get(name, net, lr=0.1)
    run(opt, net, grads_for(net, rng, 1))
    assert net.flat_params is params and not np.array_equal(weight, before)
    assert opt.t == 1


@pytest.mark.parametrize("name", list(optim.OPTIMIZERS))
def test_state_dict_resumes_exactly(name, rng):
    gs = grads_for(lw.Network([3, 4, 2], seed=0), rng, steps=6)
    a = lw.Network([3, 4, 2], dtype=np.float64, seed=0)
    opt_a = optim.get(name, a, lr=0.05)
    run(opt_a, a, gs)

    b = lw.Network([3, 4, 2], dtype=np.float64, seed=0)
    opt_b = optim.get(name, b, lr=0.05)
    run(opt_b, b, gs[:3])
    saved, weights = opt_b.state_dict(), b.state_dict()
    c = lw.Network([3, 4, 2], dtype=np.float64, seed=9).load_state_dict(weights)
    opt_c = optim.get(name, c, lr=0.05).load_state_dict(saved)
    run(opt_c, c, gs[3:])
    assert np.array_equal(a.flat_params, c.flat_params)
    assert opt_c.t == 6


def test_get_passes_options_and_defaults(net):
    assert isinstance(optim.get("nesterov", net), optim.SGD)
    opt = optim.get("rmsprop", net, lr=0.5, momentum=0.3)
    assert (opt.lr, opt.momentum, opt.alpha) == (0.5, 0.3, 0.99)
    assert optim.get("adam", net).lr == 0.001
    assert optim.get(opt, net) is opt
    # NumPy scalars are learning rates too (grid searches produce them)
    assert optim.get("sgd", net, lr=np.float32(0.25)).lr == 0.25


# -- schedules ----------------------------------------------------------------------------------
def test_schedules():
    step = optim.StepDecay(step_size=10, gamma=0.1)
    assert [step(e) for e in (0, 9, 10, 25)] == [1.0, 1.0, pytest.approx(0.1),
                                                 pytest.approx(0.01)]
    exp = optim.ExponentialDecay(0.5)
    assert [exp(e) for e in range(4)] == [1.0, 0.5, 0.25, 0.125]
    cos = optim.CosineDecay(total=100, min_factor=0.1)
    assert cos(0) == 1.0 and cos(50) == pytest.approx(0.55) and cos(100) == pytest.approx(0.1)
    assert cos(150) == cos(100)  # stays at the floor after the end
    assert cos(25) == pytest.approx(0.1 + 0.9 * (1 + math.cos(math.pi / 4)) / 2)


def test_get_schedule():
    assert optim.get_schedule(None) is None
    assert isinstance(optim.get_schedule("cosine"), optim.CosineDecay)

    def halve(epoch):
        return 0.5

    assert optim.get_schedule(halve) is halve
    with pytest.raises(ValueError, match=r"unknown schedule 'linear'.*step, exponential, cosine"):
        optim.get_schedule("linear")
