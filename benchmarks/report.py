"""Tables of results, in Markdown, from the harness's JSON-able result dict."""
from __future__ import annotations

LABELS = {"layerwise": "layerwise", "torch": "PyTorch", "torch-1thread": "PyTorch, 1 thread",
          "sklearn": "scikit-learn", "sklearn-per-step": "scikit-learn, partial_fit per step"}


def _fmt(x, spec, none="—"):
    return none if x is None else format(x, spec)


def _loads(values):
    return "—" if not values else ", ".join(f"{x:.2f}" for x in values)


def machine_lines(machine) -> list:
    v = machine["versions"]
    lines = [
        f"- date: {machine['date']}",
        f"- CPU: {machine['cpu']} ({machine['cores']} cores visible; "
        f"{', '.join(machine['cpu_flags']) or 'no AVX flags listed'})",
        f"- Python {v['python']}, NumPy {v['numpy']}, PyTorch {v['torch'] or 'not installed'}, "
        f"scikit-learn {v['sklearn'] or 'not installed'}",
        f"- NumPy's BLAS: {machine['numpy_blas']}; PyTorch threads: "
        f"{machine.get('torch_threads', '—')}",
        f"- load average (1, 5, 15 min) at start: {_loads(machine.get('load_average'))}; at end: "
        f"{_loads(machine.get('load_average_end'))}",
    ]
    removed = machine.get("blas_overrides_removed") or {}
    if removed:
        lines.append("- removed for this run (they force a slower OpenBLAS kernel): "
                     + ", ".join(f"`{k}={v}`" for k, v in removed.items()))
    return lines


def peak_lines(peak) -> list:
    if not peak:
        return []
    parts = [f"{LABELS.get(k, k)} {v:.0f} GFLOP/s" for k, v in peak["gflops"].items()]
    return [f"- float32 GEMM peak ({peak['n']}^3 product, median of {peak['repeats']}): "
            + ", ".join(parts) + f"; the peak used below is {peak['peak']:.0f} GFLOP/s"]


def speed_table(results) -> list:
    """One row per case and contender."""
    rows = ["| case | contender | samples/s | µs/step | GFLOP/s | % of peak | layerwise speed-up |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in results:
        for name, c in r["contenders"].items():
            ratio = r["ratios"].get(name)
            rows.append(
                f"| {r['case']} | {LABELS.get(name, name)} | {c['samples_per_s']:,.0f} "
                f"| {c['us_per_step']:,.1f} | {_fmt(c['gflops'], ',.1f')} "
                f"| {_fmt(c['percent_of_peak'], '.0f')} "
                f"| {'—' if name == 'layerwise' else _fmt(ratio, '.2f') + 'x'} |")
    return rows


def target_table(results) -> list:
    rows = ["| target | measured | met |", "| --- | ---: | :---: |"]
    for r in results:
        for name, least in r["targets"].items():
            ratio = r["ratios"].get(name)
            met = "not run" if ratio is None else ("yes" if ratio >= least else "**no**")
            rows.append(f"| {r['case']}: layerwise >= {least:g}x {LABELS.get(name, name)} "
                        f"| {_fmt(ratio, '.2f')}{'' if ratio is None else 'x'} | {met} |")
    return rows


def fit_table(fits) -> list:
    rows = ["| data set | architecture | epochs | contender | train time (s) | test accuracy |",
            "| --- | --- | ---: | --- | ---: | ---: |"]
    for f in fits:
        for name, c in f["contenders"].items():
            rows.append(f"| {f['dataset']} | {f['architecture']} | {f['epochs']} "
                        f"| {LABELS.get(name, name)} | {c['seconds']:.2f} "
                        f"| {c['test_accuracy']:.3f} |")
        if f.get("published"):
            rows.append(f"| {f['dataset']} | {f['published']['what']} | | published "
                        f"| | {f['published']['test_accuracy']:.3f} |")
    return rows


def markdown(result) -> str:
    out = ["## Machine", "", *machine_lines(result["machine"]), *peak_lines(result.get("peak")),
           ""]
    if result.get("cases"):
        out += ["## Speed", "", *speed_table(result["cases"]), "", "## Targets", "",
                *target_table(result["cases"]), ""]
    if result.get("fits"):
        out += ["## Training to accuracy", "", *fit_table(result["fits"]), ""]
    return "\n".join(out)
