"""The CIFAR-10 net 3072-100-10: its size, its forward pass and, given the data, its accuracy.

The seed's opening example: a linear classifier computes CIFAR-10 scores as ``s = W x`` with
``x`` a [3072x1] column of pixels and ``W`` [10x3072]; a neural network instead computes
``s = W2 max(0, W1 x)`` with ``W1`` [100x3072] and ``W2`` [10x100]. With biases that net has
3072*100 + 100 + 100*10 + 10 = 308,310 parameters.

Here the net is built with ``lw.Network([3072, 100, 10])``: its weight shapes and parameter
count are read from it, and the seed's column-vector formula, run on its own matrices, is
compared with ``net.forward``. Where a CIFAR-10 copy is given (``layerwise lab --cifar10 PATH``
or the environment variable ``LAYERWISE_CIFAR10``), the net and the linear classifier
``s = W x + b`` are both trained on it with :func:`layerwise.fit` and their test accuracies
compared; without one, the report says that the accuracy was not measured and invents no number.
"""
from __future__ import annotations

import os

import numpy as np

from ..common import Rule, omit, param_counts, tolerance_rule
from ..core import Claim, Section

ID = "cifar"
TITLE = "The CIFAR-10 net 3072-100-10"
CLAIM = ("The net s = W2 max(0, W1 x) with W1 [100x3072] and W2 [10x100] has 308,310 parameters "
         "and, given CIFAR-10, classifies it better than the linear s = W x.")
SEED_REF = "Section 1, quick intro: the CIFAR-10 example"

SIZES = [3072, 100, 10]
#: the seed's matrix shapes, from which the expected parameter count follows
SEED_SHAPES = {"W1": (100, 3072), "W2": (10, 100)}
FORWARD_TOL = 1e-10
ENV = "LAYERWISE_CIFAR10"
OPTIMIZER, LR, BATCH, REG = "adam", 1e-3, 256, 1e-3
#: the net must beat the linear classifier by this much test accuracy to count as better
MARGIN = 0.01
QUOTE_PARAMS = ("Here, W1 could be, for example, a [100x3072] matrix transforming the image into a "
                "100-dimensional intermediate vector.")
QUOTE_FORWARD = "An example neural network would instead compute s=W2max(0,W1x)."
QUOTE_ACCURACY = "The non-linearity is where we get the wiggle."
ORIGIN = ("CIFAR-10 and the [3072x1] image column are the original cs231n notes' running "
          "example, kept in ours.")
PARAMS_RULE = ("supported (the count holds) if Network([3072, 100, 10]) has weights 100x3072 and "
               "10x100 and as many parameters as those shapes and their biases give; otherwise "
               "not supported.")
#: the claim on accuracy: stated, and either measured or marked as not measured
ACCURACY_CLAIM = ("Trained on CIFAR-10, the net classifies better than the linear classifier "
                  "s = W x.")
ACCURACY_RULE_OBJ = Rule("the test-accuracy gain of the net over the linear classifier "
                         "(binomial interval on the test set)", supported=MARGIN, partly=0.0)
ACCURACY_RULE = ACCURACY_RULE_OBJ.text


def tasks(quick=False, seed=0, cifar10=None):
    """The size and forward-pass checks; with a CIFAR-10 folder (the ``cifar10`` option or
    ``$LAYERWISE_CIFAR10``), one training task as well."""
    path = cifar10 or os.environ.get(ENV) or None
    out = [{"kind": "size"}, {"kind": "forward", "seed": int(seed)}]
    if path:
        out.append({"kind": "train", "path": str(path), "seed": int(seed),
                    "epochs": 2 if quick else 10, "n_train": 5000 if quick else None})
    return out


def run_task(kind, seed=0, path=None, epochs=10, n_train=None):
    import layerwise as lw

    if kind == "size":
        net = lw.Network(SIZES, seed=seed)
        shapes = {k: list(p.shape) for k, p in net.state_dict().items()}
        return {"kind": kind, **param_counts(net), "shapes": shapes,
                "per_tensor": {k: int(np.prod(s)) for k, s in shapes.items()}}
    if kind == "forward":
        net = lw.Network(SIZES, dtype=np.float64, seed=seed)
        W1, b1 = net.layers[0].weight, net.layers[0].bias
        W2, b2 = net.layers[2].weight, net.layers[2].bias
        x = np.random.default_rng(seed).random((SIZES[0], 8))  # 8 "images" as columns, 0..1
        s = W2 @ np.maximum(0, W1 @ x + b1[:, None]) + b2[:, None]
        return {"kind": kind, "seed": seed, "columns": x.shape[1],
                "diff": float(np.abs(s - net.forward(x.T).T).max()),
                "score_scale": float(np.abs(s).max())}
    if kind == "train":
        return _train(path, seed, epochs, n_train)
    raise ValueError(f"kind must be 'size', 'forward' or 'train', got {kind!r}")


def _train(path, seed, epochs, n_train):
    """Train the 3072-100-10 net and the linear classifier on CIFAR-10; test accuracies."""
    import layerwise as lw

    Xtr, ytr, Xte, yte = lw.data.load_cifar10(path)
    if n_train is not None and n_train < len(ytr):
        keep = np.sort(np.random.default_rng(seed).permutation(len(ytr))[:n_train])
        Xtr, ytr = Xtr[keep], ytr[keep]
    # pixels to [0, 1], then the mean image of the training set subtracted (the cs231n recipe);
    # in place, because the training set alone takes 600 MB
    Xtr /= 255.0
    Xte /= 255.0
    mean = Xtr.mean(axis=0)
    Xtr -= mean
    Xte -= mean
    out = {"kind": "train", "seed": seed, "n_train": int(len(ytr)), "n_test": int(len(yte)),
           "epochs": epochs, "models": {}}
    for name, sizes in (("net", SIZES), ("linear", [SIZES[0], SIZES[-1]])):
        net = lw.Network(sizes, seed=seed)
        h = lw.fit(net, Xtr, ytr, optimizer=OPTIMIZER, lr=LR, epochs=epochs, batch_size=BATCH,
                   reg=REG, val=(Xte, yte), seed=seed, progress=False, eval_train=True)
        out["models"][name] = {"sizes": sizes, "params": net.num_params,
                               "test_acc": lw.accuracy(net, Xte, yte),
                               "train_acc": h.train_acc[-1], "history": {
                                   "train_loss": h.train_loss, "train_acc": h.train_acc,
                                   "val_loss": h.val_loss, "val_acc": h.val_acc}}
    return out


def summarize(results, out, quick=False):
    import layerwise as lw
    from layerwise import plots

    size = next(r for r in results if r["kind"] == "size")
    fwd = next(r for r in results if r["kind"] == "forward")
    train = next((r for r in results if r["kind"] == "train"), None)

    fig, (ax1, ax2) = plots.figure(1, 2, size=(11, 4.0), width_ratios=[1.3, 1])
    plots.network_diagram(lw.Network(SIZES, seed=0), ax=ax1)
    names = list(size["per_tensor"])
    xs = np.arange(len(names))
    ax2.bar(xs, [size["per_tensor"][n] for n in names], color=plots.PALETTE[0], alpha=0.85)
    for x, n in zip(xs, names):
        ax2.text(x, size["per_tensor"][n] * 1.15, f"{size['per_tensor'][n]:,}", ha="center",
                 fontsize=9)
    ax2.set_yscale("log")
    ax2.set_xticks(xs, [f"{n}\n{'x'.join(map(str, size['shapes'][n]))}" for n in names])
    ax2.set(xlabel="parameter tensor (state-dict name and shape)", ylabel="parameters",
            title=f"{size['params']:,} parameters in all")
    net_png = "cifar_net.png"
    plots.save(fig, out / net_png)

    expected = (sum(a * b for a, b in SEED_SHAPES.values())
                + sum(a for a, _ in SEED_SHAPES.values()))
    got_shapes = [tuple(size["shapes"]["0.weight"]), tuple(size["shapes"]["2.weight"])]
    ok = size["params"] == expected and got_shapes == list(SEED_SHAPES.values())
    claims = [Claim(
        id="params",
        claim=("With W1 [100x3072] and W2 [10x100] (and their biases) the net has 308,310 "
               "parameters."),
        measured=(f"Network({SIZES}): weights {got_shapes[0][0]}x{got_shapes[0][1]} and "
                  f"{got_shapes[1][0]}x{got_shapes[1][1]}, {size['weights']:,} weights + "
                  f"{size['biases']} biases = {size['params']:,} parameters; from the seed's "
                  f"shapes {expected:,}"),
        verdict="supported" if ok else "not supported", kind="identity", quote=QUOTE_PARAMS,
        rule=PARAMS_RULE, origin=ORIGIN, value=float(size["params"]),
        why=("The network's own count equals the count from the seed's matrix shapes." if ok
             else "The network's shapes or count differ from the seed's."),
        figures=[net_png])]

    same = fwd["diff"] <= FORWARD_TOL * max(1.0, fwd["score_scale"])
    claims.append(Claim(
        id="forward",
        claim="The net computes the class scores as s = W2 max(0, W1 x).",
        measured=(f"the seed's formula on the net's matrices (biases added) and net.forward differ "
                  f"by at most {fwd['diff']:.1e} over {fwd['columns']} image-sized columns "
                  "(float64)"),
        verdict="supported" if same else "not supported", kind="identity",
        quote=QUOTE_FORWARD, value=fwd["diff"], seeds=[fwd["seed"]],
        rule=tolerance_rule("the largest |difference| (relative to the largest score, when that "
                            "is above 1)", FORWARD_TOL),
        why=("Two matrix products with a ReLU between them are the whole net." if same else
             f"The two differ by {fwd['diff']:.3g}."),
        figures=[net_png]))

    figures = [net_png]
    if train is None:
        claims.append(Claim(
            id="accuracy",
            claim=ACCURACY_CLAIM,
            measured=(f"not measured: no CIFAR-10 copy was given (layerwise lab --cifar10 PATH, "
                      f"or ${ENV}); only the {size['params']:,}-parameter architecture and its "
                      "forward pass were checked"),
            verdict="not measured", kind="not measured", quote=QUOTE_ACCURACY,
            rule=ACCURACY_RULE, origin=ORIGIN,
            why=("Needed: a CIFAR-10 copy (the python or binary version from "
                 "https://www.cs.toronto.edu/~kriz/cifar.html), given with --cifar10 PATH. The "
                 "architecture was checked above; its accuracy needs the data, and no number is "
                 "put in its place."),
            figures=[net_png]))
    else:
        m = train["models"]
        curves_png = "cifar_learning_curves.png"
        hist = {"-".join(map(str, v["sizes"])): v["history"] for v in m.values()}
        fig = plots.learning_curves(hist, title="CIFAR-10: dashed lines are the test set")
        plots.save(fig, out / curves_png)
        figures.append(curves_png)
        gain = m["net"]["test_acc"] - m["linear"]["test_acc"]
        p1, p2, n = m["net"]["test_acc"], m["linear"]["test_acc"], train["n_test"]
        se = float(np.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / n))  # of the difference
        # one split, one seed: the interval is the binomial one of the difference on the test
        # set (the run is too costly to repeat over seeds here)
        gain_iv = [gain - 1.96 * se, gain + 1.96 * se]
        verdict = ACCURACY_RULE_OBJ(gain_iv)
        claims.append(Claim(
            id="accuracy",
            claim=ACCURACY_CLAIM,
            measured=(f"test accuracy {m['net']['test_acc']:.1%} (3072-100-10, "
                      f"{m['net']['params']:,} parameters) against {m['linear']['test_acc']:.1%} "
                      f"(linear 3072-10, {m['linear']['params']:,}); {train['n_train']:,} "
                      f"training and {train['n_test']:,} test images, {train['epochs']} epochs"),
            verdict=verdict, quote=QUOTE_ACCURACY, rule=ACCURACY_RULE, origin=ORIGIN,
            value=gain, interval=gain_iv, seeds=[train["seed"]],
            why=(f"The hidden layer adds {gain:+.1%} test accuracy over the linear classifier "
                 f"(standard error of the difference {se:.1%})." if verdict == "supported" else
                 f"The net is ahead by {gain:+.1%} (standard error {se:.1%})."
                 if verdict in ("partly", "inconclusive") else
                 f"The net is not ahead of the linear classifier ({gain:+.1%})."),
            figures=[curves_png]))

    rows = [[k, "x".join(map(str, s)), f"{size['per_tensor'][k]:,}"]
            for k, s in size["shapes"].items()]
    rows.append(["total", "", f"{size['params']:,}"])
    captions = {net_png: "Left: the 3072-100-10 net drawn from the network object; right: its "
                         "parameter tensors, by state-dict name and shape."}
    if train is not None:
        captions["cifar_learning_curves.png"] = ("Training (solid) and test (dashed) loss and "
                                                 "accuracy per epoch, the net and the linear "
                                                 "classifier.")
    numbers = {"size": size, "forward": fwd}
    if train is not None:
        numbers["train"] = {k: omit(v, "history") for k, v in train["models"].items()}
    return Section(
        id=ID, title=TITLE, seed_ref=SEED_REF,
        method=("lw.Network([3072, 100, 10]) (ReLU): counts and shapes read from the object; the "
                "seed's formula run on its matrices against net.forward in float64. "
                + (f"CIFAR-10 ({train['n_train']:,} training images): pixels scaled to [0, 1], "
                   f"the training mean image subtracted; the net and the linear classifier trained "
                   f"with lw.fit ({OPTIMIZER}, lr {LR:g}, batch {BATCH}, L2 {REG:g}, "
                   f"{train['epochs']} epochs)." if train else
                   "No CIFAR-10 copy was given, so nothing was trained.")),
        claims=claims, figures=figures, captions=captions,
        table={"columns": ["tensor", "shape", "parameters"], "rows": rows},
        numbers=numbers)
