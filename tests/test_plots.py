"""Plots: every function draws, labels its axes, uses the palette, and saves a PNG."""
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import layerwise as lw  # noqa: E402
from layerwise import plots  # noqa: E402


def labelled(ax):
    return bool(ax.get_xlabel()) and bool(ax.get_ylabel())


def test_figure_applies_the_style_and_saves(tmp_path):
    import matplotlib

    fig, ax = plots.figure()
    assert matplotlib.rcParams["font.size"] == plots.STYLE["font.size"]
    colours = [c["color"] for c in matplotlib.rcParams["axes.prop_cycle"]]
    assert colours == list(plots.PALETTE)
    ax.plot([0, 1], [1, 0])
    ax.set(xlabel="x", ylabel="y")
    path = plots.save(fig, tmp_path / "f.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    fig, axes = plots.figure(2, 3)
    assert axes.shape == (2, 3)
    assert fig.get_size_inches()[0] <= 14.0 + 1e-9  # never wider than a page


def test_palette_is_okabe_ito_and_signs_avoid_red_green():
    assert len(set(plots.PALETTE)) == 8
    assert plots.POSITIVE == "#0072B2" and plots.NEGATIVE == "#D55E00"


def test_activation_curves_draw_function_and_derivative():
    fig = plots.activation_curves()
    shown = [ax for ax in fig.axes if ax.get_visible()]
    names = [n for n in lw.activations.ACTIVATIONS if n != "identity"]
    assert [ax.get_title() for ax in shown] == names
    for ax in shown:
        assert labelled(ax)
        assert len(ax.get_lines()) >= 2  # f, f' (and the zero lines)
    sig = shown[0].get_lines()
    x, y = sig[0].get_data()
    assert np.allclose(y, 1 / (1 + np.exp(-x)))
    assert np.allclose(sig[1].get_ydata(), y * (1 - y))
    one = plots.activation_curves(["tanh"], derivatives=False)
    assert one.axes[0].get_ylabel() == "f(x)"
    with pytest.raises(ValueError, match="unknown activation"):
        plots.activation_curves(["nope"])


def test_decision_regions_multiclass_binary_and_callable(tmp_path):
    X, y = lw.data.spiral(n=150, classes=3, seed=0)
    net = lw.Network([2, 16, 3], seed=0)
    fig = plots.decision_regions(net, X, y, title="spiral", resolution=60)
    ax = fig.axes[0]
    assert labelled(ax) and ax.get_title() == "spiral"
    assert len(ax.collections) >= 3
    Xb, yb = lw.data.gaussians(n=100, classes=2, seed=0)
    fig = plots.decision_regions(lw.Network([2, 1], seed=0), Xb, yb, resolution=40,
                                 X_test=Xb[:10], y_test=yb[:10])
    assert labelled(fig.axes[0])
    fig = plots.decision_regions(lambda P: (P[:, 0] > 0).astype(int), Xb, yb, resolution=40)
    plots.save(fig, tmp_path / "regions.png")
    assert (tmp_path / "regions.png").stat().st_size > 1000
    with pytest.raises(ValueError, match=r"shape \(N, 2\), got \(10, 3\)"):
        plots.decision_regions(net, np.zeros((10, 3)), np.zeros(10))
    with pytest.raises(TypeError, match="predict"):
        plots.decision_regions(42, X, y)


def test_learning_curves_from_history_dicts_and_lists():
    from layerwise.training.trainer import fit

    X, y = lw.data.xor(n=80, seed=0)
    hist = fit(lw.Network([2, 8, 2], seed=0), X, y, lr=0.5, epochs=4, seed=0, progress=False,
               val=(X, y))
    fig = plots.learning_curves(hist, title="xor")
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_ylabel() == "loss" and acc_ax.get_ylabel() == "accuracy"
    assert all(ax.get_xlabel() == "epoch" for ax in fig.axes)
    assert len(loss_ax.get_lines()) == 2  # train and val
    np.testing.assert_allclose(loss_ax.get_lines()[0].get_ydata(), hist.train_loss)
    fig = plots.learning_curves({"small": [3, 2, 1], "large": {"train_loss": [3, 3, 3]}},
                                accuracy=False, log_loss=True)
    assert len(fig.axes) == 1 and fig.axes[0].get_yscale() == "log"
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["small", "large"]


def test_network_diagram_colours_links_by_sign_and_truncates_big_layers():
    net = lw.Network([3, 4, 4, 1], seed=0)
    fig = plots.network_diagram(net)
    ax = fig.axes[0]
    assert ax.get_title() == "3-layer network: 9 neurons, 41 parameters"
    links = [ln for ln in ax.get_lines()]
    assert len(links) == 3 * 4 + 4 * 4 + 4 * 1  # one line per weight
    colours = {ln.get_color() for ln in links}
    assert colours <= {plots.POSITIVE, plots.NEGATIVE} and len(colours) == 2
    widths = sorted(ln.get_linewidth() for ln in links)
    assert widths[0] < widths[-1]
    assert ax.get_xlabel()  # says how to read it

    big = plots.network_diagram(lw.Network([3072, 100, 10], seed=0), max_neurons=8)
    bax = big.axes[0]
    assert "308,310 parameters" in bax.get_title()
    assert len(bax.get_lines()) == 7 * 7 + 7 * 7  # 7 units and a gap per truncated column
    assert "⋮" in [t.get_text() for t in bax.texts]
    assert any("3,072" in t.get_text() for t in bax.texts)
    maxout = plots.network_diagram(lw.Network([2, 3, 2], activation="maxout", seed=0),
                                   weights=False)
    assert {ln.get_color() for ln in maxout.axes[0].get_lines()} == {plots.GREY}


def test_box_plots_label_axes_and_show_points():
    groups = {"3": [0.5, 0.4, 0.6, 0.55], "20": [0.1, 0.12, 0.13]}
    fig = plots.box_plots(groups, xlabel="hidden neurons", ylabel="final loss", title="t")
    ax = fig.axes[0]
    assert labelled(ax)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["3", "20"]
    points = sum(len(c.get_offsets()) for c in ax.collections)
    assert points == 7


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"layerwise\[plot\]"):
        plots.figure()
