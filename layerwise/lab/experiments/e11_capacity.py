"""Capacity (ch6-09): one hidden layer of 3, 6 and 20 neurons on a noisy two-class set.

The seed trains three nets with one hidden layer of 3, 6 and 20 neurons on a 2-D, two-class
set: more neurons express more complicated decision regions; the 20-neuron net fits all the
training data by cutting the plane into many disjoint regions, while the 3-neuron net models the
data as two blobs and treats the few points of one class inside the other's cluster as noise,
which "could lead to better generalization".

Here the data are two Gaussian blobs with a twentieth of the labels flipped (the "red points
inside the green cluster": few enough that 20 units can fit them all, as in the notes' figure);
each net is trained full batch with Adam, then measured: training and test
accuracy (the test set is a fresh draw of the same distribution) and how complicated its regions
are, as the number of connected decision regions on a grid and the fraction of neighbouring grid
cells whose predicted labels differ (the length of the boundary).

The helpers here (:func:`train_test_blobs`, :func:`train_full_batch`, :func:`measure`, and the
summary, table and figure helpers) are shared with the regularization experiment.

>>> labels = np.array([[0, 0, 1], [0, 1, 1], [1, 1, 0]])
>>> count_regions(labels), round(boundary_fraction(labels), 3)
(3, 0.5)
"""
from __future__ import annotations

from collections import deque

import numpy as np

from ..common import Rule, fmt_interval, interval, keep_net, mean_sd, omit, rebuild, seeds_for
from ..core import Claim, Section

ID = "capacity"
TITLE = "Capacity: 3, 6 and 20 hidden neurons"
CLAIM = ("More hidden neurons express more complicated decision regions; 20 neurons fit all the "
         "training data, 3 model it in broad strokes, which may generalize better.")
SEED_REF = "Section 3.4, figure ch6-09"

LESSON = "capacity"
SIZES = (3, 6, 20)
N_TRAIN, N_TEST = 100, 2000
FLIP = 0.05  # fraction of training and test labels flipped: the noise a big net fits
BLOB_STD = 1.0
LR = 0.05
STEPS = 5000
SEEDS_FULL, SEEDS_QUICK = 20, 3
#: "fits all" is about what the model can fit: the best of this many initializations per
#: training set (gradient descent alone sometimes stops a point or two short)
RESTARTS = 3
#: the grid on which regions are measured: the blobs sit at (-2, 0) and (2, 0) with std 1
BOX = (-5.0, 5.0, -4.0, 4.0)
GRID = 120
QUOTE_COMPLEX = ("In the diagram above, we can see that Neural Networks with more neurons can "
                 "express more complicated functions.")
QUOTE_FITS = ("For example, the model with 20 hidden neurons fits all the training data but at the "
              "cost of segmenting the space into many disjoint red and green decision regions.")
QUOTE_SMALL = ("It models the data as two blobs and interprets the few red points inside the "
               "green cluster as outliers (noise). In practice, this could lead to better "
               "generalization on the test set.")
#: "fits all": at most one of the 100 training points wrong; within 5 points "partly"
FITS_RULE = Rule("the 20-neuron net's training accuracy (best of 3 initializations per "
                 "training set)", supported=0.99, partly=0.95)
COMPLEX_RULE = Rule("the per-seed ratio of boundary length, 20 neurons / 3 neurons",
                    supported=1.5, partly=1.1)
SMALL_RULE = Rule("the per-seed test-accuracy gain of the 3-neuron net over the 20-neuron net",
                  supported=0.0)
#: what each run measures; summarized per setting as (mean, sd) over the runs
MEASURES = ("train_acc", "test_acc", "regions", "boundary")
#: the report table's columns after the first (which names the setting)
TABLE_COLUMNS = ["train accuracy", "test accuracy", "regions", "boundary fraction"]


# -- data, training and region measures (shared with e12_regularization) -------------------------
def noisy_blobs(n, seed, flip=FLIP, std=BLOB_STD):
    """Two Gaussian blobs (classes 0 and 1) with a fraction ``flip`` of the labels flipped.

    The blobs are :func:`layerwise.data.gaussians` (centres (2, 0) and (-2, 0), std ``std``);
    the flips are drawn from the same ``seed``, so one seed is one data set.

    Shape
    -----
    X: ``(n, 2)`` float32; y: ``(n,)`` int64

    >>> X, y = noisy_blobs(10, seed=0)
    >>> X.shape, X.dtype, sorted(set(y.tolist()))
    ((10, 2), dtype('float32'), [0, 1])
    """
    import layerwise as lw

    rng = np.random.default_rng(seed)
    X, y = lw.data.gaussians(n=n, classes=2, noise=std, seed=rng)
    flipped = rng.random(n) < flip
    return X.astype(np.float32), np.where(flipped, 1 - y, y).astype(np.int64)


def train_test_blobs(seed):
    """``(X, y, X_test, y_test)``: a training draw of :func:`noisy_blobs` and a larger, independent
    test draw of the same distribution, both from ``seed``."""
    X, y = noisy_blobs(N_TRAIN, seed=seed)
    Xt, yt = noisy_blobs(N_TEST, seed=10_000 + seed)
    return X, y, Xt, yt


def train_full_batch(net, X, y, steps, lr=LR, reg=0.0, optimizer="adam", seed=0):
    """Train ``net`` with ``steps`` full-batch updates (one :meth:`Trainer.step` each); return
    the final training loss (data loss plus penalty, as the last step saw it)."""
    import layerwise as lw

    trainer = lw.Trainer(net, loss="softmax", optimizer=optimizer, lr=lr, reg=reg,
                         batch_size=len(X), seed=seed)
    X, y = trainer.prepare(X, y)
    loss = float("nan")
    # confident logits of a fitted net overflow exp() on the way to a finite, correct loss
    with np.errstate(over="ignore"):
        for _ in range(steps):
            loss = trainer.step(X, y)
    return float(loss)


def grid_labels(net, box=BOX, res=GRID):
    """Predicted class on a ``res x res`` grid over ``box = (x0, x1, y0, y1)``.

    Shape
    -----
    returns ``(res, res)``: row ``i`` is the ``i``-th value of the second input, column ``j``
    the ``j``-th of the first.
    """
    gx = np.linspace(box[0], box[1], res)
    gy = np.linspace(box[2], box[3], res)
    xx, yy = np.meshgrid(gx, gy)
    return net.predict(np.c_[xx.ravel(), yy.ravel()]).reshape(res, res)


def boundary_fraction(labels):
    """Fraction of horizontally or vertically neighbouring grid cells with different labels:
    a measure of how long (how wiggly) the decision boundary is.

    Shape
    -----
    labels: ``(H, W)`` of any comparable values
    """
    labels = np.asarray(labels)
    pairs = labels[1:, :].size + labels[:, 1:].size
    if not pairs:
        return 0.0
    return float(((labels[1:, :] != labels[:-1, :]).sum()
                  + (labels[:, 1:] != labels[:, :-1]).sum()) / pairs)


def count_regions(labels):
    """Number of 4-connected regions of equal label on a grid (each island counts once).

    A breadth-first flood fill; a 120 x 120 grid takes a few milliseconds.

    Shape
    -----
    labels: ``(H, W)``
    """
    labels = np.asarray(labels)
    h, w = labels.shape
    seen = np.zeros((h, w), bool)
    regions = 0
    for i0 in range(h):
        for j0 in range(w):
            if seen[i0, j0]:
                continue
            regions += 1
            seen[i0, j0] = True
            queue, lab = deque([(i0, j0)]), labels[i0, j0]
            while queue:
                i, j = queue.popleft()
                for a, b in ((i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1)):
                    if 0 <= a < h and 0 <= b < w and not seen[a, b] and labels[a, b] == lab:
                        seen[a, b] = True
                        queue.append((a, b))
    return regions


def region_stats(net):
    """``{"regions", "boundary"}`` of ``net``'s decision regions on the standard grid."""
    labels = grid_labels(net)
    return {"regions": count_regions(labels), "boundary": boundary_fraction(labels)}


def measure(net, X, y, Xt, yt):
    """Training and test accuracy and the region measures of a trained net."""
    import layerwise as lw

    return {"train_acc": lw.accuracy(net, X, y), "test_acc": lw.accuracy(net, Xt, yt),
            **region_stats(net)}


# -- summaries, table rows and figures of the runs (shared with e12_regularization) -----------
def summary_stats(runs):
    """``{measure: (mean, sd)}`` over the runs of one setting, for each of :data:`MEASURES`."""
    return {k: mean_sd([r[k] for r in runs]) for k in MEASURES}


def table_row(label, stats):
    """One row of the report's table: the setting, then :data:`TABLE_COLUMNS` from the output of
    :func:`summary_stats`."""
    return [label, f"{stats['train_acc'][0]:.3f} ± {stats['train_acc'][1]:.3f}",
            f"{stats['test_acc'][0]:.3f} ± {stats['test_acc'][1]:.3f}",
            f"{stats['regions'][0]:.1f}", f"{stats['boundary'][0]:.4f}"]


def draw_kept_regions(ax, runs, label, legend=False):
    """The decision regions of the one run among ``runs`` that kept its weights, over its own
    training data, titled with ``label`` and its train and test accuracy."""
    from layerwise import plots

    r = next(r for r in runs if "state" in r)
    X, y = noisy_blobs(N_TRAIN, seed=r["seed"])
    plots.decision_regions(rebuild(r["config"], r["state"]), X, y, ax=ax, legend=legend,
                           title=f"{label}: train {r['train_acc']:.0%}, test {r['test_acc']:.0%}")


def accuracy_errorbars(ax, stats, names):
    """Train and test accuracy (mean ± sd over runs) of the settings ``names``, drawn at
    x = 0, 1, ...; returns those x positions for the caller's tick labels."""
    from layerwise import plots

    xs = np.arange(len(names))
    for k, (key, label) in enumerate((("train_acc", "train"), ("test_acc", "test"))):
        ax.errorbar(xs, [stats[n][key][0] for n in names], yerr=[stats[n][key][1] for n in names],
                    marker="os"[k], capsize=4, label=label, color=plots.PALETTE[k])
    ax.set_ylabel("accuracy (mean ± sd over runs)")
    ax.legend()
    return xs


# -- the experiment -------------------------------------------------------------------------
def tasks(quick=False, seed=0):
    """One task per (hidden size, repeat); each repeat draws its own data and weights."""
    seeds = seeds_for(seed, SEEDS_QUICK if quick else SEEDS_FULL)
    return [{"hidden": h, "seed": s, "steps": STEPS, "keep": s == seeds[0],
             "restarts": RESTARTS if h == SIZES[-1] else 1}
            for h in SIZES for s in seeds]


def run_task(hidden, seed, steps, keep=False, restarts=1):
    """Train one 2-hidden-2 ReLU net on one draw of the data and measure it; with
    ``restarts > 1`` also the best training accuracy over that many initializations."""
    import layerwise as lw

    X, y, Xt, yt = train_test_blobs(seed)
    net = lw.Network([2, hidden, 2], activation="relu", seed=seed)
    loss = train_full_batch(net, X, y, steps, seed=seed)
    out = {"hidden": hidden, "seed": seed, "steps": steps, "loss": loss,
           **measure(net, X, y, Xt, yt)}
    fits = [out["train_acc"]]
    for r in range(1, restarts):
        other = lw.Network([2, hidden, 2], activation="relu", seed=[seed, r])
        train_full_batch(other, X, y, steps, seed=seed)
        fits.append(lw.accuracy(other, X, y))
    out["best_train_acc"] = max(fits)
    if keep:  # the weights of the drawn run, so the report can draw its regions
        out.update(keep_net(net))
    return out


def summarize(results, out, quick=False):
    from layerwise import plots

    by = {h: [r for r in results if r["hidden"] == h] for h in SIZES}
    stats = {h: summary_stats(rs) for h, rs in by.items()}

    # the figure of the seed: decision regions of the drawn runs
    fig, axes = plots.figure(1, len(SIZES), size=(4.4 * len(SIZES), 4.0))
    for ax, h in zip(axes, SIZES):
        draw_kept_regions(ax, by[h], f"{h} hidden neurons", legend=h == SIZES[0])
    regions_png = "capacity_regions.png"
    plots.save(fig, out / regions_png)

    fig, (ax1, ax2) = plots.figure(1, 2)
    xs = accuracy_errorbars(ax1, stats, SIZES)
    ax1.set_xticks(xs, [str(h) for h in SIZES])
    ax1.set_xlabel("hidden neurons")
    m = [stats[h]["regions"][0] for h in SIZES]
    s = [stats[h]["regions"][1] for h in SIZES]
    ax2.bar(xs, m, yerr=s, capsize=4, color=plots.PALETTE[2], alpha=0.8)
    ax2.set_xticks(xs, [str(h) for h in SIZES])
    ax2.set(xlabel="hidden neurons", ylabel="connected decision regions")
    acc_png = "capacity_accuracy.png"
    plots.save(fig, out / acc_png)

    small, big = SIZES[0], SIZES[-1]
    seeds = [r["seed"] for r in by[small]]
    per = {h: {r["seed"]: r for r in by[h]} for h in SIZES}
    n_runs = len(seeds)
    ratio = [per[big][s]["boundary"] / max(per[small][s]["boundary"], 1e-9) for s in seeds]
    cm, civ = interval(ratio)
    verdict = COMPLEX_RULE(civ)
    claims = [Claim(
        id="complexity",
        claim="More hidden neurons express more complicated decision regions.",
        measured="; ".join(f"{h} neurons: {stats[h]['regions'][0]:.1f} regions, boundary "
                           f"{stats[h]['boundary'][0]:.2%} of grid edges" for h in SIZES)
        + f" (means over {n_runs} runs); boundary ratio {big}/{small}: {fmt_interval(cm, civ)}",
        verdict=verdict, quote=QUOTE_COMPLEX, rule=COMPLEX_RULE.text, value=cm, interval=civ,
        seeds=seeds,
        why={"supported": "The boundary grows long and the regions many as neurons are added.",
             "partly": "The bigger net's boundary is longer, by less than half again.",
             "not supported": "The biggest net's regions are not more complicated.",
             "inconclusive": "The seeds disagree too much to place the ratio in one band."}[
                 verdict],
        figures=[regions_png, acc_png])]

    fm, fiv = interval([per[big][s]["best_train_acc"] for s in seeds])
    verdict = FITS_RULE(fiv)
    claims.append(Claim(
        id="fits-training-data",
        claim=f"The {big}-neuron net fits all the training data, noise included.",
        measured=(f"training accuracy, best of {RESTARTS} initializations: "
                  f"{fmt_interval(fm, fiv, pct=True)} with {big} neurons (first initialization "
                  f"only: {stats[big]['train_acc'][0]:.1%}), {stats[small]['train_acc'][0]:.1%} "
                  f"with {small}; {FLIP:.0%} of labels are flipped"),
        verdict=verdict, quote=QUOTE_FITS, rule=FITS_RULE.text, value=fm, interval=fiv,
        seeds=seeds,
        why={"supported": "Every training point, flipped labels included, is classified as "
                          "labelled (at most one in a hundred missed).",
             "partly": "It fits nearly all, missing a few points.",
             "not supported": "It misses more than 5% of the training points.",
             "inconclusive": "The seeds disagree too much to place it in one band."}[verdict],
        figures=[regions_png]))

    gm, giv = interval([per[small][s]["test_acc"] - per[big][s]["test_acc"] for s in seeds])
    verdict = SMALL_RULE(giv)
    te_small, te_big = stats[small]["test_acc"][0], stats[big]["test_acc"][0]
    claims.append(Claim(
        id="small-generalizes",
        claim=(f"The {small}-neuron net models the data in broad strokes, which could generalize "
               f"better than the {big}-neuron net."),
        measured=(f"test accuracy {te_small:.1%} ({small} neurons) against {te_big:.1%} ({big} "
                  f"neurons); gain {fmt_interval(gm, giv, pct=True)}; {N_TEST} test points per "
                  "run"),
        verdict=verdict, quote=QUOTE_SMALL, rule=SMALL_RULE.text, value=gm, interval=giv,
        seeds=seeds,
        why={"supported": "The small net's test accuracy is higher, seed for seed.",
             "not supported": "The big net generalizes better here.",
             "inconclusive": "The gain's interval includes zero: no difference shown."}.get(
                 verdict, ""),
        figures=[acc_png]))

    rows = [table_row(h, stats[h]) for h in SIZES]
    return Section(
        id=ID, title=TITLE, seed_ref=SEED_REF,
        method=(f"Two Gaussian blobs (std {BLOB_STD}) with {FLIP:.0%} of labels flipped, "
                f"{N_TRAIN} training points; 2-H-2 ReLU nets trained full batch with Adam "
                f"(lr {LR}, {results[0]['steps']} steps), no regularization; {n_runs} runs per "
                f"size, each with its own data and weights. Regions are counted on a "
                f"{GRID}x{GRID} grid."),
        claims=claims, figures=[regions_png, acc_png],
        captions={regions_png: "Figure ch6-09 of the notes, measured: decision regions of one "
                               "hidden layer of 3, 6 and 20 ReLU neurons on the same noisy "
                               "training set (first seed), with training and test accuracy.",
                  acc_png: "Left: training and test accuracy against hidden size (mean ± sd "
                           "over seeds); right: connected decision regions."},
        table={"columns": ["hidden neurons", *TABLE_COLUMNS], "rows": rows},
        numbers={"stats": {str(h): v for h, v in stats.items()},
                 "runs": [omit(r, "state", "config") for r in results]})
