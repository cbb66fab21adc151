"""Atomic file writes: a crash at any moment leaves the old complete file or the new one.

The bytes go to a temporary file in the same folder, which is flushed and fsynced, then moved
over the target with ``os.replace`` (atomic on POSIX), and the folder itself is fsynced so the
rename survives a power cut.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_writer(path, mode="wb"):
    """``with atomic_writer(path) as f: f.write(...)``: the file appears whole or not at all.

    An error while writing leaves the previous file as it was and removes the temporary
    file; an ``OSError`` names ``path``, not the temporary file.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> with atomic_writer(path, "w") as f:
    ...     _ = f.write("first")
    >>> try:
    ...     with atomic_writer(path, "w") as f:
    ...         _ = f.write("half of the second")
    ...         raise RuntimeError("crash")
    ... except RuntimeError:
    ...     pass
    >>> open(path).read(), os.listdir(os.path.dirname(path))
    ('first', ['out.txt'])
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot write {str(path)!r}: folder {str(folder)!r} does not exist")
    if path.is_dir():
        raise IsADirectoryError(f"cannot write {str(path)!r}: it is a folder; give a file name")
    # the writer's process id in the name lets a later write tell a dead writer's leftovers
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp",
                                   dir=folder)
    except OSError as e:
        raise _naming(e, path) from e
    try:
        # mkstemp makes the file private (0600); give it the mode an ordinary open() would
        os.chmod(tmp, _file_mode(path))
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            # the error would name the temporary file, or nothing (a full disk): name the target
            raise _naming(e, path) from e
        raise
    _fsync_dir(folder)
    _remove_leftovers(folder, path.name)


def _naming(error, path):
    """The same kind of OSError, naming ``path`` (the file the caller asked for)."""
    return type(error)(error.errno, f"cannot write {str(path)!r}: "
                                    f"{error.strerror or error}")


def _remove_leftovers(folder, name):
    """Delete temporary files that writers of ``name`` killed mid-write (SIGKILL, power cut)
    left behind; a file whose writer is still alive is left alone."""
    prefix = f".{name}."
    for entry in os.listdir(folder):
        if not (entry.startswith(prefix) and entry.endswith(".tmp")):
            continue
        pid = entry[len(prefix):].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, entry))


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def atomic_write(path, data: bytes):
    """Write ``data`` to ``path`` atomically.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "data.bin")
    >>> atomic_write(path, b"\\x00\\x01")
    >>> open(path, "rb").read()
    b'\\x00\\x01'
    """
    with atomic_writer(path) as f:
        f.write(data)


def _file_mode(path):
    """The existing file's permissions, or 0666 less the process umask for a new file."""
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_dir(folder):
    with contextlib.suppress(OSError):  # some filesystems refuse to open folders
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
