"""The lab: runner, report, results.json, the Dask path, failures, and experiments 1-7's rules."""
import json
import re
import sys
import types

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from layerwise.lab import core, report, runner  # noqa: E402
from layerwise.lab.experiments import e02_forgetting, e05_saturation  # noqa: E402
from layerwise.lab.experiments import e06_zero_centred, e07_relu_speed  # noqa: E402

MINE = ["e01", "e02", "e03", "e04", "e05", "e06"]
DASK_SUBSET = ["e02", "e03", "e06"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One quick run of experiments 1-6 on joblib's pool (two processes); e07's quick run is
    too long for the suite, its rules are checked on made-up results below."""
    out = tmp_path_factory.mktemp("lab")
    rc = runner.main(["--quick", "--only", *MINE, "--out", str(out), "--jobs", "2",
                      "--no-progress"])
    return rc, out, json.loads((out / "results.json").read_text())


def test_quick_run_writes_complete_results(quick_run, capsys):
    rc, out, doc = quick_run
    assert rc == 0, doc["meta"]["failed"]
    assert set(doc) == {"claims", "sections", "meta"}
    assert [s["module"] for s in doc["sections"]] == [
        "e01_neuron", "e02_forgetting", "e03_wiggle", "e04_activations", "e05_saturation",
        "e06_zero_centred"]
    assert all(s["status"] == "ok" for s in doc["sections"])
    assert len(doc["claims"]) >= 12
    for c in doc["claims"]:
        assert set(c) >= {"id", "kind", "quote", "rule", "measured", "interval", "verdict",
                          "seeds", "figures", "source"}
        assert c["verdict"] in core.VERDICTS and c["kind"] in core.KINDS
        assert core.in_notes(c["quote"]), c["quote"]
        assert c["source"].startswith("layerwise/lab/experiments/e0")
        assert any(ch.isdigit() for ch in c["measured"]), c
        assert c["figures"] and all((out / f).is_file() and (out / f).stat().st_size > 5000
                                    for f in c["figures"])
    ids = [c["id"] for c in doc["claims"]]
    assert len(ids) == len(set(ids))
    assert doc["meta"]["quick"] is True and doc["meta"]["failed"] == []


def test_report_page_shows_every_claim_and_figure(quick_run):
    _, out, doc = quick_run
    page = (out / "index.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    for c in doc["claims"]:
        assert c["id"] in page
    for s in doc["sections"]:
        for f in s["figures"]:
            assert f'src="{f}"' in page
        for row in s["table"]["rows"]:
            assert str(row[0]) in page or report.fmt(row[0]) in page
    for verdict in {c["verdict"] for c in doc["claims"]}:
        assert report.BADGES[verdict][2] in page  # the verdict in words, not colour alone


def test_verdicts_follow_the_measured_numbers(quick_run):
    """The verdicts the page shows are the ones the modules' rules give for the numbers."""
    _, _, doc = quick_run
    by_id = {c["id"]: c for c in doc["claims"]}
    sec = {s["id"]: s for s in doc["sections"]}
    # e02: round-off only -> supported
    assert sec["forgetting"]["numbers"]["max_rel_dev"] < 1e-9
    assert by_id["forgetting.decay"]["verdict"] == "supported"
    # e03: the collapse holds to round-off
    assert sec["wiggle"]["numbers"]["max_collapse_err"] < 1e-12
    assert by_id["wiggle.collapse"]["verdict"] == "supported"
    # e04: the identity holds to round-off
    assert sec["activations"]["numbers"]["identity_err"] < 1e-12
    # an experiment's verdict is its stated rule applied to its interval
    from layerwise.lab.experiments import e03_wiggle

    spiral = by_id["wiggle.spiral"]
    assert spiral["kind"] == "experiment" and spiral["rule"] == e03_wiggle.WIGGLE_RULE.text
    assert spiral["verdict"] == e03_wiggle.WIGGLE_RULE(spiral["interval"])
    assert by_id["wiggle.collapse"]["kind"] == "identity"


def test_dask_cluster_gives_the_same_results(quick_run, tmp_path):
    distributed = pytest.importorskip("distributed")
    _, _, local = quick_run
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  host="127.0.0.1", protocol="tcp://",
                                  dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        rc = runner.main(["--quick", "--only", *DASK_SUBSET, "--out", str(tmp_path),
                          "--scheduler", address, "--no-progress"])
    assert rc == 0
    remote = json.loads((tmp_path / "results.json").read_text())
    assert remote["meta"]["scheduler"] == address
    wanted = {s["module"] for s in remote["sections"]}
    assert len(wanted) == len(DASK_SUBSET)

    def strip(doc):
        secs = [{k: s[k] for k in ("id", "claims", "table", "numbers", "figures")}
                for s in doc["sections"] if s["module"] in wanted]
        claims = [c for c in doc["claims"] if c["section"] in {s["id"] for s in secs}]
        return secs, claims

    # Trained numbers agree bit for bit; round-off-level diagnostics (errors of 1e-16) may differ
    # in their last digit, because OpenBLAS's summation order for a large product can depend
    # on its thread pool's history in the process. Hence a tolerance of 1e-12, absolute.
    assert_same(strip(remote), strip(local))
    assert [c["verdict"] for c in strip(remote)[1]] == [c["verdict"] for c in strip(local)[1]]


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def assert_same(a, b, path="", rel=1e-9, abs_=1e-12):
    """Equal structure and text; numbers (also inside strings) equal within the tolerance."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and sorted(a) == sorted(b), path
        for k in a:
            assert_same(a[k], b[k], f"{path}.{k}", rel, abs_)
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]", rel, abs_)
    elif isinstance(a, str):
        assert isinstance(b, str) and _NUMBER.sub("#", a) == _NUMBER.sub("#", b), (path, a, b)
        for x, y in zip(_NUMBER.findall(a), _NUMBER.findall(b)):
            assert float(x) == pytest.approx(float(y), rel=rel, abs=abs_), (path, a, b)
    elif isinstance(a, float) and not isinstance(a, bool):
        assert b == pytest.approx(a, rel=rel, abs=abs_, nan_ok=True), (path, a, b)
    else:
        assert a == b, (path, a, b)


def test_a_missing_or_failing_experiment_is_reported_not_fatal(tmp_path, monkeypatch):
    broken = types.ModuleType("layerwise.lab.experiments.e98_broken")
    broken.ID, broken.TITLE, broken.SEED_REF, broken.CLAIM = "broken", "Broken", "-", "x"
    broken.tasks = lambda quick, seed: [{"n": 1}, {"n": 2}]

    def run_task(n):
        if n == 2:
            raise ArithmeticError("task two fails")
        return {"n": n}

    broken.run_task = run_task
    broken.summarize = lambda results, out, quick: None
    monkeypatch.setitem(sys.modules, broken.__name__, broken)
    monkeypatch.setattr(runner, "MODULES", ["e02_forgetting", "e98_broken", "e99_missing"])
    rc = runner.main(["--quick", "--out", str(tmp_path), "--jobs", "1", "--no-progress"])
    assert rc == 1
    doc = json.loads((tmp_path / "results.json").read_text())
    status = {s["module"]: s for s in doc["sections"]}
    assert status["e02_forgetting"]["status"] == "ok"
    assert status["e98_broken"]["status"] == "failed"
    assert "task two fails" in status["e98_broken"]["error"]
    assert status["e98_broken"]["stage"].startswith("run (1 of 2")
    assert status["e99_missing"]["status"] == "failed"
    assert "No module named" in status["e99_missing"]["error"]
    assert sorted(doc["meta"]["failed"]) == ["e98_broken", "e99_missing"]
    assert {c["section"] for c in doc["claims"]} == {"forgetting"}
    page = (tmp_path / "index.html").read_text()
    assert "e99_missing" in page and report.BADGES["failed"][2] in page


def test_summarize_must_return_a_section(tmp_path, monkeypatch):
    bad = types.ModuleType("layerwise.lab.experiments.e97_bad")
    bad.tasks = lambda quick, seed: [{}]
    bad.run_task = lambda: {"x": np.float64(1.5), "a": np.arange(3)}  # NumPy values are fine
    bad.summarize = lambda results, out, quick: {"not": "a section"}
    monkeypatch.setitem(sys.modules, bad.__name__, bad)
    monkeypatch.setattr(runner, "MODULES", ["e97_bad"])
    doc = runner.run_lab(["e97_bad"], tmp_path, quick=True, jobs=1, show_progress=False)
    (sec,) = doc["sections"]
    assert sec["status"] == "failed" and sec["stage"] == "summarize"
    assert "Section" in sec["error"]


def test_run_one_returns_json_values_and_catches_errors():
    ok = runner.run_one("e02_forgetting", {"lr": 0.5, "reg": 0.1, "steps": 5, "seed": 0})
    assert ok["ok"] and len(ok["result"]["norms"]) == 6
    assert all(isinstance(v, float) for v in ok["result"]["norms"])
    bad = runner.run_one("e02_forgetting", {"no_such_argument": 1})
    assert not bad["ok"] and "TypeError" in bad["error"]


def test_only_selects_by_number_module_or_id_and_rejects_unknown():
    assert runner.select(["e02"]) == ["e02_forgetting"]
    assert runner.select(["e04_activations", "neuron"]) == ["e01_neuron", "e04_activations"]
    assert runner.select(["relu_speed"]) == ["e07_relu_speed"]
    assert runner.select(None)[:2] == ["e01_neuron", "e02_forgetting"]
    with pytest.raises(ValueError, match="unknown experiment 'nope'"):
        runner.select(["nope"])
    with pytest.raises(SystemExit) as e:
        runner.main(["--only", "nope", "--no-progress"])
    assert e.value.code == 2


def test_call_tasks_passes_options_only_to_tasks_that_name_them():
    seen = {}
    named = types.SimpleNamespace(tasks=lambda quick, seed, cifar10=None: seen.setdefault(
        "named", (quick, seed, cifar10)) and [])
    plain = types.SimpleNamespace(tasks=lambda quick, seed: seen.setdefault("plain", 1) and [])
    anyk = types.SimpleNamespace(tasks=lambda quick, seed, **kw: seen.setdefault("any", kw) and [])
    for m in (named, plain, anyk):
        core.call_tasks(m, True, 3, cifar10="/data/cifar")
    assert seen == {"named": (True, 3, "/data/cifar"), "plain": 1,
                    "any": {"cifar10": "/data/cifar"}}


def test_report_escapes_text_and_formats_numbers():
    doc = {"meta": {"quick": False, "seed": 0, "seconds": 1.0, "failed": []},
           "claims": [{"id": "x.y", "claim": "a <b> & c", "measured": "1 < 2",
                       "verdict": "partly", "figures": [], "section": "x"}],
           "sections": [{"id": "x", "module": "e00_x", "status": "ok", "title": "T <t>",
                         "seed_ref": "", "method": "m", "figures": [],
                         "claims": [{"id": "x.y", "claim": "a <b> & c", "measured": "1 < 2",
                                     "verdict": "partly", "why": "because", "figures": []}],
                         "table": {"columns": ["n", "v"], "rows": [[1234567, 0.000123456]]},
                         "numbers": {}}]}
    page = report.render(doc)
    assert "a &lt;b&gt; &amp; c" in page and "<b> &" not in page
    assert "1,234,567" in page and "0.000123" in page
    assert report.fmt(float("inf")) == "∞" and report.fmt(None) == "—"
    assert report.fmt(True) == "yes" and report.fmt(0.5) == "0.5"


def test_summary_table_lists_claims_and_failures():
    doc = {"meta": {"failed": ["e09_x"], "seconds": 3.0},
           "claims": [{"id": "a.b", "kind": "experiment", "claim": "claim text " * 8,
                       "measured": "m " * 40, "verdict": "not supported"}],
           "sections": [{"status": "failed", "module": "e09_x", "title": "X",
                         "stage": "run", "error": "boom"}]}
    text = runner.summary_table(doc, width=100)
    assert all(len(line) <= 100 for line in text.splitlines())
    assert "not supported" in text and "FAILED" in text and "boom" in text
    flat = " ".join(text.split())
    assert "experiments: 0 supported, 0 partly, 1 not supported, 0 inconclusive" in flat
    assert "1 experiment(s) failed" in flat


# -- the experiments' verdict rules, on made-up numbers --------------------------------------
def test_e02_rule():
    good = {"max_rel_dev": 1e-15, "monotone": True, "bias_moved": 0.0}
    assert e02_forgetting.verdict([good])[0] == "supported"
    # an identity holds or does not: a drift beyond round-off is a failure, never "partly"
    assert e02_forgetting.verdict([dict(good, max_rel_dev=1e-4)])[0] == "not supported"
    assert e02_forgetting.verdict([dict(good, monotone=False)])[0] == "not supported"


def test_e05_rule():
    def init(sat, local, rel):
        return {"per_seed": {"saturated": sat, "local_grad": local, "grad_rel": rel}}

    small = init([0.01, 0.02, 0.01], [0.9, 0.91, 0.89], [1e-2, 1.1e-2, 0.9e-2])
    large = init([0.97, 0.96, 0.98], [0.02, 0.021, 0.019], [3e-5, 3.2e-5, 2.9e-5])

    def runs(moves, losses):
        return [{"seed": s, "w1_change": m, "train_loss": [l]}
                for s, (m, l) in enumerate(zip(moves, losses))]

    curves = {0.1: runs([0.8, 0.81, 0.79], [0.15, 0.16, 0.14]),
              10.0: runs([0.003, 0.0031, 0.0029], [0.4, 0.42, 0.41])}
    assert e05_saturation.verdicts({0.1: small, 10.0: large}, curves)[:3] == ("supported",) * 3
    curves[10.0] = runs([0.003, 0.0031, 0.0029], [0.15, 0.16, 0.14])  # the loss did not rise
    assert e05_saturation.verdicts({0.1: small, 10.0: large}, curves)[2] == "partly"
    assert e05_saturation.verdicts({0.1: small, 10.0: small}, curves)[:2] == (
        "not supported", "not supported")


def test_e06_share_one_sign():
    G = np.array([[1.0, 2.0], [-1.0, -0.5], [1.0, -1.0], [0.0, 0.0]])
    assert e06_zero_centred.share_one_sign(G) == pytest.approx(2 / 3)


def _e07_results(epochs, lrs=(0.01, 0.1, 1.0), seeds=(0, 1, 2)):
    """Made-up e07 results: ``epochs[act][lr]`` epochs to the target (None: not reached)."""
    return [{"net": "2 hidden", "activation": a, "lr": lr, "seed": s, "max_epochs": 30,
             "diverged": False, "curve": [1.0, 0.1],
             "epochs_to_target": None if epochs[a][lr] is None else epochs[a][lr] + s}
            for a in e07_relu_speed.ACTIVATIONS for lr in lrs for s in seeds]


def test_e07_rule_needs_a_bracketed_optimum(tmp_path):
    fast = {0.01: 12, 0.1: 4, 1.0: 9}
    slow = {0.01: 90, 0.1: 60, 1.0: 80}
    res = _e07_results({"relu": fast, "tanh": slow, "sigmoid": slow})
    best, groups = e07_relu_speed.best_rates(res)
    assert best[("2 hidden", "relu")] == 0.1
    v, m, _ = e07_relu_speed.judge(best, groups, "2 hidden", "tanh")
    assert v == "supported" and m > 4
    # tanh's best rate at the grid's edge: the optimum was not bracketed
    edge = {0.01: 40, 0.1: 35, 1.0: 30}
    res = _e07_results({"relu": fast, "tanh": edge, "sigmoid": slow})
    best, groups = e07_relu_speed.best_rates(res)
    assert e07_relu_speed.judge(best, groups, "2 hidden", "tanh")[0] == "inconclusive"
    section = e07_relu_speed.summarize(res, tmp_path, quick=True)
    assert {c.id: c.verdict for c in section.claims}["relu_speed.factor"] == "inconclusive"
    # not reached counts as one epoch past the limit: a lower bound, never a missing value
    assert e07_relu_speed._epochs({"epochs_to_target": None, "max_epochs": 30}) == 31


def test_e07_trains_with_the_trainer(monkeypatch):
    """No minibatch loop of its own: every step goes through Trainer.run_epoch."""
    import layerwise as lw

    calls = []
    real = lw.Trainer.run_epoch

    def counting(self, X, y):
        calls.append(len(X))
        return real(self, X, y)

    monkeypatch.setattr(lw.Trainer, "run_epoch", counting)
    r = e07_relu_speed.run_task("2 hidden", "relu", 0.03, seed=0, max_epochs=2)
    assert len(calls) == 2 and len(r["curve"]) == 3
    assert r["epochs_to_target"] is None and e07_relu_speed._epochs(r) == 3


def test_one_blas_thread_also_limits_the_compiled_paths_blas():
    # in a fresh interpreter a compiled epoch inside the limit loads SciPy's BLAS (numba's
    # products) for the first time: it too must run one thread
    pytest.importorskip("threadpoolctl")
    from layerwise.engine import compiled

    from conftest import blas_threads_after

    if not compiled.available():
        pytest.skip("the compiled path (numba, SciPy) is not installed")
    libs = blas_threads_after("""
import numpy as np
import layerwise as lw
from layerwise.lab.runner import one_blas_thread
with one_blas_thread():
    X = np.random.default_rng(0).standard_normal((256, 40))
    lw.fit(lw.Network([40, 100, 2], seed=0), X, (X[:, 0] > 0).astype(int), epochs=1,
           batch_size=64, progress=False)
    print(blas_threads())
""")
    assert any("scipy.libs" in path for path, _ in libs), libs
    assert all(n == 1 for _, n in libs), libs


def test_one_blas_thread_restores_the_setting_after_nested_and_threaded_use():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    import threading

    def blas_threads():
        return [i["num_threads"] for i in threadpoolctl.threadpool_info()
                if i["user_api"] == "blas"]

    before = blas_threads()
    seen = []

    def work():
        with runner.one_blas_thread():
            seen.append(blas_threads())

    with runner.one_blas_thread():
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seen.append(blas_threads())
    assert all(all(n == 1 for n in s) for s in seen)
    assert blas_threads() == before


def test_progress_prints_plain_lines_off_a_terminal():
    import io

    stream = io.StringIO()
    p = runner.Progress(2, stream=stream)
    p.update("e02_forgetting", {"ok": True, "seconds": 0.25})
    p.update("e03_wiggle", {"ok": False, "seconds": 1.0})
    p.close()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("[1/2] e02_forgetting") and lines[0].endswith("ok (0.2 s)")
    assert "FAILED" in lines[1]
    quiet = io.StringIO()
    q = runner.Progress(1, stream=quiet, enabled=False)
    q.update("x", {"ok": True, "seconds": 0.0})
    assert quiet.getvalue() == ""
