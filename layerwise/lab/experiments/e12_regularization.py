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

from ..common import (COMBINE_TEXT, Rule, combine, fmt_interval, interval, keep_net, omit,
                      seeds_for)
from ..core import Claim, Section
from .e11_capacity import (FLIP, LR, N_TRAIN, SEEDS_FULL, SEEDS_QUICK, STEPS, TABLE_COLUMNS,
                           accuracy_errorbars, draw_kept_regions, measure, noisy_blobs,
                           summary_stats, table_row, train_full_batch, train_test_blobs)

ID = "regularization"
TITLE = "Regularization strength: L2, dropout and input noise on the 20-neuron net"
CLAIM = ("Stronger L2 makes the 20-neuron net's regions smoother; L2, dropout and input noise "
         "control overfitting better than shrinking the net.")
SEED_REF = "Section 3.4, the figure of L2 strengths 0.001, 0.01, 0.1"

LESSON = "l2"
HIDDEN = 20
L2 = (0.001, 0.01, 0.1)
N_VAL = 500  # an independent draw that chooses among the settings; the test draw only reports
ORIGIN = ("The strengths 0.001, 0.01 and 0.1 and the 20-neuron net are the original cs231n "
          "notes' figure; our notes keep only the sentence that introduces it.")
QUOTE_SETTINGS = ("To reiterate, the regularization strength is the preferred way to control the "
                  "overfitting of a neural network. We can look at the results achieved by three "
                  "different settings:")
QUOTE_OVERFIT = ("To reiterate, the regularization strength is the preferred way to control the "
                 "overfitting of a neural network.")
QUOTE_OTHERS = ("However, this is incorrect - there are many other preferred ways to prevent "
                "overfitting in Neural Networks that we will discuss later (such as L2 "
                "regularization, dropout, input noise).")
QUOTE_NOT_SHRINK = ("In practice, it is always better to use these methods to control overfitting "
                    "instead of the number of neurons.")
SMOOTH_RULE = Rule("the per-seed ratio of boundary length, L2 0.1 / L2 0.001", supported=0.67,
                   partly=0.9, higher=False)
GAP_RULE = Rule("the per-seed drop in the train-test accuracy gap from no L2 to L2 0.1",
                supported=0.02, partly=0.0)
BEATS_RULE = Rule("the per-seed test-accuracy gain over the unregularized 20-neuron net",
                  supported=0.0)
SHRINK_RULE = Rule("the per-seed test-accuracy gain of the regularized 20-neuron net chosen on "
                   "the validation draw over the 3-neuron net", supported=0.0)
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
    seeds = seeds_for(seed, SEEDS_QUICK if quick else SEEDS_FULL)
    return [{"setting": name, "hidden": h, "l2": l2, "dropout": p, "noise": s,
             "seed": r, "steps": STEPS, "keep": r == seeds[0]}
            for name, h, l2, p, s in SETTINGS for r in seeds]


def run_task(setting, hidden, l2, dropout, noise, seed, steps, keep=False):
    """Train one regularized net on one draw of the data; measure it."""
    X, y, Xt, yt = train_test_blobs(seed)
    net = build(hidden, dropout, noise, seed)
    loss = train_full_batch(net, X, y, steps, reg=l2, seed=seed)
    import layerwise as lw

    Xv, yv = noisy_blobs(N_VAL, seed=20_000 + seed)
    out = {"setting": setting, "hidden": hidden, "l2": l2, "dropout": dropout, "noise": noise,
           "seed": seed, "steps": steps, "loss": loss, "val_acc": lw.accuracy(net, Xv, yv),
           **measure(net, X, y, Xt, yt)}
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

    seeds = [r["seed"] for r in by["none"]]
    per = {n: {r["seed"]: r for r in by[n]} for n in names}

    def iv_of(values):
        return interval(values)

    # 1. smoother with stronger L2
    l2_names = [f"L2 {r:g}" for r in L2]
    sm, siv = iv_of([per[l2_names[-1]][s]["boundary"] / max(per[l2_names[0]][s]["boundary"], 1e-9)
                     for s in seeds])
    verdict = SMOOTH_RULE(siv)
    claims = [Claim(
        id="l2-smoother",
        claim="As the L2 strength grows from 0.001 to 0.01 to 0.1, the regions get smoother.",
        measured="; ".join(f"{n}: boundary {stats[n]['boundary'][0]:.2%}, "
                           f"{stats[n]['regions'][0]:.1f} regions" for n in l2_names)
        + f" (no L2: {stats['none']['boundary'][0]:.2%}, {stats['none']['regions'][0]:.1f}; "
          f"means over {n_runs} runs); ratio 0.1/0.001: {fmt_interval(sm, siv)}",
        verdict=verdict, quote=QUOTE_SETTINGS, rule=SMOOTH_RULE.text, origin=ORIGIN, value=sm,
        interval=siv, seeds=seeds,
        why={"supported": "The strongest L2 cuts the boundary to under two thirds of the "
                          "weakest's.",
             "partly": "The boundary shortens, by less than a third.",
             "not supported": "Stronger L2 did not shorten the boundary here.",
             "inconclusive": "The seeds disagree too much to place the ratio in one band."}[
                 verdict],
        figures=[regions_png, summary_png])]

    # 2. L2 controls overfitting: the train-test gap shrinks with strength
    def gap(r):
        return r["train_acc"] - r["test_acc"]

    gm, giv = iv_of([gap(per["none"][s]) - gap(per[l2_names[-1]][s]) for s in seeds])
    verdict = GAP_RULE(giv)
    claims.append(Claim(
        id="l2-overfitting",
        claim="Stronger L2 controls the overfitting of the 20-neuron net.",
        measured="; ".join(f"{n}: train {stats[n]['train_acc'][0]:.1%}, test "
                           f"{stats[n]['test_acc'][0]:.1%}" for n in ["none"] + l2_names)
        + f"; gap drop {fmt_interval(gm, giv, pct=True)}",
        verdict=verdict, quote=QUOTE_OVERFIT, rule=GAP_RULE.text, origin=ORIGIN, value=gm,
        interval=giv, seeds=seeds,
        why={"supported": "L2 0.1 closes the gap between training and test accuracy by more "
                          "than two points.",
             "partly": "The gap closes, by less than two points.",
             "not supported": "The gap does not close with L2 here.",
             "inconclusive": "The seeds disagree too much to place the drop in one band."}[
                 verdict],
        figures=[summary_png]))

    # 3. dropout and input noise act the same way at the same size
    others = [f"dropout {DROPOUT:g}", f"input noise {NOISE:g}"]
    parts = {n: iv_of([per[n][s]["test_acc"] - per["none"][s]["test_acc"] for s in seeds])
             for n in others}
    pv = {n: BEATS_RULE(parts[n][1]) for n in others}
    verdict = combine(pv.values())
    claims.append(Claim(
        id="dropout-noise",
        claim="Dropout and input noise also control overfitting without shrinking the net.",
        measured="; ".join(f"{n}: test {stats[n]['test_acc'][0]:.1%}, gain over none "
                           f"{fmt_interval(*parts[n], pct=True)} ({pv[n]})" for n in others)
        + f"; none: test {stats['none']['test_acc'][0]:.1%}",
        verdict=verdict, quote=QUOTE_OTHERS, rule=f"For each of dropout and input noise: "
        f"{BEATS_RULE.text} {COMBINE_TEXT}", value=parts[others[0]][0],
        interval=parts[others[0]][1], seeds=seeds,
        why={"supported": "Each raises the test accuracy of the same-size net, seed for seed.",
             "partly": "Only one of them raises the test accuracy.",
             "not supported": "Neither raises the test accuracy.",
             "inconclusive": "At least one gain's interval includes zero."}[verdict],
        figures=[regions_png, summary_png]))

    # 4. regularize the big net rather than shrink it: choose on validation, report on test
    reg_names = l2_names + others
    chosen = {s: max(reg_names, key=lambda n: per[n][s]["val_acc"]) for s in seeds}
    wm, wiv = iv_of([per[chosen[s]][s]["test_acc"] - per["3 neurons, none"][s]["test_acc"]
                     for s in seeds])
    verdict = SHRINK_RULE(wiv)
    picks = {n: sum(c == n for c in chosen.values()) for n in reg_names}
    claims.append(Claim(
        id="regularize-not-shrink",
        claim="Controlling overfitting with regularization works better than using fewer neurons.",
        measured=(f"regularized 20-neuron net chosen on a {N_VAL}-point validation draw ("
                  + ", ".join(f"{n} {k}x" for n, k in picks.items() if k)
                  + f"): test {np.mean([per[chosen[s]][s]['test_acc'] for s in seeds]):.1%}; "
                  f"3-neuron net: {stats['3 neurons, none']['test_acc'][0]:.1%}; gain "
                  f"{fmt_interval(wm, wiv, pct=True)}"),
        verdict=verdict, quote=QUOTE_NOT_SHRINK, rule=SHRINK_RULE.text, value=wm, interval=wiv,
        seeds=seeds,
        why={"supported": "The regularized big net, chosen without seeing the test set, is at "
                          "least as good on it as the small net, seed for seed.",
             "not supported": "The small net generalizes better than the chosen regularized "
                              "big net.",
             "inconclusive": "The gain's interval includes zero: neither is shown better."}.get(
                 verdict, ""),
        figures=[summary_png]))

    rows = [table_row(n, stats[n]) for n in names]
    return Section(
        id=ID, title=TITLE, seed_ref=SEED_REF,
        method=(f"The data of the capacity experiment (two blobs, {FLIP:.0%} of labels flipped, "
                f"{N_TRAIN} training points). 2-{HIDDEN}-2 ReLU nets trained full batch with "
                f"Adam (lr {LR}, {results[0]['steps']} steps) under each setting; L2 is reg/2 "
                f"sum(W^2) on the weights only; dropout p={DROPOUT:g} on the hidden layer; input "
                f"noise N(0, {NOISE:g}^2) added in training. {n_runs} runs per setting. The "
                f"regularized setting compared with the 3-neuron net is chosen per seed on an independent "
                f"{N_VAL}-point validation draw; the test draw only reports."),
        claims=claims, figures=[regions_png, summary_png],
        captions={regions_png: "Decision regions of the 20-neuron net under each setting, and "
                               "of the 3-neuron net, on the same training set (first seed).",
                  summary_png: "Left: training and test accuracy per setting (mean ± sd over "
                               "seeds); right: boundary length, the share of grid edges the "
                               "boundary crosses."},
        table={"columns": ["setting", *TABLE_COLUMNS], "rows": rows},
        numbers={"stats": stats, "runs": [omit(r, "state", "config") for r in results]})
