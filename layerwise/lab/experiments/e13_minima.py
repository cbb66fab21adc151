"""Bigger nets have better and less variable minima, on a task every size can fit.

The seed argues that small nets are harder to train with local methods: their loss has few
minima, many of them bad, so the final loss varies with the luck of the initialization; big
nets have many more minima, but about equally good ones, so their final loss is lower and
varies much less from seed to seed.

A task that the small nets cannot fit would measure capacity instead. Here the data are a
band: two classes in the plane, class 1 the points within a distance of the band's centre line,
with a clear margin, so that two ReLU units (one per edge of the band) can fit it exactly. Nets
with one hidden layer of 2 to 32 units are trained on the same data from many random
initializations (full batch, Adam, a little L2 so that every minimum is finite); the final
training objective of every run is recorded, and per size its mean and spread are given with
95% intervals.

>>> X, y = band(50, seed=0)
>>> X.shape, sorted(set(y.tolist()))
((50, 2), [0, 1])
"""
from __future__ import annotations

import math

import numpy as np

from ..common import Rule, fmt_interval, interval, seeds_for
from ..core import Claim, Section

ID = "minima"
TITLE = "Bigger nets: better and less variable minima"
CLAIM = ("Small nets end in minima whose loss varies with the initialization; bigger nets reach "
         "lower losses that vary much less.")
SEED_REF = "Section 3.4, on local minima of small and large nets"

SIZES_FULL = (2, 4, 8, 32)
SIZES_QUICK = (2, 32)
SEEDS_FULL, SEEDS_QUICK = 30, 8
N_POINTS = 200
HALF_WIDTH, MARGIN = 0.7, 0.15
LR, STEPS, REG = 0.02, 2000, 1e-3
CHUNK = 10  # seeds per task
#: a run ends in a bad minimum when its final loss is above this multiple of the lowest one
BAD = 2.0
BOOT = 2000

QUOTE_BETTER = ("Conversely, bigger neural networks contain significantly more local minima, but "
                "these minima turn out to be much better in terms of their actual loss.")
QUOTE_VARIANCE = ("On the other hand, if you train a large network you’ll start to find many "
                  "different solutions, but the variance in the final achieved loss will be much "
                  "smaller.")
BETTER_RULE = Rule("the geometric mean of per-pair ratios of final loss, smallest / largest net",
                   supported=1.25, partly=1.0)
#: "much smaller": the largest net's sd at most a quarter of the smallest's
LESS_RULE = Rule("the ratio of final-loss standard deviations, largest / smallest net "
                 "(bootstrap)", supported=0.25, partly=1.0, higher=False)


def band(n, seed, half=HALF_WIDTH, margin=MARGIN):
    """``n`` points uniform on [-2, 2]^2, class 1 within ``half`` of a line through the origin
    (at a fixed angle), none within ``margin`` of the band's edges.

    Shape
    -----
    X: ``(n, 2)`` float32; y: ``(n,)`` int64
    """
    rng = np.random.default_rng(seed)
    u = np.array([math.cos(0.6), math.sin(0.6)])
    out = np.empty((0, 2))
    while len(out) < n:
        X = rng.uniform(-2, 2, size=(4 * n, 2))
        out = np.vstack([out, X[np.abs(np.abs(X @ u) - half) > margin]])
    X = out[:n]
    return X.astype(np.float32), (np.abs(X @ u) < half).astype(np.int64)


def tasks(quick=False, seed=0):
    """One task per (size, block of seeds); the data are drawn from the base seed."""
    sizes, n = (SIZES_QUICK, SEEDS_QUICK) if quick else (SIZES_FULL, SEEDS_FULL)
    seeds = seeds_for(seed, n)
    return [{"hidden": h, "seeds": seeds[i:i + CHUNK], "data_seed": int(seed)}
            for h in sizes for i in range(0, n, CHUNK)]


def run_task(hidden, seeds, data_seed=0, steps=None):
    """Train a 2-hidden-2 ReLU net from each seed; return the final training objectives."""
    import layerwise as lw

    steps = STEPS if steps is None else steps
    X, y = band(N_POINTS, seed=data_seed)
    losses, accs = [], []
    for s in seeds:
        net = lw.Network([2, hidden, 2], activation="relu", seed=s)
        trainer = lw.Trainer(net, optimizer="adam", lr=LR, reg=REG, batch_size=N_POINTS, seed=s)
        Xp, yp = trainer.prepare(X, y)
        loss = math.nan
        with np.errstate(over="ignore"):
            for _ in range(steps):
                loss = trainer.step(Xp, yp)
        losses.append(float(loss))
        accs.append(lw.accuracy(net, X, y))
    return {"hidden": hidden, "seeds": list(seeds), "steps": steps, "loss": losses,
            "accuracy": accs}


def sd_ratio_interval(big, small, n_boot=BOOT, seed=0):
    """``(ratio, [low, high])``: sd(big) / sd(small) and its 95% percentile-bootstrap interval
    (the two samples resampled independently, from a fixed seed: the same data give the same
    interval).

    >>> r, (lo, hi) = sd_ratio_interval([1.0, 1.1, 0.9, 1.05], [1.0, 3.0, 0.5, 2.0])
    >>> round(r, 3), lo < r < hi
    (0.077, True)
    """
    big, small = np.asarray(big, np.float64), np.asarray(small, np.float64)
    rng = np.random.default_rng(seed)
    sb = rng.choice(big, size=(n_boot, big.size)).std(axis=1, ddof=1)
    ss = rng.choice(small, size=(n_boot, small.size)).std(axis=1, ddof=1)
    ratios = sb / np.maximum(ss, 1e-12)
    lo, hi = np.percentile(ratios, [2.5, 97.5])
    return float(big.std(ddof=1) / max(small.std(ddof=1), 1e-12)), [float(lo), float(hi)]


def summarize(results, out, quick=False):
    from layerwise import plots

    sizes = sorted({r["hidden"] for r in results})
    loss = {h: [x for r in results if r["hidden"] == h for x in r["loss"]] for h in sizes}
    acc = {h: [x for r in results if r["hidden"] == h for x in r["accuracy"]] for h in sizes}
    seeds = [s for r in results if r["hidden"] == sizes[0] for s in r["seeds"]]
    best = min(min(v) for v in loss.values())
    bad = {h: sum(x > BAD * best for x in v) for h, v in loss.items()}
    mean_iv = {h: interval(v) for h, v in loss.items()}
    n_seeds = len(loss[sizes[0]])

    fig, (ax1, ax2) = plots.figure(1, 2, size=(11, 4.0))
    plots.box_plots({str(h): loss[h] for h in sizes}, ax=ax1, xlabel="hidden neurons",
                    ylabel="final training objective", title=f"{n_seeds} initializations per size")
    ax1.set_yscale("log")
    sds = [float(np.std(loss[h], ddof=1)) for h in sizes]
    ax2.plot(sizes, sds, marker="o", label="standard deviation")
    ax2.set_xscale("log", base=2)
    ax2.set_yscale("log")
    ax2.set_xticks(sizes, [str(h) for h in sizes])
    ax2.set(xlabel="hidden neurons", ylabel="spread of the final loss over seeds")
    ax2.legend()
    png = "minima_boxplots.png"
    plots.save(fig, out / png)

    small, big = sizes[0], sizes[-1]
    logs = [math.log(a / b) for a, b in zip(loss[small], loss[big])]
    lm, liv = interval(logs)
    gm, giv = math.exp(lm), [math.exp(x) if math.isfinite(x) else x for x in liv]
    verdict = BETTER_RULE(giv)
    claims = [Claim(
        id="better-minima",
        claim="Bigger nets reach minima of lower loss.",
        measured=("mean final objective: " + ", ".join(
            f"{h} neurons {fmt_interval(*mean_iv[h])}" for h in sizes)
            + f"; runs in a bad minimum (over {BAD:g}x the lowest): "
            + ", ".join(f"{h}: {bad[h]}/{len(loss[h])}" for h in sizes)
            + f"; loss ratio {small}/{big}: {fmt_interval(gm, giv)}"),
        verdict=verdict, quote=QUOTE_BETTER, rule=BETTER_RULE.text, value=gm, interval=giv,
        seeds=seeds,
        why={"supported": "Every size can fit the band, yet the small nets end higher: some "
                          "in bad minima, the rest a little above the big nets.",
             "partly": "The big nets end lower, by less than a quarter.",
             "not supported": "The small nets end as low as the big ones.",
             "inconclusive": "The seeds disagree too much to place the ratio in one band."}[
                 verdict],
        figures=[png])]

    rm, riv = sd_ratio_interval(loss[big], loss[small])
    verdict = LESS_RULE(riv)
    claims.append(Claim(
        id="less-variable",
        claim=("The final loss of small nets varies a lot with the initialization; that of big "
               "nets much less."),
        measured=(f"sd of the final objective: {small} neurons {np.std(loss[small], ddof=1):.3g} "
                  f"(range {min(loss[small]):.3f}-{max(loss[small]):.3f}), {big} neurons "
                  f"{np.std(loss[big], ddof=1):.3g} (range {min(loss[big]):.3f}-"
                  f"{max(loss[big]):.3f}); ratio {fmt_interval(rm, riv)}"),
        verdict=verdict, quote=QUOTE_VARIANCE, rule=LESS_RULE.text, value=rm, interval=riv,
        seeds=seeds,
        why={"supported": "The big nets' final losses spread less than a quarter as much.",
             "partly": "The spread shrinks, by less than a factor of four.",
             "not supported": "The big nets' losses vary as much as the small nets'.",
             "inconclusive": "The bootstrap interval straddles a cut-off."}[verdict],
        figures=[png]))

    rows = [[h, fmt_interval(*mean_iv[h]), f"{np.std(loss[h], ddof=1):.4f}",
             f"{min(loss[h]):.4f}", f"{max(loss[h]):.4f}", f"{bad[h]}/{len(loss[h])}",
             f"{np.mean(acc[h]):.1%}"] for h in sizes]
    return Section(
        id=ID, title=TITLE, seed_ref=SEED_REF,
        method=(f"A band ({N_POINTS} points in [-2, 2]^2, class 1 within {HALF_WIDTH} of a line, "
                f"a margin of {MARGIN} kept empty), fixed: two ReLU units can fit it. 2-H-2 ReLU "
                f"nets trained full batch with Adam (lr {LR}, {results[0]['steps']} steps, L2 "
                f"{REG:g}) from {n_seeds} random initializations per size; the final training "
                "objective (data loss plus penalty) of each run."),
        claims=claims, figures=[png],
        captions={png: "Left: final training objective of every run per hidden size (log "
                       "scale; the small nets' outliers are bad minima). Right: its standard "
                       "deviation over the runs."},
        table={"columns": ["hidden neurons", "mean [95% interval]", "sd", "min", "max",
                           "bad minima", "mean training accuracy"], "rows": rows},
        numbers={"losses": {str(h): v for h, v in loss.items()}, "bad": bad, "lowest": best})
