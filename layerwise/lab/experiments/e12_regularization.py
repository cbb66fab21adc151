"""Regularization strength: the 20-neuron net with L2 of 0.001, 0.01 and 0.1, dropout, input noise.

The seed's closing figure trains the 20-hidden-neuron net of ch6-09 with L2 strengths 0.001,
0.01 and 0.1: the decision regions get smoother as the strength grows. The seed adds that
regularization (L2, dropout, input noise), not a smaller net, is the preferred way to control
overfitting.

Here the 20-neuron net of :mod:`.e11_capacity` is trained on the same kind of data (two blobs,
a tenth of the labels flipped) with no regularization, with each L2 strength (``reg/2 *
sum(W**2)`` added to the mean data loss), with dropout on the hidden layer, and with Gaussian
input noise (:class:`~layerwise.engine.layers.GaussianNoise` in front of the net, through
:class:`~layerwise.engine.network.Sequential`); the 3-neuron net without regularization runs beside
them. Smoothness is measured as in the capacity experiment: the number of connected decision
regions and the fraction of neighbouring grid cells whose labels differ.
"""
from __future__ import annotations

import numpy as np

from ..common import keep_net, omit, verdict_of
from ..core import Claim, Section
from .e11_capacity import (FLIP, LR, N_TRAIN, TABLE_COLUMNS, accuracy_errorbars,
                           draw_kept_regions, measure, summary_stats, table_row,
                           train_full_batch, train_test_blobs)

ID = "regularization"
TITLE = "Regularization strength: L2, dropout and input noise on the 20-neuron net"
CLAIM = ("Stronger L2 makes the 20-neuron net's regions smoother; L2, dropout and input noise "
         "control overfitting better than shrinking the net.")
SEED_REF = "Section 3.4, the figure of L2 strengths 0.001, 0.01, 0.1"

HIDDEN = 20
L2 = (0.001, 0.01, 0.1)
DROPOUT = 0.3
NOISE = 0.5  # input noise std; the blobs have std 1 and centres 4 apart
#: (name, hidden, l2, dropout, input noise) of every setting, in the report's order
SETTINGS = ([("none", HIDDEN, 0.0, 0.0, 0.0)]
            + [(f"L2 {r:g}", HIDDEN, r, 0.0, 0.0) for r in L2]
            + [(f"dropout {DROPOUT:g}", HIDDEN, 0.0, DROPOUT, 0.0),
               (f"input noise {NOISE:g}", HIDDEN, 0.0, 0.0, NOISE),
               ("3 neurons, none", 3, 0.0, 0.0, 0.0)])


def build(hidden, dropout=0.0, noise=0.0, seed=0):
    """The 2-hidden-2 ReLU net, with dropout on the hidden layer or noise on the inputs.

    >>> build(20, noise=0.5).layers[0]
    GaussianNoise(std=0.5)
    """
    import layerwise as lw

    net = lw.Network([2, hidden, 2], activation="relu", dropout=dropout, seed=seed)
    if noise:
        rng = np.random.default_rng([seed, 1])
        net = lw.Sequential(lw.GaussianNoise(noise, rng=rng),
                            *(layer.copy() for layer in net.layers))
    return net


def tasks(quick=False, seed=0):
    """One task per (setting, repeat); repeat r uses the data and weights of seed + r."""
    repeats, steps = (2, 1500) if quick else (5, 5000)
    return [{"setting": name, "hidden": h, "l2": l2, "dropout": p, "noise": s,
             "seed": int(seed) + r, "steps": steps, "keep": r == 0}
            for name, h, l2, p, s in SETTINGS for r in range(repeats)]


def run_task(setting, hidden, l2, dropout, noise, seed, steps, keep=False):
    """Train one regularized net on one draw of the data; measure it."""
    X, y, Xt, yt = train_test_blobs(seed)
    net = build(hidden, dropout, noise, seed)
    loss = train_full_batch(net, X, y, steps, reg=l2, seed=seed)
    out = {"setting": setting, "hidden": hidden, "l2": l2, "dropout": dropout, "noise": noise,
           "seed": seed, "steps": steps, "loss": loss, **measure(net, X, y, Xt, yt)}
    if keep:  # evaluation ignores dropout and noise: the rebuilt net draws the same regions
        out.update(keep_net(net))
    return out


def summarize(results, out, quick=False):
    from layerwise import plots

    names = [s[0] for s in SETTINGS]
    by = {n: [r for r in results if r["setting"] == n] for n in names}
    stats = {n: summary_stats(rs) for n, rs in by.items()}
    n_runs = len(by["none"])

    fig, axes = plots.figure(2, 4, size=(15, 7.4), squeeze=False)
    for ax, n in zip(axes.flat, names):
        draw_kept_regions(ax, by[n], n, legend=n == "none")
    axes.flat[-1].set_visible(False)
    regions_png = "regularization_regions.png"
    plots.save(fig, out / regions_png)

    fig, (ax1, ax2) = plots.figure(1, 2, size=(11, 4.0))
    xs = accuracy_errorbars(ax1, stats, names)
    ax1.set_xticks(xs, names, rotation=35, ha="right")
    ax1.set_xlabel("setting")
    ax2.bar(xs, [stats[n]["boundary"][0] for n in names],
            yerr=[stats[n]["boundary"][1] for n in names], capsize=4,
            color=[plots.PALETTE[2]] * (len(names) - 1) + [plots.GREY], alpha=0.85)
    ax2.set_xticks(xs, names, rotation=35, ha="right")
    ax2.set(xlabel="setting", ylabel="boundary: share of grid edges crossing it")
    summary_png = "regularization_summary.png"
    plots.save(fig, out / summary_png)

    # 1. smoother with stronger L2
    l2_names = [f"L2 {r:g}" for r in L2]
    bnd = [stats[n]["boundary"][0] for n in l2_names]
    reg = [stats[n]["regions"][0] for n in l2_names]
    falls = all(a > b for a, b in zip(bnd, bnd[1:]))
    verdict = ("supported" if falls and all(a >= b for a, b in zip(reg, reg[1:])) else
               "partly" if bnd[-1] < bnd[0] else "not supported")
    claims = [Claim(
        id="l2-smoother",
        claim="As the L2 strength grows from 0.001 to 0.01 to 0.1, the regions get smoother.",
        measured="; ".join(f"{n}: boundary {stats[n]['boundary'][0]:.2%}, "
                           f"{stats[n]['regions'][0]:.1f} regions" for n in l2_names)
        + f" (no L2: {stats['none']['boundary'][0]:.2%}, {stats['none']['regions'][0]:.1f}; "
          f"means over {n_runs} runs)",
        verdict=verdict,
        why=("The boundary shortens at every step up in strength and the number of regions "
             "never grows." if verdict == "supported" else
             "The strongest L2 gives a shorter boundary than the weakest, but not step by step."
             if verdict == "partly" else "Stronger L2 did not shorten the boundary here."),
        figures=[regions_png, summary_png])]

    # 2. L2 controls overfitting: the train-test gap shrinks with strength
    gaps = [stats[n]["train_acc"][0] - stats[n]["test_acc"][0] for n in ["none"] + l2_names]
    best = max(["none"] + l2_names, key=lambda n: stats[n]["test_acc"][0])
    verdict = ("supported" if gaps[-1] < gaps[0] and best != "none" else
               "partly" if gaps[-1] < gaps[0] or best != "none" else "not supported")
    claims.append(Claim(
        id="l2-overfitting",
        claim="Stronger L2 controls the overfitting of the 20-neuron net.",
        measured="; ".join(f"{n}: train {stats[n]['train_acc'][0]:.1%}, test "
                           f"{stats[n]['test_acc'][0]:.1%}" for n in ["none"] + l2_names),
        verdict=verdict,
        why=(f"The train-test gap falls from {gaps[0]:.1%} without L2 to {gaps[-1]:.1%} at "
             f"0.1, and the best test accuracy comes with L2 ({best})."
             if verdict == "supported" else
             f"Gap without L2 {gaps[0]:.1%}, at 0.1 {gaps[-1]:.1%}; best test accuracy: {best}."),
        figures=[summary_png]))

    # 3. dropout and input noise act the same way at the same size
    others = [f"dropout {DROPOUT:g}", f"input noise {NOISE:g}"]
    ok = [stats[n]["boundary"][0] < stats["none"]["boundary"][0]
          and stats[n]["test_acc"][0] > stats["none"]["test_acc"][0] for n in others]
    verdict = verdict_of(ok)
    claims.append(Claim(
        id="dropout-noise",
        claim="Dropout and input noise also control overfitting without shrinking the net.",
        measured="; ".join(f"{n}: test {stats[n]['test_acc'][0]:.1%}, boundary "
                           f"{stats[n]['boundary'][0]:.2%}" for n in ["none"] + others),
        verdict=verdict,
        why=("Each gives a shorter boundary and a higher test accuracy than the unregularized "
             "net of the same size." if verdict == "supported" else
             "Only " + " and ".join(n for n, o in zip(others, ok) if o) + " beat the "
             "unregularized net on both counts." if verdict == "partly" else
             "Neither beats the unregularized net on both boundary length and test accuracy."),
        figures=[regions_png, summary_png]))

    # 4. regularize the big net rather than shrink it
    reg_names = l2_names + others
    best_reg = max(reg_names, key=lambda n: stats[n]["test_acc"][0])
    b_m, b_sd = stats[best_reg]["test_acc"]
    s_m, s_sd = stats["3 neurons, none"]["test_acc"]
    se = np.hypot(b_sd, s_sd) / np.sqrt(n_runs)
    verdict = ("supported" if b_m >= s_m else "partly" if s_m - b_m <= se else "not supported")
    claims.append(Claim(
        id="regularize-not-shrink",
        claim="Controlling overfitting with regularization works better than using fewer neurons.",
        measured=(f"best regularized 20-neuron net ({best_reg}): test {b_m:.1%} ± {b_sd:.1%}; "
                  f"3-neuron net: {s_m:.1%} ± {s_sd:.1%}"),
        verdict=verdict,
        why=("The regularized big net matches or beats the small net on test data."
             if verdict == "supported" else
             "The small net is ahead, but within the standard error of the difference."
             if verdict == "partly" else
             "The small net generalizes better than every regularized big net here."),
        figures=[summary_png]))

    rows = [table_row(n, stats[n]) for n in names]
    return Section(
        id=ID, title=TITLE, seed_ref=SEED_REF,
        method=(f"The data of the capacity experiment (two blobs, {FLIP:.0%} of labels flipped, "
                f"{N_TRAIN} training points). 2-{HIDDEN}-2 ReLU nets trained full batch with "
                f"Adam (lr {LR}, {results[0]['steps']} steps) under each setting; L2 is reg/2 "
                f"sum(W^2) on the weights only; dropout p={DROPOUT:g} on the hidden layer; input "
                f"noise N(0, {NOISE:g}^2) added in training. {n_runs} runs per setting."),
        claims=claims, figures=[regions_png, summary_png],
        table={"columns": ["setting", *TABLE_COLUMNS], "rows": rows},
        numbers={"stats": stats, "runs": [omit(r, "state", "config") for r in results]})
