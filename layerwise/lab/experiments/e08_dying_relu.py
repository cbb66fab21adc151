"""Dying ReLUs: the fraction of dead units against the learning rate, for ReLU, leaky ReLU, maxout.

The seed warns that a large gradient can push a ReLU's weights so that it never activates on
any data point again, and then no gradient flows through it: "as much as 40% of your network
can be dead if the learning rate is set too high", less so with a proper learning rate; leaky
ReLU and maxout are offered as fixes.

Here a net with two hidden layers of 100 units is trained on the digits (standardized) with
plain minibatch SGD at learning rates from small to the edge of divergence, for each unit type.
After training, :func:`layerwise.engine.monitor.dead_fraction` counts, over the whole training set, the
hidden units whose input is never positive (for maxout: whose output is never positive). For a
leaky ReLU or maxout unit this state is not fatal (a gradient still flows), so the comparison
also looks at the training accuracy the nets reach. Runs whose loss or weights become NaN or
infinite (:class:`~layerwise.training.trainer.TrainingDiverged`) are counted as diverged, not averaged.
"""
from __future__ import annotations

import numpy as np

from ..core import Claim, Section

ID = "dying_relu"
TITLE = "Dying ReLUs: dead units against the learning rate"
CLAIM = ("With too high a learning rate up to 40% of a ReLU net can die (never activate on the "
         "training set); leaky ReLU and maxout are attempts to fix this.")
SEED_REF = "Section 2.3.3-2.3.4, ReLU's cons; leaky ReLU; the TLDR on monitoring dead units"

ACTIVATIONS = ("relu", "leaky_relu", "maxout")
HIDDEN = (100, 100)
BATCH = 32
LRS_FULL = (0.01, 0.1, 0.3, 0.5, 0.7, 1.0, 1.4)
LRS_QUICK = (0.1, 1.0)
#: the seed's "as much as 40%": a peak of at least this counts as the same order
SEED_SCALE = 0.3
#: at most this fraction dead counts as "few" (a proper learning rate)
FEW = 0.05
#: a ReLU net with at least this fraction dead is "dying" at that learning rate
DYING = 0.2


def _data():
    """The whole digits set, standardized, float32 (training set = the measured set)."""
    from ..realdata import load

    X, y, _, _ = load("digits", test=0.0)
    return X, y


def tasks(quick=False, seed=0):
    """One task per (unit type, learning rate), each training several seeds."""
    lrs, seeds, epochs = (LRS_QUICK, 2, 3) if quick else (LRS_FULL, 4, 10)
    return [{"activation": a, "lr": lr, "seeds": [seed + s for s in range(seeds)],
             "epochs": epochs} for a in ACTIVATIONS for lr in lrs]


def pooled(fractions, net):
    """One dead fraction over all hidden units from ``{layer index: fraction}``, weighting each
    layer by its number of units."""
    # an activation layer has the units of the Dense layer before it; maxout has its own
    sizes = [getattr(net.layers[i], "out_features", None) or net.layers[i - 1].out_features
             for i in sorted(fractions)]
    f = [fractions[i] for i in sorted(fractions)]
    return float(np.dot(f, sizes) / np.sum(sizes))


def run_task(activation, lr, seeds, epochs):
    """Train one net per seed with SGD at ``lr``; measure dead units and training accuracy."""
    import layerwise as lw

    X, y = _data()
    runs = []
    for s in seeds:
        net = lw.Network([X.shape[1], *HIDDEN, 10], activation=activation, seed=s)
        try:
            lw.fit(net, X, y, optimizer="sgd", lr=lr, epochs=epochs, batch_size=BATCH, seed=s,
                   progress=False, eval_train=False)
        except lw.TrainingDiverged as e:
            runs.append({"seed": s, "diverged": True, "epoch": e.epoch})
            continue
        per_layer = lw.monitor.dead_fraction(net, X)
        runs.append({"seed": s, "diverged": False, "dead": pooled(per_layer, net),
                     "dead_per_layer": {str(k): v for k, v in per_layer.items()},
                     "train_acc": lw.accuracy(net, X, y)})
    return {"activation": activation, "lr": lr, "epochs": epochs, "runs": runs}


def _stats(r):
    ok = [x for x in r["runs"] if not x["diverged"]]
    dead = [x["dead"] for x in ok]
    acc = [x["train_acc"] for x in ok]
    return {"n": len(r["runs"]), "diverged": len(r["runs"]) - len(ok),
            "dead": float(np.mean(dead)) if ok else None,
            "dead_max": float(np.max(dead)) if ok else None,
            "dead_sd": float(np.std(dead)) if ok else None,
            "acc": float(np.mean(acc)) if ok else None,
            # diverged runs count as chance (one class in ten), so they weigh against a setting
            "acc_all": float(np.mean(acc + [0.1] * (len(r["runs"]) - len(ok))))}


def _per_layer(results, activation, lr):
    """Mean dead fraction of each hidden layer over the non-diverged runs of one setting."""
    r = next(r for r in results if r["activation"] == activation and r["lr"] == lr)
    ok = [x["dead_per_layer"] for x in r["runs"] if not x["diverged"]]
    if not ok:
        return []
    return [float(np.mean([d[k] for d in ok])) for k in sorted(ok[0], key=int)]


def _pct(v):
    return "diverged" if v is None else f"{v:.0%}"


def summarize(results, out, quick=False):
    from layerwise import plots

    lrs = sorted({r["lr"] for r in results})
    st = {(r["activation"], r["lr"]): _stats(r) for r in results}

    fig, (ax1, ax2) = plots.figure(1, 2, size=(11, 4.0))
    for k, a in enumerate(ACTIVATIONS):
        colour, marker = plots.PALETTE[k], plots.MARKERS[k]
        xs = [lr for lr in lrs if st[(a, lr)]["dead"] is not None]
        ax1.errorbar(xs, [st[(a, lr)]["dead"] for lr in xs],
                     yerr=[st[(a, lr)]["dead_sd"] for lr in xs], marker=marker, color=colour,
                     capsize=3, label=a)
        ax2.plot(xs, [st[(a, lr)]["acc"] for lr in xs], marker=marker, color=colour, label=a)
        gone = [lr for lr in lrs if st[(a, lr)]["diverged"]]
        if gone:  # runs that diverged, drawn as crosses on the axis
            ax1.scatter(gone, [-0.02 - 0.02 * k] * len(gone), marker="x", color=colour, s=40)
    ax1.axhline(0.4, color=plots.GREY, linestyle=":", linewidth=1.2)
    ax1.text(lrs[0], 0.42, "the seed's 40%", color=plots.GREY, fontsize=9)
    for ax in (ax1, ax2):
        ax.set_xscale("log")
        ax.set_xlabel("learning rate (SGD)")
        ax.legend(loc="upper left" if ax is ax1 else "lower left")
    ax1.set_ylabel("units never active on the training set")
    ax1.set_ylim(-0.09, 1.0)
    ax2.set_ylabel("training accuracy (non-diverged runs)")
    ax1.set_title("x below zero: runs that diverged")
    png = "dying_relu.png"
    plots.save(fig, out / png)

    relu = {lr: st[("relu", lr)] for lr in lrs}
    alive = [lr for lr in lrs if relu[lr]["dead"] is not None]
    peak_lr = max(alive, key=lambda lr: relu[lr]["dead"]) if alive else None
    peak = relu[peak_lr]["dead"] if alive else 0.0
    low = relu[lrs[0]]["dead"]
    layers = ", ".join(f"hidden layer {k + 1}: {v:.0%}"
                       for k, v in enumerate(_per_layer(results, "relu", peak_lr)))
    verdict = ("supported" if peak >= SEED_SCALE and low is not None and low <= FEW else
               "partly" if peak >= DYING / 2 else "not supported")
    n_seeds = relu[lrs[0]]["n"]
    claims = [Claim(
        id="dead-at-high-lr",
        claim="With too high a learning rate, as much as 40% of a ReLU net can be dead.",
        measured=("ReLU dead fraction (mean of " + str(n_seeds) + " seeds): "
                  + ", ".join(f"lr {lr:g}: {_pct(relu[lr]['dead'])}"
                              + (f" ({relu[lr]['diverged']} diverged)"
                                 if relu[lr]["diverged"] else "") for lr in lrs)),
        verdict=verdict,
        why=("Every ReLU run diverged, so no dead fraction was measured." if not alive else
             f"At lr {peak_lr:g} {peak:.0%} of the hidden units never activate on the training "
             f"set ({layers}), against {low:.0%} at lr {lrs[0]:g}." if verdict == "supported" else
             f"The largest dead fraction before divergence is {peak:.0%} (lr {peak_lr:g}; "
             f"{layers}), against {_pct(low)} at lr {lrs[0]:g}; the seed speaks of up to 40%."),
        figures=[png])]

    best_lr = max(alive, key=lambda lr: relu[lr]["acc"]) if alive else lrs[0]
    few = relu[best_lr]["dead"] is not None and relu[best_lr]["dead"] <= FEW
    claims.append(Claim(
        id="proper-lr",
        claim="With a proper learning rate, dead units are much less of an issue.",
        measured=(f"at the ReLU net's best learning rate ({best_lr:g}, training accuracy "
                  f"{relu[best_lr]['acc']:.1%}) {_pct(relu[best_lr]['dead'])} of units are dead"),
        verdict="supported" if few else "not supported",
        why=(f"At most {FEW:.0%} of units are dead where the net trains best." if few else
             "Even at its best learning rate the net keeps many dead units."),
        figures=[png]))

    dying = [lr for lr in alive if relu[lr]["dead"] >= DYING] or ([peak_lr] if alive else [])
    wins, parts = {}, []
    for a in ACTIVATIONS[1:]:
        wins[a] = []
        for lr in dying:
            s = st[(a, lr)]
            fewer_dead = s["dead"] is not None and s["dead"] < relu[lr]["dead"]
            if fewer_dead and s["acc_all"] > relu[lr]["acc_all"]:
                wins[a].append(lr)
            parts.append(f"{a} at lr {lr:g}: all {s['n']} runs diverged" if s["dead"] is None
                         else f"{a} at lr {lr:g}: {s['dead']:.0%} inactive, accuracy "
                         f"{s['acc']:.0%}"
                         + (f", {s['diverged']}/{s['n']} diverged" if s["diverged"] else ""))
    relu_parts = [f"relu at lr {lr:g}: {_pct(relu[lr]['dead'])} dead, accuracy "
                  f"{relu[lr]['acc']:.0%}" for lr in dying]
    full = [a for a in wins if dying and len(wins[a]) == len(dying)]
    some = [a for a in wins if wins[a]]
    verdict = ("supported" if len(full) == len(wins) else "partly" if some else "not supported")
    outcome = "; ".join(
        f"{a} does better at lr {', '.join(f'{lr:g}' for lr in wins[a])}" if wins[a] else
        f"{a} does no better (it diverges or ends with as many inactive units)" for a in wins)
    dying_str = ", ".join(f"{lr:g}" for lr in dying)
    claims.append(Claim(
        id="leaky-maxout",
        claim="Leaky ReLU and maxout avoid the dying ReLU problem.",
        measured="; ".join(relu_parts + parts),
        verdict=verdict,
        why=(f"Compared at the learning rates where ReLU nets lose units ({dying_str}), "
             "with fewer inactive units and a higher training accuracy "
             f"(diverged runs counted as chance) as the test: {outcome}. An inactive leaky or "
             "maxout unit still passes a gradient, so it can recover."),
        figures=[png]))

    rows = [[f"{lr:g}"] + [f"{_pct(st[(a, lr)]['dead'])}"
                           + (f" ({st[(a, lr)]['diverged']}/{st[(a, lr)]['n']} div.)"
                              if st[(a, lr)]["diverged"] else "") for a in ACTIVATIONS]
            for lr in lrs]
    return Section(
        id=ID, title=TITLE, seed_ref=SEED_REF,
        method=(f"Digits (1,797 samples, standardized); a 64-{HIDDEN[0]}-{HIDDEN[1]}-10 net per "
                f"unit type, trained with plain SGD (batch {BATCH}, {results[0]['epochs']} "
                f"epochs) from {n_seeds} seeds per learning rate; dead units counted over the "
                "whole training set after training, pooled over both hidden layers."),
        claims=claims, figures=[png],
        table={"columns": ["learning rate"] + [f"{a}: never active" for a in ACTIVATIONS],
               "rows": rows},
        numbers={"stats": {f"{a}@{lr:g}": v for (a, lr), v in st.items()},
                 "results": results})
