"""The package's dependencies point one way: surfaces -> training -> engine, and no circles.

Every import counts, including those inside functions: a lazy import still ties two modules
together.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "layerwise"

#: layer of the architecture -> the layers it may import from (besides itself)
ALLOWED = {
    "engine": set(),
    "io": {"engine", "optional"},
    "training": {"engine", "io", "optional"},
    "data": {"engine", "optional"},
    "optional": set(),
}
SURFACES = {"cli", "cliutil", "sweep", "sklearn", "plots", "lab", "web", "__init__", "__main__"}


def _module_name(path):
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path):
    """The layerwise modules (and top-level packages) that ``path`` imports, anywhere in it."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if node.module is None or node.level:
                # "from . import x" may name modules
                for alias in node.names:
                    candidate = f"{target}.{alias.name}"
                    found.add(candidate if _exists(candidate) else target)
            else:
                found.add(target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m.split(".")[0] in ("layerwise", "benchmarks")} - {name}


def _exists(module):
    rel = Path(*module.split("."))
    return (ROOT.parent / rel).with_suffix(".py").exists() or (ROOT.parent / rel).is_dir()


def _resolve(module):
    """The module a dotted name refers to (a name inside a module resolves to the module)."""
    while module and not _exists(module):
        module = module.rpartition(".")[0]
    return module


GRAPH = {_module_name(p): {_resolve(m) for m in _imports(p)} for p in ROOT.rglob("*.py")}


def _layer(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if _layer(m) in ALLOWED))
def test_lower_layers_import_only_what_lies_below_them(module):
    layer = _layer(module)
    bad = sorted(m for m in GRAPH[module]
                 if m.startswith("benchmarks") or (_layer(m) != layer
                                                    and _layer(m) not in ALLOWED[layer]))
    assert not bad, f"{module} ({layer}) imports {bad}; it may use only {sorted(ALLOWED[layer])}"


def test_every_module_belongs_to_a_layer():
    unknown = sorted(m for m in GRAPH if _layer(m) not in ALLOWED and _layer(m) not in SURFACES)
    assert not unknown, f"modules outside the architecture's layers: {unknown}"


def test_no_surface_imports_the_benchmarks():
    bad = sorted(m for m, deps in GRAPH.items() if any(d.startswith("benchmarks") for d in deps))
    assert not bad, f"{bad} import the benchmark harness, which is not part of the package"


def test_no_two_modules_import_each_other_even_lazily():
    # a module importing its own package's __init__ (for its re-exports) is not a circle
    seen, stack, cycles = set(), [], []

    def visit(m):
        if m in stack:
            cycles.append(stack[stack.index(m):] + [m])
            return
        if m in seen:
            return
        seen.add(m)
        stack.append(m)
        for d in sorted(GRAPH.get(m, ())):
            if d == "layerwise" or m.startswith(d + "."):
                continue  # the package's own re-exports
            visit(d)
        stack.pop()

    for module in sorted(GRAPH):
        visit(module)
    assert not cycles, "import circles: " + "; ".join(" -> ".join(c) for c in cycles)
