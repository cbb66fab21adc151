"""Rich display in notebooks: networks and training histories as HTML."""
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import layerwise as lw


def svg_of(page):
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    return ET.fromstring(svg)  # well-formed, or this raises


@pytest.mark.parametrize("sizes, depth, neurons, params", [
    ([3, 4, 2], 2, 6, 26), ([3, 4, 4, 1], 3, 9, 41), ([3072, 100, 10], 2, 110, 308310),
])
def test_a_network_shows_its_counts_in_the_notes_terms(sizes, depth, neurons, params):
    page = lw.Network(sizes, activation="sigmoid", seed=0)._repr_html_()
    assert f"<b>{depth}-layer network</b>, input of {sizes[0]:,}" in page
    assert f"neurons: {neurons:,}" in page and f"parameters: {params:,}" in page
    weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    assert f"({weights:,} weights + {neurons:,} biases)" in page
    # one table row per layer, with its parameter count
    net = lw.Network(sizes, activation="sigmoid")
    assert page.count("<tr>") == len(net.layers) + 1
    for layer in net.layers:
        if layer.num_params:
            assert f">{layer.num_params}</td>" in page


def test_the_diagram_draws_every_neuron_and_link_of_a_small_net():
    page = lw.Network([3, 4, 4, 1], seed=0)._repr_html_()
    svg = svg_of(page)
    ns = "{http://www.w3.org/2000/svg}"
    assert len(svg.findall(f"{ns}circle")) == 3 + 4 + 4 + 1
    assert len(svg.findall(f"{ns}line")) == 3 * 4 + 4 * 4 + 4 * 1
    labels = [t.text for t in svg.findall(f"{ns}text")]
    assert "input" in labels and "hidden 1" in labels and "hidden 2" in labels
    assert "output" in labels


def test_links_are_coloured_by_the_sign_of_their_weight():
    net = lw.Network([2, 1], seed=0)
    net.layers[0].weight[...] = [[1.0, -0.5]]
    lines = svg_of(net._repr_html_()).findall("{http://www.w3.org/2000/svg}line")
    assert [(l.get("stroke"), l.get("stroke-opacity")) for l in lines] == [
        ("#0072B2", "1.00"), ("#D55E00", "0.57")]


def test_wide_layers_are_drawn_capped_and_labelled_with_their_width():
    svg = svg_of(lw.Network([3072, 100, 10], seed=0)._repr_html_())
    ns = "{http://www.w3.org/2000/svg}"
    assert len(svg.findall(f"{ns}circle")) == 8 + 8 + 8
    labels = [t.text for t in svg.findall(f"{ns}text")]
    assert labels == ["input", "3,072 (8 drawn)", "hidden 1", "100 (8 drawn)", "output",
                      "10 (8 drawn)"]


@pytest.mark.parametrize("net", [
    lw.Network([2, 5, 3], activation="maxout", seed=0),
    lw.Network([2, 5, 3], activation="prelu", dropout=0.2, seed=0),
    lw.Sequential(lw.Dense(2, 3), lw.Activation("tanh"), lw.GaussianNoise(0.1), lw.Dense(3, 1)),
])
def test_every_kind_of_layer_displays(net):
    page = net._repr_html_()
    assert f"parameters: {net.num_params:,}" in page
    svg_of(page)


def test_a_history_shows_its_curves_and_last_epoch():
    X, y = lw.data.xor(n=80, seed=0)
    h = lw.fit(lw.Network([2, 8, 2], seed=0), X, y, epochs=5, val_fraction=0.25, seed=0,
               progress=False)
    page = h._repr_html_()
    assert "5 epochs" in page
    assert len(svg_of(page).findall("{http://www.w3.org/2000/svg}polyline")) == 2
    assert f"{h.train_loss[-1]:.4g}" in page and "validation accuracy" in page
    assert lw.History()._repr_html_() == "<p>History: no epochs yet</p>"


def test_history_plot_draws_loss_and_accuracy():
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    X, y = lw.data.xor(n=80, seed=0)
    h = lw.fit(lw.Network([2, 8, 2], seed=0), X, y, epochs=4, seed=0, progress=False)
    fig, ax = plt.subplots()
    assert h.plot(ax=ax) is ax
    assert np.allclose(ax.lines[0].get_ydata(), h.train_loss)
    assert len(fig.axes) == 2  # the accuracy on a twin axis
    plt.close("all")
