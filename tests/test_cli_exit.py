"""The command line's exit-status policy, output paths checked before any work, and the
messages that name the real cause.

Policy: 0 success; 2 bad input or usage (found before work starts); 1 a failure while working.
Every subcommand is checked for its 2, and for its 1 where it can fail while working.
"""
import errno
import socket
import sys

import numpy as np
import pytest

import layerwise as lw
from layerwise.cli import main

pytest.importorskip("safetensors")


def run(capsys, *argv):
    try:
        status = main([str(a) for a in argv])
    except SystemExit as e:  # argparse's own usage errors and --version
        status = e.code
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "iris.safetensors"
    assert main(["train", "--data", "iris", "--epochs", "2", "--quiet", "--save", str(path)]) == 0
    return path


@pytest.fixture
def inputs(tmp_path):
    path = tmp_path / "in.csv"
    np.savetxt(path, lw.data.load("iris").X_test[:5], delimiter=",")
    return path


def disk_full(monkeypatch):
    """Every atomic write fails as a full disk does: at fsync, with ENOSPC and no file name."""
    def fsync(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("layerwise.io.atomic.os.fsync", fsync)


def test_version(capsys):
    status, out, _ = run(capsys, "--version")
    assert status == 0 and out.strip() == f"layerwise {lw.__version__}"


# -- every output path is checked before any work starts -----------------------------------------
@pytest.mark.parametrize("option", ["--save", "--plot", "--checkpoint"])
def test_train_checks_its_output_paths_first(capsys, option):
    # before: trained fully, then failed (--plot and sweep --out with a raw [Errno 2])
    status, out, err = run(capsys, "train", "--data", "iris", "--epochs", "1", "--quiet",
                           option, "/nonexistent/dir/file")
    assert status == 2 and out == ""
    assert f"{option} '/nonexistent/dir/file': the folder '/nonexistent/dir' does not exist" in err


def test_an_output_path_that_is_a_folder(tmp_path, capsys):
    status, out, err = run(capsys, "train", "--data", "iris", "--quiet", "--save", tmp_path)
    assert status == 2 and out == ""
    assert f"--save {str(tmp_path)!r} is a folder; give a file name inside it" in err


def test_an_output_path_under_a_file(tmp_path, capsys):
    (tmp_path / "plain").write_text("x")
    status, _, err = run(capsys, "train", "--data", "iris", "--quiet",
                         "--plot", tmp_path / "plain" / "curves.png")
    assert status == 2 and "is a file, not a folder" in err


@pytest.mark.parametrize("argv", [
    ["sweep", "--data", "iris", "--layers", "4-8-3", "--grid", "lr=0.1", "--jobs", "1"],
    ["predict", "MODEL", "INPUTS"],
    ["export", "MODEL", "--onnx"],
])
def test_other_output_paths_are_checked_first(model, inputs, capsys, argv):
    argv = [{"MODEL": model, "INPUTS": inputs}.get(a, a) for a in argv]
    option = "--onnx" if "export" in argv else "--out"
    if option == "--onnx":
        argv = argv[:-1]
    status, out, err = run(capsys, *argv, option, "/nonexistent/dir/out.csv")
    assert status == 2 and out == ""
    assert f"{option} '/nonexistent/dir/out.csv': the folder '/nonexistent/dir'" in err
    assert "sweep:" not in err  # no run started


def test_lab_checks_its_out_folder_first(tmp_path, capsys):
    (tmp_path / "plain").write_text("x")
    status, _, err = run(capsys, "lab", "--quick", "--only", "e01_neuron", "--out",
                         tmp_path / "plain")
    assert status == 2 and "is a file; the lab writes a folder" in err
    status, _, err = run(capsys, "lab", "--quick", "--out", "/nonexistent/dir/report")
    assert status == 2 and "the folder '/nonexistent/dir' does not exist" in err


def test_resume_from_a_missing_checkpoint(capsys):
    status, out, err = run(capsys, "train", "--data", "iris", "--quiet", "--resume", "/no/ckpt")
    assert status == 2 and out == "" and "--resume '/no/ckpt': no such checkpoint file" in err


# -- predict --------------------------------------------------------------------------------------
def test_predict_out_writes_the_csv(model, inputs, tmp_path, capsys):
    out_file = tmp_path / "pred.csv"
    status, out, err = run(capsys, "predict", model, inputs, "--out", out_file)
    assert status == 0 and out == "" and f"wrote 5 predictions to {out_file}" in err
    assert out_file.read_text().splitlines()[0] == "prediction"
    assert out_file.read_text() == run(capsys, "predict", model, inputs)[1]


def test_predict_on_nan_is_bad_input_counted_from_one(model, tmp_path, capsys):
    # before: exit 1, "row 0" where other CSV errors count from 1
    bad = tmp_path / "nan.csv"
    bad.write_text("5.1,3.5,1.4,0.2\n6.0,nan,4.5,1.5\n")
    status, _, err = run(capsys, "predict", model, bad)
    assert status == 2
    assert "line 2, column 2 ('2'): non-finite value 'nan'" in err


def test_predict_reads_a_semicolon_csv(model, tmp_path, capsys):
    semi = tmp_path / "semi.csv"
    semi.write_text("5.1;3.5;1.4;0.2\n6.0;2.9;4.5;1.5\n")
    comma = tmp_path / "comma.csv"
    comma.write_text("5.1,3.5,1.4,0.2\n6.0,2.9,4.5,1.5\n")
    status, out, err = run(capsys, "predict", model, semi)
    assert status == 0, err
    assert len(out.splitlines()) == 3 and out == run(capsys, "predict", model, comma)[1]


# -- messages that name the real cause ------------------------------------------------------------
def test_summary_points_at_the_zero(capsys):
    status, _, err = run(capsys, "summary", "3-0-2")
    assert status == 2 and "'3-0-2' has 0 for hidden layer 1" in err
    status, _, err = run(capsys, "summary", "3-4-x")
    assert status == 2 and "'3-4-x' has 'x' for the output layer" in err


def test_save_to_a_folder_names_the_folder(tmp_path):
    # before: an internal temporary name ('/.tmp.1234.abcd.tmp')
    with pytest.raises(IsADirectoryError) as info:
        lw.save(lw.Network([2, 3], seed=0), tmp_path)
    assert f"cannot save to {str(tmp_path)!r}: it is a folder" in str(info.value)
    assert ".tmp" not in str(info.value).replace(str(tmp_path), "")


def test_a_full_disk_names_the_file(tmp_path, monkeypatch, capsys):
    disk_full(monkeypatch)
    target = tmp_path / "m.safetensors"
    with pytest.raises(OSError) as info:
        lw.save(lw.Network([2, 3], seed=0), target)
    assert info.value.errno == errno.ENOSPC
    assert f"cannot write {str(target)!r}: No space left on device" in str(info.value)
    assert not target.exists() and list(tmp_path.iterdir()) == []
    # on the command line: a failure while working, exit 1, naming the file
    status, out, err = run(capsys, "train", "--data", "iris", "--epochs", "1", "--quiet",
                           "--save", target)
    assert status == 1 and "train accuracy" in out
    assert err == (f"layerwise: error: [Errno 28] cannot write {str(target)!r}: "
                   f"No space left on device\n")


def test_a_file_that_is_not_safetensors(tmp_path, capsys):
    # before: "header length 3,688,778,176,679,390,256 is over the cap"
    text = tmp_path / "notes.safetensors"
    text.write_text("these are notes, not a model\n")
    status, _, err = run(capsys, "evaluate", text, "--data", "iris")
    assert status == 2
    assert "this is not a safetensors model file" in err
    assert "," not in err.split("over the cap of")[1].split("bytes")[1]  # no huge number


def test_serve_with_an_impossible_port_is_usage(capsys):
    # before: exit 1
    status, _, err = run(capsys, "serve", "--port", "99999", "--no-browser")
    assert status == 2 and "expected a port number from 0 to 65535, got '99999'" in err


def test_serve_on_a_port_in_use_is_a_failure(capsys):
    pytest.importorskip("uvicorn")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        status, _, err = run(capsys, "serve", "--port", port, "--no-browser")
    assert status == 1 and f"cannot listen on 127.0.0.1:{port}" in err


def test_serve_remote_without_allow_remote_is_usage(capsys):
    pytest.importorskip("uvicorn")
    status, _, err = run(capsys, "serve", "--host", "0.0.0.0", "--no-browser")
    assert status == 2 and "--allow-remote" in err


def test_export_torch_without_torch_names_what_to_install(model, tmp_path, capsys):
    try:
        import torch  # noqa: F401
        pytest.skip("torch is installed")
    except ImportError:
        pass
    # before: "No module named 'torch'"
    status, _, err = run(capsys, "export", model, "--torch", tmp_path / "m.pt")
    assert status == 1
    assert "export --torch needs the package 'torch'" in err
    assert "pip install 'layerwise[torch]'" in err


def test_export_writes_nothing_when_a_package_is_missing(model, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch fails, as without torch
    status, _, err = run(capsys, "export", model, "--onnx", tmp_path / "m.onnx",
                         "--torch", tmp_path / "m.pt")
    assert status == 1 and "pip install 'layerwise[torch]'" in err
    assert list(tmp_path.iterdir()) == []


def test_plot_without_matplotlib_fails_before_training(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    status, out, err = run(capsys, "train", "--data", "iris", "--quiet", "--plot", "c.png")
    assert status == 1 and out == ""
    assert "--plot needs the package 'matplotlib'" in err and "layerwise[plot]" in err


# -- one exit-status policy for every subcommand --------------------------------------------------
@pytest.mark.parametrize("argv", [
    ["summary", "3-0-1"],
    ["summary", "3-4-1", "--activation", "nope"],
    ["demo", "--epochs", "0"],
    ["train", "--data", "no-such-set"],
    ["train", "--data", "iris", "--layers", "4-10-2"],
    ["evaluate", "missing.safetensors", "--data", "iris"],
    ["evaluate", "MODEL", "--data", "digits"],
    ["predict", "MODEL", "/no/such/inputs.csv"],
    ["predict", "missing.safetensors", "INPUTS"],
    ["export", "MODEL"],
    ["lab", "--only", "no_such_experiment"],
    ["serve", "--port", "-1"],
    ["sweep", "--data", "iris", "--layers", "4-8-3", "--grid", "bogus=1"],
    ["sweep", "--data", "iris", "--layers", "4-8-2", "--grid", "lr=0.1"],
    ["bench", "--repeats", "0"],
    ["frobnicate"],
])
def test_bad_input_is_status_2(model, inputs, capsys, argv):
    argv = [{"MODEL": model, "INPUTS": inputs}.get(a, a) for a in argv]
    status, _, err = run(capsys, *argv)
    assert status == 2, err
    assert "Traceback" not in err and err.strip()


def _fails(monkeypatch, target):
    def boom(*a, **k):
        raise RuntimeError("something broke while working")

    monkeypatch.setattr(target, boom)


@pytest.mark.parametrize("argv, target", [
    (["demo", "--epochs", "1"], "layerwise.fit"),
    (["train", "--data", "iris", "--quiet"], "layerwise.fit"),
    (["evaluate", "MODEL", "--data", "iris"], "layerwise.evaluate"),
    (["predict", "MODEL", "INPUTS"], "layerwise.engine.network.Sequential.forward"),
    (["export", "MODEL", "--onnx", "OUT"], "layerwise.export_onnx"),
    (["sweep", "--data", "iris", "--layers", "4-8-3", "--grid", "lr=0.1", "--jobs", "1"],
     "layerwise.sweep.run_point"),
    (["bench", "--quick"], "layerwise.cli._benchmark_harness"),
])
def test_a_failure_while_working_is_status_1(model, inputs, tmp_path, monkeypatch, capsys,
                                             argv, target):
    argv = [{"MODEL": model, "INPUTS": inputs, "OUT": tmp_path / "m.onnx"}.get(a, a)
            for a in argv]
    _fails(monkeypatch, target)
    status, _, err = run(capsys, *argv)
    assert status == 1
    assert err.endswith("\nlayerwise: error: something broke while working\n") or (
        err == "layerwise: error: something broke while working\n")


def test_a_failing_lab_is_status_1(tmp_path, monkeypatch, capsys):
    def broken(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("layerwise.lab.runner.run_lab", broken)
    status, _, err = run(capsys, "lab", "--quick", "--only", "e01_neuron", "--out",
                         tmp_path / "r")
    assert status == 1 and "No space left on device" in err


def test_bench_without_the_harness_says_where_it_lives(monkeypatch, capsys):
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    status, _, err = run(capsys, "bench", "--quick")
    assert status == 1
    assert "the benchmarks/ folder of a clone of layerwise" in err


def test_bench_help_names_itself(capsys):
    pytest.importorskip("benchmarks")
    status, out, _ = run(capsys, "bench", "--help")
    assert status == 0 and out.startswith("usage: layerwise bench")


def test_the_cli_does_not_import_the_benchmarks_or_sweep_modules():
    import ast
    import inspect

    import layerwise.cli
    import layerwise.cliutil
    import layerwise.sweep

    def imported(module):
        names = set()
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if isinstance(node, ast.ImportFrom):
                names.add(("." * node.level) + (node.module or ""))
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
        return names

    assert not any(n.startswith("benchmarks") for n in imported(layerwise.cli))
    assert ".cli" not in imported(layerwise.sweep)
    assert not {".cli", ".sweep"} & imported(layerwise.cliutil)
