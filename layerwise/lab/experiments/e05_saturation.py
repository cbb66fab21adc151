"""Sigmoids saturate and kill gradients: initial weight scale against saturation and learning.

A 64-100-100-10 sigmoid net on scikit-learn's digits (standardized) has its hidden layers'
weights drawn from N(0, scale^2) for scales from 0.01 to 10; the output layer keeps the Xavier
scale, so what changes is only how hard the sigmoid units are driven. At initialization we
measure the fraction of saturated outputs (within 0.05 of 0 or 1, as
:func:`layerwise.engine.monitor.saturation_fraction` counts them), the mean local gradient sigma'(z)
(relative to its maximum 1/4) and the first layer's weight gradient on the full training set,
in size and relative to the weights. Then nets at a small,
a moderate and a large scale are trained alike and we measure how far their first layer's
weights move and how the training loss falls.
"""
from __future__ import annotations

import numpy as np

from ..common import (COMBINE_TEXT, FULL_SEEDS, Rule, combine, fmt_interval, interval, mean_of,
                      seeds_for)
from ..core import Claim, Section

ID = "saturation"
TITLE = "Sigmoids saturate and kill gradients"
SEED_REF = "Section 2.3.1, Sigmoid: 'Sigmoids saturate and kill gradients'"
CLAIM = ("When a sigmoid neuron's activation saturates at either tail of 0 or 1, the gradient "
         "there is almost zero and almost no signal flows through it to its weights. If the "
         "initial weights are too large, most neurons saturate and the network barely learns.")

SIZES = [64, 100, 100, 10]
SCALES = [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
CURVE_SCALES = [0.1, 1.0, 10.0]  # small (about Xavier's 0.11 here), moderate, large
SMALL, LARGE = CURVE_SCALES[0], CURVE_SCALES[-1]
LR, BATCH, EPOCHS = 0.1, 32, 10
LESSON = "saturation"
QUOTE_UNITS = ("For example, if the initial weights are too large then most neurons would become "
               "saturated and the network will barely learn.")
QUOTE_GRADIENT = ("Therefore, if the local gradient is very small, it will effectively “kill” the "
                  "gradient and almost no signal will flow through the neuron to its weights and "
                  "recursively to its data.")
QUOTE_LEARNING = "if the initial weights are too large then most neurons would become saturated " \
                 "and the network will barely learn."
#: "most neurons": more than half of the outputs saturated at the largest scale
UNITS_RULE = Rule(f"the share of saturated outputs at scale {CURVE_SCALES[-1]:g}", supported=0.5,
                  partly=0.1)
#: "almost zero", "almost no signal": a tenfold drop at least; a halving is "partly"
DROP_RULES = (Rule(f"the per-seed drop of the mean local gradient σ'(z), scale "
                   f"{CURVE_SCALES[0]:g} / {CURVE_SCALES[-1]:g}", supported=10, partly=2),
              Rule("the per-seed drop of the first layer's ||dW||/||W|| (same scales)",
                   supported=10, partly=2))
LEARN_RULES = (Rule("the per-seed drop of how far the first layer's weights move in training, "
                    f"scale {CURVE_SCALES[0]:g} / {CURVE_SCALES[-1]:g}", supported=10, partly=2),
               Rule("the per-seed rise of the final training loss, large / small scale",
                    supported=1.5, partly=1.1))


def tasks(quick, seed):
    seeds = seeds_for(seed, 3 if quick else FULL_SEEDS)
    # the quick run measures only the three scales the claims compare
    return ([{"kind": "init", "scale": s, "seeds": seeds}
             for s in (CURVE_SCALES if quick else SCALES)]
            + [{"kind": "train", "scale": s, "seed": sd, "epochs": EPOCHS}
               for s in CURVE_SCALES for sd in seeds])


def _net(scale, seed):
    import layerwise as lw

    net = lw.Network(SIZES, activation="sigmoid", init=float(scale), seed=seed)
    # the output layer at Xavier's scale: only the sigmoid units' drive changes with `scale`
    last = net.layers[-1]
    last.weight[...] = lw.init.initialize("xavier", last.weight.shape,
                                          np.random.default_rng(seed + 7919), last.weight.dtype)
    return net


def run_task(kind, scale, seeds=None, seed=None, epochs=None):
    import layerwise as lw
    from layerwise.lab.realdata import load

    if kind == "init":
        sat, local, gnorm, grel, hist = [], [], [], [], None
        for sd in seeds:
            Xtr, ytr, _, _ = load("digits", seed=sd)
            net = _net(scale, sd)
            sat.append(float(np.mean(list(lw.monitor.saturation_fraction(net, Xtr).values()))))
            acts = lw.monitor.hidden_activations(net, Xtr)
            local.append(float(np.mean([(y * (1 - y)).mean() / 0.25 for _, y in acts.values()])))
            _, d = lw.losses.get("softmax")(net.forward(Xtr, train=True), ytr)
            net.backward(d, input_grad=False)
            g, W = net.gradients()["0.weight"], net.state_dict()["0.weight"]
            gnorm.append(float(np.linalg.norm(g)))
            grel.append(float(np.linalg.norm(g) / np.linalg.norm(W)))
            if hist is None:
                first = acts[min(acts)][1]
                hist = np.histogram(first, bins=40, range=(0.0, 1.0))[0].tolist()
        return {"kind": kind, "scale": scale, "seeds": list(seeds), "per_seed": {
                    "saturated": sat, "local_grad": local, "grad_rel": grel},
                "saturated": float(np.mean(sat)),
                "local_grad": float(np.mean(local)), "grad_norm": float(np.mean(gnorm)),
                "grad_rel": float(np.mean(grel)), "hist_layer1": hist}

    from layerwise.training.trainer import fit

    Xtr, ytr, Xte, yte = load("digits", seed=seed)
    net = _net(scale, seed)
    W0 = net.state_dict()["0.weight"].astype(np.float64)
    h = fit(net, Xtr, ytr, optimizer="sgd", lr=LR, epochs=epochs, batch_size=BATCH, seed=seed,
            val=(Xte, yte), progress=False)
    W1 = net.state_dict()["0.weight"].astype(np.float64)
    return {"kind": kind, "scale": scale, "seed": seed, "train_loss": h.train_loss,
            "train_acc": h.train_acc, "val_acc": h.val_acc,
            "w1_change": float(np.linalg.norm(W1 - W0) / np.linalg.norm(W0)),
            "saturated_after": float(np.mean(list(
                lw.monitor.saturation_fraction(net, Xtr).values())))}


def verdicts(init, curves):
    """units: :data:`UNITS_RULE`. gradient: both :data:`DROP_RULES`, combined. learning: both
    :data:`LEARN_RULES`, combined. Every ratio is taken seed by seed (the same seed gives both
    scales the same split and draw). Returns the three verdicts and the measured intervals."""
    small, large = init[SMALL], init[LARGE]
    sat = interval(large["per_seed"]["saturated"])
    uv = UNITS_RULE(sat[1])
    drops = [interval([a / b for a, b in zip(small["per_seed"][key], large["per_seed"][key])])
             for key in ("local_grad", "grad_rel")]
    gparts = [r(d[1]) for r, d in zip(DROP_RULES, drops)]
    gv = combine(gparts)
    move = {s: mean_of(runs, "w1_change") for s, runs in curves.items()}
    loss = {s: float(np.mean([r["train_loss"][-1] for r in runs])) for s, runs in curves.items()}
    by = {sc: {r["seed"]: r for r in runs} for sc, runs in curves.items()}
    seeds = sorted(by[SMALL])
    move_drop = interval([by[SMALL][s]["w1_change"] / by[LARGE][s]["w1_change"] for s in seeds])
    loss_up = interval([by[LARGE][s]["train_loss"][-1] / by[SMALL][s]["train_loss"][-1]
                        for s in seeds])
    lparts = [LEARN_RULES[0](move_drop[1]), LEARN_RULES[1](loss_up[1])]
    lv = combine(lparts)
    return uv, gv, lv, {"sat": sat, "local_drop": drops[0], "rel_drop": drops[1],
                        "gparts": gparts, "move": move, "loss": loss, "move_drop": move_drop,
                        "loss_up": loss_up, "lparts": lparts, "seeds": seeds}


def summarize(results, out, quick):
    from ... import plots

    init = {r["scale"]: r for r in results if r["kind"] == "init"}
    curves = {}
    for r in results:
        if r["kind"] == "train":
            curves.setdefault(r["scale"], []).append(r)
    uv, gv, lv, k = verdicts(init, curves)

    fig, axes = plots.figure(2, 2, size=(11.5, 8.0))
    (a, b), (c, d) = axes
    edges = np.linspace(0, 1, 41)
    centres = (edges[:-1] + edges[1:]) / 2
    for i, s in enumerate((SMALL, 1.0, LARGE)):
        hist = np.asarray(init[s]["hist_layer1"], dtype=float)
        a.step(centres, hist / hist.sum(), where="mid", color=plots.PALETTE[i],
               label=f"scale {s:g}: {init[s]['saturated']:.0%} saturated")
    a.set_xlabel("sigmoid output of hidden layer 1")
    a.set_ylabel("fraction of (sample, unit) outputs")
    a.set_title("outputs at initialization")
    a.legend()
    scales = sorted(init)
    b.semilogx(scales, [init[s]["saturated"] for s in scales], marker="o",
               color=plots.PALETTE[3], label="saturated outputs (fraction)")
    b.semilogx(scales, [init[s]["local_grad"] for s in scales], marker="s",
               color=plots.PALETTE[0], label="mean σ'(z) / max σ'")
    b.set_xlabel("initial weight scale (std of hidden-layer weights)")
    b.set_ylabel("fraction")
    b.set_title("saturation against initial scale")
    b.legend()
    c.loglog(scales, [init[s]["grad_rel"] for s in scales], marker="o", color=plots.PALETTE[0],
             label="||dW1|| / ||W1||")
    c.loglog(scales, [init[s]["grad_norm"] for s in scales], marker="s", linestyle="--",
             color=plots.PALETTE[1], label="||dW1||")
    c.set_xlabel("initial weight scale")
    c.set_ylabel("first-layer weight gradient")
    c.set_title("gradient reaching the first layer")
    c.legend()
    for i, s in enumerate(sorted(curves)):
        runs = curves[s]
        L = np.mean([r["train_loss"] for r in runs], axis=0)
        d.plot(np.arange(1, len(L) + 1), L, color=plots.PALETTE[i],
               label=f"scale {s:g} (W1 moved {k['move'][s]:.1%})")
    d.set_yscale("log")
    d.set_xlabel("epoch")
    d.set_ylabel("training loss (mean over seeds)")
    d.set_title(f"learning: SGD, lr {LR}, batch {BATCH}")
    d.legend()
    name = "e05_saturation.png"
    plots.save(fig, out / name)

    s_, l_ = init[SMALL], init[LARGE]
    c1 = Claim(
        id="saturation.units",
        claim="If the initial weights are too large, most sigmoid neurons saturate",
        measured=(f"saturated outputs at initialization: {s_['saturated']:.1%} at scale "
                  f"{SMALL:g}, {init[1.0]['saturated']:.1%} at 1, {l_['saturated']:.1%} at "
                  f"{LARGE:g} ({fmt_interval(*k['sat'], pct=True)} over the seeds)"),
        verdict=uv, quote=QUOTE_UNITS, rule=UNITS_RULE.text, value=k["sat"][0],
        interval=k["sat"][1], seeds=k["seeds"],
        why=("Saturation climbs with the weight scale, from a few percent at Xavier's scale to "
             "almost every unit at the largest." if uv == "supported" else
             "The seeds disagree too much to decide." if uv == "inconclusive" else
             "Saturation did not reach the levels the rule asks; see the figure."),
        figures=[name])
    c2 = Claim(
        id="saturation.gradient",
        claim="Saturated units kill the gradient: almost no signal flows through them to "
              "their weights",
        measured=(f"mean σ'(z)/max falls {fmt_interval(*k['local_drop'])}x (from "
                  f"{s_['local_grad']:.2f} to {l_['local_grad']:.3f}; {k['gparts'][0]}); "
                  f"first-layer ||dW||/||W|| falls {fmt_interval(*k['rel_drop'])}x (from "
                  f"{s_['grad_rel']:.1e} to {l_['grad_rel']:.1e}; {k['gparts'][1]}); its absolute "
                  f"size goes from {s_['grad_norm']:.3f} to {l_['grad_norm']:.3f}"),
        verdict=gv, quote=QUOTE_GRADIENT, value=k["local_drop"][0],
        interval=k["local_drop"][1], seeds=k["seeds"],
        rule=f"Two parts. (1) {DROP_RULES[0].text} (2) {DROP_RULES[1].text} {COMBINE_TEXT}",
        why=("The local gradient of a saturated sigmoid is tiny, and the gradient reaching the "
             "first layer is tiny relative to the weights it should move. Its absolute size "
             "falls less, because the large weights above it amplify what little passes."
             if gv == "supported" else
             "Only part of the gradient drop the claim implies was measured; see the figure."),
        figures=[name])
    c3 = Claim(
        id="saturation.learning",
        claim="With too-large initial weights the network barely learns",
        measured=(f"after {len(curves[SMALL][0]['train_loss'])} epochs the first layer's weights "
                  f"moved {k['move'][SMALL]:.1%} of their size at scale {SMALL:g} but "
                  f"{k['move'][LARGE]:.3%} at {LARGE:g} (drop {fmt_interval(*k['move_drop'])}x, "
                  f"{k['lparts'][0]}); training loss {k['loss'][SMALL]:.3f} vs "
                  f"{k['loss'][LARGE]:.3f} (rise {fmt_interval(*k['loss_up'])}x, "
                  f"{k['lparts'][1]}); train accuracy "
                  f"{np.mean([r['train_acc'][-1] for r in curves[SMALL]]):.1%} vs "
                  f"{np.mean([r['train_acc'][-1] for r in curves[LARGE]]):.1%}"),
        verdict=lv, quote=QUOTE_LEARNING, value=k["move_drop"][0],
        interval=k["move_drop"][1], seeds=k["seeds"],
        rule=f"Two parts. (1) {LEARN_RULES[0].text} (2) {LEARN_RULES[1].text} {COMBINE_TEXT}",
        why=("The saturated hidden layers hardly change, and the loss stays well above the "
             "small-scale net's. The net still learns something: its output layer fits the "
             "saturated, nearly binary hidden features." if lv == "supported" else
             f"The first layer's weights moved {k['move_drop'][0]:.1f}x less and the loss ended "
             f"{k['loss_up'][0]:.2f}x higher at the large scale; the rule asks for 10x and 1.5x."),
        figures=[name])
    rows = [[s, init[s]["saturated"], init[s]["local_grad"], init[s]["grad_norm"],
             init[s]["grad_rel"]] + ([k["move"][s], k["loss"][s],
                                      float(np.mean([r["train_acc"][-1] for r in curves[s]]))]
                                     if s in curves else [None, None, None])
            for s in scales]
    return Section(
        id=ID, title=TITLE, seed_ref=SEED_REF,
        method=("64-100-100-10 sigmoid net on digits (1,438 training samples, standardized); "
                "hidden weights ~ N(0, scale²), output layer at Xavier's scale. Initialization "
                "numbers are means over the seeds; training: lw.fit with SGD, lr 0.1, batch 32."),
        claims=[c1, c2, c3], figures=[name],
        captions={name: "Top left: sigmoid outputs of hidden layer 1 at initialization, for "
                        "three weight scales. Top right: saturated share and mean local "
                        "gradient against the scale. Bottom left: the gradient reaching the "
                        "first layer. Bottom right: training loss at three scales (mean over "
                        "seeds)."},
        table={"columns": ["scale", "saturated", "mean σ'(z)/max", "||dW1||", "||dW1||/||W1||",
                           "W1 moved (relative)", "final train loss", "final train accuracy"],
               "rows": rows},
        numbers={"init": {str(s): {kk: init[s][kk] for kk in ("saturated", "local_grad",
                                                                "grad_norm", "grad_rel")}
                          for s in scales}, **{kk: k[kk] for kk in ("local_drop", "rel_drop",
                                                                      "move_drop", "loss_up")}})

