"""Representational power: one hidden layer approximating 1-D continuous functions.

The seed: a net with one hidden layer (and a reasonable non-linearity such as the sigmoid) can
approximate any continuous function to any accuracy, ``|f(x) - g(x)| < eps`` everywhere; but so
can the "sum of indicator bumps" ``g(x) = sum_i c_i 1(a_i < x < b_i)``, which nobody would use.
Nets work in practice because they express nice, smooth functions compactly.

Here 1-hidden-layer sigmoid nets of growing width are fitted (mean squared error, Adam, full
batch) to continuous targets on ``[-1, 1]`` from :mod:`layerwise.data.functions`, and the
worst-case error ``max |f - g|`` is measured on a grid ten times finer than the training points.
The theorem is about existence, so the best of a few initializations counts for the width; the
hidden units start with their sigmoid centres spread over the interval (the default zero bias
would put every centre at x = 0), then everything trains. Beside them, the sum of indicator
bumps with ``K`` equal bins (:func:`~layerwise.data.functions.indicator_bumps_fit`) is measured
the same way, and the two compared at equal parameter counts: ``3H + 1`` for the net with ``H``
hidden units, ``3K`` for ``K`` bumps.
"""
from __future__ import annotations

import math

import numpy as np

from ..common import FULL_SEEDS, Rule, fmt_interval, interval, omit, seeds_for
from ..core import Claim, Section

ID = "universal"
TITLE = "Representational power: one hidden layer against indicator bumps"
CLAIM = ("One hidden layer approximates a continuous function as closely as wanted; so does a sum "
         "of indicator bumps, but the net does it with far fewer parameters.")
SEED_REF = "Section 3.3, representational power"

TARGETS_FULL = ("sine", "bumps")
TARGETS_QUICK = ("sine",)
HIDDEN_FULL = (2, 4, 8, 16, 32)
HIDDEN_QUICK = (2, 8, 32)
BUMPS = (2, 4, 8, 16, 32, 64, 128, 256, 512)
N_TRAIN, N_EVAL = 256, 2561
N_BUMPS = 16_384  # points the bumps' heights are averaged from
LR = 0.01
#: the epsilon a fit must reach to count as "as close as wanted" here
EPS = 0.05
STEPS = 4000
QUOTE_NET = "In other words, the neural network can approximate any continuous function."
QUOTE_BUMPS = ("In one dimension, the “sum of indicator bumps” function g(x)=∑ici𝟙(ai<x<bi) "
               "where a,b,c are parameter vectors is also a universal approximator,")
QUOTE_COMPACT = ("Neural Networks work well in practice because they compactly express nice, "
                 "smooth functions that fit well with the statistical properties of data we "
                 "encounter in practice, and are also easy to learn using our optimization "
                 "algorithms (e.g. gradient descent).")
NET_RULE = Rule("the widest net's worst-case error (per seed, the worse target)",
                supported=EPS, partly=2 * EPS, higher=False)
BUMPS_RULE = (f"supported (the construction holds) if, on every target, the most bins give a "
              f"worst-case error below {EPS:g} and fewer than the fewest bins; otherwise not "
              "supported.")
COMPACT_RULE = Rule("the per-seed geometric mean, over widths of 8 and up, of bumps' error / "
                    "net's error at equal parameter counts", supported=2.0, partly=1.0)


def tasks(quick=False, seed=0):
    """One task per (target, hidden size), each trying a few initializations; one bumps task
    per target."""
    targets, hidden, n = ((TARGETS_QUICK, HIDDEN_QUICK, 3) if quick else
                          (TARGETS_FULL, HIDDEN_FULL, FULL_SEEDS))
    out = [{"kind": "net", "target": t, "hidden": h, "seeds": seeds_for(seed, n),
            "steps": STEPS} for t in targets for h in hidden]
    out += [{"kind": "bumps", "target": t, "bumps": list(BUMPS)} for t in targets]
    return out


def spread_centres(net, rng, interval=(-1.0, 1.0), slopes=(5.0, 30.0)):
    """Set the first layer so that each sigmoid unit's centre ``-b/w`` lies at a random point of
    ``interval``, with a random slope ``|w|`` in ``slopes`` and a random sign."""
    dense = net.layers[0]
    h = dense.out_features
    w = rng.choice([-1.0, 1.0], h) * rng.uniform(*slopes, h)
    centres = rng.uniform(*interval, h)
    dense.weight[:, 0] = w
    dense.bias[:] = -w * centres


def run_task(kind, target, hidden=None, seeds=(), steps=0, bumps=()):
    """Fit nets of one width (``kind="net"``) or indicator bumps (``"bumps"``) to one target;
    return worst-case errors and the fitted curves on a plotting grid."""
    import layerwise as lw
    from layerwise.data.functions import indicator_bumps_fit, target_function

    x, y = target_function(target, n=N_TRAIN, grid=True)
    xe, ye = target_function(target, n=N_EVAL, grid=True)
    xp = np.linspace(-1, 1, 401)[:, None]
    if kind == "bumps":
        # the bumps' heights come from a dense grid, so that no bin is empty even at 512 bins:
        # the bumps get the function itself, which only favours them in the comparison
        xb, yb = target_function(target, n=N_BUMPS, grid=True)
        errs, curves = [], {}
        for k in bumps:
            g = indicator_bumps_fit(xb, yb, n_bumps=k, interval=(-1, 1))
            errs.append(float(np.abs(g.predict(xe) - ye).max()))
            curves[str(k)] = g.predict(xp).tolist()
        return {"kind": kind, "target": target, "bumps": list(bumps), "max_err": errs,
                "params": [3 * k for k in bumps], "curves": curves}
    if kind != "net":
        raise ValueError(f"kind must be 'net' or 'bumps', got {kind!r}")
    runs = []
    for s in seeds:
        net = lw.Network([1, hidden, 1], activation="sigmoid", seed=s)
        spread_centres(net, np.random.default_rng([s, hidden]))
        trainer = lw.Trainer(net, loss="mse", optimizer="adam", lr=LR, batch_size=N_TRAIN, seed=s)
        X, Y = trainer.prepare(x, y)
        for i in range(steps):
            # cosine decay to a hundredth: the last steps settle into the minimum
            trainer.optimizer.lr = LR * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * i / steps)))
            trainer.step(X, Y)
        runs.append({"seed": s, "max_err": float(np.abs(net.forward(xe)[:, 0] - ye).max()),
                     "curve": net.forward(xp)[:, 0].astype(np.float64).tolist()})
    best = min(runs, key=lambda r: r["max_err"])
    return {"kind": kind, "target": target, "hidden": hidden, "params": 3 * hidden + 1,
            "steps": steps, "seeds": list(seeds), "max_err": [r["max_err"] for r in runs],
            "best_err": best["max_err"], "median_err": float(np.median([r["max_err"]
                                                                        for r in runs])),
            "curve": best["curve"]}


def summarize(results, out, quick=False):
    from layerwise import plots
    from layerwise.data.functions import get_function

    targets = [t for t in TARGETS_FULL if any(r["target"] == t for r in results)]
    nets = {t: sorted((r for r in results if r["kind"] == "net" and r["target"] == t),
                      key=lambda r: r["hidden"]) for t in targets}
    bumps = {t: next(r for r in results if r["kind"] == "bumps" and r["target"] == t)
             for t in targets}

    fig, axes = plots.figure(1, len(targets) + 1, size=(4.6 * (len(targets) + 1), 3.9))
    xp = np.linspace(-1, 1, 401)
    for ax, t in zip(axes, targets):
        ax.plot(xp, get_function(t)(xp), color=plots.PALETTE[7], linewidth=1.2,
                linestyle="--", zorder=5, label=f"target: {t}")
        # a narrow net that misses and a wider one that fits, and as many bumps as it has units
        shown = [nets[t][1], nets[t][min(3, len(nets[t]) - 1)]]
        for k, r in enumerate(shown):
            ax.plot(xp, r["curve"], color=plots.PALETTE[2 * k], linewidth=2.2,
                    label=f"net, {r['hidden']} hidden (err {r['best_err']:.3f})")
        kb = str(shown[-1]["hidden"])
        err = bumps[t]["max_err"][bumps[t]["bumps"].index(int(kb))]
        ax.step(xp, bumps[t]["curves"][kb], where="mid", color=plots.PALETTE[3], linewidth=1.0,
                label=f"{kb} bumps (err {err:.3f})")
        ax.set(xlabel="x", ylabel="f(x) and its approximations", title=f"target: {t}")
        ax.legend(fontsize=8, loc="best")
    ax = axes[-1]
    for k, t in enumerate(targets):
        ax.plot([r["params"] for r in nets[t]], [r["best_err"] for r in nets[t]], marker="o",
                color=plots.PALETTE[k], label=f"1-hidden-layer net, target {t}")
        ax.plot(bumps[t]["params"], bumps[t]["max_err"], marker="s", linestyle="--",
                color=plots.PALETTE[k], alpha=0.7, label=f"indicator bumps, target {t}")
    ax.axhline(EPS, color=plots.GREY, linestyle=":", linewidth=1.2)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set(xlabel="parameters", ylabel="worst-case error max |f - g|",
           title=f"dotted: eps = {EPS:g}")
    ax.legend(fontsize=8)
    png = "universal.png"
    plots.save(fig, out / png)

    # 1. nets: the widest net's worst-case error, per seed, below eps
    seeds = nets[targets[0]][0]["seeds"]
    widest = interval([max(nets[t][-1]["max_err"][i] for t in targets)
                       for i in range(len(seeds))])
    verdict = NET_RULE(widest[1])
    parts = [f"{t}: " + ", ".join(f"{r['hidden']} units {np.mean(r['max_err']):.3f}"
                                  for r in nets[t]) for t in targets]
    claims = [Claim(
        id="net-approximates",
        claim=("A net with one hidden layer of sigmoids approximates a continuous function "
               "within any eps, given enough units."),
        measured=(f"worst-case error, mean over {len(seeds)} initializations: " + "; ".join(parts)
                  + f"; widest net, worse target: {fmt_interval(*widest)}"),
        verdict=verdict, quote=QUOTE_NET, rule=NET_RULE.text, value=widest[0],
        interval=widest[1], seeds=seeds,
        why={"supported": f"The widest net comes within eps = {EPS:g} of every target, from "
                          "every initialization.",
             "partly": f"The widest net comes within twice eps = {EPS:g}.",
             "not supported": "Even the widest net misses the targets by more than twice eps.",
             "inconclusive": "The initializations disagree too much to decide."}[verdict],
        figures=[png])]

    # 2. bumps: also universal (a construction: no training, no seed)
    parts, ok, rates = [], [], []
    for t in targets:
        e = bumps[t]["max_err"]
        # error ratio per doubling of the bins, over the upper half of the bin counts
        half = len(e) // 2
        rates.append((e[half] / e[-1]) ** (1 / (len(e) - 1 - half)))
        parts.append(f"{t}: " + ", ".join(f"{k} bumps {v:.3f}"
                                          for k, v in zip(bumps[t]["bumps"], e)))
        ok.append(e[-1] < EPS and e[-1] < e[0])
    verdict = "supported" if all(ok) else "not supported"
    claims.append(Claim(
        id="bumps-approximate",
        claim="The sum of indicator bumps is also a universal approximator in one dimension.",
        measured="worst-case error: " + "; ".join(parts),
        verdict=verdict, kind="identity", quote=QUOTE_BUMPS, rule=BUMPS_RULE,
        value=max(bumps[t]["max_err"][-1] for t in targets),
        why=(f"With enough bins the error drops below eps = {EPS:g} on every target; each "
             "doubling of the bins divides it by "
             + " and ".join(f"{r:.2f} ({t})" for r, t in zip(rates, targets))
             + " on average." if verdict == "supported" else
             f"The bumps reach eps = {EPS:g} on only some targets with {BUMPS[-1]} bins."),
        figures=[png]))

    # 3. compactness: at equal parameter counts the net is closer, seed by seed
    per_seed = []
    for i in range(len(seeds)):
        logs = [math.log(bumps[t]["max_err"][bumps[t]["bumps"].index(r["hidden"])]
                         / r["max_err"][i])
                for t in targets for r in nets[t]
                if r["hidden"] in bumps[t]["bumps"] and r["hidden"] >= 8]
        per_seed.append(math.exp(float(np.mean(logs))))
    cm, civ = interval(per_seed)
    verdict = COMPACT_RULE(civ)
    parts = [f"{t}, {r['hidden']} units ({r['params']} parameters) {np.mean(r['max_err']):.3f} "
             f"against {r['hidden']} bumps ({3 * r['hidden']}) "
             f"{bumps[t]['max_err'][bumps[t]['bumps'].index(r['hidden'])]:.3f}"
             for t in targets for r in nets[t] if r["hidden"] in bumps[t]["bumps"]
             and r["hidden"] >= 8]
    claims.append(Claim(
        id="net-compact",
        claim=("Nets express smooth functions compactly: at the same number of parameters the "
               "net is much closer than the bumps."),
        measured=("worst-case error, net (mean of initializations) against bumps: "
                  + "; ".join(parts) + f"; ratio bumps/net {fmt_interval(cm, civ)}"),
        verdict=verdict, quote=QUOTE_COMPACT, rule=COMPACT_RULE.text, value=cm, interval=civ,
        seeds=seeds,
        why={"supported": "At equal parameter counts the net's error is under half the bumps'.",
             "partly": "The net is closer, by less than a factor of two.",
             "not supported": "The bumps are closer at equal parameter counts.",
             "inconclusive": "The initializations disagree too much to decide."}[verdict],
        figures=[png]))

    rows = [[t, r["hidden"], r["params"], f"{r['best_err']:.4f}", f"{r['median_err']:.4f}",
             f"{bumps[t]['max_err'][bumps[t]['bumps'].index(r['hidden'])]:.4f}"
             if r["hidden"] in bumps[t]["bumps"] else "-"] for t in targets for r in nets[t]]
    return Section(
        id=ID, title=TITLE, seed_ref=SEED_REF,
        method=(f"Targets from layerwise.data.functions on [-1, 1] ({', '.join(targets)}), "
                f"{N_TRAIN} evenly spaced training points; 1-H-1 sigmoid nets, hidden centres "
                f"spread over the interval, trained full batch on the mean squared error with "
                f"Adam (lr {LR:g} with cosine decay, {nets[targets[0]][0]['steps']} steps), "
                f"{len(seeds)} initializations per width; indicator bumps on K equal bins, each at "
                f"the mean of the target over it ({N_BUMPS:,} grid points). Errors are "
                f"max |f - g| over {N_EVAL} grid points."),
        claims=claims, figures=[png],
        captions={png: "Left: each target with a narrow and a wider one-hidden-layer net (best "
                       "initialization) and as many indicator bumps as the wider net has units. "
                       "Right: worst-case error against parameters, nets and bumps."},
        table={"columns": ["target", "hidden units", "net parameters", "net error (best)",
                           "net error (median)", "error of as many bumps"], "rows": rows},
        numbers={"nets": [omit(r, "curve") for r in results if r["kind"] == "net"],
                 "bumps": [omit(r, "curves") for r in results if r["kind"] == "bumps"]})
