"""The neuron (ch6-01): a dot product, a bias and an activation; one neuron as a linear classifier.

First, the forward pass of :class:`layerwise.Neuron` and of a one-output :class:`Network`
followed by a sigmoid are compared with the notes' own code (``np.sum(inputs * weights) + bias``
then ``1 / (1 + math.exp(-s))``) on random inputs. Then one neuron (a ``[2, 1]`` network) is
trained on the same 2-D data twice, with the binary logistic loss (a binary Softmax classifier)
and with the binary hinge loss (a binary SVM); both decision lines are drawn, with the accuracy
of a reference line: the perpendicular bisector of the two class means.
"""
from __future__ import annotations

import math

import numpy as np

from ..common import FULL_SEEDS, Rule, fmt_interval, interval, seeds_for, tolerance_rule
from ..core import Claim, Section

ID = "neuron"
TITLE = "The neuron, and one neuron as a linear classifier"
SEED_REF = "Sections 2.1 and 2.2; figure ch6-01"
CLAIM = ("A neuron computes f(sum_i w_i x_i + b): a dot product with its weights, plus a bias, "
         "through an activation (sigmoid here). With a loss on its output, one neuron is a "
         "linear classifier: a binary Softmax classifier with the cross-entropy loss, a binary "
         "SVM with the hinge loss.")

LESSON = "neuron"
FORWARD_TOL = 1e-12
QUOTE_FORWARD = ("In other words, each neuron performs a dot product with the input and its "
                 "weights, adds the bias and applies the non-linearity (or activation function), "
                 "in this case the sigmoid σ(x)=1/(1+e−x).")
QUOTE_LINEAR = ("Hence, with an appropriate loss function on the neuron’s output, we can turn a "
                "single neuron into a linear classifier:")
#: a trained neuron is a linear classifier as good as the class-mean bisector (within 3 points)
CLASSIFIER_RULE = Rule("the worse loss's training accuracy minus the class-mean bisector's (per "
                       "seed)", supported=-0.03, partly=-0.1)
LOSSES = ("logistic", "binary_hinge")
LOSS_NAMES = {"logistic": "binary Softmax (logistic loss)", "binary_hinge": "binary SVM (hinge)"}


class SeedNeuron:
    """The notes' code, as printed (with ``__init__`` filled in)."""

    def __init__(self, weights, bias):
        self.weights, self.bias = weights, bias

    def forward(self, inputs):
        """ assume inputs and weights are 1-D numpy arrays and bias is a number """
        cell_body_sum = np.sum(inputs * self.weights) + self.bias
        firing_rate = 1.0 / (1.0 + math.exp(-cell_body_sum))  # sigmoid activation function
        return firing_rate


def _data(seed, n):
    import layerwise as lw

    return lw.data.gaussians(n=n, classes=2, noise=1.4, seed=seed)


def tasks(quick, seed):
    n_forward = 300 if quick else 3000
    epochs = 60
    return ([{"kind": "forward", "seed": seed, "n": n_forward}]
            + [{"kind": "train", "loss": loss, "seed": s, "n": 400, "epochs": epochs}
               for s in seeds_for(seed, 3 if quick else FULL_SEEDS) for loss in LOSSES])


def run_task(kind, seed, n, epochs=None, loss=None):
    import layerwise as lw

    if kind == "forward":
        rng = np.random.default_rng(seed)
        D = 5
        err_neuron = err_net = 0.0
        overflow = 0
        for _ in range(n):
            w, b = rng.standard_normal(D), float(rng.standard_normal())
            x = rng.standard_normal(D) * 3
            ref = SeedNeuron(w, b).forward(x)
            err_neuron = max(err_neuron, abs(float(lw.Neuron(w, b).forward(x)) - ref))
            net = lw.Network([D, 1], dtype=np.float64, seed=0)
            net.load_state_dict({"0.weight": w[None, :], "0.bias": np.array([b])})
            score = net.forward(x)
            err_net = max(err_net, abs(float(lw.activations.sigmoid(score)[0]) - ref))
        # the notes' math.exp overflows for very negative sums; the library's sigmoid does not
        w = np.ones(D)
        for s in (-800.0, 800.0):
            x = np.full(D, s / D)
            try:
                SeedNeuron(w, 0.0).forward(x)
            except OverflowError:
                overflow += 1
        stable = [float(lw.Neuron(w, 0.0).forward(np.full(D, s / D))) for s in (-800.0, 800.0)]
        return {"kind": kind, "seed": seed, "n": n, "err_neuron": err_neuron,
                "err_network": err_net,
                "seed_overflows": overflow, "library_at_pm800": stable}

    from layerwise.training.trainer import fit

    X, y = _data(seed, n)
    net = lw.Network([2, 1], dtype=np.float64, seed=seed)
    hist = fit(net, X, y, loss=loss, optimizer="sgd", lr=0.1, epochs=epochs, batch_size=32,
               reg=1e-3, seed=seed, progress=False)
    acc = float((net.predict(X) == y).mean())
    # the line bisecting the class means: the perpendicular bisector of the two class means
    m0, m1 = X[y == 0].mean(axis=0), X[y == 1].mean(axis=0)
    ref_acc = float((((X - (m0 + m1) / 2) @ (m1 - m0) > 0).astype(int) == y).mean())
    W = net.state_dict()
    return {"kind": kind, "loss": loss, "seed": seed, "weight": W["0.weight"][0].tolist(),
            "bias": float(W["0.bias"][0]), "accuracy": acc, "reference_accuracy": ref_acc,
            "train_loss": hist.train_loss, "X": X.tolist(), "y": y.tolist()}


def _angle(w1, w2):
    c = abs(np.dot(w1, w2)) / (np.linalg.norm(w1) * np.linalg.norm(w2))
    return float(np.degrees(np.arccos(min(1.0, c))))


def _draw_neuron(ax, plots):
    """The mathematical model of ch6-01: inputs, weights, the cell body's sum, the activation."""
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 6)
    ax.set_aspect("equal")
    ax.axis("off")
    arrow = {"arrowstyle": "-|>", "color": "#333333", "lw": 1.3}
    for i, yy in enumerate((5.0, 3.0, 1.0)):
        ax.text(0.6, yy, f"$x_{i}$", fontsize=14, ha="center", va="center")
        ax.annotate("", xy=(4.3, 3.0 + (yy - 3) * 0.2), xytext=(1.0, yy), arrowprops=arrow)
        ax.text(2.6, 3.0 + (yy - 3) * 0.62 + 0.25, f"$w_{i} x_{i}$", fontsize=12,
                color=plots.PALETTE[0], ha="center")
    _circle(ax, (5.3, 3.0), 1.05)
    ax.text(5.3, 3.0, "$\\sum_i w_i x_i + b$", ha="center", va="center", fontsize=11)
    ax.text(5.3, 1.55, "cell body", ha="center", va="top", fontsize=9, color=plots.GREY)
    ax.annotate("", xy=(8.0, 3.0), xytext=(6.4, 3.0), arrowprops=arrow)
    ax.text(7.2, 3.35, "$f$", ha="center", fontsize=13, color=plots.PALETTE[3])
    ax.text(8.1, 3.0, "$f\\left(\\sum_i w_i x_i + b\\right)$", ha="left", va="center",
            fontsize=11)
    ax.text(8.6, 2.2, "output axon", ha="center", va="top", fontsize=9, color=plots.GREY)
    ax.set_title("the neuron's mathematical model (ch6-01)")


def _circle(ax, centre, radius):
    from matplotlib.patches import Circle

    c = Circle(centre, radius, facecolor="#dbe9f6", edgecolor="#333333", linewidth=1.3)
    ax.add_patch(c)
    return c


def verdicts(fwd, runs):
    """forward (an identity): supported when both implementations match the notes' code within
    1e-12, else not supported. classifier: :data:`CLASSIFIER_RULE` on the per-seed margin of
    the worse loss over the class-mean bisector. Returns ``(forward verdict, classifier
    verdict, (mean margin, interval))``."""
    fv = ("supported" if max(fwd["err_neuron"], fwd["err_network"]) < FORWARD_TOL
          else "not supported")
    by_seed = {}
    for r in runs:
        by_seed.setdefault(r["seed"], []).append(r["accuracy"] - r["reference_accuracy"])
    m, iv = interval([min(v) for v in by_seed.values()])
    return fv, CLASSIFIER_RULE(iv), (m, iv)


def summarize(results, out, quick):
    from ... import plots

    fwd = results[0]
    every = results[1:]
    runs = [r for r in every if r["seed"] == every[0]["seed"]]  # drawn: the first seed's
    fig, (a0, a1) = plots.figure(1, 2, size=(11.5, 4.4))
    _draw_neuron(a0, plots)
    X, y = np.asarray(runs[0]["X"]), np.asarray(runs[0]["y"])
    for c in (0, 1):
        m = y == c
        a1.scatter(X[m, 0], X[m, 1], s=14, color=plots.PALETTE[5 if c == 0 else 1],
                   marker=plots.MARKERS[c], edgecolors="white", linewidths=0.3,
                   label=f"class {c}")
    xs = np.linspace(X[:, 0].min(), X[:, 0].max(), 50)
    for i, r in enumerate(runs):
        (w1, w2), b = r["weight"], r["bias"]
        a1.plot(xs, -(w1 * xs + b) / w2, color=plots.PALETTE[[0, 3][i]],
                linestyle=["-", "--"][i],
                label=f"{LOSS_NAMES[r['loss']]}: {r['accuracy']:.1%}")
    a1.set_ylim(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5)
    a1.set_xlabel("$x_1$")
    a1.set_ylabel("$x_2$")
    a1.set_title("one neuron, two losses: decision lines w·x + b = 0")
    a1.legend(loc="lower left", fontsize=8.5, frameon=True, framealpha=0.85)
    name = "e01_neuron.png"
    plots.save(fig, out / name)

    fv, cv, (margin, margin_iv) = verdicts(fwd, every)
    angle = _angle(np.asarray(runs[0]["weight"]), np.asarray(runs[1]["weight"]))
    c1 = Claim(
        id="neuron.forward",
        claim="A neuron computes f(Σ w_i x_i + b) with a sigmoid f, as the notes' code does",
        measured=(f"max |lw.Neuron − notes' code| = {fwd['err_neuron']:.1e}, max |Network([5, 1]) "
                  f"+ sigmoid − notes' code| = {fwd['err_network']:.1e} over {fwd['n']:,} random "
                  f"neurons; the notes' math.exp overflowed on {fwd['seed_overflows']} of 2 "
                  f"extreme sums (±800), the library gave {fwd['library_at_pm800']}"),
        verdict=fv, kind="identity", quote=QUOTE_FORWARD, seeds=[fwd["seed"]],
        value=max(fwd["err_neuron"], fwd["err_network"]),
        rule=tolerance_rule("the largest |difference| from the notes' code", FORWARD_TOL),
        why=("Both of the library's forms give the notes' firing rate to float64 round-off; "
             "the library's sigmoid also stays finite where math.exp overflows."
             if fv == "supported" else "The library's forward pass differs from the formula."),
        figures=[name])
    acc = ", ".join(f"{LOSS_NAMES[r['loss']]} {r['accuracy']:.1%}" for r in runs)
    c2 = Claim(
        id="neuron.linear_classifier",
        claim="With a loss on its output one neuron is a linear classifier: binary Softmax "
              "(cross-entropy) or binary SVM (hinge)",
        measured=(f"first seed: training accuracy {acc}; line bisecting the class means: "
                  f"{runs[0]['reference_accuracy']:.1%}; the two lines differ by {angle:.1f}°; "
                  f"worse loss minus bisector over {len(every) // 2} seeds: "
                  f"{fmt_interval(margin, margin_iv, pct=True)}"),
        verdict=cv, quote=QUOTE_LINEAR, rule=CLASSIFIER_RULE.text, value=margin,
        interval=margin_iv, seeds=sorted({r["seed"] for r in every}),
        why=("Each loss turned the same single neuron into a straight-line classifier as good "
             f"as the class-mean bisector for these overlapping classes; the two losses' lines "
             f"lie {angle:.1f}° apart." if cv == "supported" else
             "The seeds are too few to place the margin in one band." if cv == "inconclusive"
             else "At least one loss left the neuron short of the reference line; see the "
                  "table."),
        figures=[name])
    rows = [[LOSS_NAMES[r["loss"]], r["accuracy"], r["reference_accuracy"],
             r["train_loss"][0], r["train_loss"][-1], f"({r['weight'][0]:.3f}, "
             f"{r['weight'][1]:.3f})", r["bias"]] for r in runs]
    return Section(
        id=ID, title=TITLE, seed_ref=SEED_REF,
        method=("Forward pass: random 5-input neurons and inputs, the notes' Neuron.forward "
                "against lw.Neuron and against a Network([5, 1]) with a sigmoid on its score. "
                "Classifiers: a [2, 1] network trained with lw.fit (SGD, lr 0.1, batch 32, L2 "
                "1e-3) on 400 points of two overlapping Gaussian classes, once with the logistic "
                "loss and once with the binary hinge loss."),
        claims=[c1, c2], figures=[name],
        captions={name: "Left: the neuron's mathematical model (figure ch6-01, right). Right: "
                        "one neuron trained with the logistic loss (a binary Softmax "
                        "classifier) and with the hinge loss (a binary SVM) on the same two "
                        "overlapping classes (first seed): both are straight lines."},
        table={"columns": ["loss", "train accuracy", "bisector accuracy", "first-epoch loss",
                           "last-epoch loss", "weights w", "bias b"], "rows": rows},
        numbers={"err_neuron": fwd["err_neuron"], "err_network": fwd["err_network"],
                 "angle_deg": angle, "accuracy": {r["loss"]: r["accuracy"] for r in runs}})
