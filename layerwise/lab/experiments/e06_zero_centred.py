"""Sigmoid outputs are not zero-centred: same-signed weight gradients and zig-zag updates.

A neuron whose inputs are all positive (the outputs of a sigmoid layer) gets, from each
sample, a weight gradient ``dL/dw = (dL/df) x`` whose entries all share the sign of ``dL/df``.
We measure, in a 64-100-10 net on digits, the fraction of the output layer's weight-gradient
rows (one row per neuron) whose entries all share one sign, when the hidden layer is sigmoid
(inputs to the output layer all positive) and when it is tanh (zero-centred), for single samples
and for batches of growing size, at initialization and after three epochs of training.

Then the zig-zag itself, in two dimensions: one linear neuron learns ``w* = (1, -1)``, which
needs its two weights to move in opposite directions, by per-sample SGD on a squared error. Its
inputs are sigmoid outputs ``sigma(z)`` (all positive), or the same inputs centred,
``sigma(z) - 1/2 = tanh(z/2) / 2`` (same spread, mean zero). We draw both paths of ``(w1, w2)``
and measure the share of updates whose two components have the same sign and the path's
length relative to the straight line it covers.
"""
from __future__ import annotations

import numpy as np

from ..common import FULL_SEEDS, Rule, fmt_interval, interval, mean_of, seeds_for
from ..core import Claim, Section

ID = "zero_centred"
TITLE = "Sigmoid outputs are not zero-centred"
SEED_REF = "Section 2.3.1, Sigmoid: 'Sigmoid outputs are not zero-centered'"
CLAIM = ("If the data coming into a neuron is always positive, the gradient on its weights is "
         "either all positive or all negative, which could introduce zig-zagging dynamics in the "
         "updates. Added up across a batch, the update can have variable signs, somewhat "
         "mitigating this.")

BATCHES = [1, 4, 16, 64, 256]
W_STAR = (1.0, -1.0)
ZIG_LR, ZIG_STEPS = 0.3, 400
QUOTE_SIGNS = ("This has implications on the dynamics during gradient descent, because if the "
               "data coming into a neuron is always positive (e.g. x>0 elementwise in f=wTx+b)), "
               "then the gradient on the weights w will during backpropagation become either all "
               "be positive, or all negative (depending on the gradient of the whole expression "
               "f).")
QUOTE_BATCH = ("However, notice that once these gradients are added up across a batch of data the "
               "final update for the weights can have variable signs, somewhat mitigating this "
               "issue.")
QUOTE_ZIGZAG = ("This could introduce undesirable zig-zagging dynamics in the gradient updates for "
                "the weights.")
SIGNS_RULE = ("supported (the identity holds) if every single-sample gradient row of the layer "
              "fed by sigmoid outputs has one sign (fraction exactly 1, at every seed); "
              "otherwise not supported.")
BATCH_RULE = Rule("the per-seed ratio of one-sign rows, batch 64 / single sample (sigmoid "
                  "inputs, after 3 epochs)", supported=0.5, partly=1.0, higher=False)
ZIG_RULE = Rule("the per-seed ratio of path tortuosity, positive / centred inputs",
                supported=1.5, partly=1.1)


def tasks(quick, seed):
    seeds = seeds_for(seed, 3 if quick else FULL_SEEDS)
    draws = 256
    return ([{"kind": "signs", "activation": a, "epochs": e, "seed": s, "draws": draws}
             for a in ("sigmoid", "tanh") for e in (0, 3) for s in seeds]
            + [{"kind": "zigzag", "centred": c, "seed": s} for c in (False, True)
               for s in seeds])


def share_one_sign(G):
    """Fraction of the non-zero rows of ``G`` whose entries are all >= 0 or all <= 0."""
    G = np.asarray(G)
    nonzero = np.abs(G).sum(axis=1) > 0
    same = (G >= 0).all(axis=1) | (G <= 0).all(axis=1)
    return float((same & nonzero).sum() / max(int(nonzero.sum()), 1))


def run_task(kind, seed, activation=None, epochs=None, draws=None, centred=None):
    import layerwise as lw

    if kind == "signs":
        from layerwise.lab.realdata import load
        from layerwise.training.trainer import fit

        Xtr, ytr, _, _ = load("digits", seed=seed, dtype=np.float64)
        net = lw.Network([64, 100, 10], activation=activation, dtype=np.float64, seed=seed)
        if epochs:
            fit(net, Xtr, ytr, optimizer="sgd", lr=0.1, epochs=epochs, batch_size=32, seed=seed,
                progress=False)
        rng = np.random.default_rng(seed + 1)
        loss = lw.losses.get("softmax")
        fractions = {}
        for B in BATCHES:
            got = []
            for _ in range(max(1, draws // B)):
                idx = rng.choice(len(Xtr), B, replace=False)
                _, d = loss(net.forward(Xtr[idx], train=True), ytr[idx])
                net.backward(d, input_grad=False)
                # the output layer's weights: its inputs are the hidden layer's outputs
                got.append(share_one_sign(net.gradients()["2.weight"]))
            fractions[str(B)] = float(np.mean(got))
        return {"kind": kind, "activation": activation, "epochs": epochs, "seed": seed,
                "fractions": fractions}

    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((ZIG_STEPS, 2)) * 1.5
    X = lw.activations.sigmoid(Z) - (0.5 if centred else 0.0)
    t = X @ np.asarray(W_STAR)
    net = lw.Network([2, 1], dtype=np.float64, seed=seed)
    net.load_state_dict({"0.weight": np.zeros((1, 2)), "0.bias": np.zeros(1)})
    opt = lw.optim.SGD(net, lr=ZIG_LR)
    mse = lw.losses.get("mse")
    path = [net.state_dict()["0.weight"][0].copy()]
    for n in range(ZIG_STEPS):
        _, d = mse(net.forward(X[n:n + 1], train=True), t[n:n + 1, None])
        net.backward(d, input_grad=False)
        opt.step()
        path.append(net.state_dict()["0.weight"][0].copy())
    P = np.asarray(path)
    D = np.diff(P, axis=0)
    moved = np.abs(D).sum(axis=1) > 0
    same = float(((np.sign(D[:, 0]) == np.sign(D[:, 1])) & moved).sum() / moved.sum())
    dist = np.linalg.norm(P - np.asarray(W_STAR), axis=1)
    reach = np.nonzero(dist <= 0.1 * dist[0])[0]
    return {"kind": kind, "centred": centred, "seed": seed, "same_sign": same,
            "tortuosity": float(np.linalg.norm(D, axis=1).sum() / np.linalg.norm(P[-1] - P[0])),
            "steps_to_10pct": int(reach[0]) if len(reach) else None,
            "final_dist": float(dist[-1]), "path": P[:121].tolist()}


def verdicts(signs_runs, zig_runs):
    """gradient signs (an identity): :data:`SIGNS_RULE`. batch: :data:`BATCH_RULE`. zig-zag:
    :data:`ZIG_RULE`, paired by seed. Returns the verdicts and the intervals."""
    s1 = min(f["1"] for f in signs_runs[("sigmoid", 0)])
    sv = "supported" if s1 == 1.0 else "not supported"
    batch = interval([f["64"] / f["1"] for f in signs_runs[("sigmoid", 3)]])
    pos = {r["seed"]: r["tortuosity"] for r in zig_runs[False]}
    cen = {r["seed"]: r["tortuosity"] for r in zig_runs[True]}
    tort = interval([pos[s] / cen[s] for s in sorted(pos)])
    return sv, BATCH_RULE(batch[1]), ZIG_RULE(tort[1]), {"s1": s1, "batch": batch, "tort": tort}


def summarize(results, out, quick):
    from ... import plots

    signs_runs, zig_runs = {}, {}
    for r in results:
        if r["kind"] == "signs":
            signs_runs.setdefault((r["activation"], r["epochs"]), []).append(r["fractions"])
        else:
            zig_runs.setdefault(r["centred"], []).append(r)
    signs = {k: {b: float(np.mean([f[b] for f in v])) for b in v[0]}
             for k, v in signs_runs.items()}
    zig = {c: {"same_sign": mean_of(v, "same_sign"), "tortuosity": mean_of(v, "tortuosity"),
               "steps": [r["steps_to_10pct"] for r in v], "path": v[0]["path"]}
           for c, v in zig_runs.items()}
    sv, bv, zv, k = verdicts(signs_runs, zig_runs)
    seeds = sorted({r["seed"] for r in zig_runs[False]})

    fig, (a, b) = plots.figure(1, 2, size=(11.5, 4.8))
    ws = np.asarray(W_STAR)
    for c, colour, marker, label in ((False, plots.PALETTE[3], "o", "inputs σ(z) > 0"),
                                     (True, plots.PALETTE[0], "s", "inputs σ(z) − ½ (centred)")):
        P = np.asarray(zig[c]["path"])[:61]
        a.plot(P[:, 0], P[:, 1], color=colour, linewidth=1.2, marker=marker, markersize=3,
               label=f"{label}: {zig[c]['same_sign']:.0%} same-sign steps")
    a.plot(*ws, marker="*", markersize=16, color="#000000", linestyle="none", label="target w*")
    a.plot(0, 0, marker="x", markersize=9, color="#000000", linestyle="none", label="start")
    a.set_xlabel("weight $w_1$")
    a.set_ylabel("weight $w_2$")
    # with x > 0 every step points along (+, +) or (-, -): a staircase towards (1, -1)
    a.set_title(f"first 60 SGD steps towards w* = {W_STAR}")
    a.legend(fontsize=8, loc="lower left")
    a.set_aspect("equal", adjustable="datalim")
    for (act, ep), colour, style in ((("sigmoid", 0), plots.PALETTE[3], "--"),
                                     (("sigmoid", 3), plots.PALETTE[3], "-"),
                                     (("tanh", 0), plots.PALETTE[0], "--"),
                                     (("tanh", 3), plots.PALETTE[0], "-")):
        f = signs[(act, ep)]
        b.semilogx(BATCHES, [f[str(B)] for B in BATCHES], color=colour, linestyle=style,
                   marker="o", label=f"{act} hidden layer, "
                                     + ("at init" if ep == 0 else f"after {ep} epochs"))
    b.set_xlabel("batch size (1 = one sample's gradient)")
    b.set_ylabel("rows of dW with one sign (fraction)")
    b.set_title("output layer of a 64-100-10 net on digits")
    b.set_ylim(-0.03, 1.03)
    b.legend(fontsize=8.5)
    name = "e06_zero_centred.png"
    plots.save(fig, out / name)

    si, ti, st = signs[("sigmoid", 0)], signs[("tanh", 0)], signs[("sigmoid", 3)]
    c1 = Claim(
        id="zero_centred.signs",
        claim="With always-positive inputs, a neuron's weight gradient is all positive or all "
              "negative",
        measured=(f"single-sample gradient rows with one sign: sigmoid inputs {si['1']:.1%}, "
                  f"tanh inputs {ti['1']:.1%} (means over seeds; the smallest for sigmoid "
                  f"{k['s1']:.1%})"),
        verdict=sv, kind="identity", quote=QUOTE_SIGNS, rule=SIGNS_RULE, value=k["s1"],
        seeds=seeds,
        why=("Every per-sample gradient row took one sign when the layer's inputs came from "
             "sigmoids, and practically none did with tanh's zero-centred inputs."
             if sv == "supported" else "The measured fractions do not separate as the claim "
                                       "says; see the figure."),
        figures=[name])
    c2 = Claim(
        id="zero_centred.batch",
        claim="Added up across a batch, the update can have variable signs, mitigating this",
        measured=(f"sigmoid inputs after 3 epochs: one-sign rows {st['1']:.0%} per sample, "
                  f"{st['16']:.0%} at batch 16, {st['64']:.0%} at 64, {st['256']:.0%} at 256 "
                  f"(at initialization: {si['64']:.0%} at 64); ratio batch 64 / single "
                  f"{fmt_interval(*k['batch'])}"),
        verdict=bv, quote=QUOTE_BATCH, rule=BATCH_RULE.text, value=k["batch"][0],
        interval=k["batch"][1], seeds=seeds,
        why=("Summing over samples whose errors differ in sign mixes the signs: most batch "
             "gradients of a trained net have mixed rows. At initialization, when all samples "
             "look alike to the net, about half the rows still share a sign."
             if bv == "supported" else
             "The seeds disagree too much to decide." if bv == "inconclusive" else
             "Batching lowered the fraction less than the rule asks."),
        figures=[name])
    c3 = Claim(
        id="zero_centred.zigzag",
        claim="This introduces zig-zagging dynamics in the gradient updates",
        measured=(f"same-sign steps: positive inputs {zig[False]['same_sign']:.0%}, centred "
                  f"{zig[True]['same_sign']:.0%}; path length / distance covered "
                  f"{zig[False]['tortuosity']:.2f} vs {zig[True]['tortuosity']:.2f}; ratio "
                  f"{fmt_interval(*k['tort'])}"),
        verdict=zv, quote=QUOTE_ZIGZAG, rule=ZIG_RULE.text, value=k["tort"][0],
        interval=k["tort"][1], seeds=seeds,
        why=("With positive inputs every step moves both weights the same way, so reaching "
             "(1, −1) takes a staircase of alternating (+,+) and (−,−) steps, a path "
             f"{zig[False]['tortuosity'] / zig[True]['tortuosity']:.1f}x as long for the "
             "distance covered as with the same inputs centred."
             if zv == "supported" else "The seeds disagree too much to decide."
             if zv == "inconclusive" else "Only part of the zig-zag was measured; see the "
                                          "figure."),
        figures=[name])
    rows = [[f"{act}, " + ("init" if ep == 0 else f"{ep} epochs")]
            + [signs[(act, ep)][str(B)] for B in BATCHES]
            for act in ("sigmoid", "tanh") for ep in (0, 3)]
    return Section(
        id=ID, title=TITLE, seed_ref=SEED_REF,
        method=("Gradient signs: a 64-100-10 net (float64) on standardized digits; for each "
                "batch size, random batches are drawn and the output layer's weight gradient "
                "is taken by backpropagation; a row counts when all its 100 entries are >= 0 "
                "or all <= 0. Zig-zag: a [2, 1] network, per-sample SGD (lr 0.3) on a squared "
                "error, inputs z ~ N(0, 1.5²) mapped through σ, or through σ − ½; means over "
                "the seeds. Steps to come within 10% of the start's distance: positive inputs "
                f"{zig[False]['steps']}, centred {zig[True]['steps']} (at equal learning rate, "
                "which also differ in scale, so read the path shapes rather than the speed)."),
        claims=[c1, c2, c3], figures=[name],
        captions={name: "Left: the first 60 per-sample SGD steps of a two-weight neuron towards "
                        "w* = (1, -1), with always-positive inputs (a staircase) and the same "
                        "inputs centred. Right: the share of weight-gradient rows with one sign "
                        "against batch size."},
        table={"columns": ["hidden layer"] + [f"batch {B}" for B in BATCHES], "rows": rows},
        numbers={"signs": {f"{a}/{e}": v for (a, e), v in signs.items()},
                 "zigzag": {("centred" if c else "positive"): {k: v for k, v in z.items()
                                                               if k != "path"}
                            for c, z in zig.items()}})
