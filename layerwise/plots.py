"""Plots: activation curves, decision regions, learning curves, network diagrams, box plots.

Every figure of the library and of the lab report comes from here, in one style: the
Okabe-Ito palette (safe for colour-blind readers), every axis labelled, fonts readable when a
figure is shown at the width of a page. The style lives in :data:`STYLE` and :data:`PALETTE`
and is applied by :func:`figure`, so a figure made with ``figure()`` and then drawn on by hand
looks like the rest.

Figures are :class:`matplotlib.figure.Figure` objects made without pyplot: nothing opens a
window, nothing needs closing, and they save with ``fig.savefig(...)`` or :func:`save` on any
machine (Agg). Needs matplotlib: ``pip install layerwise[plot]``.

>>> import layerwise as lw
>>> from layerwise import plots
>>> fig = plots.activation_curves(["sigmoid", "tanh"])
>>> [ax.get_title() for ax in fig.axes]
['sigmoid', 'tanh']
>>> fig, ax = plots.figure()
>>> _ = ax.plot([0, 1], [0, 1], label="a line"); _ = ax.set(xlabel="x", ylabel="y")
"""
from __future__ import annotations

import math

import numpy as np

#: Okabe & Ito's eight colours, ordered for lines: blue, orange, bluish green, vermillion,
#: reddish purple, sky blue, yellow, black. Distinct for the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000")
#: Weight signs in network diagrams: positive blue, negative vermillion (never red/green).
POSITIVE, NEGATIVE = PALETTE[0], PALETTE[3]
#: Markers per class, so classes differ by shape as well as by colour.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
GREY = "#7f7f7f"

#: matplotlib settings applied by :func:`figure` (and by every function here).
STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 110,
    "savefig.bbox": "tight",
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 9.5,
    "legend.frameon": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 2.0,
    "lines.markersize": 5,
    "image.cmap": "cividis",
}

#: Inches per panel: two panels side by side fill a page's width at readable font sizes.
PANEL_SIZE = (4.6, 3.5)


def _mpl():
    """Import matplotlib lazily, with a message naming the extra that provides it."""
    try:
        import matplotlib.figure  # binds matplotlib; the Figure class every plot draws on
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("plotting needs matplotlib: pip install 'layerwise[plot]'") from None
    return matplotlib


def use_style():
    """Apply :data:`STYLE` and the palette to matplotlib's settings (done by :func:`figure`)."""
    mpl = _mpl()
    from cycler import cycler

    mpl.rcParams.update(STYLE)
    mpl.rcParams["axes.prop_cycle"] = cycler(color=list(PALETTE))


def figure(nrows=1, ncols=1, size=None, **subplots_kw):
    """A new figure in the library's style, and its axes.

    Parameters
    ----------
    nrows, ncols : int
        Grid of panels.
    size : (width, height) in inches, optional
        Defaults to :data:`PANEL_SIZE` per panel, capped at a page's width (14 in).
    **subplots_kw
        Passed to :meth:`matplotlib.figure.Figure.subplots` (``sharex``, ``squeeze``, ...).

    Returns
    -------
    (Figure, Axes or array of Axes)

    >>> fig, axes = figure(1, 2)
    >>> len(axes), fig.get_size_inches().round(1).tolist()
    (2, [9.2, 3.5])
    """
    mpl = _mpl()
    from matplotlib.figure import Figure

    use_style()
    if size is None:
        w, h = PANEL_SIZE
        scale = min(1.0, 14.0 / (w * ncols))
        size = (w * ncols * scale, h * nrows * max(scale, 0.8))
    fig = Figure(figsize=size, layout="constrained")
    axes = fig.subplots(nrows, ncols, **subplots_kw)
    del mpl
    return fig, axes


def save(fig, path, dpi=None):
    """Save ``fig`` as a PNG (or any format matplotlib knows by the suffix); return the path.

    >>> import os, tempfile
    >>> fig, ax = figure()
    >>> _ = ax.plot([0, 1], [1, 0])
    >>> path = save(fig, os.path.join(tempfile.mkdtemp(), "line.png"))
    >>> open(path, "rb").read(4)
    b'\\x89PNG'
    """
    _mpl()
    fig.savefig(str(path), dpi=dpi or STYLE["savefig.dpi"])
    return path


def _axes(ax, **figure_kw):
    if ax is not None:
        return ax.figure, ax
    return figure(**figure_kw)


# -- activation functions --------------------------------------------------------------------
def activation_curves(names=None, x=None, derivatives=True, ncols=3):
    """Each activation of the table in its own panel, with its derivative dashed (ch6-02, ch6-04).

    Parameters
    ----------
    names : list of str, optional
        Names from :data:`layerwise.engine.activations.ACTIVATIONS`; default all but ``identity``.
    x : array, optional
        Where to evaluate; default 801 points on [-5, 5].
    derivatives : bool, default True
        Also draw f'(x) from the table's ``df``.
    ncols : int, default 3

    Returns
    -------
    Figure

    >>> fig = activation_curves(["sigmoid", "tanh"])
    >>> [ax.get_title() for ax in fig.axes]
    ['sigmoid', 'tanh']
    """
    from .engine import activations as act

    names = [n for n in act.ACTIVATIONS if n != "identity"] if names is None else list(names)
    fns = [act.get(n) for n in names]
    x = np.linspace(-5, 5, 801) if x is None else np.asarray(x, dtype=np.float64)
    ncols = max(1, min(ncols, len(fns)))
    nrows = math.ceil(len(fns) / ncols)
    fig, axes = figure(nrows, ncols, squeeze=False)
    for ax in axes.flat[len(fns):]:
        ax.set_visible(False)
    for ax, fn in zip(axes.flat, fns):
        y = fn.f(x.copy(), None)
        ax.plot(x, y, color=PALETTE[0], label=f"{fn.name}(x)")
        if derivatives:
            ax.plot(x, fn.df(x, y), color=PALETTE[1], linestyle="--", label="derivative")
        ax.axhline(0, color=GREY, linewidth=0.8)
        ax.axvline(0, color=GREY, linewidth=0.8)
        ax.set_title(fn.name)
        ax.set_xlabel("input x")
        ax.set_ylabel("f(x), f'(x)" if derivatives else "f(x)")
        ax.legend(loc="upper left")
    return fig


# -- decision regions --------------------------------------------------------------------------
def _predict_fn(model):
    if hasattr(model, "predict"):
        return model.predict
    if callable(model):
        return model
    raise TypeError(f"model must have .predict or be callable, got {type(model).__name__}")


def decision_regions(model, X, y, ax=None, X_test=None, y_test=None, resolution=200,
                     title=None, padding=0.15, legend=True):
    """The class a model predicts over the plane, shaded, with the data points on top.

    Parameters
    ----------
    model : Network, estimator with ``predict``, or callable ``X -> labels``
        Must take 2-D inputs.
    X : array of shape (N, 2)
    y : array of shape (N,)
        Integer class labels (0, 1, ... or -1/+1).
    ax : matplotlib Axes, optional
        Draw into this panel; a new figure otherwise.
    X_test, y_test : optional
        Drawn as hollow markers.
    resolution : int, default 200
        Grid points per side.

    Returns
    -------
    Figure

    Shape
    -----
    X: ``(N, 2)``; y: ``(N,)``

    >>> import layerwise as lw
    >>> X, y = lw.data.xor(n=40, seed=0)
    >>> fig = decision_regions(lambda P: (P[:, 0] * P[:, 1] < 0).astype(int), X, y,
    ...                        resolution=50, title="xor")
    >>> fig.axes[0].get_title()
    'xor'
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision regions need 2-D inputs of shape (N, 2), got {X.shape}")
    _mpl()
    from matplotlib.colors import ListedColormap

    fig, ax = _axes(ax)
    pts = X if X_test is None else np.r_[X, np.asarray(X_test, dtype=np.float64)]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = padding * np.maximum(hi - lo, 1e-9)
    gx = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    gy = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    xx, yy = np.meshgrid(gx, gy)
    pred = np.asarray(_predict_fn(model)(np.c_[xx.ravel(), yy.ravel()])).reshape(xx.shape)
    classes = np.unique(np.r_[np.unique(y), np.unique(pred)])
    index = np.searchsorted(classes, pred)
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(classes))]
    ax.contourf(xx, yy, index, levels=np.arange(len(classes) + 1) - 0.5,
                cmap=ListedColormap(colours), alpha=0.25)
    ax.contour(xx, yy, index, levels=np.arange(len(classes)) + 0.5, colors="#333333",
               linewidths=0.8)
    for i, c in enumerate(classes):
        m = y == c
        ax.scatter(X[m, 0], X[m, 1], s=18, color=colours[i], marker=MARKERS[i % len(MARKERS)],
                   edgecolors="white", linewidths=0.4, label=f"class {c}")
        if X_test is not None:
            mt = np.asarray(y_test) == c
            Xt = np.asarray(X_test)
            ax.scatter(Xt[mt, 0], Xt[mt, 1], s=22, facecolors="none", edgecolors=colours[i],
                       marker=MARKERS[i % len(MARKERS)], linewidths=1.0)
    ax.set_xlim(gx[0], gx[-1])
    ax.set_ylim(gy[0], gy[-1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.grid(False)
    if title:
        ax.set_title(title)
    if legend and len(classes) <= 4:
        ax.legend(loc="lower right", fontsize=8, frameon=True, framealpha=0.8)
    return fig


# -- learning curves ---------------------------------------------------------------------------
def _series(h, key):
    """``h.key`` from a History, ``h[key]`` from a dict, or the list itself for ``train_loss``."""
    if isinstance(h, dict):
        v = h.get(key)
    elif isinstance(h, (list, tuple, np.ndarray)):
        v = h if key == "train_loss" else None
    else:
        v = getattr(h, key, None)
    if v is None or len(v) == 0:
        return None
    v = np.asarray(v, dtype=np.float64)
    return None if np.isnan(v).all() else v


def learning_curves(histories, accuracy=True, log_loss=False, title=None, xlabel="epoch"):
    """Loss (and accuracy) per epoch for one run or several runs side by side.

    Parameters
    ----------
    histories : History, dict of lists, list of losses, or {label: one of those}
        A ``History`` from :func:`layerwise.fit` (``train_loss``, ``train_acc``, ``val_loss``,
        ``val_acc``), a dict with those keys, or a plain list of training losses. A dict whose
        values are themselves runs draws each run in its own colour.
    accuracy : bool, default True
        Add an accuracy panel when accuracies are present.
    log_loss : bool, default False
        Loss on a log scale.

    Returns
    -------
    Figure

    >>> runs = {"a": [1.0, 0.5, 0.2], "b": {"train_loss": [1, .8], "train_acc": [.5, .7]}}
    >>> fig = learning_curves(runs)
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['loss', 'accuracy']
    """
    runs = histories
    single = (not isinstance(runs, dict)
              or any(k in runs for k in ("train_loss", "val_loss", "train_acc")))
    if single:
        runs = {"": runs}
    has_acc = accuracy and any(_series(h, k) is not None for h in runs.values()
                               for k in ("train_acc", "val_acc"))
    fig, axes = figure(1, 2 if has_acc else 1, squeeze=False)
    axes = axes[0]
    for i, (label, h) in enumerate(runs.items()):
        colour = PALETTE[i % len(PALETTE)]
        for ax, kind in zip(axes, ("loss", "acc")):
            for split, style in (("train", "-"), ("val", "--")):
                v = _series(h, f"{split}_{kind}")
                if v is None:
                    continue
                name = " ".join(s for s in (label, split if split == "val" or single else "")
                                if s) or split
                ax.plot(np.arange(1, len(v) + 1), v, linestyle=style, color=colour, label=name)
    axes[0].set_ylabel("loss")
    if log_loss:
        axes[0].set_yscale("log")
    if has_acc:
        axes[1].set_ylabel("accuracy")
    from matplotlib.ticker import MaxNLocator

    for ax in axes:
        ax.set_xlabel(xlabel)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
    if title:
        fig.suptitle(title)
    return fig


# -- network diagrams ----------------------------------------------------------------------------
def _weight_layers(net):
    """``(sizes, [W (out, in) per weight layer])`` of a Network or Sequential."""
    mats, sizes = [], []
    for layer in net.layers:
        if not getattr(layer, "is_weight_layer", False):
            continue
        W = np.asarray(layer.weight, dtype=np.float64)
        k = getattr(layer, "k", 1)
        if k > 1:  # maxout: each neuron has k pieces; draw the piece of largest size
            W3 = W.reshape(layer.out_features, k, layer.in_features)
            pick = np.abs(W3).sum(axis=2).argmax(axis=1)
            W = W3[np.arange(layer.out_features), pick]
        if not sizes:
            sizes.append(W.shape[1])
        sizes.append(W.shape[0])
        mats.append(W)
    if not mats:
        raise ValueError(f"the network has no weight layers to draw: {net!r}")
    return sizes, mats


def _shown(n, cap):
    """Indices of the units drawn in a column of ``n`` when at most ``cap`` fit."""
    if n <= cap:
        return list(range(n))
    half = (cap - 1) // 2
    return list(range(half)) + list(range(n - (cap - 1 - half), n))


def network_diagram(net, ax=None, max_neurons=10, weights=True, title=None):
    """The network as columns of neurons joined by their weights (ch6-06).

    Links are coloured by the weight's sign (blue positive, vermillion negative) and drawn
    thicker for larger weights (relative to the largest weight of their layer). The input layer
    is drawn as plain squares: its units are not neurons and the seed does not count it. A
    column of more than ``max_neurons`` units shows ``max_neurons - 1`` of them, the first and
    the last few, around a gap; its label gives the true count.

    Parameters
    ----------
    net : Network or Sequential
    ax : matplotlib Axes, optional
    max_neurons : int, default 10
    weights : bool, default True
        Colour and size links by weight; plain grey links otherwise.

    Returns
    -------
    Figure

    >>> import layerwise as lw
    >>> fig = network_diagram(lw.Network([3, 4, 4, 1], seed=0))
    >>> fig.axes[0].get_title()
    '3-layer network: 9 neurons, 41 parameters'
    """
    sizes, mats = _weight_layers(net)
    fig, ax = _axes(ax, size=(1.6 * len(sizes) + 1.5, 3.8))
    cols = [_shown(n, max_neurons) for n in sizes]
    # a truncated column keeps one empty slot in its middle for the gap mark
    slots = [len(c) + (len(c) < n) for c, n in zip(cols, sizes)]
    tallest = max(slots)
    ys, gaps = [], []
    for col, n, m in zip(cols, sizes, slots):
        pos = 0.5 * (tallest - 1) + 0.5 * (m - 1) - np.arange(m, dtype=np.float64)
        if len(col) < n:
            half = (len(col) - 1) // 2 + (len(col) - 1) % 2
            gaps.append(pos[half])
            pos = np.delete(pos, half)
        else:
            gaps.append(None)
        ys.append(pos)
    for li, W in enumerate(mats):
        # sizes relative to each layer's largest weight: a 3072-input layer's small weights
        # would vanish beside the output layer's otherwise
        scale = float(np.abs(W).max()) or 1.0
        for a, i in enumerate(cols[li]):
            for b, j in enumerate(cols[li + 1]):
                w = W[j, i]
                if weights:
                    colour = POSITIVE if w >= 0 else NEGATIVE
                    lw_ = 0.3 + 2.7 * abs(w) / scale
                    alpha = 0.35 + 0.6 * abs(w) / scale
                else:
                    colour, lw_, alpha = GREY, 0.8, 0.6
                ax.plot([li, li + 1], [ys[li][a], ys[li + 1][b]], color=colour, linewidth=lw_,
                        alpha=alpha, zorder=1, solid_capstyle="round")
    for li, (col, y) in enumerate(zip(cols, ys)):
        is_input = li == 0
        ax.scatter(np.full(len(col), li), y, s=260, zorder=3,
                   marker="s" if is_input else "o",
                   facecolor="white" if is_input else "#dbe9f6",
                   edgecolors="#333333", linewidths=1.2)
        if gaps[li] is not None:  # where units were left out
            ax.text(li, gaps[li], "⋮", ha="center", va="center", fontsize=16, zorder=4,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
        name = ("input layer" if is_input else "output layer" if li == len(sizes) - 1
                else f"hidden layer {li}")
        ax.text(li, -0.9, f"{name}\n({sizes[li]:,})", ha="center", va="top", fontsize=9.5)
    ax.set_xlim(-0.5, len(sizes) - 0.5)
    ax.set_ylim(-2.1, tallest - 0.3)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_xlabel("data flows left to right" + ("; blue: positive weight, vermillion: negative, "
                                                 "width: size" if weights else ""), fontsize=9)
    if title is None:
        title = (f"{getattr(net, 'depth', len(mats))}-layer network: "
                 f"{getattr(net, 'num_neurons', sum(sizes[1:])):,} neurons, "
                 f"{getattr(net, 'num_params', 0):,} parameters")
    ax.set_title(title)
    return fig


# -- distributions -----------------------------------------------------------------------------
def box_plots(groups, ax=None, xlabel="", ylabel="", points=True, title=None, seed=0):
    """One box per group, with the individual values drawn over it.

    Parameters
    ----------
    groups : dict {label: sequence of numbers}
    ax : matplotlib Axes, optional
    xlabel, ylabel : str
        Axis labels (always give them: every axis says what it measures).
    points : bool, default True
        Overlay each value, jittered sideways (the jitter is drawn from ``seed``).

    Returns
    -------
    Figure

    >>> fig = box_plots({"3": [0.5, 0.4, 0.6], "20": [0.1, 0.12]}, xlabel="hidden", ylabel="loss")
    >>> fig.axes[0].get_xlabel()
    'hidden'
    """
    labels = [str(k) for k in groups]
    data = [np.asarray(v, dtype=np.float64) for v in groups.values()]
    fig, ax = _axes(ax)
    bp = ax.boxplot(data, patch_artist=True, widths=0.55, showfliers=not points)
    ax.set_xticks(np.arange(1, len(labels) + 1), labels)
    for i, box in enumerate(bp["boxes"]):
        box.set_facecolor(PALETTE[i % len(PALETTE)])
        box.set_alpha(0.35)
    for med in bp["medians"]:
        med.set_color("#000000")
    if points:
        rng = np.random.default_rng(seed)
        for i, v in enumerate(data):
            ax.scatter(i + 1 + rng.uniform(-0.12, 0.12, len(v)), v, s=12,
                       color=PALETTE[i % len(PALETTE)], edgecolors="#333333", linewidths=0.3,
                       zorder=3)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return fig
