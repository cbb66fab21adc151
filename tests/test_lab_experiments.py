"""The lab's experiments 8-15: each runs its quick tasks and yields claims with measured numbers,
verdicts and figures; the helpers they measure with are checked on cases with known answers, and
the verdict rules on results that must not support the seed."""
import json
import re

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("sklearn")

import layerwise as lw  # noqa: E402
from layerwise.lab import common, core  # noqa: E402
from layerwise.lab.experiments import load  # noqa: E402

MODULES = ["e08_dying_relu", "e09_architecture", "e10_universal", "e11_capacity",
           "e12_regularization", "e13_minima", "e14_depth", "e15_cifar"]
PNG = b"\x89PNG\r\n\x1a\n"
#: the quick runs made smaller still, for the suite: these tests check structure and rules,
#: the lab's own runs measure
SMALLER = {"e08_dying_relu": {"EPOCHS": 2}, "e10_universal": {"STEPS": 300},
           "e11_capacity": {"STEPS": 300}, "e12_regularization": {"STEPS": 300},
           "e13_minima": {"STEPS": 100}, "e14_depth": {"DATASETS": {"digits": (10_000, 2)}}}


@pytest.fixture(autouse=True)
def one_blas_thread():
    """The lab runs each task with one BLAS thread; so do these tests (two fight on 2 cores)."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        yield


def run_quick(module, out, **options):
    tasks = core.call_tasks(module, True, 0, **options)
    assert tasks and all(isinstance(t, dict) for t in tasks)
    json.dumps(tasks)  # tasks travel to worker processes as JSON-able keyword arguments
    results = [module.run_task(**t) for t in tasks]
    json.dumps(results)
    return module.summarize(results, out, quick=True)


def check_section(section, out):
    assert isinstance(section, core.Section)
    json.dumps(section.to_dict())
    assert section.claims and section.method and section.table["rows"]
    for f in section.figures:
        assert section.captions.get(f), f"figure {f} has no caption"
    for c in section.claims:
        assert c.verdict in core.VERDICTS, c
        assert c.kind in core.KINDS and c.rule
        assert core.in_notes(c.quote), f"{c.id}: not in the notes: {c.quote!r}"
        if c.kind == "experiment" and c.interval is not None and c.verdict != "inconclusive":
            assert all(np.isfinite(c.interval)), c
        assert re.search(r"\d", c.measured), f"{c.id}: no number in {c.measured!r}"
        assert c.why and c.claim
        assert c.figures, f"{c.id} names no figure"
        for f in c.figures + section.figures:
            assert (out / f).read_bytes()[:8] == PNG, f


@pytest.mark.parametrize("name", MODULES)
def test_quick_run_gives_measured_claims_and_figures(name, tmp_path, monkeypatch):
    monkeypatch.delenv("LAYERWISE_CIFAR10", raising=False)
    module = load(name)
    for attr, value in SMALLER.get(name, {}).items():
        monkeypatch.setattr(module, attr, value)
    for attr in ("ID", "TITLE", "CLAIM", "SEED_REF"):
        assert isinstance(getattr(module, attr), str) and getattr(module, attr)
    check_section(run_quick(module, tmp_path), tmp_path)


# -- e09: the seed's counts and forward pass --------------------------------------------------------
def test_architecture_matches_the_seed(tmp_path):
    section = run_quick(load("e09_architecture"), tmp_path)
    assert [c.verdict for c in section.claims] == ["supported"] * 3
    assert section.table["rows"] == [["3-4-2", 2, 6, 20, 6, 26, 26],
                                     ["3-4-4-1", 3, 9, 32, 9, 41, 41]]


def test_seed_forward_is_the_column_form_of_the_net():
    m = load("e09_architecture")
    net = lw.Network([3, 5, 2], activation="tanh", dtype=np.float64, seed=1)
    W = [net.layers[0].weight, net.layers[2].weight]
    b = [net.layers[0].bias, net.layers[2].bias]
    x = np.random.default_rng(0).standard_normal((3, 7))
    np.testing.assert_allclose(m.seed_forward(W, b, x, np.tanh), net.forward(x.T).T, atol=1e-14)


# -- e11/e12: region measures -------------------------------------------------------------------------
def test_region_measures_on_known_grids():
    m = load("e11_capacity")
    checker = np.indices((4, 6)).sum(axis=0) % 2
    assert m.count_regions(checker) == 24
    assert m.boundary_fraction(checker) == 1.0
    flat = np.zeros((5, 5), int)
    assert (m.count_regions(flat), m.boundary_fraction(flat)) == (1, 0.0)
    ring = np.zeros((5, 5), int)
    ring[1:4, 1:4] = 1
    ring[2, 2] = 0  # an island inside an island inside the sea
    assert m.count_regions(ring) == 3


def test_capacity_run_is_deterministic():
    m = load("e11_capacity")
    a = m.run_task(hidden=3, seed=4, steps=50)
    b = m.run_task(hidden=3, seed=4, steps=50)
    assert a == b


def test_regularization_nets_rebuild_with_their_regions():
    m12, m11 = load("e12_regularization"), load("e11_capacity")
    for noise, dropout in ((0.5, 0.0), (0.0, 0.3)):
        r = m12.run_task("x", 20, 0.0, dropout, noise, seed=0, steps=30, keep=True)
        net = common.rebuild(r["config"], r["state"])
        assert m11.region_stats(net) == {"regions": r["regions"], "boundary": r["boundary"]}


# -- e08: pooling of dead fractions -------------------------------------------------------------------
def test_dead_fraction_pooled_by_layer_size():
    m = load("e08_dying_relu")
    for activation in ("relu", "maxout"):
        net = lw.Network([4, 10, 30, 2], activation=activation, seed=0)
        layers = sorted(lw.monitor.dead_fraction(net, np.ones((3, 4))))
        assert m.pooled({layers[0]: 1.0, layers[1]: 0.0}, net) == pytest.approx(0.25)


# -- e10: the first layer spread over the interval ------------------------------------------------------
def test_spread_centres_lie_in_the_interval():
    m = load("e10_universal")
    net = lw.Network([1, 50, 1], activation="sigmoid", seed=0)
    m.spread_centres(net, np.random.default_rng(0))
    w, b = net.layers[0].weight[:, 0], net.layers[0].bias
    centres = -b / w
    assert np.all((centres >= -1) & (centres <= 1)) and np.all(np.abs(w) >= 5)


# -- e13/e14: the verdict rules can say no ---------------------------------------------------------------
def test_minima_verdicts_follow_the_numbers(tmp_path):
    m = load("e13_minima")
    rng = np.random.default_rng(0)
    # the small nets end lower and vary less than the big ones: both claims must fail
    honest = [{"hidden": 2, "steps": 9, "seeds": list(range(20)),
               "loss": list(0.5 + 0.01 * rng.standard_normal(20)), "accuracy": [1.0] * 20},
              {"hidden": 32, "steps": 9, "seeds": list(range(20)),
               "loss": list(0.8 + 0.2 * rng.random(20)), "accuracy": [1.0] * 20}]
    section = m.summarize(honest, tmp_path, quick=True)
    assert [c.verdict for c in section.claims] == ["not supported", "not supported"]
    # and the notes' picture passes: a few bad minima among the small nets
    small = [0.04 + 0.001 * rng.random() for _ in range(15)] + [0.58, 0.59, 0.6, 0.58, 0.6]
    big = list(0.03 + 0.0001 * rng.random(20))
    section = m.summarize([dict(honest[0], loss=small), dict(honest[1], loss=big)], tmp_path,
                          quick=True)
    assert [c.verdict for c in section.claims] == ["supported", "supported"]


def test_band_is_fittable_by_two_units():
    """The e13 task: two ReLU units (one per edge of the band) classify it exactly."""
    m = load("e13_minima")
    X, y = m.band(400, seed=3)
    u = np.array([np.cos(0.6), np.sin(0.6)])
    h = np.maximum(X @ u - m.HALF_WIDTH, 0) + np.maximum(-X @ u - m.HALF_WIDTH, 0)
    assert ((h <= 0).astype(int) == y).all()
    assert np.abs(np.abs(X @ u) - m.HALF_WIDTH).min() > m.MARGIN  # an empty margin
    assert 0.2 < y.mean() < 0.8


def test_depth_verdicts_follow_the_numbers(tmp_path):
    m = load("e14_depth")
    acc = {2: 0.80, 3: 0.90, 4: 0.95, 5: 0.96, 6: 0.97}
    results = [{"dataset": "digits", "depth": d, "seed": s, "width": 10, "params": 1000,
                "epochs": 1, "lr": 1e-3, "val_acc": a + 0.002 * s, "test_acc": a + 0.001 * s}
               for d, a in acc.items() for s in range(3)]
    section = m.summarize(results, tmp_path, quick=True)
    verdicts = {c.id: c.verdict for c in section.claims}
    assert verdicts == {"three-beats-two": "supported", "deeper-rarely-helps": "not supported"}


def test_width_for_meets_the_budget():
    m = load("e14_depth")
    for depth in (2, 3, 4, 5, 6):
        w = m.width_for(depth, 10_000, 64)
        net = lw.Network([64] + [w] * (depth - 1) + [10])
        assert abs(net.num_params - 10_000) / 10_000 < 0.05, (depth, w, net.num_params)


# -- e15: with and without a CIFAR-10 copy --------------------------------------------------------------
def test_cifar_without_data_says_so(tmp_path, monkeypatch):
    monkeypatch.delenv("LAYERWISE_CIFAR10", raising=False)
    section = run_quick(load("e15_cifar"), tmp_path)
    claims = {c.id: c for c in section.claims}
    assert claims["params"].verdict == "supported" and "308,310" in claims["params"].measured
    # a claim whose data are missing is "not measured", never a verdict
    assert claims["accuracy"].verdict == "not measured"
    assert claims["accuracy"].kind == "not measured" and not claims["accuracy"].counted
    assert claims["accuracy"].measured.startswith("not measured")
    assert "CIFAR-10" in claims["accuracy"].why


def test_cifar_with_a_copy_trains_both_models(tmp_path, monkeypatch):
    monkeypatch.delenv("LAYERWISE_CIFAR10", raising=False)
    folder = tmp_path / "cifar"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name in ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4",
                 "data_batch_5", "test_batch"]:
        records = rng.integers(0, 256, (20, 3073), dtype=np.uint8)
        records[:, 0] = rng.integers(0, 10, 20)
        (folder / f"{name}.bin").write_bytes(records.tobytes())
    out = tmp_path / "out"
    out.mkdir()
    section = run_quick(load("e15_cifar"), out, cifar10=str(folder))
    check_section(section, out)
    acc = next(c for c in section.claims if c.id == "accuracy")
    assert "100 training and 20 test images" in acc.measured
    assert "cifar_learning_curves.png" in acc.figures
