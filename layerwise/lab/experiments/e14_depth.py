"""Depth: 2-layer against 3-layer against 4-, 5- and 6-layer nets at similar parameter counts.

The seed: "in practice it is often the case that 3-layer neural networks will outperform 2-layer
nets, but going even deeper (4,5,6-layer) rarely helps much more" (for fully-connected nets;
convolutional nets are another story).

Here nets of 2 to 6 layers (in the seed's naming: 1 to 5 hidden layers of equal width) are
sized to about the same number of parameters and trained on scikit-learn's digits from several
seeds; each seed draws its own stratified train/test split, a validation part of the training
split, and initial weights. Every depth gets its own learning rate from a small grid, chosen on
the validation part (a deeper net often wants a different rate); what is compared is the test
accuracy at the chosen rate, paired by seed.
"""
from __future__ import annotations

import math

import numpy as np

from ..common import FULL_SEEDS, Rule, fmt_interval, interval, mean_sd, seeds_for
from ..core import Claim, Section

ID = "depth"
TITLE = "Depth: 2- to 6-layer nets at equal parameter counts"
CLAIM = ("3-layer nets often outperform 2-layer nets; going deeper (4, 5, 6 layers) rarely helps "
         "much more.")
SEED_REF = "Section 3.3, representational power (the aside on depth)"

DEPTHS_FULL = (2, 3, 4, 5, 6)
DEPTHS_QUICK = (2, 3, 4)
#: data set -> (parameter budget, epochs); chosen so each run takes about a second
DATASETS = {"digits": (10_000, 40)}
TEST, VAL = 0.2, 0.2  # of all samples; of the training split
LRS, BATCH = (3e-4, 1e-3, 3e-3), 64
#: "much more": a deeper net must beat the 3-layer net by more than this to count
MUCH = 0.01
QUOTE = ("As an aside, in practice it is often the case that 3-layer neural networks will "
         "outperform 2-layer nets, but going even deeper (4,5,6-layer) rarely helps much more.")
THREE_RULE = Rule("the per-seed test-accuracy gain of the 3-layer net over the 2-layer net",
                  supported=0.0)
DEEPER_RULE = Rule("the per-seed test-accuracy gain of the deeper net (4-6 layers, chosen on "
                   "validation) over the 3-layer net", supported=MUCH, higher=False)


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
    """One task per (data set, depth, seed); each trains every rate of the grid."""
    depths, n = (DEPTHS_QUICK, 3) if quick else (DEPTHS_FULL, FULL_SEEDS)
    return [{"dataset": ds, "depth": d, "seed": s, "epochs": DATASETS[ds][1]}
            for ds in DATASETS for d in depths for s in seeds_for(seed, n)]


def run_task(dataset, depth, seed, epochs):
    """Train one net of ``depth`` layers per rate on one split; choose the rate on the
    validation part; return its validation and test accuracy."""
    import layerwise as lw

    from ..realdata import load

    Xall, yall, Xte, yte = load(dataset, seed=seed, test=TEST)
    perm = np.random.default_rng([seed, 7]).permutation(len(yall))
    n_val = int(round(VAL * len(yall)))
    Xv, yv = Xall[perm[:n_val]], yall[perm[:n_val]]
    Xtr, ytr = Xall[perm[n_val:]], yall[perm[n_val:]]
    budget = DATASETS[dataset][0]
    w = width_for(depth, budget, Xtr.shape[1])
    per_lr = []
    for lr in LRS:
        net = lw.Network([Xtr.shape[1]] + [w] * (depth - 1) + [10], activation="relu",
                         seed=seed)
        lw.fit(net, Xtr, ytr, optimizer="adam", lr=lr, epochs=epochs, batch_size=BATCH,
               seed=seed, progress=False, eval_train=False)
        per_lr.append({"lr": lr, "val_acc": lw.accuracy(net, Xv, yv),
                       "test_acc": lw.accuracy(net, Xte, yte),
                       "train_acc": lw.accuracy(net, Xtr, ytr)})
    chosen = max(per_lr, key=lambda r: r["val_acc"])
    return {"dataset": dataset, "depth": depth, "seed": seed, "width": w,
            "params": net.num_params, "epochs": epochs, "per_lr": per_lr, "lr": chosen["lr"],
            "val_acc": chosen["val_acc"], "test_acc": chosen["test_acc"],
            "train_acc": chosen["train_acc"]}


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
    seeds = sorted({r["seed"] for r in results})
    val = {(ds, d): {r["seed"]: r["val_acc"] for r in results
                     if r["dataset"] == ds and r["depth"] == d}
           for ds in datasets for d in depths}
    if 2 in depths and 3 in depths:
        ds = datasets[0]
        # the same seed gives both depths the same split: compare them seed by seed
        gm, giv = interval([by_seed[(ds, 3)][s] - by_seed[(ds, 2)][s] for s in seeds])
        verdict = THREE_RULE(giv)
        claims.append(Claim(
            id="three-beats-two",
            claim="3-layer nets often outperform 2-layer nets.",
            measured=(f"{ds}: 2-layer {mean[(ds, 2)]:.2%}, 3-layer {mean[(ds, 3)]:.2%}, each at "
                      f"its rate chosen on validation; gain {fmt_interval(gm, giv, pct=True)}; "
                      f"{n} seeds"),
            verdict=verdict, quote=QUOTE, rule=THREE_RULE.text, value=gm, interval=giv,
            seeds=seeds,
            why={"supported": "The 3-layer net is ahead, seed for seed.",
                 "not supported": "At equal parameter counts and tuned rates the 3-layer net "
                                  "is behind the 2-layer net.",
                 "inconclusive": "The gain's interval includes zero: no difference shown at "
                                 "equal parameter counts."}.get(verdict, ""),
            figures=[png]))

    deeper = [d for d in depths if d > 3]
    if 3 in depths and deeper:
        ds = datasets[0]
        pick = {s: max(deeper, key=lambda d: val[(ds, d)][s]) for s in seeds}
        dm, div = interval([by_seed[(ds, pick[s])][s] - by_seed[(ds, 3)][s] for s in seeds])
        verdict = DEEPER_RULE(div)
        claims.append(Claim(
            id="deeper-rarely-helps",
            claim="Going deeper than 3 layers (4, 5, 6) rarely helps much more.",
            measured=(f"{ds}: " + ", ".join(f"{d}-layer {mean[(ds, d)]:.2%}" for d in depths)
                      + f"; the deeper net chosen on validation ("
                      + ", ".join(f"{d}-layer {sum(p == d for p in pick.values())}x"
                                  for d in deeper if any(p == d for p in pick.values()))
                      + f") against the 3-layer net: gain {fmt_interval(dm, div, pct=True)}"),
            verdict=verdict, quote=QUOTE, rule=DEEPER_RULE.text, value=dm, interval=div,
            seeds=seeds,
            why={"supported": f"No deeper net gains as much as {MUCH:.0%} over the 3-layer "
                              "net.",
                 "not supported": f"A deeper net gains more than {MUCH:.0%}.",
                 "inconclusive": "The interval straddles the cut-off."}.get(verdict, ""),
            figures=[png]))

    rows = [[ds, d, info[(ds, d)]["width"], info[(ds, d)]["params"],
             f"{mean[(ds, d)]:.4f} ± {sd[(ds, d)]:.4f}"] for ds in datasets for d in depths]
    return Section(
        id=ID, title=TITLE, seed_ref=SEED_REF,
        method=("ReLU nets with depth - 1 hidden layers of equal width, sized to about the same "
                "number of parameters per data set ("
                + ", ".join(f"{ds} {DATASETS[ds][0]:,}" for ds in datasets)
                + f"); inputs standardized with the training split's statistics; Adam "
                f"(lr chosen per depth and seed from {list(LRS)} on a {VAL:.0%} validation part "
                f"of the training split, batch {BATCH}, "
                + ", ".join(f"{ds} {info[(ds, depths[0])]['epochs']} epochs" for ds in datasets)
                + f"), no regularization; {n} seeds, each with its own stratified "
                f"{1 - TEST:.0%}/{TEST:.0%} split."),
        claims=claims, figures=[png],
        captions={png: "Test accuracy against depth at about equal parameter counts, each run "
                       "at the rate its validation part chose (mean ± sd, and one dot per "
                       "seed)."},
        table={"columns": ["data", "layers", "hidden width", "parameters", "test accuracy"],
               "rows": rows},
        numbers={"mean": {f"{ds}/{d}": mean[(ds, d)] for ds in datasets for d in depths},
                 "sd": {f"{ds}/{d}": sd[(ds, d)] for ds in datasets for d in depths},
                 "runs": results})
