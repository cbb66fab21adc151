"""The fit-comparison benchmark of the scikit-learn face runs, and its table reads right."""
import pytest

pytest.importorskip("sklearn")

from benchmarks import sklearn_fit  # noqa: E402


def test_quick_run_and_table():
    rows = sklearn_fit.run(quick=True, pause=0.0)
    assert [r["dataset"] for r in rows] == ["digits"]
    row = rows[0]
    lw_, sk = row["contenders"]["layerwise"], row["contenders"]["sklearn"]
    # the same seed gives the same fit: the scores agree
    assert lw_["score"] == pytest.approx(sk["score"], abs=1e-9)
    assert all(t > 0 for t in lw_["seconds"] + sk["seconds"]) and row["speedup_median"] > 0
    text = sklearn_fit.table(rows)
    assert text.count("\n") == 2 and "| digits (accuracy, 1 seeds) |" in text


def test_full_cases_are_the_issues_settings():
    mnist1d = {c.dataset: c for c in sklearn_fit.cases()}["mnist1d"]
    assert mnist1d.params == dict(hidden_layer_sizes=(100, 100), alpha=1e-4, batch_size=100,
                                  max_iter=100)


def test_first_fit_table_reads_right():
    costs = {"compiled, empty cache": {"import_and_data_s": 1.25, "first_fit_s": 30.0,
                                       "second_fit_s": 0.2},
             "NumPy engine": {"import_and_data_s": 1.0, "first_fit_s": 0.4, "second_fit_s": 0.3}}
    lines = sklearn_fit.first_fit_table(costs).splitlines()
    assert len(lines) == 4
    assert lines[2] == "| compiled, empty cache | 1.25 | 30.00 | 0.20 |"
    assert lines[3].startswith("| NumPy engine | 1.00 | 0.40 |")
