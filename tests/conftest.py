"""Fixtures shared by the whole suite: keep them small and generic."""
import os
import subprocess
import sys
import time

import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fresh generator with a fixed seed, so every test draws the same numbers every run."""
    return np.random.default_rng(0)


@pytest.fixture
def fsync_fails(monkeypatch):
    """A function that, once called, makes every ``os.fsync`` raise ``OSError("disk full")``:
    a crash in the middle of an atomic write, after the test has written its good file."""
    def crash(*args):
        raise OSError("disk full")

    return lambda: monkeypatch.setattr(os, "fsync", crash)


@pytest.fixture(scope="module")
def playground_server():
    """The real playground, ``serve(port=0)``, in a subprocess on a free loopback port.

    Yields ``(process, URL with the token)``; the server is stopped after the module's tests.
    """
    code = "from layerwise.web.server import serve; serve(port=0, open_browser=False)"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    url = None
    deadline = time.monotonic() + 60
    while url is None and time.monotonic() < deadline and proc.poll() is None:
        line = proc.stdout.readline()
        if "http://" in line:
            url = line[line.index("http://"):].strip()
    if url is None:
        proc.kill()
        pytest.fail(f"the server did not start: {proc.stderr.read()}")
    yield proc, url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def blas_threads_after(code):
    """``[(library path, threads)]`` of every BLAS library in a fresh interpreter once ``code``
    has run (the thread counts read inside it by ``code`` printing ``blas_threads()`` as its
    last line; the function is defined for it). No thread count comes from the environment,
    which would hide a library left unlimited."""
    import json

    prelude = ("import json\nfrom threadpoolctl import threadpool_info\n"
               "def blas_threads():\n"
               "    return json.dumps([[i['filepath'], i['num_threads']] for i in "
               "threadpool_info() if i['user_api'] == 'blas'])\n")
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS",
                                                             "OMP_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", prelude + code], capture_output=True,
                         text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])
