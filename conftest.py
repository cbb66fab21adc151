"""Shared by the tests and the doctests: ``pytest`` is in every doctest's namespace, so an
example that needs an optional package can start with ``pytest.importorskip(...)``."""
import pytest


@pytest.fixture(autouse=True)
def _doctest_pytest(doctest_namespace):
    doctest_namespace["pytest"] = pytest
