"""Bigger nets have better and less variable minima.

The seed argues that small nets are harder to train with local methods: their loss has few
minima, many of them bad, so the final loss varies with the luck of the initialization; big
nets have many more minima, but about equally good ones, so their final loss is lower and
varies much less from seed to seed.

Here nets with one hidden layer of several sizes are trained on cs231n's 3-class spiral with
full-batch gradient descent with momentum, each size from many random initializations (the data
stay fixed); the final training loss (data loss, no regularization) of every run is recorded,
and the mean and spread per size compared.
"""
from __future__ import annotations

import numpy as np

from ..core import Claim, Section

ID = "minima"
TITLE = "Bigger nets: better and less variable minima"
CLAIM = ("Small nets end in minima whose loss varies with the initialization; bigger nets reach "
         "lower losses that vary much less.")
SEED_REF = "Section 3.4, on local minima of small and large nets"

SIZES_FULL = (2, 4, 8, 16, 32, 64)
SIZES_QUICK = (2, 8, 32)
N_POINTS, CLASSES = 300, 3
OPTIMIZER, LR, MOMENTUM = "momentum", 0.1, 0.9
CHUNK = 10  # seeds per task
#: "much less variable": the largest net's sd at most this fraction of the smallest net's
MUCH_LESS = 0.25


def tasks(quick=False, seed=0):
    """One task per (size, block of seeds); at least 20 seeds per size in both modes."""
    sizes, seeds, steps = (SIZES_QUICK, 20, 300) if quick else (SIZES_FULL, 30, 2000)
    return [{"hidden": h, "seeds": list(range(seed + s, seed + min(s + CHUNK, seeds))),
             "steps": steps, "data_seed": int(seed)}
            for h in sizes for s in range(0, seeds, CHUNK)]


def run_task(hidden, seeds, steps, data_seed=0):
    """Train a 2-hidden-3 ReLU net from each seed; return the final training losses."""
    import layerwise as lw

    X, y = lw.data.spiral(n=N_POINTS, classes=CLASSES, seed=data_seed)
    losses, accs = [], []
    for s in seeds:
        net = lw.Network([2, hidden, CLASSES], activation="relu", seed=s)
        trainer = lw.Trainer(net, optimizer=OPTIMIZER, lr=LR, momentum=MOMENTUM,
                             batch_size=N_POINTS, seed=s)
        Xp, yp = trainer.prepare(X, y)
        for _ in range(steps):
            trainer.step(Xp, yp)
        r = lw.evaluate(net, X, y)
        losses.append(r["loss"])
        accs.append(r["accuracy"])
    return {"hidden": hidden, "seeds": list(seeds), "steps": steps, "loss": losses,
            "accuracy": accs}


def spread(values):
    """``{"mean", "sd", "iqr", "cv", "min", "max"}`` of a sample (sd with ddof=1).

    >>> spread([1.0, 2.0, 3.0])["sd"]
    1.0
    """
    v = np.asarray(values, dtype=np.float64)
    q1, q3 = np.percentile(v, [25, 75])
    m, sd = float(v.mean()), float(v.std(ddof=1))
    return {"mean": m, "sd": sd, "iqr": float(q3 - q1), "cv": sd / m if m else float("inf"),
            "min": float(v.min()), "max": float(v.max())}


def summarize(results, out, quick=False):
    from layerwise import plots

    sizes = sorted({r["hidden"] for r in results})
    loss = {h: [x for r in results if r["hidden"] == h for x in r["loss"]] for h in sizes}
    st = {h: spread(v) for h, v in loss.items()}
    n_seeds = len(loss[sizes[0]])

    fig, (ax1, ax2) = plots.figure(1, 2, size=(11, 4.0))
    plots.box_plots({str(h): loss[h] for h in sizes}, ax=ax1, xlabel="hidden neurons",
                    ylabel="final training loss", title=f"{n_seeds} initializations per size")
    ax1.set_yscale("log")
    ax2.plot(sizes, [st[h]["sd"] for h in sizes], marker="o", label="standard deviation")
    ax2.plot(sizes, [st[h]["iqr"] for h in sizes], marker="s", label="interquartile range")
    ax2.set_xscale("log", base=2)
    ax2.set_yscale("log")
    ax2.set_xticks(sizes, [str(h) for h in sizes])
    ax2.set(xlabel="hidden neurons", ylabel="spread of the final loss over seeds")
    ax2.legend()
    png = "minima_boxplots.png"
    plots.save(fig, out / png)

    small, big = sizes[0], sizes[-1]
    means = [st[h]["mean"] for h in sizes]
    falls = all(a > b for a, b in zip(means, means[1:]))
    verdict = "supported" if falls else "partly" if means[-1] < means[0] else "not supported"
    claims = [Claim(
        id="better-minima",
        claim="Bigger nets reach minima of lower loss.",
        measured="mean final training loss: " + ", ".join(
            f"{h} neurons {st[h]['mean']:.3f}" for h in sizes) + f" ({n_seeds} seeds each)",
        verdict=verdict,
        why=("The mean final loss falls with every increase in size." if verdict == "supported"
             else "The largest net ends lower than the smallest, but not at every step."
             if verdict == "partly" else "The largest net does not end lower than the smallest."),
        figures=[png])]

    ratio = st[big]["sd"] / st[small]["sd"] if st[small]["sd"] else float("inf")
    cv_less = st[big]["cv"] < st[small]["cv"]
    verdict = ("supported" if ratio <= MUCH_LESS and cv_less else
               "partly" if ratio < 1 or cv_less else "not supported")
    claims.append(Claim(
        id="less-variable",
        claim=("The final loss of small nets varies a lot with the initialization; that of big "
               "nets much less."),
        measured=(f"sd of the final loss: {small} neurons {st[small]['sd']:.3f} (range "
                  f"{st[small]['min']:.3f}-{st[small]['max']:.3f}), {big} neurons "
                  f"{st[big]['sd']:.4f} (range {st[big]['min']:.3f}-{st[big]['max']:.3f}); "
                  f"ratio {ratio:.3f}; relative sd {st[small]['cv']:.1%} against "
                  f"{st[big]['cv']:.1%}"),
        verdict=verdict,
        why=(f"The big net's spread is under {MUCH_LESS:g} of the small net's, in absolute "
             "terms and relative to its (lower) mean." if verdict == "supported" else
             "The spread shrinks, but not by much, or only in absolute terms."
             if verdict == "partly" else "The big nets' losses vary as much as the small nets'."),
        figures=[png]))

    rows = [[h, f"{st[h]['mean']:.4f}", f"{st[h]['sd']:.4f}", f"{st[h]['iqr']:.4f}",
             f"{st[h]['min']:.4f}", f"{st[h]['max']:.4f}"] for h in sizes]
    return Section(
        id=ID, title=TITLE, seed_ref=SEED_REF,
        method=(f"The spiral ({N_POINTS} points, {CLASSES} classes), fixed; 2-H-{CLASSES} ReLU "
                f"nets trained full batch with SGD and momentum (lr {LR}, momentum {MOMENTUM}, "
                f"{results[0]['steps']} steps), no regularization, from {n_seeds} random "
                "initializations per size; the final training loss of each run."),
        claims=claims, figures=[png],
        table={"columns": ["hidden neurons", "mean loss", "sd", "IQR", "min", "max"],
               "rows": rows},
        numbers={"stats": {str(h): v for h, v in st.items()},
                 "losses": {str(h): v for h, v in loss.items()}})
