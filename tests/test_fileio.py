"""Atomic writes: the old complete file or the new one, never a partial file."""
import os

import pytest

from layerwise.io.atomic import atomic_write, atomic_writer


def test_new_file_gets_ordinary_permissions(tmp_path):
    path = tmp_path / "a.bin"
    atomic_write(path, b"abc")
    umask = os.umask(0)
    os.umask(umask)
    assert path.read_bytes() == b"abc"
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


def test_existing_mode_is_kept(tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(b"old")
    os.chmod(path, 0o600)
    atomic_write(path, b"new")
    assert path.read_bytes() == b"new" and os.stat(path).st_mode & 0o777 == 0o600


def test_a_failing_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"good")
    with pytest.raises(RuntimeError):
        with atomic_writer(path) as f:
            f.write(b"half")
            raise RuntimeError("crash in the middle of a save")
    assert path.read_bytes() == b"good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.bin"]


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        atomic_write(tmp_path / "nope" / "a.bin", b"x")


def test_a_killed_writers_leftovers_are_removed_by_the_next_write(tmp_path):
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    leftover = tmp_path / f".ckpt.npz.{dead_pid}.abc123.tmp"
    leftover.write_bytes(b"half a checkpoint")
    live = tmp_path / f".ckpt.npz.{os.getpid()}.def456.tmp"  # a writer still at work
    live.write_bytes(b"in progress")
    other = tmp_path / f".other.npz.{dead_pid}.x.tmp"  # another file's business
    other.write_bytes(b"x")
    atomic_write(tmp_path / "ckpt.npz", b"whole")
    assert not leftover.exists()
    assert live.exists() and other.exists()
    assert (tmp_path / "ckpt.npz").read_bytes() == b"whole"
