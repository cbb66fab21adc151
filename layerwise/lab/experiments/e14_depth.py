"""Depth: 2-layer against 3-layer against 4-, 5- and 6-layer nets at similar parameter counts.

The seed: "in practice it is often the case that 3-layer neural networks will outperform 2-layer
nets, but going even deeper (4,5,6-layer) rarely helps much more" (for fully-connected nets;
convolutional nets are another story).

Here nets of 2 to 6 layers (in the seed's naming: 1 to 5 hidden layers of equal width) are
sized to about the same number of parameters and trained the same way on real data, the
scikit-learn digits and 5,000 real MNIST digits, from several seeds; each seed draws its own
stratified train/test split and initial weights. What is compared is the test accuracy.
"""
from __future__ import annotations

import math

import numpy as np

from ..common import mean_sd, verdict_of
from ..core import Claim, Section

ID = "depth"
TITLE = "Depth: 2- to 6-layer nets at equal parameter counts"
CLAIM = ("3-layer nets often outperform 2-layer nets; going deeper (4, 5, 6 layers) rarely helps "
         "much more.")
SEED_REF = "Section 3.3, representational power (the aside on depth)"

DEPTHS_FULL = (2, 3, 4, 5, 6)
DEPTHS_QUICK = (2, 3, 4)
#: data set -> (parameter budget, epochs); chosen so each run takes about a second
DATASETS = {"digits": (10_000, 40), "mnist": (100_000, 15)}
TEST = 0.2
LR, BATCH = 1e-3, 64
#: "much more": a deeper net must beat the 3-layer net by more than this to count
MUCH = 0.01


def width_for(depth, budget, inputs, outputs=10):
    """Hidden width ``w`` that gives a net of ``depth`` layers (``depth - 1`` hidden layers of
    ``w`` units) about ``budget`` parameters.

    Parameters: ``(inputs + 1) w + (depth - 2)(w + 1) w + (w + 1) outputs``; solved for ``w``.

    >>> w = width_for(3, 10_000, 64)
    >>> w, (64 + 1) * w + (w + 1) * w + (w + 1) * 10
    (69, 10015)
    """
    a = depth - 2
    b = inputs + 1 + a + outputs
    c = outputs - budget
    w = -c / b if a == 0 else (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
    return max(1, int(round(w)))


def tasks(quick=False, seed=0):
    """One task per (data set, depth, seed)."""
    if quick:
        return [{"dataset": "digits", "depth": d, "seed": seed + s, "epochs": 8}
                for d in DEPTHS_QUICK for s in range(2)]
    return [{"dataset": ds, "depth": d, "seed": seed + s, "epochs": DATASETS[ds][1]}
            for ds in DATASETS for d in DEPTHS_FULL for s in range(4)]


def run_task(dataset, depth, seed, epochs):
    """Train one net of ``depth`` layers on one split; return its test accuracy."""
    import layerwise as lw

    from ..realdata import load

    Xtr, ytr, Xte, yte = load(dataset, seed=seed, test=TEST)
    budget = DATASETS[dataset][0]
    w = width_for(depth, budget, Xtr.shape[1])
    net = lw.Network([Xtr.shape[1]] + [w] * (depth - 1) + [10], activation="relu", seed=seed)
    h = lw.fit(net, Xtr, ytr, optimizer="adam", lr=LR, epochs=epochs, batch_size=BATCH,
               seed=seed, progress=False, eval_train=False)
    return {"dataset": dataset, "depth": depth, "seed": seed, "width": w,
            "params": net.num_params, "epochs": epochs, "train_loss": h.train_loss[-1],
            "train_acc": lw.accuracy(net, Xtr, ytr),
            "test_acc": lw.accuracy(net, Xte, yte)}


def summarize(results, out, quick=False):
    from layerwise import plots

    datasets = [ds for ds in DATASETS if any(r["dataset"] == ds for r in results)]
    depths = sorted({r["depth"] for r in results})
    acc = {(ds, d): [r["test_acc"] for r in results if r["dataset"] == ds and r["depth"] == d]
           for ds in datasets for d in depths}
    info = {(ds, d): next(r for r in results if r["dataset"] == ds and r["depth"] == d)
            for ds in datasets for d in depths}
    by_seed = {(ds, d): {r["seed"]: r["test_acc"] for r in results
                         if r["dataset"] == ds and r["depth"] == d}
               for ds in datasets for d in depths}
    mean, sd = {}, {}
    for k, v in acc.items():
        mean[k], sd[k] = mean_sd(v)
    n = len(acc[(datasets[0], depths[0])])

    fig, axes = plots.figure(1, len(datasets), squeeze=False)
    for ax, ds in zip(axes[0], datasets):
        ax.errorbar(depths, [mean[(ds, d)] for d in depths], yerr=[sd[(ds, d)] for d in depths],
                    marker="o", capsize=4, color=plots.PALETTE[0], label="mean ± sd")
        for d in depths:
            ax.scatter([d] * len(acc[(ds, d)]), acc[(ds, d)], s=14, color=plots.PALETTE[1],
                       zorder=3, label="one seed" if d == depths[0] else None)
        ax.set_xticks(depths, [f"{d}\n({info[(ds, d)]['width']} wide)" for d in depths])
        ax.set(xlabel="layers (N-layer net) and hidden width", ylabel="test accuracy",
               title=f"{ds}: about {DATASETS[ds][0]:,} parameters each")
        ax.legend(loc="lower left")
    png = "depth_accuracy.png"
    plots.save(fig, out / png)

    claims = []
    if 2 in depths and 3 in depths:
        diffs, better = [], []
        for ds in datasets:
            # the same seed gives both depths the same split: compare them seed by seed
            paired = [by_seed[(ds, 3)][s] - by_seed[(ds, 2)][s] for s in by_seed[(ds, 2)]]
            diff = float(np.mean(paired))
            se = float(np.std(paired, ddof=1) / math.sqrt(len(paired))) if n > 1 else 0.0
            diffs.append(f"{ds}: 2-layer {mean[(ds, 2)]:.2%}, 3-layer {mean[(ds, 3)]:.2%} "
                         f"(paired difference {diff:+.2%}, standard error {se:.2%})")
            better.append("yes" if diff > se else "within noise" if diff > -se else "no")
        verdict = verdict_of(b == "yes" for b in better)
        claims.append(Claim(
            id="three-beats-two",
            claim="3-layer nets often outperform 2-layer nets.",
            measured="; ".join(diffs) + f"; {n} seeds each",
            verdict=verdict,
            why=("The 3-layer net is ahead by more than the standard error on every data set."
                 if verdict == "supported" else
                 "Ahead by more than the standard error on "
                 + ", ".join(ds for ds, b in zip(datasets, better) if b == "yes")
                 + " only." if verdict == "partly" else
                 "At equal parameter counts the 3-layer net is not ahead of the 2-layer net by "
                 "more than the seed-to-seed noise on any data set ("
                 + ", ".join(f"{ds}: {b}" for ds, b in zip(datasets, better)) + ")."),
            figures=[png]))

    deeper = [d for d in depths if d > 3]
    if 3 in depths and deeper:
        gains, helps = [], []
        for ds in datasets:
            best = max(deeper, key=lambda d: mean[(ds, d)])
            gain = mean[(ds, best)] - mean[(ds, 3)]
            gains.append(f"{ds}: best deeper net {best}-layer {mean[(ds, best)]:.2%} against "
                         f"3-layer {mean[(ds, 3)]:.2%} ({gain:+.2%})")
            helps.append(gain > MUCH)
        verdict = "not supported" if all(helps) else "partly" if any(helps) else "supported"
        claims.append(Claim(
            id="deeper-rarely-helps",
            claim="Going deeper than 3 layers (4, 5, 6) rarely helps much more.",
            measured="; ".join(gains),
            verdict=verdict,
            why=(f"No deeper net beats the 3-layer net by more than {MUCH:.0%} on any data set."
                 if verdict == "supported" else
                 f"A deeper net gains more than {MUCH:.0%} on "
                 + ", ".join(ds for ds, h in zip(datasets, helps) if h) + "."),
            figures=[png]))

    rows = [[ds, d, info[(ds, d)]["width"], info[(ds, d)]["params"],
             f"{mean[(ds, d)]:.4f} ± {sd[(ds, d)]:.4f}"] for ds in datasets for d in depths]
    return Section(
        id=ID, title=TITLE, seed_ref=SEED_REF,
        method=("ReLU nets with depth - 1 hidden layers of equal width, sized to about the same "
                "number of parameters per data set ("
                + ", ".join(f"{ds} {DATASETS[ds][0]:,}" for ds in datasets)
                + f"); inputs standardized with the training split's statistics; Adam "
                f"(lr {LR:g}, batch {BATCH}, "
                + ", ".join(f"{ds} {info[(ds, depths[0])]['epochs']} epochs" for ds in datasets)
                + f"), no regularization; {n} seeds, each with its own stratified "
                f"{1 - TEST:.0%}/{TEST:.0%} split."),
        claims=claims, figures=[png],
        table={"columns": ["data", "layers", "hidden width", "parameters", "test accuracy"],
               "rows": rows},
        numbers={"mean": {f"{ds}/{d}": mean[(ds, d)] for ds in datasets for d in depths},
                 "sd": {f"{ds}/{d}": sd[(ds, d)] for ds in datasets for d in depths},
                 "runs": results})
