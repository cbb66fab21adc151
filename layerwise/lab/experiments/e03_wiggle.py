"""The non-linearity is where the wiggle is.

Without an activation, ``s = W2 (W1 x + b1) + b2 = (W2 W1) x + (W2 b1 + b2)``: the two layers
collapse into one matrix and one bias, and the net is a linear classifier however wide or deep
it is. We build nets with ``activation="identity"``, multiply their matrices out and compare the
product's scores with the net's own, then train the same architecture with and without ReLU on
cs231n's three-arm spiral, beside a plain linear classifier (a ``[2, 3]`` net).
"""
from __future__ import annotations

import numpy as np

from ..common import (FULL_SEEDS, Rule, fmt_interval, interval, keep_net, mean_of,
                      randomize_biases, rebuild, seeds_for, tolerance_rule)
from ..core import Claim, Section

ID = "wiggle"
TITLE = "The non-linearity is where the wiggle is"
SEED_REF = "Section 1, Quick intro without brain analogies"
CLAIM = ("If we left the non-linearity out, the two matrices could be collapsed to a single "
         "matrix, and the predicted class scores would again be a linear function of the input. "
         "The non-linearity is where we get the wiggle.")

LESSON = "linear-spiral"
COLLAPSE_TOL = 1e-12
QUOTE_COLLAPSE = ("Notice that the non-linearity is critical computationally - if we left it out, "
                  "the two matrices could be collapsed to a single matrix, and therefore the "
                  "predicted class scores would again be a linear function of the input.")
QUOTE_WIGGLE = "The non-linearity is where we get the wiggle."
#: the ReLU net must beat the best activation-free net on the spiral by this much training
#: accuracy to show the wiggle; a tenth of it counts as "partly"
WIGGLE_RULE = Rule("the training-accuracy gain of the ReLU net over the better activation-free "
                   "net (per seed)", supported=0.3, partly=0.1)
NETS = [("linear classifier [2, 3]", [2, 3], "identity"),
        ("[2, 100, 3], no activation", [2, 100, 3], "identity"),
        ("[2, 100, 100, 3], no activation", [2, 100, 100, 3], "identity"),
        ("[2, 100, 3], ReLU", [2, 100, 3], "relu")]


def tasks(quick, seed):
    seeds = seeds_for(seed, 3 if quick else FULL_SEEDS)
    epochs = 120 if quick else 200
    return ([{"kind": "collapse", "seed": seed}]
            + [{"kind": "train", "net": i, "seed": s, "epochs": epochs}
               for s in seeds for i in range(len(NETS))])


def _collapse(net):
    """The one matrix and bias an activation-free net equals: ``(W, b)`` with ``s = x W^T + b``."""
    W = b = None
    for layer in net.layers:
        if not getattr(layer, "is_weight_layer", False):
            continue
        Wl, bl = np.asarray(layer.weight, np.float64), np.asarray(layer.bias, np.float64)
        if W is None:
            W, b = Wl, bl
        else:  # W2 (W x + b) + b2 = (W2 W) x + (W2 b + b2)
            W, b = Wl @ W, Wl @ b + bl
    return W, b


def run_task(kind, seed, net=None, epochs=None):
    import layerwise as lw

    if kind == "collapse":
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((1000, 2))
        errs = {}
        for sizes in ([2, 100, 3], [2, 100, 100, 3], [3072, 100, 10]):
            n = lw.Network(sizes, activation="identity", dtype=np.float64, seed=seed)
            randomize_biases(n, rng)  # so that the W2 b1 + b2 term is tested too
            Xi = X if sizes[0] == 2 else rng.standard_normal((200, sizes[0]))
            W, b = _collapse(n)
            s_net, s_one = n.forward(Xi), Xi @ W.T + b
            errs["-".join(map(str, sizes))] = float(np.abs(s_net - s_one).max()
                                                    / np.abs(s_net).max())
        return {"kind": kind, "seed": seed, "rel_err": errs}

    from layerwise.training.trainer import fit

    label, sizes, activation = NETS[net]
    X, y = lw.data.spiral(n=300, classes=3, seed=seed)
    Xt, yt = lw.data.spiral(n=300, classes=3, seed=seed + 10_000)
    model = lw.Network(sizes, activation=activation, dtype=np.float64, seed=seed)
    hist = fit(model, X, y, optimizer="adam", lr=0.01, epochs=epochs, batch_size=32, reg=1e-3,
               seed=seed, progress=False)
    out = {"kind": kind, "net": net, "label": label, "seed": seed,
           "train_acc": float((model.predict(X) == y).mean()),
           "test_acc": float((model.predict(Xt) == yt).mean()),
           "loss": hist.train_loss}
    if activation == "identity" and len(sizes) > 2:
        W, b = _collapse(model)
        out["trained_collapse_err"] = float(np.abs(model.forward(X) - (X @ W.T + b)).max()
                                            / np.abs(model.forward(X)).max())
    out.update(keep_net(model))
    return out


def verdicts(collapse, by_net):
    """collapse (an identity): supported when every activation-free net equals its collapsed
    matrix to 1e-12 (relative), at initialization and after training; not supported otherwise.
    wiggle (an experiment): :data:`WIGGLE_RULE` on the per-seed gain of ReLU over the better
    activation-free net.

    Returns ``(collapse verdict, largest error, wiggle verdict, mean accuracy per net,
    (mean gain, interval))``."""
    errs = list(collapse["rel_err"].values()) + [e for runs in by_net.values() for r in runs
                                                 for e in [r.get("trained_collapse_err")]
                                                 if e is not None]
    cv = "supported" if max(errs) < COLLAPSE_TOL else "not supported"
    mean = {i: mean_of(runs, "train_acc") for i, runs in by_net.items()}
    acc = {i: {r["seed"]: r["train_acc"] for r in runs} for i, runs in by_net.items()}
    gains = [acc[3][s] - max(acc[1][s], acc[2][s]) for s in acc[3]]
    m, iv = interval(gains)
    return cv, max(errs), WIGGLE_RULE(iv), mean, (m, iv)


def summarize(results, out, quick):
    import layerwise as lw

    from ... import plots

    collapse = results[0]
    by_net = {}
    for r in results[1:]:
        by_net.setdefault(r["net"], []).append(r)
    cv, err, wv, mean, (gain, gain_iv) = verdicts(collapse, by_net)

    fig, axes = plots.figure(1, 4, size=(15, 4.0))
    for ax, (i, runs) in zip(axes, sorted(by_net.items())):
        r = runs[0]
        X, y = lw.data.spiral(n=300, classes=3, seed=r["seed"])
        plots.decision_regions(rebuild(r["config"], r["state"]), X, y, ax=ax, resolution=150,
                               legend=i == 0,
                               title=f"{NETS[i][0]}\ntrain accuracy {r['train_acc']:.0%}")
    name = "e03_wiggle.png"
    plots.save(fig, out / name)

    n_seeds = len(by_net[0])
    c1 = Claim(
        id="wiggle.collapse",
        claim="Without a non-linearity the layers collapse to a single matrix: the scores are a "
              "linear function of the input",
        measured=("max relative difference between the net's scores and (W_L…W_1) x + "
                  f"collapsed bias: {err:.1e} ("
                  + ", ".join(f"{k}: {v:.1e}" for k, v in collapse["rel_err"].items())
                  + ", and the trained nets)"),
        verdict=cv, kind="identity", quote=QUOTE_COLLAPSE, value=err,
        rule=tolerance_rule("the largest relative difference", COLLAPSE_TOL),
        seeds=[collapse["seed"]],
        why=("Multiplying the weight matrices out gives the same scores to float64 round-off, "
             "for a 2-, a 3-layer and the CIFAR-sized 3072-100-10 net, before and after training."
             if cv == "supported" else "The collapsed matrix does not reproduce the scores."),
        figures=[name])
    c2 = Claim(
        id="wiggle.spiral",
        claim="The non-linearity is where the wiggle is: without it a net is no better than a "
              "linear classifier on the spiral; with ReLU it learns it",
        measured=("mean training accuracy over " + f"{n_seeds} seed(s): "
                  + ", ".join(f"{NETS[i][0]} {mean[i]:.1%}" for i in sorted(mean))
                  + f"; gain of ReLU over the better activation-free net "
                    f"{fmt_interval(gain, gain_iv, pct=True)}"),
        verdict=wv, quote=QUOTE_WIGGLE, rule=WIGGLE_RULE.text, value=gain, interval=gain_iv,
        seeds=sorted({r["seed"] for r in by_net[3]}),
        why=(f"The activation-free nets, with up to {sum(NETS[2][1][1:-1]):,} hidden units, land "
             f"within a few points of the linear classifier ({mean[0]:.0%}), drawing straight "
             f"boundaries; the same width with ReLU reaches {mean[3]:.0%}." if wv == "supported"
             else "The runs are too few to place the gain on one side of a cut-off."
             if wv == "inconclusive" else
             "The gap between the nets with and without ReLU is smaller than the rule "
             "asks; see the table."),
        figures=[name])
    rows = []
    for i in sorted(by_net):
        runs = by_net[i]
        rows.append([NETS[i][0], len(runs), mean_of(runs, "train_acc"),
                     float(np.min([r["train_acc"] for r in runs])), mean_of(runs, "test_acc"),
                     float(np.mean([r["loss"][-1] for r in runs]))])
    return Section(
        id=ID, title=TITLE, seed_ref=SEED_REF,
        method=("Collapse: identity-activation nets in float64 with random weights and biases; "
                "their scores on random inputs against the single product matrix. Spiral: 300 "
                "points, 3 arms; each net trained with lw.fit (Adam, lr 0.01, batch 32, L2 1e-3); "
                "test accuracy on a fresh spiral sample."),
        claims=[c1, c2], figures=[name],
        captions={name: "Decision regions on the three-arm spiral (training points shown) of a "
                        "linear classifier, two nets without an activation and the same width "
                        "with ReLU, each from the first seed: only the ReLU net bends its "
                        "boundaries."},
        table={"columns": ["net", "seeds", "mean train accuracy", "worst train accuracy",
                           "mean test accuracy", "final loss"], "rows": rows},
        numbers={"collapse_rel_err": collapse["rel_err"], "max_collapse_err": err,
                 "mean_train_acc": {NETS[i][0]: mean[i] for i in mean}})
