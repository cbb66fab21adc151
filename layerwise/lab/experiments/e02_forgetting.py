"""Regularization as gradual forgetting: with only the L2 gradient, weights shrink geometrically.

The notes read the regularization loss, biologically, as gradual forgetting: it drives every
synaptic weight towards zero after each update. With the data gradient removed, one SGD step on
``reg/2 * ||W||^2`` is ``W <- W - lr * reg * W = (1 - lr*reg) W``, so after ``t`` steps
``||W_t|| = (1 - lr*reg)^t ||W_0||``: a geometric decay with half-life
``ln 2 / -ln(1 - lr*reg)`` steps. We run the library's own pieces (``losses.regularization`` and
``optim.SGD``) with the data gradient set to zero and compare the measured norms with the closed
form, and check that the biases, which are never regularized, do not move.
"""
from __future__ import annotations

import math

import numpy as np

from ..common import randomize_biases
from ..core import Claim, Section

ID = "forgetting"
TITLE = "Regularization as gradual forgetting"
SEED_REF = "Section 2.2.3, Regularization interpretation"
CLAIM = ("The regularization loss drives all synaptic weights w towards zero after every "
         "parameter update: gradual forgetting.")

SIZES = [10, 50, 50, 3]
# (learning rate, L2 strength): lr*reg from 1e-3 to 1e-1
SETTINGS = [(0.1, 0.01), (0.5, 0.01), (0.1, 0.1), (1.0, 0.1)]
TOLERANCE = 1e-9  # float64 round-off over a few hundred steps stays far below this


def tasks(quick, seed):
    steps = 120 if quick else 400
    return [{"lr": lr, "reg": reg, "steps": steps, "seed": seed + i}
            for i, (lr, reg) in enumerate(SETTINGS)]


def run_task(lr, reg, steps, seed):
    import layerwise as lw

    net = lw.Network(SIZES, activation="relu", dtype=np.float64, seed=seed)
    # give the biases values, so that "they do not move" is a real check
    randomize_biases(net, np.random.default_rng(seed + 1000))
    W0 = net.flat_params[net.weight_slice].copy()
    b0 = net.flat_params[net.weight_slice.stop:].copy()
    opt = lw.optim.SGD(net, lr=lr)
    norms, entry_dev = [float(np.linalg.norm(W0))], 0.0
    for t in range(1, steps + 1):
        net.flat_grads[...] = 0.0  # the data gradient, removed
        lw.losses.regularization(net, reg, "l2")
        opt.step()
        W = net.flat_params[net.weight_slice]
        norms.append(float(np.linalg.norm(W)))
        expected = (1.0 - lr * reg) ** t * W0
        entry_dev = max(entry_dev, float(np.abs(W - expected).max() / np.abs(expected).max()))
    closed = [(1.0 - lr * reg) ** t * norms[0] for t in range(steps + 1)]
    rel = [abs(m - c) / c for m, c in zip(norms, closed)]
    ratio = np.asarray(norms) / norms[0]
    below = np.nonzero(ratio <= 0.5)[0]
    return {
        "lr": lr, "reg": reg, "steps": steps, "seed": seed, "norms": norms,
        "max_rel_dev": max(rel), "max_entry_dev": entry_dev,
        "bias_moved": float(np.abs(net.flat_params[net.weight_slice.stop:] - b0).max()),
        "final_ratio": float(ratio[-1]),
        "half_life_measured": int(below[0]) if len(below) else None,
        "half_life_closed": math.log(2) / -math.log(1.0 - lr * reg),
        "monotone": bool(np.all(np.diff(norms) < 0)),
    }


def verdict(results):
    """supported (the identity holds): every run follows the closed form to round-off, shrinks
    at every step and leaves biases alone; not supported otherwise."""
    dev = max(r["max_rel_dev"] for r in results)
    shrinks = all(r["monotone"] for r in results)
    biases = max(r["bias_moved"] for r in results)
    if shrinks and dev < TOLERANCE and biases == 0.0:
        return "supported", dev
    return "not supported", dev


QUOTE = ("The regularization loss in both SVM/Softmax cases could in this biological view be "
         "interpreted as gradual forgetting, since it would have the effect of driving all "
         "synaptic weights w towards zero after every parameter update.")
RULE = ("supported (the identity holds) if, in every setting, the weight norm falls at every "
        "step, follows (1 - lr·reg)^t ||W_0|| within a relative "
        f"{TOLERANCE:g}, and the biases do not move; otherwise not supported.")


def summarize(results, out, quick):
    from ... import plots

    fig, ax = plots.figure(size=(7.5, 4.2))
    for i, r in enumerate(results):
        colour = plots.PALETTE[i % len(plots.PALETTE)]
        t = np.arange(r["steps"] + 1)
        ratio = np.asarray(r["norms"]) / r["norms"][0]
        every = max(1, r["steps"] // 25)
        ax.plot(t, (1 - r["lr"] * r["reg"]) ** t, color=colour, linewidth=1.5,
                label=f"closed form, lr·reg = {r['lr'] * r['reg']:g}")
        ax.plot(t[::every], ratio[::every], linestyle="none", marker=plots.MARKERS[i],
                color=colour, markersize=5, label=f"measured (lr={r['lr']:g}, reg={r['reg']:g})")
    ax.set_yscale("log")
    ax.set_xlabel("update step t (data gradient removed)")
    ax.set_ylabel("weight norm ||W_t|| / ||W_0||")
    ax.set_title("L2 alone: weights decay as (1 − lr·reg)^t")
    ax.legend(ncols=2, fontsize=8)
    name = "e02_forgetting.png"
    plots.save(fig, out / name)

    v, dev = verdict(results)
    rows = [[r["lr"], r["reg"], r["lr"] * r["reg"], r["final_ratio"], r["half_life_measured"],
             round(r["half_life_closed"], 2), r["max_rel_dev"], r["bias_moved"]]
            for r in results]
    halves = ", ".join(f"{r['half_life_measured']} (closed form {r['half_life_closed']:.1f})"
                       for r in results if r["half_life_measured"] is not None)
    claim = Claim(
        id="forgetting.decay",
        claim="L2 regularization alone drives every weight towards zero after each update",
        measured=(f"max relative deviation of ||W_t|| from (1-lr·reg)^t ||W_0||: {dev:.1e} over "
                  f"{len(results)} settings; half-lives in steps: {halves}; biases moved by "
                  f"{max(r['bias_moved'] for r in results):g}"),
        verdict=v, kind="identity", quote=QUOTE, rule=RULE, value=dev,
        seeds=[r["seed"] for r in results],
        why=("Every step multiplied the weights by (1 − lr·reg), exactly the geometric decay of "
             "the closed form up to float64 round-off, and the unregularized biases stayed put."
             if v == "supported" else
             "The weights did not follow the closed form at every step; see the table."),
        figures=[name])
    return Section(
        id=ID, title=TITLE, seed_ref=SEED_REF,
        method=("A 10-50-50-3 ReLU net in float64; at every step the data gradient is set to "
                "zero, losses.regularization adds reg·W, and plain SGD updates; ||W_t|| is "
                "compared with the closed form (1 − lr·reg)^t ||W_0|| for four (lr, reg) "
                "settings."),
        claims=[claim], figures=[name],
        table={"columns": ["lr", "reg", "lr·reg", "||W_T||/||W_0||", "half-life (steps)",
                           "closed form", "max rel. deviation", "max bias change"],
               "rows": rows},
        numbers={"max_rel_dev": dev,
                 "max_entry_dev": max(r["max_entry_dev"] for r in results),
                 "settings": [{k: r[k] for k in ("lr", "reg", "final_ratio",
                                                 "half_life_measured", "half_life_closed")}
                              for r in results]})
