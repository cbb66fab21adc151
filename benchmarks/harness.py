"""Run the benchmark cases and collect one JSON-able result."""
from __future__ import annotations

import statistics
import sys
import time

from . import cases as cases_mod
from . import contenders as contenders_mod
from . import machine
from .timing import measure

GROUPS = ("peak", "headline", "deep", "tiny", "inference", "fit")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run_peak(quick, pause):
    n, repeats = (512, 3) if quick else (2048, 7)
    gflops = {"numpy": machine.gemm_gflops(n, repeats, "numpy", pause)}
    if contenders_mod.available("torch"):
        time.sleep(pause)
        gflops["torch"] = machine.gemm_gflops(n, repeats, "torch", pause)
    return {"n": n, "repeats": repeats, "gflops": gflops, "peak": max(gflops.values())}


def run_case(case, names, data_cache, repeats, block_seconds, pause, peak):
    if case.group == "tiny":
        names = [v for n in names for v in contenders_mod.TINY.get(n, (n,))]
    X, y = cases_mod.make_data(case, data_cache)
    built = [contenders_mod.make(name, case, X, y) for name in names]
    timed = measure(built, repeats=repeats, block_seconds=block_seconds, pause=pause, log=log)
    out = {"case": case.name, "group": case.group, "sizes": list(case.sizes),
           "batch": case.batch, "samples": case.n, "steps": case.steps, "kind": case.kind,
           "lr": case.lr, "reg": case.reg, "flops_per_sample": case.flops_per_sample,
           "targets": {k: v for k, v in case.targets.items() if k in names},
           "contenders": {}, "ratios": {}}
    for name, t in timed.items():
        sps = case.n / t["median"]
        gflops = None if case.group == "tiny" else sps * case.flops_per_sample / 1e9
        out["contenders"][name] = {
            "seconds_per_unit": t["median"], "samples_per_s": sps,
            "us_per_step": t["median"] / case.steps * 1e6, "gflops": gflops,
            "percent_of_peak": None if gflops is None or not peak else 100 * gflops / peak,
            "units_per_block": t["units_per_block"], "times": t["times"]}
    if "layerwise" in timed:
        # each repeat's blocks ran back to back, under the same load: the ratio is the median
        # of the per-repeat ratios, which a change in the host's load halfway through shifts
        # far less than a ratio of medians taken over different repeats would be
        mine = timed["layerwise"]["times"]
        for name, t in timed.items():
            if name != "layerwise":
                out["ratios"][name] = statistics.median(a / b for a, b in zip(t["times"], mine))
    return out


def run(groups=GROUPS, names=contenders_mod.NAMES, quick=False, repeats=None,
        removed_overrides=None):
    """Run ``groups`` with the contenders ``names`` that are installed; return the result."""
    names = [n for n in names if contenders_mod.available(n)]
    repeats = repeats or (1 if quick else 5)
    block_seconds, pause = (0.02, 0.01) if quick else (0.3, 0.25)
    result = {"quick": quick, "repeats": repeats, "contenders": names,
              "machine": machine.describe(), "cases": [], "fits": []}
    result["machine"]["blas_overrides_removed"] = removed_overrides or {}
    t_start = time.perf_counter()
    peak = None
    if "peak" in groups:
        log("GEMM peak ...")
        result["peak"] = run_peak(quick, pause)
        peak = result["peak"]["peak"]
    data_cache = {}
    for case in cases_mod.cases(quick):
        if case.group not in groups:
            continue
        log(f"{case.name} ({case.n} samples a unit, {case.steps} steps) ...")
        result["cases"].append(run_case(case, names, data_cache, repeats, block_seconds,
                                        pause, peak))
    data_cache.clear()
    if "fit" in groups:
        from .fits import run_fits

        result["fits"] = run_fits(names, quick, log=log)
    result["seconds"] = time.perf_counter() - t_start
    result["machine"]["load_average_end"] = machine.load_average()
    return result
