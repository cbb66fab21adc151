"""Architecture (ch6-06, ch6-07, ch6-08): the seed's two nets, their sizes and their forward pass.

The seed draws a 2-layer net (3 inputs, 4 hidden, 2 outputs) and a 3-layer net (3, 4, 4, 1),
counts 6 neurons and 26 parameters (20 weights + 6 biases) for the first and 9 neurons and 41
parameters (32 + 9) for the second, and writes the 3-layer net's forward pass as three matrix
products interwoven with a sigmoid ``f``, with ``x`` a column vector (or a matrix whose columns
are examples):

    h1 = f(np.dot(W1, x) + b1); h2 = f(np.dot(W2, h1) + b2); out = np.dot(W3, h2) + b3

Here both nets are built as :class:`~layerwise.engine.network.Network` objects; the diagrams are drawn
from them, the counts are read from them and recounted from the weight shapes, and the seed's
column-vector forward pass, run on the net's own matrices, is compared with ``net.forward``
(batches as rows) in float64.

>>> r = run_task(kind="sizes", sizes=[3, 4, 2])
>>> r["neurons"], r["weights"], r["biases"], r["params"]
(6, 20, 6, 26)
"""
from __future__ import annotations

import numpy as np

from ..common import param_counts
from ..common import tolerance_rule
from ..core import Claim, Section

QUOTE_COUNT = ("Notice that when we say N-layer neural network, we do not count the input "
               "layer.")
QUOTE_FORWARD = ("The full forward pass of this 3-layer neural network is then simply three "
                 "matrix multiplications, interwoven with the application of the activation "
                 "function:")
COUNT_RULE = ("supported (the count holds) if the network object's neurons, weights, biases and "
              "parameters equal the figure's, and the parameters recounted from its weight "
              "shapes equal them too; otherwise not supported.")
COUNT_ORIGIN = ("The counts themselves are figure ch6-07 of the original cs231n notes; our notes "
                "keep only its caption's place (the image is not available).")

ID = "architecture"
TITLE = "Architecture: the seed's two nets, their sizes, their forward pass"
CLAIM = ("A 3-4-2 net has 6 neurons and 26 parameters, a 3-4-4-1 net 9 neurons and 41; the "
         "3-layer net's forward pass is three matrix products interwoven with the activation.")
SEED_REF = "Section 3.1-3.2, figures ch6-06, ch6-07 and ch6-08"

#: The seed's counts (ch6-07): what the measurement is compared with.
SEED_COUNTS = {
    "3-4-2": {"neurons": 6, "weights": 20, "biases": 6, "params": 26},
    "3-4-4-1": {"neurons": 9, "weights": 32, "biases": 9, "params": 41},
}
#: Largest absolute difference (float64) for the two forward passes to count as equal.
FORWARD_TOL = 1e-12


def _name(sizes):
    return "-".join(str(s) for s in sizes)


def seed_forward(W, b, x, f):
    """The seed's forward pass in its column-vector form, for any number of layers.

    ``h = f(W @ h + b)`` for every hidden layer; the output layer has no activation.

    Shape
    -----
    W[i]: ``(out_i, in_i)``; b[i]: ``(out_i,)``; x: ``(D, N)`` (columns are examples);
    returns ``(out, N)``.
    """
    h = x
    for i, (Wi, bi) in enumerate(zip(W, b)):
        h = Wi @ h + bi[:, None]  # b as a column, as the seed's [4x1] b1
        if i < len(W) - 1:
            h = f(h)
    return h


def tasks(quick=False, seed=0):
    """Three tasks: the two nets' sizes, and the forward-pass check (the same when quick)."""
    return [{"kind": "sizes", "sizes": [3, 4, 2]},
            {"kind": "sizes", "sizes": [3, 4, 4, 1]},
            {"kind": "forward", "sizes": [3, 4, 4, 1], "n": 5, "seed": int(seed)}]


def run_task(kind, sizes, n=1, seed=0):
    """Measure one net: its counts (``kind="sizes"``) or its forward pass (``"forward"``)."""
    import layerwise as lw

    if kind == "sizes":
        net = lw.Network(sizes, seed=seed)
        # recount from the weight shapes: W_i is (out_i, in_i), b_i is (out_i,)
        shapes = [tuple(p.shape) for _, p, _ in net.parameters()]
        by_hand = sum(a * b for a, b in zip(sizes[:-1], sizes[1:])) + sum(sizes[1:])
        return {"kind": kind, "sizes": list(sizes), "depth": net.depth, **param_counts(net),
                "params_from_shapes": int(by_hand), "shapes": [list(s) for s in shapes],
                "summary": net.summary()}
    if kind == "forward":
        from layerwise.engine.activations import sigmoid

        net = lw.Network(sizes, activation="sigmoid", dtype=np.float64, seed=seed)
        rng = np.random.default_rng(seed)
        dense = [layer for layer in net.layers if layer.is_weight_layer]
        W = [layer.weight.copy() for layer in dense]
        b = [layer.bias.copy() for layer in dense]
        x1 = rng.standard_normal((sizes[0], 1))  # one example, a [3x1] column as in the seed
        xs = rng.standard_normal((sizes[0], n))  # a batch: each example a column
        out1 = seed_forward(W, b, x1, sigmoid)
        outs = seed_forward(W, b, xs, sigmoid)
        net1 = net.forward(x1.T).T  # the library takes batches as rows
        nets = net.forward(xs.T).T
        return {"kind": kind, "sizes": list(sizes), "n": n, "products": len(W),
                "shapes": [list(w.shape) for w in W],
                "diff_single": float(np.abs(out1 - net1).max()),
                "diff_batch": float(np.abs(outs - nets).max()),
                "out_single": float(out1[0, 0]), "out_batch": outs[0].tolist(),
                "weights": [w.tolist() for w in W]}
    raise ValueError(f"kind must be 'sizes' or 'forward', got {kind!r}")


def _count_claim(r, fig):
    name = _name(r["sizes"])
    want = SEED_COUNTS[name]
    got = {k: r[k] for k in want}
    agree = got == want and r["params_from_shapes"] == r["params"]
    return Claim(
        id=f"sizes-{name}",
        claim=(f"The {len(r['sizes']) - 1}-layer net {name} has {want['neurons']} neurons and "
               f"{want['params']} parameters ({want['weights']} weights + {want['biases']} "
               "biases)."),
        measured=(f"Network({r['sizes']}): {r['neurons']} neurons, {r['params']} parameters "
                  f"({r['weights']} weights + {r['biases']} biases); counted from the weight "
                  f"shapes {r['params_from_shapes']}"),
        verdict="supported" if agree else "not supported", kind="identity", quote=QUOTE_COUNT,
        rule=COUNT_RULE, origin=COUNT_ORIGIN,
        why=("The counts read from the network object and recounted from its weight shapes "
             "both equal the seed's." if agree else
             f"The network reports {got}, the seed {want}."),
        figures=[fig])


def summarize(results, out, quick=False):
    """Diagrams of both nets, a figure of the 3-layer net's matrices, the counts table."""
    import layerwise as lw
    from layerwise import plots

    sizes_r = [r for r in results if r["kind"] == "sizes"]
    fwd = next(r for r in results if r["kind"] == "forward")

    fig, axes = plots.figure(1, 2, size=(11, 4.2))
    for ax, r in zip(axes, sizes_r):
        plots.network_diagram(lw.Network(r["sizes"], seed=0), ax=ax)
    diagrams = "architecture_nets.png"
    plots.save(fig, out / diagrams)

    # the forward pass: the three matrices the seed multiplies, drawn with their shapes
    Ws = [np.asarray(w) for w in fwd["weights"]]
    fig, axes = plots.figure(1, len(Ws), size=(3.4 * len(Ws), 3.3))
    vmax = max(float(np.abs(w).max()) for w in Ws)
    for i, (ax, W) in enumerate(zip(axes, Ws), start=1):
        im = ax.imshow(W, cmap="PuOr", vmin=-vmax, vmax=vmax)
        ax.set_title(f"W{i}: [{W.shape[0]}x{W.shape[1]}]")
        ax.set_xlabel("input unit (column)")
        ax.set_ylabel("neuron (row)")
        ax.set_xticks(range(W.shape[1]))
        ax.set_yticks(range(W.shape[0]))
        ax.grid(False)
    fig.colorbar(im, ax=list(axes), label="weight", shrink=0.8)
    fig.suptitle("out = W3 f(W2 f(W1 x + b1) + b2) + b3 with f = sigmoid; "
                 "each row of W is one neuron")
    matrices = "architecture_forward.png"
    plots.save(fig, out / matrices)

    claims = [_count_claim(r, diagrams) for r in sizes_r]
    worst = max(fwd["diff_single"], fwd["diff_batch"])
    equal = worst <= FORWARD_TOL
    claims.append(Claim(
        id="forward-pass",
        claim=("The 3-layer net's forward pass is three matrix products interwoven with the "
               "activation: h1 = f(W1 x + b1), h2 = f(W2 h1 + b2), out = W3 h2 + b3."),
        measured=(f"{fwd['products']} matrix products of shapes "
                  f"{', '.join('x'.join(map(str, s)) for s in fwd['shapes'])}; largest "
                  f"difference from net.forward: {fwd['diff_single']:.1e} for one column "
                  f"vector, {fwd['diff_batch']:.1e} for {fwd['n']} columns (float64)"),
        verdict="supported" if equal else "not supported", kind="identity",
        quote=QUOTE_FORWARD, value=worst,
        rule=tolerance_rule("the largest |difference| from net.forward", FORWARD_TOL),
        why=(f"The seed's column-vector code on the net's own matrices gives the net's "
             f"outputs to within {FORWARD_TOL:g}; the library computes the same with batches "
             "as rows (X W^T + b)." if equal else
             f"The two computations differ by {worst:.3g}, more than {FORWARD_TOL:g}."),
        figures=[matrices]))

    rows = [[_name(r["sizes"]), r["depth"], r["neurons"], r["weights"], r["biases"], r["params"],
             SEED_COUNTS[_name(r["sizes"])]["params"]] for r in sizes_r]
    return Section(
        id=ID, title=TITLE, seed_ref=SEED_REF,
        method=("Both nets are built with lw.Network; the diagrams are drawn from the objects, "
                "the counts read from them and recounted from the weight shapes. The seed's "
                "column-vector forward pass (sigmoid f) is run on the 3-layer net's own matrices "
                "and compared with net.forward in float64."),
        claims=claims, figures=[diagrams, matrices],
        captions={diagrams: "Figure ch6-06 redrawn from the network objects: the 2-layer net "
                            "3-4-2 and the 3-layer net 3-4-4-1.",
                  matrices: "The 3-layer net's three weight matrices, one neuron per row, as "
                            "the forward pass of figure ch6-08 multiplies them."},
        table={"columns": ["net", "layers (N)", "neurons", "weights", "biases", "parameters",
                           "seed's parameters"], "rows": rows},
        numbers={"summaries": {_name(r["sizes"]): r["summary"] for r in sizes_r},
                 "forward": {k: fwd[k] for k in ("diff_single", "diff_batch", "products",
                                                 "shapes", "out_single")}})
