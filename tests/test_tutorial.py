"""The tutorial notebook runs from top to bottom, so it cannot rot."""
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

NOTEBOOK = Path(__file__).resolve().parent.parent / "docs" / "tutorial.ipynb"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(
                                         tmp_path_factory.mktemp("tutorial"))}})
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on any error
    return nb


def outputs(nb, kind):
    return [o.get("data", {}).get(kind) if "data" in o else o.get("text")
            for c in nb.cells if c.cell_type == "code" for o in c.outputs
            if ("data" in o and kind in o["data"]) or (kind == "stream" and "text" in o)]


def test_the_notebook_follows_the_notes_section_by_section(executed):
    titles = [c.source.splitlines()[0] for c in executed.cells
              if c.cell_type == "markdown" and c.source.startswith("## ")]
    assert titles == [
        "## 1. Quick intro without brain analogies", "## 2. Modeling one neuron",
        "## 3. Activation functions",
        "## 4. Layer-wise organization and the sizes of networks",
        "## 5. Example feed-forward computation", "## 6. Representational power",
        "## 7. Setting the number of layers and their sizes",
        "## 8. Regularization controls overfitting", "## 9. Summary"]


def test_the_networks_show_the_notes_counts(executed):
    pages = outputs(executed, "text/html")
    assert any("parameters: 26" in p and "neurons: 6" in p for p in pages)
    assert any("parameters: 41" in p and "neurons: 9" in p for p in pages)
    text = "".join(outputs(executed, "stream"))
    assert "[3, 4, 2]: 2-layer, 6 neurons, 20 weights + 6 biases = 26 parameters" in text
    assert "[3, 4, 4, 1]: 3-layer, 9 neurons, 32 weights + 9 biases = 41 parameters" in text


def test_it_draws_its_figures(executed):
    # one neuron, activations, the approximation, capacity, the history, regularization
    assert len(outputs(executed, "image/png")) == 6
