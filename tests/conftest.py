"""Fixtures shared by the whole suite: keep them small and generic."""
import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fresh generator with a fixed seed, so every test draws the same numbers every run."""
    return np.random.default_rng(0)
