"""The benchmark harness runs end to end and reports well-formed results.

Speed is never asserted here: the harness measures it, and benchmarks/RESULTS.md records it.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import cases, report, timing
from benchmarks.__main__ import main, parse_args

ROOT = Path(__file__).resolve().parents[1]


# -- the harness, end to end --------------------------------------------------------------------
@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One ``python -m benchmarks --quick`` run, with the OpenBLAS overrides set so that the
    re-execution without them is exercised too."""
    out = tmp_path_factory.mktemp("bench")
    env = dict(os.environ, OPENBLAS_CORETYPE="Haswell", OPENBLAS_L2_SIZE="512")
    env.pop("LAYERWISE_BENCH_REMOVED", None)
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out / "r.json"),
         "--markdown", str(out / "r.md")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc, json.loads((out / "r.json").read_text()), (out / "r.md").read_text()


def test_quick_run_measures_every_case_and_contender(quick_run):
    _, result, _ = quick_run
    assert result["quick"] is True
    groups = {c["group"] for c in result["cases"]}
    assert groups == {"headline", "deep", "tiny", "inference"}
    assert len(result["cases"]) == len(cases.cases(quick=True))
    for case in result["cases"]:
        assert "layerwise" in case["contenders"]
        for name, c in case["contenders"].items():
            assert c["samples_per_s"] > 0 and c["us_per_step"] > 0, (case["case"], name)
            assert len(c["times"]) == result["repeats"]
            assert c["units_per_block"] >= 1
            if case["group"] == "tiny":
                assert c["gflops"] is None
            else:
                assert c["gflops"] > 0 and 0 < c["percent_of_peak"]
        # every other contender has a ratio: the median over repeats of its time / layerwise's
        mine = case["contenders"]["layerwise"]["times"]
        assert set(case["ratios"]) == set(case["contenders"]) - {"layerwise"}
        for name, ratio in case["ratios"].items():
            per_repeat = sorted(a / b for a, b in zip(case["contenders"][name]["times"], mine))
            assert ratio == pytest.approx(per_repeat[len(per_repeat) // 2])
    assert result["peak"]["peak"] == max(result["peak"]["gflops"].values()) > 0


def test_quick_run_reexecutes_without_the_blas_overrides(quick_run):
    _, result, _ = quick_run
    machine = result["machine"]
    assert machine["blas_overrides_removed"] == {"OPENBLAS_CORETYPE": "Haswell",
                                                 "OPENBLAS_L2_SIZE": "512"}
    assert machine["blas_overrides_set"] == {}  # the measuring process ran without them
    assert machine["cpu"] and machine["cores"] >= 1 and machine["versions"]["numpy"]


def test_quick_run_writes_the_tables(quick_run):
    proc, result, md = quick_run
    assert md.strip() in proc.stdout
    for heading in ("## Machine", "## Speed", "## Targets", "## Training to accuracy"):
        assert heading in md
    speed_rows = [line for line in md.splitlines()
                  if line.startswith("| ") and any(line.startswith(f"| {c['case']} |")
                                                   for c in result["cases"])]
    expected = sum(len(c["contenders"]) for c in result["cases"])
    assert len(speed_rows) == expected
    assert all(line.count("|") == 8 for line in speed_rows)
    fits = result["fits"]
    assert fits and all(0 <= c["test_accuracy"] <= 1 and c["seconds"] > 0
                        for f in fits for c in f["contenders"].values())


# -- pieces ---------------------------------------------------------------------------------------
def test_flops_are_counted_honestly():
    train = cases.Case("headline", (3072, 100, 10), 256, 1000)
    # forward and dW for both layers, dX for the second only
    assert train.flops_per_sample == 2 * 3072 * 100 * 2 + 2 * 100 * 10 * 3
    infer = cases.Case("inference", (3072, 100, 10), 1024, 1000, kind="infer")
    assert infer.flops_per_sample == 2 * (3072 * 100 + 100 * 10)
    assert cases.Case("tiny", (2, 20, 2), 10, 105).steps == 11


def test_every_target_of_the_issue_is_checked():
    targets = {(c.group, c.sizes, c.batch): c.targets for c in cases.cases()}
    assert targets[("headline", cases.CIFAR, 256)] == {"torch": 1.3, "sklearn": 1.3}
    assert targets[("deep", cases.DEEP, 256)] == {"torch": 1.2}
    assert targets[("inference", cases.CIFAR, 1024)] == {"torch": 1.25}
    for sizes in ((2, 20, 2), (2, 3, 2)):
        tiny = targets[("tiny", sizes, 10)]
        assert tiny["torch-1thread"] == 7.0 and tiny["sklearn"] == tiny["sklearn-per-step"] == 40


class _Counter:
    def __init__(self, name):
        self.name, self.calls = name, 0

    def unit(self):
        self.calls += 1


def test_measure_interleaves_blocks_and_takes_medians():
    a, b = _Counter("a"), _Counter("b")
    out = timing.measure([a, b], repeats=3, block_seconds=0.001, pause=0.0)
    assert set(out) == {"a", "b"}
    for name, c in (("a", a), ("b", b)):
        k = out[name]["units_per_block"]
        assert c.calls == 1 + 3 * k  # one warm-up unit, then three blocks
        assert len(out[name]["times"]) == 3
        assert out[name]["median"] == sorted(out[name]["times"])[1]


def test_target_table_says_which_targets_are_met():
    rows = report.target_table([{"case": "x", "targets": {"torch": 1.3, "sklearn": 1.3},
                                 "ratios": {"torch": 1.5, "sklearn": 1.1}}])
    assert any("PyTorch" in r and "| yes |" in r for r in rows)
    assert any("scikit-learn" in r and "**no**" in r for r in rows)


def test_options_are_checked():
    args = parse_args(["--quick", "--only", "tiny", "--contenders", "layerwise"])
    assert args.quick and args.only == ["tiny"] and args.contenders == ["layerwise"]
    with pytest.raises(SystemExit):
        parse_args(["--only", "nonsense"])
    with pytest.raises(SystemExit):
        main(["--repeats", "0", "--keep-blas-env"])


def test_the_before_after_fit_child_times_a_fit_and_scores_it():
    from benchmarks import before_after

    case = dict(before_after._fit_cases()[0], epochs=1)
    assert case["dataset"] == "digits"
    root = Path(before_after.__file__).resolve().parent.parent
    out = before_after._run_child(root, before_after._FIT_CHILD, [json.dumps([case]), "1"],
                                  compiled=True)
    assert out["digits"] > 0 and 0.5 < out["digits accuracy"] <= 1.0
