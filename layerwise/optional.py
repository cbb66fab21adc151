"""Optional dependencies: imported only where used, with an error that names the extra.

The core (``import layerwise``) needs NumPy alone; everything else is an extra of the package.
"""
from __future__ import annotations

import importlib


def require(module: str, extra: str, what: str = "this"):
    """Import ``module``, or raise an ImportError naming the extra that brings it.

    >>> require("numpy", "core").__name__
    'numpy'
    """
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError(f"{what} needs the package {module.split('.')[0]!r}, which is not "
                          f"installed: pip install 'layerwise[{extra}]'") from e
