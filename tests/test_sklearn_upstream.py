"""scikit-learn's own MLP test file, run against layerwise with only the import replaced.

The file is read from the installed scikit-learn at collection time (it is never copied into
this repository), its one import of ``MLPClassifier, MLPRegressor`` is pointed at
``layerwise.sklearn``, and every test function in it becomes a test of this module, with its
own marks and parameters.
"""
import re
from pathlib import Path

import pytest

sklearn = pytest.importorskip("sklearn")

# about half a minute in all on this host
pytestmark = pytest.mark.slow

IMPORT = "from sklearn.neural_network import MLPClassifier, MLPRegressor"
SOURCE = Path(sklearn.__file__).parent / "neural_network" / "tests" / "test_mlp.py"

#: tests that need what only scikit-learn's own implementation has; none at present: the
#: private attributes they read (_optimizer, _no_improvement_count, _loss_grad_lbfgs) are
#: kept under scikit-learn's names
EXCLUDED = {}


def _load():
    if not SOURCE.exists():
        pytest.skip(f"scikit-learn's test file is not installed at {SOURCE}",
                    allow_module_level=True)
    text = SOURCE.read_text()
    if text.count(IMPORT) != 1:
        raise AssertionError(f"{SOURCE} no longer imports the estimators as {IMPORT!r}")
    text = text.replace(IMPORT, "from layerwise.sklearn import MLPClassifier, MLPRegressor")
    namespace = {"__name__": "sklearn_test_mlp_on_layerwise", "__file__": str(SOURCE)}
    exec(compile(text, str(SOURCE), "exec"), namespace)
    assert namespace["MLPClassifier"].__module__.startswith("layerwise.sklearn")
    return namespace


_upstream = _load()
for _name, _obj in _upstream.items():
    if re.match(r"test_", _name) and callable(_obj):
        if _name in EXCLUDED:
            _obj = pytest.mark.skip(reason=EXCLUDED[_name])(_obj)
        globals()[_name] = _obj


@pytest.fixture
def global_random_seed():
    """scikit-learn's fixture of the same name, at its default seed."""
    return 42


def test_upstream_file_was_collected():
    names = [n for n in globals() if n.startswith("test_") and n != "test_upstream_file_was_collected"]
    assert len(names) >= 40, names
