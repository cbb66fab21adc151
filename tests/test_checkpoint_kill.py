"""Checkpoints survive SIGKILL: a real training process is killed during training and during a
save, and the resumed run must end bit-identical to one that was never interrupted."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from layerwise.training.callbacks import load_checkpoint

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

ROOT = Path(__file__).resolve().parent.parent
CHILD = Path(__file__).resolve().parent / "ckpt_child.py"
EPOCHS = 40
# one BLAS thread in every run, so no result can depend on how work was split between threads
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1",
       "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def start(ckpt, out, epochs=EPOCHS):
    return subprocess.Popen([sys.executable, str(CHILD), str(ckpt), str(out), str(epochs)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
                            cwd=ROOT)


def finish(ckpt, out, epochs=EPOCHS):
    p = start(ckpt, out, epochs)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    with np.load(out) as z:
        return z["weights"], z["train_loss"]


def check_complete(ckpt):
    """The file loads, lists every array it should, and its parts agree with each other."""
    state = load_checkpoint(ckpt)
    params = state["trainer"]["params"]
    assert sorted(params) == ["0.bias", "0.weight", "3.bias", "3.weight"]
    assert all(np.isfinite(p).all() for p in params.values())
    assert state["trainer"]["optimizer"]["m"].shape == (sum(p.size for p in params.values()),)
    assert len(state["history"]["epoch"]) == state["epoch"] >= 1
    n_train = 200 - len(state["data"]["val_index"])
    assert state["step"] == state["epoch"] * -(-n_train // 32)
    return state


def temp_files(folder, name):
    return [f for f in os.listdir(folder) if f.startswith(f".{name}.") and f.endswith(".tmp")]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run: final weights, losses and last checkpoint."""
    d = tmp_path_factory.mktemp("reference")
    weights, losses = finish(d / "ckpt.npz", d / "out.npz")
    return weights, losses, load_checkpoint(d / "ckpt.npz")


def assert_same_run(reference, ckpt, weights, losses):
    ref_weights, ref_losses, ref_state = reference
    # bit for bit: array_equal on floats of the same dtype compares every bit that matters,
    # and the byte view also catches a -0.0 / +0.0 or NaN-payload difference
    assert weights.dtype == ref_weights.dtype
    assert weights.tobytes() == ref_weights.tobytes()
    assert losses.tobytes() == ref_losses.tobytes()
    state = load_checkpoint(ckpt)
    for name, p in ref_state["trainer"]["params"].items():
        assert state["trainer"]["params"][name].tobytes() == p.tobytes(), name
    assert state["trainer"]["rng"] == ref_state["trainer"]["rng"]


def test_killed_anywhere_during_training_resumes_bit_identical(reference, tmp_path):
    ckpt, out = tmp_path / "ckpt.npz", tmp_path / "out.npz"
    rng = np.random.default_rng(2024)
    last = 0
    for _ in range(5):
        p = start(ckpt, out)
        target = last + int(rng.integers(1, 6))
        for line in p.stdout:  # wait until the child has finished epoch `target`
            if int(line.split()[1]) >= target:
                break
        # then a random moment: inside the next epoch's training, or inside this epoch's save
        time.sleep(rng.uniform(0.0, 0.012))
        p.send_signal(signal.SIGKILL)
        p.communicate()
        assert p.returncode == -signal.SIGKILL, "the child finished before it was killed"
        state = check_complete(ckpt)
        assert state["epoch"] >= max(last, target - 1)  # never goes back; at most one epoch lost
        last = state["epoch"]
    assert last < EPOCHS
    weights, losses = finish(ckpt, out)
    assert_same_run(reference, ckpt, weights, losses)


def test_killed_inside_a_save_never_damages_the_previous_checkpoint(reference, tmp_path):
    ckpt, out = tmp_path / "ckpt.npz", tmp_path / "out.npz"
    finish(ckpt, out, epochs=3)  # a good checkpoint already on disk
    inside = 0
    for attempt in range(8):
        good = ckpt.read_bytes()
        good_epoch = load_checkpoint(ckpt)["epoch"]
        p = start(ckpt, out)
        deadline = time.monotonic() + 60
        # the temporary file exists only while a save is under way: kill the moment it appears
        seen = set()
        while not seen:
            seen = set(temp_files(tmp_path, ckpt.name))
            assert p.poll() is None, "the child exited before its first save"
            assert time.monotonic() < deadline, "no save started within a minute"
        p.send_signal(signal.SIGKILL)
        p.communicate()
        assert p.returncode == -signal.SIGKILL
        left = set(temp_files(tmp_path, ckpt.name))
        state = check_complete(ckpt)
        if seen & left:
            # killed inside the save it was seen in, before its rename: the old checkpoint
            # must be untouched, byte for byte
            inside += 1
            assert ckpt.read_bytes() == good
            assert state["epoch"] == good_epoch
        else:
            # that save's rename won the race, and the checkpoint is a complete, newer one (an
            # epoch of this small net can take a millisecond on the compiled path, so later
            # saves may have finished, or begun, before the kill landed)
            assert state["epoch"] > good_epoch
        for f in left:  # what a killed writer leaves behind; never read as a checkpoint
            os.unlink(tmp_path / f)
        if inside >= 2:
            break
    assert inside >= 1, "no kill landed inside a save in 8 tries"
    weights, losses = finish(ckpt, out)
    assert_same_run(reference, ckpt, weights, losses)
