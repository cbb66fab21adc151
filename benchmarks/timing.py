"""Timing contenders fairly on a small, shared machine.

Contenders run in *blocks* (several units back to back), interleaved — every repeat runs one
block of each contender, in an order rotated from repeat to repeat — with a short pause between
blocks. Interleaving spreads the host's slow bursts over all contenders; blocks, rather than
alternating single steps, keep OpenBLAS's and PyTorch's thread pools from fighting: each spins
for a while after its last call, and two pools spinning on two cores slow both several times.
The result per contender is the median over repeats of the time per unit.
"""
from __future__ import annotations

import contextlib
import gc
import math
import statistics
import time


def _timed(contender, units):
    """Seconds per unit over a block of ``units``, inside the contender's ``context()`` (a
    setting held for the block, such as a thread count) where it has one."""
    with getattr(contender, "context", contextlib.nullcontext)():
        gc.collect()
        t0 = time.perf_counter()
        for _ in range(units):
            contender.unit()
        return (time.perf_counter() - t0) / units


def measure(contenders, repeats=5, block_seconds=0.3, pause=0.25, log=None) -> dict:
    """Seconds per unit for each contender: ``{name: {"median": s, "times": [...],
    "units_per_block": k}}``.

    One untimed unit per contender warms it up (first-call allocations, thread pools) and sizes
    its blocks to about ``block_seconds``.
    """
    # Every block starts from a collected heap; freezing what exists now (the libraries'
    # millions of objects) keeps each collection to what the contenders made since.
    gc.collect()
    gc.freeze()
    units = {}
    for c in contenders:
        t = _timed(c, 1)
        units[c.name] = max(1, math.ceil(block_seconds / max(t, 1e-9)))
        time.sleep(pause)
    times = {c.name: [] for c in contenders}
    for r in range(repeats):
        k = r % len(contenders)
        for c in contenders[k:] + contenders[:k]:
            times[c.name].append(_timed(c, units[c.name]))
            time.sleep(pause)
        if log:
            log(f"    repeat {r + 1}/{repeats}: " + ", ".join(
                f"{name} {ts[-1] * 1e3:.2f} ms" for name, ts in times.items()))
    return {name: {"median": statistics.median(ts), "times": ts, "units_per_block": units[name]}
            for name, ts in times.items()}
