"""Dying ReLUs: dead units per layer, over training, against the learning rate; leaky ReLU, maxout.

The seed warns that a large gradient can push a ReLU's weights so that it never activates on
any data point again, and then no gradient flows through it: "as much as 40% of your network
can be dead if the learning rate is set too high", less so with a proper learning rate; leaky
ReLU and maxout are offered as fixes.

Here a net with two hidden layers of 100 units is trained on the digits (standardized) with
minibatch SGD at learning rates from small to far past where plain ReLU nets collapse, for each
unit type. Every run clips the gradient to the same global norm (:data:`CLIP`): without it
maxout and leaky-ReLU nets diverge at rates where ReLU units only start to die, and the
comparison would measure divergence, not dying. After every epoch
:func:`layerwise.engine.monitor.dead_fraction` counts, per hidden layer and over the whole
training set, the units whose input is never positive (for maxout: whose output is never
positive). The verdicts look at the most affected layer, and only at nets that still learn.

For a leaky ReLU or maxout unit "never positive" is not fatal (a gradient still flows), so the
comparison also asks whether the nets keep learning at the largest rate, where ReLU nets
collapse.
"""
from __future__ import annotations

import numpy as np

from ..common import (Rule, COMBINE_TEXT, combine, fmt_interval, interval, seeds_for)
from ..core import Claim, Section

ID = "dying_relu"
TITLE = "Dying ReLUs: dead units per layer against the learning rate"
CLAIM = ("With too high a learning rate up to 40% of a ReLU net can die (never activate on the "
         "training set); with a proper rate this is rarer; leaky ReLU and maxout are attempts "
         "to fix this.")
SEED_REF = "Section 2.3.3-2.3.5, ReLU's cons; leaky ReLU; maxout; the TLDR on dead units"
LESSON = "dying-relu"

ACTIVATIONS = ("relu", "leaky_relu", "maxout")
HIDDEN = (100, 100)
BATCH, EPOCHS = 32, 10
#: every run's gradient is scaled down to this global norm when it is longer
CLIP = 2.0
LRS_FULL = (0.1, 1.0, 1.5, 2.0, 3.0)
LRS_QUICK = (0.1, 1.5, 3.0)
#: twenty: the leaky-ReLU comparison's per-seed spread needs them to clear its cut-off
SEEDS_FULL, SEEDS_QUICK = 20, 3
#: a net "still learns" when its training accuracy is at least this (five times chance)
LEARNS = 0.5
#: the "high" rate is the largest of the grid where ReLU nets still learn well: mean training
#: accuracy at least this
LEARNS_WELL = 0.9
#: a "proper" learning rate for SGD on standardized data
PROPER_LR = 0.1

QUOTE_DEAD = ("For example, you may find that as much as 40% of your network can be “dead” (i.e. "
              "neurons that never activate across the entire training dataset) if the learning "
              "rate is set too high.")
QUOTE_PROPER = "With a proper setting of the learning rate this is less frequently an issue."
QUOTE_LEAKY = "Leaky ReLUs are one attempt to fix the “dying ReLU” problem."
QUOTE_MAXOUT = ("The Maxout neuron therefore enjoys all the benefits of a ReLU unit (linear "
                "regime of operation, no saturation) and does not have its drawbacks (dying "
                "ReLU).")

#: the notes' "as much as 40%": three quarters of it counts as the same, a quarter as partly
DEAD_RULE = Rule("the dead fraction of the most affected hidden layer of ReLU nets at the high "
                 "rate (nets that still learn)", supported=0.3, partly=0.1)
PROPER_RULE = Rule(f"the dead fraction of the most affected hidden layer at lr {PROPER_LR:g}",
                   supported=0.05, partly=0.2, higher=False)
FEWER_RULE = Rule("the drop in never-active units of the most affected layer against ReLU at "
                  "the high rate (paired by seed)", supported=0.1)
LEARNS_RULE = Rule("the training-accuracy gain over ReLU at the largest rate (paired by seed)",
                   supported=0.2, partly=0.05)


def _data():
    """The whole digits set, standardized, float32 (training set = the measured set)."""
    from ..realdata import load

    X, y, _, _ = load("digits", test=0.0)
    return X, y


def tasks(quick=False, seed=0):
    """One task per (unit type, learning rate), each training every seed."""
    lrs, n = (LRS_QUICK, SEEDS_QUICK) if quick else (LRS_FULL, SEEDS_FULL)
    return [{"activation": a, "lr": lr, "seeds": seeds_for(seed, n), "epochs": EPOCHS}
            for a in ACTIVATIONS for lr in lrs]


def clipped_sgd(net, lr, clip=CLIP):
    """Plain SGD on ``net`` whose step first scales the whole gradient down to norm ``clip``.

    >>> import layerwise as lw
    >>> net = lw.Network([2, 3, 2], seed=0)
    >>> opt = clipped_sgd(net, lr=0.1, clip=1.0)
    >>> net.flat_grads[...] = 10.0
    >>> opt.step()
    >>> round(float(np.linalg.norm(net.flat_grads)), 6)
    1.0
    """
    import layerwise as lw

    class ClippedSGD(lw.optim.SGD):
        def step(self):
            g = self.grads  # the network's flat gradient vector, scaled in place
            norm = float(np.sqrt(np.dot(g, g)))
            if norm > clip:
                g *= clip / norm
            super().step()

    return ClippedSGD(net, lr=lr)


def pooled(fractions, net):
    """One dead fraction over all hidden units from ``{layer index: fraction}``, weighting each
    layer by its number of units."""
    # an activation layer has the units of the Dense layer before it; maxout has its own
    sizes = [getattr(net.layers[i], "out_features", None) or net.layers[i - 1].out_features
             for i in sorted(fractions)]
    f = [fractions[i] for i in sorted(fractions)]
    return float(np.dot(f, sizes) / np.sum(sizes))


def run_task(activation, lr, seeds, epochs):
    """Train one net per seed with clipped SGD at ``lr``; after every epoch, the dead fraction
    of each hidden layer and the training accuracy."""
    import layerwise as lw

    X, y = _data()
    runs = []
    for s in seeds:
        net = lw.Network([X.shape[1], *HIDDEN, 10], activation=activation, seed=s)
        trainer = lw.Trainer(net, optimizer=clipped_sgd(net, lr), batch_size=BATCH, seed=s)
        Xp, yp = trainer.prepare(X, y)
        per_epoch, acc = [], []
        try:
            for _ in range(epochs):
                trainer.run_epoch(Xp, yp)
                d = lw.monitor.dead_fraction(net, X)
                per_epoch.append([d[k] for k in sorted(d)])
                acc.append(lw.accuracy(net, X, y))
        except lw.TrainingDiverged as e:
            runs.append({"seed": s, "diverged": True, "epoch": e.epoch})
            continue
        final = lw.monitor.dead_fraction(net, X)
        runs.append({"seed": s, "diverged": False, "dead_per_layer": per_epoch[-1],
                     "dead_max": max(per_epoch[-1]), "dead": pooled(final, net),
                     "dead_over_epochs": per_epoch, "acc_over_epochs": acc,
                     "train_acc": acc[-1]})
    return {"activation": activation, "lr": lr, "epochs": epochs, "runs": runs}


def _runs(results, activation, lr):
    return next(r["runs"] for r in results if r["activation"] == activation and r["lr"] == lr)


def _acc(run):
    """Training accuracy, a diverged run counting as chance."""
    return 0.1 if run["diverged"] else run["train_acc"]


def high_rate(results):
    """The largest rate of the grid at which ReLU nets still learn well (mean training accuracy
    at least :data:`LEARNS_WELL`, no run diverged)."""
    ok = [lr for lr in sorted({r["lr"] for r in results})
          if (lambda rs: not any(x["diverged"] for x in rs)
              and np.mean([x["train_acc"] for x in rs]) >= LEARNS_WELL)(_runs(results, "relu",
                                                                             lr))]
    return ok[-1] if ok else None


def _pct(v):
    return "—" if v is None else f"{v:.0%}"


def _paired(results, a, lr, key):
    """Per seed, ReLU's value minus ``a``'s (``key`` a function of a run), for seeds where both
    give a value."""
    ra = {x["seed"]: x for x in _runs(results, "relu", lr)}
    rb = {x["seed"]: x for x in _runs(results, a, lr)}
    out = []
    for s in ra:
        u, v = key(ra[s]), key(rb[s])
        if u is not None and v is not None:
            out.append(u - v)
    return out


def summarize(results, out, quick=False):
    from layerwise import plots

    lrs = sorted({r["lr"] for r in results})
    seeds = [x["seed"] for x in _runs(results, "relu", lrs[0])]
    high, top = high_rate(results), lrs[-1]

    def learners(a, lr):
        return [x for x in _runs(results, a, lr) if not x["diverged"] and x["train_acc"] >= LEARNS]

    def stat(a, lr, key):
        vals = [x[key] for x in learners(a, lr)]
        return interval(vals) if vals else (None, [np.nan, np.nan])

    fig, (ax1, ax2) = plots.figure(1, 2, size=(11, 4.0))
    for k, a in enumerate(ACTIVATIONS):
        colour, marker = plots.PALETTE[k], plots.MARKERS[k]
        xs = [lr for lr in lrs if learners(a, lr)]
        ms = [stat(a, lr, "dead_max") for lr in xs]
        ax1.errorbar(xs, [m for m, _ in ms],
                     yerr=[[m - max(iv[0], 0) for m, iv in ms], [iv[1] - m for m, iv in ms]],
                     marker=marker, color=colour, capsize=3, label=a)
        accs = [interval([_acc(x) for x in _runs(results, a, lr)]) for lr in lrs]
        ax2.errorbar(lrs, [m for m, _ in accs], yerr=[[m - iv[0] for m, iv in accs],
                                                      [iv[1] - m for m, iv in accs]],
                     marker=marker, color=colour, capsize=3, label=a)
    ax1.axhline(0.4, color=plots.GREY, linestyle=":", linewidth=1.2)
    ax1.text(lrs[0], 0.42, "the notes' 40%", color=plots.GREY, fontsize=9)
    for ax in (ax1, ax2):
        ax.set_xscale("log")
        ax.set_xlabel(f"learning rate (SGD, gradient clipped to norm {CLIP:g})")
        ax.legend(loc="upper left" if ax is ax1 else "lower left")
    ax1.set_ylabel("most affected layer: never active")
    ax1.set_ylim(-0.02, 1.0)
    ax2.set_ylabel("training accuracy (diverged = chance)")
    png = "dying_relu.png"
    plots.save(fig, out / png)

    fig, axes = plots.figure(1, 2, size=(11, 3.8))
    for ax, lr in zip(axes, [high if high is not None else lrs[0], top]):
        for k, a in enumerate(ACTIVATIONS):
            for j, x in enumerate(_runs(results, a, lr)):
                if x["diverged"]:
                    continue
                curve = [max(e) for e in x["dead_over_epochs"]]
                ax.plot(range(1, len(curve) + 1), curve, color=plots.PALETTE[k], alpha=0.6,
                        linewidth=1.2, label=a if j == 0 else None)
        ax.set(xlabel="epoch", ylabel="most affected layer: never active", ylim=(-0.02, 1.0),
               title=f"lr {lr:g}")
        ax.legend(loc="upper left")
    over_png = "dying_relu_over_training.png"
    plots.save(fig, out / over_png)

    claims = []
    # 1. as much as 40% dead at a high rate, in nets that still learn
    if high is None:
        dv, dm, div = "inconclusive", None, [np.nan, np.nan]
        measured = "no rate of the grid has ReLU nets that learn well"
    else:
        dm, div = stat("relu", high, "dead_max")
        dv = DEAD_RULE(div)
        layers = np.mean([x["dead_per_layer"] for x in learners("relu", high)], axis=0)
        pool = interval([x["dead"] for x in learners("relu", high)])
        measured = (f"high rate lr {high:g} (largest where ReLU nets average ≥ "
                    f"{LEARNS_WELL:.0%} training accuracy): most affected layer "
                    f"{fmt_interval(dm, div, pct=True)} dead; per layer "
                    + ", ".join(f"hidden {i + 1}: {v:.0%}" for i, v in enumerate(layers))
                    + f"; pooled over the net {fmt_interval(*pool, pct=True)}; "
                    f"{len(learners('relu', high))} of {len(seeds)} nets learn (≥ {LEARNS:.0%})")
        nxt = [lr for lr in lrs if lr > high]
        if nxt:
            m2 = stat("relu", nxt[0], "dead_max")[0]
            a2 = np.mean([_acc(x) for x in _runs(results, "relu", nxt[0])])
            measured += (f"; at lr {nxt[0]:g}: {_pct(m2)} dead in the most affected layer, "
                         f"training accuracy {a2:.0%}")
    claims.append(Claim(
        id="dead-at-high-lr",
        claim="With too high a learning rate, as much as 40% of a ReLU net can be dead.",
        measured=measured, verdict=dv, quote=QUOTE_DEAD, rule=DEAD_RULE.text, value=dm,
        interval=div, seeds=seeds,
        why={"supported": "ReLU nets that still learn lose a large share of a layer at a high "
                          "rate, as the notes say.",
             "partly": "Nets that still learn well lose some units, fewer than 40% of a layer; "
                       "more die only as the nets collapse (next rate up).",
             "not supported": "Nets that still learn keep almost all their units.",
             "inconclusive": "The seeds disagree too much to place the fraction in one band."}[dv],
        figures=[png, over_png]))

    # 2. a proper rate
    pm, piv = stat("relu", PROPER_LR, "dead_max") if PROPER_LR in lrs else (None, [np.nan] * 2)
    pv = PROPER_RULE(piv)
    claims.append(Claim(
        id="proper-lr",
        claim="With a proper learning rate, dead units are much less of an issue.",
        measured=(f"lr {PROPER_LR:g}: most affected layer {fmt_interval(pm, piv, pct=True)} dead"
                  if pm is not None else f"lr {PROPER_LR:g} was not run"),
        verdict=pv, quote=QUOTE_PROPER, rule=PROPER_RULE.text, value=pm, interval=piv,
        seeds=seeds,
        why=(f"At lr {PROPER_LR:g} (a common SGD rate on standardized data) almost no unit "
             "dies." if pv == "supported" else "Some units die even at a modest rate."
             if pv == "partly" else "The run cannot place the fraction in one band."
             if pv == "inconclusive" else "Many units die even at a modest rate."),
        figures=[png]))

    # 3-4. leaky ReLU and maxout against ReLU, with the same clipping
    for a, quote, cid in (("leaky_relu", QUOTE_LEAKY, "leaky-fixes"),
                          ("maxout", QUOTE_MAXOUT, "maxout-fixes")):
        if high is None:
            fewer = (None, [np.nan, np.nan])
        else:
            fewer = interval(_paired(results, a, high,
                                     lambda x: None if x["diverged"] else x["dead_max"]))
        gain = interval([-d for d in _paired(results, a, top, _acc)])
        parts = [FEWER_RULE(fewer[1]), LEARNS_RULE(gain[1])]
        v = combine(parts)
        am = np.mean([_acc(x) for x in _runs(results, a, top)])
        rm = np.mean([_acc(x) for x in _runs(results, "relu", top)])
        claims.append(Claim(
            id=cid,
            claim=f"{'Leaky ReLU' if a == 'leaky_relu' else 'Maxout'} avoids the dying ReLU "
                  "problem.",
            measured=((f"at lr {high:g}: never-active units of the most affected layer fall by "
                       f"{fmt_interval(*fewer, pct=True)} against ReLU ({parts[0]}); "
                       if high is not None else "")
                      + f"at lr {top:g}: training accuracy {am:.0%} against ReLU's {rm:.0%}, "
                        f"gain {fmt_interval(*gain, pct=True)} ({parts[1]})"),
            verdict=v, quote=quote, value=gain[0], interval=gain[1], seeds=seeds,
            rule=(f"Two parts. (1) {FEWER_RULE.text} (2) {LEARNS_RULE.text} {COMBINE_TEXT}"),
            why=("Fewer units go silent and the nets keep learning where ReLU nets collapse."
                 if v == "supported" else
                 "As many units go silent (never positive) as with ReLU, but they still pass a "
                 "gradient, and the nets keep learning where ReLU nets collapse; the notes' "
                 "'results are not always consistent' fits." if parts == ["not supported",
                                                                          "supported"] else
                 "One part holds and the other does not; see the numbers." if v == "partly" else
                 "The seeds disagree too much for at least one part." if v == "inconclusive" else
                 "Neither fewer silent units nor better learning than ReLU."),
            figures=[png, over_png]))

    rows = []
    for lr in lrs:
        row = [f"{lr:g}"]
        for a in ACTIVATIONS:
            rs = _runs(results, a, lr)
            ok = learners(a, lr)
            div = sum(x["diverged"] for x in rs)
            row.append((f"{np.mean([x['dead_max'] for x in ok]):.0%}" if ok else "—")
                       + f" / {np.mean([_acc(x) for x in rs]):.0%}"
                       + (f" ({div}/{len(rs)} div.)" if div else ""))
        rows.append(row)
    return Section(
        id=ID, title=TITLE, seed_ref=SEED_REF,
        method=(f"Digits (1,797 samples, standardized); a 64-{HIDDEN[0]}-{HIDDEN[1]}-10 net per "
                f"unit type, trained with SGD (batch {BATCH}, {EPOCHS} epochs, the gradient "
                f"clipped to global norm {CLIP:g} for every unit type) from {len(seeds)} seeds per "
                f"learning rate; after every epoch, each hidden layer's units that never "
                f"activate on the whole training set. Nets below {LEARNS:.0%} training accuracy "
                "(five times chance) are left out of the dead fractions; diverged runs count as "
                "chance in the accuracies."),
        claims=claims, figures=[png, over_png],
        captions={png: "Left: the share of never-active units in the most affected hidden layer "
                       "(mean and 95% interval over the nets that still learn) against the "
                       "learning rate; right: training accuracy. Same clipping for all three.",
                  over_png: "The most affected layer's never-active share over training, one "
                            "line per seed, at the high rate and at the largest rate."},
        table={"columns": ["learning rate"] + [f"{a}: most affected layer never active / "
                                               "training accuracy" for a in ACTIVATIONS],
               "rows": rows},
        numbers={"high_lr": high, "top_lr": top, "clip": CLIP,
                 "runs": [{"activation": r["activation"], "lr": r["lr"],
                           "runs": [{k: v for k, v in x.items() if k != "dead_over_epochs"}
                                    for x in r["runs"]]} for r in results]})
