"""The command line: every subcommand's happy path and its exit status on bad input."""
import re

import numpy as np
import pytest

from layerwise import ModelFileError
from layerwise.cli import UsageError, main

pytest.importorskip("safetensors")
pytest.importorskip("sklearn")


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_summary_counts_the_seed_nets(capsys):
    status, out, _ = run(capsys, "summary", "3-4-4-1", "--activation", "sigmoid")
    assert status == 0
    assert "3-layer network" in out and "neurons: 9" in out and "parameters: 41" in out


def test_help_everywhere(capsys):
    for cmd in ("summary", "train", "evaluate", "predict", "export", "serve", "sweep", "demo"):
        with pytest.raises(SystemExit) as e:
            main([cmd, "--help"])
        assert e.value.code == 0
        assert "usage: layerwise " + cmd in capsys.readouterr().out


def test_train_evaluate_predict_export_round_trip(tmp_path, capsys):
    model = tmp_path / "digits.safetensors"
    status, out, _ = run(capsys, "train", "--data", "digits", "--layers", "64-32-10",
                         "--epochs", "8", "--lr", "0.1", "--seed", "0", "--quiet",
                         "--save", str(model), "--plot", str(tmp_path / "curves.png"))
    assert status == 0, out
    train_test = re.search(r"test accuracy ([\d.]+)%", out).group(1)
    assert float(train_test) > 90
    assert (tmp_path / "curves.png").stat().st_size > 1000

    # the saved model takes raw inputs: standardization is folded into its first layer
    status, out, _ = run(capsys, "evaluate", str(model), "--data", "digits")
    assert status == 0
    assert re.search(r"test: .*accuracy ([\d.]+)%", out).group(1) == train_test

    import layerwise as lw

    ds = lw.data.load("digits", seed=0)
    inputs = tmp_path / "in.csv"
    np.savetxt(inputs, ds.X_test[:20], delimiter=",", header=",".join(f"f{i}" for i in range(64)),
               comments="")
    status, out, _ = run(capsys, "predict", str(model), str(inputs))
    lines = out.split()
    assert status == 0 and lines[0] == "prediction" and len(lines) == 21
    assert np.array_equal(np.array(lines[1:], int), lw.load(model).predict(ds.X_test[:20]))
    status, out, _ = run(capsys, "predict", str(model), str(inputs), "--proba")
    probs = np.loadtxt(out.splitlines()[1:], delimiter=",")
    assert probs.shape == (20, 10) and np.allclose(probs.sum(axis=1), 1, atol=1e-5)

    pytest.importorskip("onnx")
    status, out, _ = run(capsys, "export", str(model), "--onnx", str(tmp_path / "m.onnx"))
    assert status == 0 and (tmp_path / "m.onnx").exists()


def test_evaluate_uses_the_split_the_model_was_trained_on(tmp_path, capsys):
    model = tmp_path / "iris.safetensors"
    status, out, _ = run(capsys, "train", "--data", "iris", "--layers", "4-16-3", "--epochs", "3",
                         "--seed", "3", "--quiet", "--save", str(model))
    assert status == 0, out
    train_test = re.search(r"test accuracy ([\d.]+)%", out).group(1)
    status, out, _ = run(capsys, "evaluate", str(model), "--data", "iris")
    assert status == 0
    assert re.search(r"test: .*accuracy ([\d.]+)%", out).group(1) == train_test
    # seed 0 splits iris differently (what evaluate measured before it read the stored seed)
    status, out, _ = run(capsys, "evaluate", str(model), "--data", "iris", "--seed", "0")
    assert status == 0
    assert re.search(r"test: .*accuracy ([\d.]+)%", out).group(1) != train_test


@pytest.mark.parametrize("argv, status, message", [
    (["summary", "3-0-1"], 2, "positive integers"),
    (["train", "--data", "no-such-set"], 2, "unknown data set"),
    (["train", "--data", "digits", "--layers", "3-10-10"], 2, "64 features"),
    (["train", "--data", "digits", "--layers", "64-10-3"], 2, "needs 10"),
    (["train", "--data", "digits", "--lr", "-1"], 2, "positive number"),
    (["train", "--data", "digits", "--dropout", "1.5"], 2, "probability"),
    (["evaluate", "missing.safetensors", "--data", "digits"], 2, "no model file"),
    (["frobnicate"], 2, "invalid choice"),
])
def test_bad_command_lines(capsys, argv, status, message):
    try:
        got = main(argv)
    except SystemExit as e:  # argparse's own usage errors
        got = e.code
    err = capsys.readouterr().err
    assert got == status
    assert message in err
    assert "Traceback" not in err


def test_an_error_is_one_line_unless_debug(tmp_path, capsys):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x00" * 4)
    status, _, err = run(capsys, "evaluate", str(bad), "--data", "digits")
    # a malformed model file is bad input: status 2, like every other bad input
    assert status == 2 and err.count("\n") == 1 and err.startswith("layerwise: usage error:")
    with pytest.raises(UsageError) as info:
        main(["evaluate", str(bad), "--data", "digits", "--debug"])
    assert isinstance(info.value.__cause__, ModelFileError)


def test_predict_rejects_bad_csv(tmp_path, capsys):
    model = tmp_path / "m.safetensors"
    assert main(["train", "--data", "iris", "--epochs", "2", "--quiet", "--save", str(model)]) == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,3\n")
    capsys.readouterr()
    status, _, err = run(capsys, "predict", str(model), str(bad))
    assert status == 2 and "has 3 columns; the model expects 4 features" in err
    bad.write_text("1,2,x,4\n")
    status, _, err = run(capsys, "predict", str(model), str(bad))
    assert status == 2 and "line 1, column 3 ('3'): cannot read 'x' as a number" in err


def test_sweep_runs_a_grid(tmp_path, capsys):
    out_csv = tmp_path / "sweep.csv"
    status, out, _ = run(capsys, "sweep", "--data", "iris", "--layers", "4-8-3", "--grid",
                         "lr=0.1,0.01", "--epochs", "3", "--jobs", "1", "--out", str(out_csv))
    assert status == 0
    assert len(out_csv.read_text().splitlines()) == 3  # header + 2 grid points
    status, _, err = run(capsys, "sweep", "--data", "iris", "--layers", "4-8-3", "--grid", "bogus=1")
    assert status == 2 and "NAME=V1,V2" in err


def test_a_sweep_point_trains_its_seeds_together_as_separate_fits_would():
    import layerwise as lw
    from layerwise.sweep import run_point

    params = {"lr": 0.1, "epochs": 3, "batch_size": 16}
    rows = run_point("iris", [4, 8, 3], params, seeds=[0, 1, 2])
    ds = lw.data.load("iris", seed=0)
    Xtr, Xte = lw.data.standardize(ds.X_train, ds.X_test)
    for row, seed in zip(rows, [0, 1, 2]):
        net = lw.Network([4, 8, 3], seed=seed)
        h = lw.fit(net, Xtr, ds.y_train, val_fraction=0.1, seed=seed, progress=False, **params)
        assert row["seed"] == seed and row["val_acc"] == h.val_acc[-1]
        assert row["test_acc"] == lw.evaluate(net, Xte, ds.y_test)["accuracy"]
