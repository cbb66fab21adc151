"""Rich display in notebooks: a network as its summary table beside a diagram of its neurons,
a training history as its loss curves and last epoch.

Jupyter calls ``_repr_html_`` on the last value of a cell; :class:`~layerwise.engine.network.
Sequential` and :class:`~layerwise.training.trainer.History` answer with :func:`network_html`
and :func:`history_html`. Both are plain HTML with inline SVG, so they need nothing beyond the
standard library and show the same in JupyterLab, VS Code and a static HTML export.
:func:`plot_history` draws the same curves with matplotlib, for figures that go in a paper.

>>> import layerwise as lw
>>> page = network_html(lw.Network([3, 4, 4, 1]))
>>> "3-layer network" in page, "parameters: 41" in page, page.count("<circle") == 3 + 4 + 4 + 1
(True, True, True)
"""
from __future__ import annotations

import html
import math

__all__ = ["network_html", "history_html", "plot_history", "MAX_DRAWN"]

#: At most this many neurons of a layer are drawn; the rest are shown as a count.
MAX_DRAWN = 8
# colour-blind-safe pair (Okabe-Ito blue and vermillion) for positive and negative weights
_POSITIVE, _NEGATIVE, _NEURON = "#0072B2", "#D55E00", "#555555"


def _columns(net):
    """``[(title, width, W or None)]``: the input, then each weight layer's outputs, with the
    weight matrix ``(out, in)`` that feeds them."""
    cols = [("input", net.in_features, None)]
    weight_layers = [layer for layer in net.layers if layer.is_weight_layer]
    for k, layer in enumerate(weight_layers):
        title = "output" if k == len(weight_layers) - 1 else f"hidden {k + 1}"
        W = getattr(layer, "weight", None)
        if W is not None and getattr(layer, "k", 1) > 1:  # maxout: strongest piece per unit
            W = W.reshape(layer.out_features, layer.k, -1).max(axis=1)
        cols.append((title, layer.out_features, W))
    return cols


def _diagram(net, width=None, height=180):
    """An inline SVG of the net as in the notes' figure: columns of neurons, every neuron
    joined to every neuron of the next column, links coloured by the sign of their weight and
    drawn more opaque the larger it is."""
    cols = _columns(net)
    drawn = [min(n, MAX_DRAWN) for _, n, _ in cols]
    gap = 90
    width = width or gap * (len(cols) - 1) + 80
    top, bottom = 16, height - 34
    r = max(3.0, min(9.0, (bottom - top) / (2.6 * max(drawn))))

    def ys(m):
        step = (bottom - top) / max(m, 1)
        return [top + step * (j + 0.5) for j in range(m)]

    xs = [40 + gap * i for i in range(len(cols))]
    parts = []
    for i in range(1, len(cols)):
        W = cols[i][2]
        scale = float(abs(W).max()) if W is not None and W.size else 0.0
        for a, ya in enumerate(ys(drawn[i])):
            for b, yb in enumerate(ys(drawn[i - 1])):
                colour, opacity = "#999999", 0.5
                if W is not None and scale > 0:
                    w = float(W[a, b])
                    colour = _POSITIVE if w >= 0 else _NEGATIVE
                    opacity = 0.15 + 0.85 * abs(w) / scale
                parts.append(f'<line x1="{xs[i - 1]:.1f}" y1="{yb:.1f}" x2="{xs[i]:.1f}" '
                             f'y2="{ya:.1f}" stroke="{colour}" stroke-opacity="{opacity:.2f}" '
                             f'stroke-width="1"/>')
    for i, (title, n, _) in enumerate(cols):
        fill = "#ffffff" if i == 0 else "#e8e8e8"
        for y in ys(drawn[i]):
            parts.append(f'<circle cx="{xs[i]:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{fill}" '
                         f'stroke="{_NEURON}" stroke-width="1.2"/>')
        count = f"{n:,} ({drawn[i]} drawn)" if n > drawn[i] else f"{n:,}"
        parts.append(f'<text x="{xs[i]:.1f}" y="{height - 18}" text-anchor="middle" '
                     f'font-size="11">{html.escape(title)}</text>')
        parts.append(f'<text x="{xs[i]:.1f}" y="{height - 5}" text-anchor="middle" '
                     f'font-size="10" fill="#666">{count}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="diagram of the network">'
            + "".join(parts) + "</svg>")


def network_html(net) -> str:
    """HTML for a network: the summary table (layers, output shapes, neurons and parameters,
    with the totals in the notes' terms) beside a diagram of its neurons.

    Parameters
    ----------
    net : Sequential or Network

    Returns
    -------
    str
        A ``<div>`` of HTML with an inline SVG; layers wider than :data:`MAX_DRAWN` neurons are
        drawn with that many, and say so under their real width.

    Examples
    --------
    >>> import layerwise as lw
    >>> page = network_html(lw.Network([3, 4, 2]))
    >>> "2-layer network" in page, "neurons: 6" in page, "parameters: 26" in page
    (True, True, True)
    """
    rows, size = [], net.in_features
    for i, layer in enumerate(net.layers):
        size = layer.output_size(size)
        rows.append((f"{i}: {layer!r}", f"(N, {size})", layer.num_neurons or "",
                     layer.num_params or ""))
    n_weights = sum(int(p.size) for p in net.weights())
    cell = 'style="padding:2px 8px;text-align:{}"'
    body = "".join(
        "<tr>" + "".join(f"<td {cell.format(align)}>{html.escape(str(v))}</td>"
                         for v, align in zip(r, ("left", "left", "right", "right"))) + "</tr>"
        for r in rows)
    head = "".join(f"<th {cell.format(align)}>{h}</th>" for h, align in
                   zip(("layer", "output shape", "neurons", "params"),
                       ("left", "left", "right", "right")))
    others = "biases and PReLU slopes" if any(type(layer).__name__ == "PReLU"
                                              for layer in net.layers) else "biases"
    totals = (f"neurons: {net.num_neurons:,} &nbsp; parameters: {net.num_params:,} "
              f"({n_weights:,} weights + {net.num_params - n_weights:,} {others})")
    return (f'<div class="layerwise-network" style="display:flex;gap:24px;align-items:center;'
            f'flex-wrap:wrap">'
            f"<div><p><b>{net.depth}-layer network</b>, input of {net.in_features:,} "
            f"(the input layer is not counted)</p>"
            f'<table style="border-collapse:collapse;font-family:monospace">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            f"<p>{totals}</p></div>"
            f"<div>{_diagram(net)}</div></div>")


def _polyline(values, x0, y0, w, h, lo, hi, colour, dash=""):
    points = []
    n = len(values)
    for i, v in enumerate(values):
        if v is None or not math.isfinite(v):
            continue
        x = x0 + (w * i / (n - 1) if n > 1 else w / 2)
        y = y0 + h - (h * (v - lo) / (hi - lo) if hi > lo else h / 2)
        points.append(f"{x:.1f},{y:.1f}")
    if not points:
        return ""
    return (f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
            f'stroke-width="1.5"{f" stroke-dasharray={chr(34)}{dash}{chr(34)}" if dash else ""}/>')


def _present(values):
    return [v for v in values if v is not None and math.isfinite(v)]


def history_html(history, width=320, height=140) -> str:
    """HTML for a training history: the loss per epoch (training solid, validation dashed) as
    an inline SVG, and a table of the last epoch.

    Parameters
    ----------
    history : History

    Returns
    -------
    str

    Examples
    --------
    >>> from layerwise import History
    >>> h = History()
    >>> for e, loss in enumerate([1.0, 0.6, 0.4], 1):
    ...     h.append(epoch=e, train_loss=loss, train_acc=None, val_loss=None, val_acc=None,
    ...              lr=0.1, dead_fraction={}, time=0.01)
    >>> page = history_html(h)
    >>> "3 epochs" in page and "<polyline" in page and "0.4" in page
    True
    """
    n = len(history)
    if n == 0:
        return "<p>History: no epochs yet</p>"
    train, val = list(history.train_loss), list(history.val_loss)
    seen = _present(train) + _present(val)
    lo, hi = (min(seen), max(seen)) if seen else (0.0, 1.0)
    pad = 28
    plot = (_polyline(train, pad, 8, width - pad - 8, height - 36, lo, hi, _POSITIVE)
            + _polyline(val, pad, 8, width - pad - 8, height - 36, lo, hi, _NEGATIVE, "4 3"))
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'role="img" aria-label="loss per epoch">'
           f'<rect x="{pad}" y="8" width="{width - pad - 8}" height="{height - 36}" fill="none" '
           f'stroke="#ccc"/>{plot}'
           f'<text x="{pad}" y="{height - 12}" font-size="10">1</text>'
           f'<text x="{width - 8}" y="{height - 12}" font-size="10" text-anchor="end">{n}</text>'
           f'<text x="{width / 2}" y="{height - 2}" font-size="10" text-anchor="middle">epoch'
           f'</text><text x="2" y="14" font-size="10">{hi:.3g}</text>'
           f'<text x="2" y="{height - 28}" font-size="10">{lo:.3g}</text></svg>')
    last = {"epoch": history.epoch[-1], "train loss": history.train_loss[-1],
            "train accuracy": history.train_acc[-1], "validation loss": history.val_loss[-1],
            "validation accuracy": history.val_acc[-1], "learning rate": history.lr[-1]}
    rows = "".join(f'<tr><td style="padding:1px 8px">{k}</td>'
                   f'<td style="padding:1px 8px;text-align:right">'
                   f'{v:.4g}</td></tr>' if isinstance(v, float) else
                   f'<tr><td style="padding:1px 8px">{k}</td>'
                   f'<td style="padding:1px 8px;text-align:right">{v}</td></tr>'
                   for k, v in last.items() if v is not None)
    legend = (f'<span style="color:{_POSITIVE}">&#9473; train</span>'
              + (f' &nbsp; <span style="color:{_NEGATIVE}">&#9476; validation</span>'
                 if _present(val) else ""))
    return (f'<div class="layerwise-history" style="display:flex;gap:24px;align-items:center;'
            f'flex-wrap:wrap"><div><p><b>History</b>, {n} epoch{"s" * (n != 1)}: loss</p>'
            f"{svg}<br>{legend}</div>"
            f'<table style="border-collapse:collapse">{rows}</table></div>')


def plot_history(history, ax=None, accuracy=True):
    """Loss (and accuracy, where recorded) per epoch with matplotlib; returns the axes.

    Parameters
    ----------
    history : History
    ax : matplotlib Axes, optional
        Draw the loss here; the accuracy, if any, goes on a twin axis. A new figure otherwise.
    accuracy : bool, default True

    Returns
    -------
    matplotlib Axes
        The loss axes.

    Examples
    --------
    >>> _ = pytest.importorskip("matplotlib")
    >>> import layerwise as lw
    >>> X, y = lw.data.xor(n=40, seed=0)
    >>> h = lw.fit(lw.Network([2, 8, 2], seed=0), X, y, epochs=3, seed=0, progress=False)
    >>> ax = plot_history(h)
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('epoch', 'loss')
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise ImportError("History.plot needs the package 'matplotlib', which is not "
                          "installed: pip install 'layerwise[plot]'") from e
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3))
    epochs = list(history.epoch)
    ax.plot(epochs, history.train_loss, color=_POSITIVE, label="train loss")
    if _present(history.val_loss):
        ax.plot(epochs, [float("nan") if v is None else v for v in history.val_loss],
                color=_NEGATIVE, linestyle="--", label="validation loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    handles, labels = ax.get_legend_handles_labels()
    if accuracy and (_present(history.train_acc) or _present(history.val_acc)):
        acc = ax.twinx()
        for values, style, name in ((history.train_acc, "-", "train accuracy"),
                                    (history.val_acc, "--", "validation accuracy")):
            if _present(values):
                acc.plot(epochs, [float("nan") if v is None else v for v in values],
                         color="#009E73", linestyle=style, label=name)
        acc.set_ylabel("accuracy")
        more = acc.get_legend_handles_labels()
        handles, labels = handles + more[0], labels + more[1]
    ax.legend(handles, labels, fontsize=8, loc="center right")
    return ax
