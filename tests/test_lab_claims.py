"""The lab's rigour: kinds of claim, quotes of the notes, rules on intervals, tallies that count
experiments only, verdicts that hold across seeds, and the page a learner reads."""
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from layerwise.lab import common, core, report, runner  # noqa: E402
from layerwise.lab.experiments import MODULES, load  # noqa: E402

NOTES = Path(__file__).resolve().parents[1].parent / "shared" / "seed" / "seed-notes.md"


# -- the notes and the quotes -----------------------------------------------------------------
def test_the_shipped_notes_are_the_seed_notes():
    if not NOTES.is_file():
        pytest.skip("the seed notes are not beside this checkout")
    assert core.NOTES.read_text(encoding="utf-8") == NOTES.read_text(encoding="utf-8")


def test_every_quote_of_every_experiment_is_in_the_notes():
    """Every QUOTE* constant of every experiment, word for word (whitespace aside)."""
    seen = 0
    for name in MODULES:
        m = load(name)
        for attr in dir(m):
            if attr.startswith("QUOTE"):
                assert core.in_notes(getattr(m, attr)), f"{name}.{attr}: {getattr(m, attr)!r}"
                seen += 1
    assert seen >= 30


def test_in_notes_needs_the_words_not_a_paraphrase():
    assert core.in_notes("The non-linearity is where we get the wiggle.")
    assert core.in_notes("The   non-linearity is where\nwe get the wiggle.")  # whitespace aside
    assert not core.in_notes("The non-linearity is where the wiggle is.")
    assert not core.in_notes("")


# -- claims ---------------------------------------------------------------------------------------
def _claim(**kw):
    base = {"id": "x", "claim": "c", "measured": "m", "verdict": "supported",
            "kind": "experiment", "quote": "q", "rule": "r"}
    return core.Claim(**{**base, **kw})


def test_claims_need_a_kind_a_quote_and_a_rule():
    with pytest.raises(ValueError, match="kind must be one of"):
        _claim(kind="guess")
    with pytest.raises(ValueError, match="quote it tests and its rule"):
        _claim(quote=" ")
    with pytest.raises(ValueError, match="quote it tests and its rule"):
        _claim(rule="")
    with pytest.raises(ValueError, match="an identity is supported or not supported"):
        _claim(kind="identity", verdict="partly")
    with pytest.raises(ValueError, match="'not measured'"):
        _claim(verdict="not measured")
    assert _claim(kind="not measured", verdict="not measured").counted is False
    assert _claim().counted and not _claim(kind="identity").counted


def test_tallies_count_experiments_only():
    claims = [{"kind": "experiment", "verdict": "supported"},
              {"kind": "experiment", "verdict": "inconclusive"},
              {"kind": "identity", "verdict": "supported"},
              {"kind": "identity", "verdict": "supported"},
              {"kind": "not measured", "verdict": "not measured"}]
    t = core.tallies(claims)
    assert t["experiments"] == {"supported": 1, "partly": 0, "not supported": 0,
                                "inconclusive": 1}
    assert t["identities"] == {"supported": 2, "not supported": 0}
    assert t["not measured"] == 1


# -- rules and intervals ----------------------------------------------------------------------------
def test_rule_reads_the_interval_not_the_point():
    r = common.Rule("q", supported=4.0, partly=1.25)
    assert r([4.0, 9.0]) == "supported"
    assert r([3.9, 9.0]) == "inconclusive"  # straddles 4
    assert r([1.3, 3.9]) == "partly"
    assert r([1.0, 1.2]) == "not supported"
    assert r([1.0, 1.3]) == "inconclusive"
    assert r([-math.inf, math.inf]) == "inconclusive"
    assert r([math.nan, math.nan]) == "inconclusive"
    low = common.Rule("q", supported=0.25, partly=1.0, higher=False)
    assert [low(iv) for iv in ([0.0, 0.2], [0.3, 0.9], [1.1, 2.0], [0.2, 0.3])] == [
        "supported", "partly", "not supported", "inconclusive"]
    one = common.Rule("q", supported=0.0)
    assert [one(iv) for iv in ([0.1, 0.2], [-0.2, -0.1], [-0.1, 0.1])] == [
        "supported", "not supported", "inconclusive"]
    # the text says what the code does, cut-offs included
    assert "at or above 4" in r.text and "[1.25, 4)" in r.text and "inconclusive" in r.text


def test_interval_is_the_t_interval_and_needs_three_values():
    m, (lo, hi) = common.interval([1.0, 2.0, 3.0, 4.0, 5.0])
    assert m == 3.0 and (hi - lo) / 2 == pytest.approx(2.776 * np.std([1, 2, 3, 4, 5], ddof=1)
                                                       / math.sqrt(5))
    assert common.interval([1.0, 1.0])[1] == [-math.inf, math.inf]
    assert common.interval([1.0, math.inf, 2.0])[1] == [-math.inf, math.inf]
    assert common.t975(30) == 2.042 and 1.96 < common.t975(100) < 1.99
    with pytest.raises(ValueError, match="got 0"):
        common.t975(0)


def test_combine_and_seed_sets():
    assert common.combine(["supported", "partly"]) == "partly"
    assert common.combine(["not supported", "not supported"]) == "not supported"
    assert common.combine(["supported", "inconclusive"]) == "inconclusive"
    assert not set(common.seeds_for(0, 5)) & set(common.seeds_for(1, 5))


# -- the same verdict from two seeds -------------------------------------------------------------
def test_a_cheap_experiment_gives_the_same_verdict_from_two_seeds(tmp_path):
    """e01's experiment, full size (five seeds each), from --seed 0 and --seed 1: disjoint
    seed sets, the same verdicts."""
    m = load("e01_neuron")
    verdicts = []
    for seed in (0, 1):
        tasks = [t for t in core.call_tasks(m, False, seed) if t["kind"] == "train"]
        forward = m.run_task(kind="forward", seed=seed, n=50)
        results = [forward] + [m.run_task(**t) for t in tasks]
        section = m.summarize(results, tmp_path, quick=False)
        c = next(c for c in section.claims if c.kind == "experiment")
        assert len(c.seeds) >= 5 and all(np.isfinite(c.interval))
        verdicts.append(c.verdict)
    assert verdicts[0] == verdicts[1] != "inconclusive"


# -- the report ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("lab")
    rc = runner.main(["--quick", "--only", "e02", "e03", "e15", "--out", str(out), "--jobs",
                      "1", "--no-progress"])
    return rc, out, json.loads((out / "results.json").read_text())


def test_results_json_carries_each_claims_record(small_run):
    rc, _, doc = small_run
    assert rc == 0
    for c in doc["claims"]:
        assert set(c) >= {"id", "kind", "quote", "rule", "measured", "interval", "verdict",
                          "seeds", "figures", "source"}
        assert core.in_notes(c["quote"])
        assert (Path(runner.__file__).resolve().parents[2] / c["source"]).is_file()
    by = {c["id"]: c for c in doc["claims"]}
    assert by["accuracy"]["kind"] == "not measured"
    assert by["wiggle.spiral"]["interval"] is not None
    t = doc["meta"]["tallies"]
    assert sum(t["experiments"].values()) == sum(c["kind"] == "experiment" for c in doc["claims"])
    assert t["not measured"] == 1
    meta = doc["meta"]
    assert meta["command"].startswith("layerwise lab --quick --only e02 e03 e15")
    assert meta["versions"]["numpy"] == np.__version__ and meta["cpu"]
    assert "git_commit" in meta


def test_page_has_contents_header_rules_captions_and_live_links(small_run):
    _, out, doc = small_run
    page = (out / "index.html").read_text()
    assert "<nav><h2>Contents</h2>" in page
    for s in doc["sections"]:
        assert f'href="#sec-{s["module"]}"' in page
        assert f"run time {report.fmt(float(s['seconds']))} s" in page
    for key in ("command", "git commit", "versions", "CPU"):
        assert f"<td>{key}</td>" in page
    # each claim's rule comes before its numbers
    for c in doc["claims"]:
        block = page[page.index(f'id="claim-{c["id"]}"'):]
        assert block.index("<b>Rule.</b>") < block.index("measured:")
    assert re.search(r"<figcaption><b>Figure \d+\.\d+\.</b> Decision regions", page)
    assert ("run <code>layerwise serve</code>, then open this link: "
            '<a href="http://127.0.0.1:8000/?lesson=linear-spiral">') in page
    assert 'source <a href="' in page and "e03_wiggle.py</a>" in page
    # not measured and identities are shown apart from the tallied experiments
    assert "Apart, not counted" in page and report.BADGES["not measured"][2] in page


def test_lesson_links_name_the_playground_lessons():
    lessons = {load(n).LESSON for n in MODULES if getattr(load(n), "LESSON", None)}
    assert lessons == set(core.LESSONS)
    with pytest.raises(ValueError, match="got 'nope'"):
        core.lesson_url("nope")
