"""The lab: every figure and claim of the notes, reproduced as an experiment with measured numbers.

``layerwise lab`` (or ``python -m layerwise.lab``) runs the experiments of
:mod:`layerwise.lab.experiments` and writes an HTML report; :func:`main` is its entry point.
"""
from .runner import main

__all__ = ["main"]
