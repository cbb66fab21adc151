"""The command line and CSV files: the label column, class and feature names in model files,
and predictions shown by class name."""
import csv
import json
import re

import numpy as np
import pytest

import layerwise as lw
from layerwise.cli import main

pytest.importorskip("safetensors")


def run(capsys, *argv):
    try:
        status = main([str(a) for a in argv])
    except SystemExit as e:  # argparse's own usage errors
        status = e.code
    out, err = capsys.readouterr()
    return status, out, err


def write_csv(path, header, rows, delimiter=","):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, delimiter=delimiter)
        if header:
            w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def wine_csv(tmp_path_factory):
    """scikit-learn's wine with its label first, as the UCI file has it: target,alcohol,..."""
    pytest.importorskip("sklearn")
    X, y = lw.data.wine()
    names = ["alcohol", "malic_acid", "ash", "alcalinity", "magnesium", "phenols", "flavanoids",
             "nonflavanoid", "proanthocyanins", "color", "hue", "od280", "proline"]
    path = tmp_path_factory.mktemp("wine") / "wine.csv"
    return write_csv(path, ["target"] + names,
                     [[int(t)] + [f"{v:g}" for v in row] for t, row in zip(y, X)])


def test_a_column_named_target_is_the_label_and_is_printed(wine_csv, capsys):
    # before: the last column (proline) was the label, 1,681 "classes", test accuracy 8%
    status, out, err = run(capsys, "train", "--data", wine_csv, "--epochs", "40", "--quiet")
    assert status == 0, err
    assert "label: column 0 'target' of 14, 3 classes" in out
    assert float(re.search(r"test accuracy ([\d.]+)%", out).group(1)) > 85


def test_label_by_name_and_by_index(wine_csv, capsys):
    for label in ("target", "0", "-14"):
        status, out, err = run(capsys, "train", "--data", wine_csv, "--label", label,
                               "--epochs", "2", "--quiet")
        assert status == 0, err
        assert "label: column 0 'target' of 14, 3 classes (given by --label)" in out


def test_without_a_named_column_the_label_is_the_last(tmp_path, capsys):
    X, y = lw.data.spiral(n=90, classes=3, seed=0)
    path = write_csv(tmp_path / "s.csv", ["u", "v", "kind"],
                     [[f"{a:g}", f"{b:g}", int(c)] for (a, b), c in zip(X, y)])
    status, out, err = run(capsys, "train", "--data", path, "--epochs", "2", "--quiet")
    assert status == 0, err
    assert "label: column 2 'kind' of 3, 3 classes (pick another with --label)" in out
    path = write_csv(tmp_path / "noheader.csv", None,
                     [[f"{a:g}", f"{b:g}", int(c)] for (a, b), c in zip(X, y)])
    status, out, err = run(capsys, "train", "--data", path, "--epochs", "2", "--quiet")
    assert status == 0, err
    assert "label: column 2 (no header) of 3, 3 classes" in out


def test_an_implausible_label_column_is_an_error_suggesting_label(wine_csv, capsys):
    # proline holds integers (278 to 1680): read as classes, 1,681 of them for 178 wines
    status, out, err = run(capsys, "train", "--data", wine_csv, "--label", "proline",
                           "--epochs", "2", "--quiet")
    assert status == 2 and "train accuracy" not in out
    assert "label column 13 ('proline')" in err and "1,681 classes" in err
    assert "not a plausible classification label" in err
    assert "--label NAME|INDEX" in err and "regression" in err
    assert "(the columns: target, alcohol, malic_acid" in err
    # alcohol holds fractions: not class labels at all
    status, _, err = run(capsys, "train", "--data", wine_csv, "--label", "alcohol", "--quiet")
    assert status == 2
    assert "not an integer class" in err and "--label NAME|INDEX" in err and "mse" in err


@pytest.mark.parametrize("argv, message", [
    (["--label", "99"], "label column index 99 is out of range"),
    (["--label", "colour"], "label column 'colour' not found"),
])
def test_a_label_that_names_no_column(wine_csv, capsys, argv, message):
    status, _, err = run(capsys, "train", "--data", wine_csv, *argv, "--quiet")
    assert status == 2 and message in err


def test_label_is_for_csv_files(capsys):
    status, _, err = run(capsys, "train", "--data", "iris", "--label", "0", "--quiet")
    assert status == 2 and "--label '0' picks a column of a CSV file" in err


def test_a_one_class_csv_says_it_needs_two_classes(tmp_path, capsys):
    # before: "needs a network with at least 2 outputs", blaming the loss
    path = write_csv(tmp_path / "one.csv", ["a", "b", "label"],
                     [[i, i * 2, "spam"] for i in range(10)])
    status, out, err = run(capsys, "train", "--data", path, "--epochs", "1", "--quiet")
    assert status == 2 and "train accuracy" not in out
    assert "needs at least 2 classes" in err and "only one ('spam')" in err


def test_a_semicolon_csv_is_read(tmp_path, capsys):
    # before: read as one cell per row, "no rows"
    X, y = lw.data.xor(n=80, seed=0)
    path = write_csv(tmp_path / "semi.csv", ["x1", "x2", "y"],
                     [[f"{a:g}", f"{b:g}", int(c)] for (a, b), c in zip(X, y)], delimiter=";")
    status, out, err = run(capsys, "train", "--data", path, "--epochs", "2", "--quiet")
    assert status == 0, err
    assert "label: column 2 'y' of 3, 2 classes" in out


@pytest.fixture(scope="module")
def flowers(tmp_path_factory):
    """A CSV with text labels, a model trained on it, and an inputs file."""
    pytest.importorskip("sklearn")
    d = tmp_path_factory.mktemp("flowers")
    X, y = lw.data.iris()
    kinds = ["setosa", "versicolor", "virginica"]
    header = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    data = write_csv(d / "flowers.csv", ["species"] + header,
                     [[kinds[k]] + [f"{v:g}" for v in row] for k, row in zip(y, X)])
    model = d / "flowers.safetensors"
    assert main(["train", "--data", str(data), "--label", "species", "--epochs", "30",
                 "--quiet", "--save", str(model)]) == 0
    return data, model, X, y, kinds, header


def test_a_text_column_taken_for_a_feature_suggests_label(flowers, capsys):
    # "species" is not named like a label, so the last column is; the text column says why
    data = flowers[0]
    status, _, err = run(capsys, "train", "--data", data, "--quiet")
    assert status == 2
    assert "column 1 ('species'): cannot read 'setosa' as a number" in err
    assert "if that column holds the labels, say so: --label species" in err


def test_class_and_feature_names_live_in_the_model_file(flowers):
    _, model, _, _, kinds, header = flowers
    net = lw.load(model)
    assert net.class_names == tuple(kinds)
    assert net.feature_names == tuple(header)
    meta = lw.io.read_metadata(model)
    assert json.loads(meta["class_names"]) == kinds and json.loads(meta["label"]) == "species"


def test_predict_prints_class_names(flowers, tmp_path, capsys):
    # before: 1,1,1,... (the model file kept no names)
    _, model, X, y, kinds, header = flowers
    inputs = write_csv(tmp_path / "in.csv", header, [[f"{v:g}" for v in row] for row in X[::10]])
    status, out, err = run(capsys, "predict", model, inputs)
    assert status == 0, err
    lines = out.split()
    assert lines[0] == "prediction" and set(lines[1:]) <= set(kinds)
    assert sum(a == kinds[b] for a, b in zip(lines[1:], y[::10])) >= 13  # of 15
    status, out, _ = run(capsys, "predict", model, inputs, "--proba")
    assert out.splitlines()[0] == ",".join(kinds)


def test_predict_takes_columns_by_name(flowers, tmp_path, capsys):
    data, model, X, _, _, header = flowers
    reference = run(capsys, "predict", model,
                    write_csv(tmp_path / "a.csv", header,
                              [[f"{v:g}" for v in row] for row in X]))[1]
    # the training file itself (label column and all), and the columns in another order
    assert run(capsys, "predict", model, data)[1] == reference
    shuffled = write_csv(tmp_path / "b.csv", header[::-1],
                         [[f"{v:g}" for v in row[::-1]] for row in X])
    assert run(capsys, "predict", model, shuffled)[1] == reference
    missing = write_csv(tmp_path / "c.csv", header[:3], [[1, 2, 3]])
    status, _, err = run(capsys, "predict", model, missing)
    assert status == 2 and "lacks the model's feature column(s) ['petal_width']" in err


def test_evaluate_finds_the_stored_label_column_and_class_names(flowers, tmp_path, capsys):
    data, model, X, y, kinds, header = flowers
    status, out, err = run(capsys, "evaluate", model, "--data", data)
    assert status == 0, err
    assert ("label: column 0 'species' of 5, 3 classes (the column the model was trained on; "
            "--label picks another)") in out
    acc = float(re.search(r"train: .*accuracy ([\d.]+)%", out).group(1))
    assert acc > 85
    # a file holding two of the classes numbers them 0, 1: evaluate maps names, not indices
    keep = y > 0
    two = write_csv(tmp_path / "two.csv", ["species"] + header,
                    [[kinds[k]] + [f"{v:g}" for v in row] for k, row in zip(y[keep], X[keep])])
    status, out, err = run(capsys, "evaluate", model, "--data", two)
    assert status == 0, err
    assert float(re.search(r"train: .*accuracy ([\d.]+)%", out).group(1)) > 80
    other = write_csv(tmp_path / "other.csv", ["species"] + header,
                      [["tulip", 1, 2, 3, 4], ["setosa", 1, 2, 3, 4]] * 3)
    status, _, err = run(capsys, "evaluate", model, "--data", other)
    assert status == 2 and "classes ['tulip'] that the model was not trained on" in err


def test_class_names_round_trip_with_their_types(tmp_path):
    # what the scikit-learn face needs for classes_: integers come back as integers
    path = tmp_path / "m.safetensors"
    net = lw.Network([2, 4, 3], seed=0)
    lw.save(net, path, class_names=np.array([3, 7, 11]))
    again = lw.load(path)
    assert again.class_names == (3, 7, 11) and all(type(c) is int for c in again.class_names)
    assert np.array_equal(np.asarray(again.class_names), [3, 7, 11])
    lw.save(again, path)  # a loaded net keeps its names when saved again
    assert lw.load(path).class_names == (3, 7, 11)
    lw.save(lw.Network([2, 4, 1], seed=0), path, class_names=np.array(["no", "yes"]))
    again = lw.load(path)
    assert again.class_names == ("no", "yes") and again.feature_names is None
    assert np.asarray(again.class_names).dtype.kind == "U"


@pytest.mark.parametrize("kw, message", [
    ({"class_names": ["a", "b"]}, "3 outputs, so it needs 3 class names, got 2"),
    ({"class_names": ["a", "a", "b"]}, "must be distinct"),
    ({"class_names": [1.5, float("nan"), 2]}, "finite numbers"),
    ({"feature_names": ["x"]}, "2 inputs, so it needs 2 feature names, got 1"),
    ({"metadata": {"class_names": "[]"}}, "pass class_names= to save instead"),
])
def test_names_that_do_not_fit_the_network(tmp_path, kw, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        lw.save(lw.Network([2, 4, 3], seed=0), tmp_path / "m.safetensors", **kw)
    assert not (tmp_path / "m.safetensors").exists()


def test_a_forged_class_names_entry_is_refused_on_load(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    net = lw.Network([2, 3], seed=0)
    path = tmp_path / "m.safetensors"
    meta = {"format": "layerwise", "version": "1", "architecture": json.dumps(net.config()),
            "class_names": json.dumps(["a", "b"])}
    st.save_file(net.state_dict(), str(path), metadata=meta)
    with pytest.raises(lw.ModelFileError, match="3 outputs, so it needs 3 class names"):
        lw.load(path)


def test_decimal_commas_are_named_as_the_problem(tmp_path, capsys):
    path = tmp_path / "eu.csv"
    path.write_text("a;b;y\n1,5;2,25;0\n3,5;4,75;1\n" * 4)
    assert lw.data.sniff_delimiter(path) == ";"
    status, _, err = run(capsys, "train", "--data", path, "--quiet")
    assert status == 2
    assert "cannot read '1,5' as a number (a decimal comma? write decimals with a point)" in err
