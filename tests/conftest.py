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
