"""The shape of the library: layers that point one way, files that stay short, one place per rule.

Read from the import statements of the source (no module is imported), so a
violation is caught before it runs:

* infrastructure (``_helpers``, ``device``, ``data``, ``io``, ``timing``) sits
  below the topic modules (one per chapter), which sit below the workflow
  (``train``, ``viz``); nothing imports a higher layer, and the top-level
  modules import each other without cycles. ``grading`` stands apart: no
  other module imports it. A new top-level module must be given its layer here.
* plotting libraries are imported by the workflow only (``viz``);
* no library file is longer than ~400 lines (a package folder past that);
* the shared helpers exist once: no second ``IntOrTuple``/``ntuple``, no
  hand-rolled reduction or mode saving outside ``medlearn/_helpers.py``;
* constructors put ``spatial_dims`` first, as MONAI does.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import medlearn

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "medlearn"

LAYERS = {
    "infrastructure": {"_helpers", "device", "data", "io", "timing"},
    "topic": {
        "tasks",
        "metrics",
        "conv",
        "receptive_field",
        "sampling",
        "unet",
        "attention",
        "wsi",
        "volumes",
        "augment",
        "shift",
        "uncertainty",
        "fairness",
        "physics",
        "enhance",
        "fusion",
    },
    "workflow": {"train", "viz", "study"},
}
RANK = {name: i for i, layer in enumerate(LAYERS.values()) for name in layer}
APART = {"grading"}  # course infrastructure, moving into its own package
MAX_LINES = 400


def top_level(path: Path) -> str:
    """``medlearn/conv/functional.py`` -> ``conv``; ``medlearn/io.py`` -> ``io``."""
    return path.relative_to(LIBRARY).parts[0].removesuffix(".py")


def sources() -> list[Path]:
    return sorted(p for p in LIBRARY.rglob("*.py") if "__pycache__" not in p.parts)


def imported(path: Path) -> set[str]:
    """The top-level medlearn modules that a file imports (anywhere in it)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] == "medlearn":
                if len(parts) > 1:
                    names.add(parts[1])
                else:  # from medlearn import conv, data
                    names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "medlearn" and len(parts) > 1:
                    names.add(parts[1])
    return names - {"__version__"}


def dependencies() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in sources():
        if path == LIBRARY / "__init__.py":
            continue
        module = top_level(path)
        graph.setdefault(module, set()).update(imported(path) - {module})
    return graph


def test_every_top_level_module_has_a_layer():
    modules = set(dependencies())
    unplaced = modules - set(RANK) - APART
    assert unplaced == set(), (
        f"give {sorted(unplaced)} a layer in tests/test_layering.py (LAYERS)"
    )


def test_nothing_imports_a_higher_layer():
    upward = [
        f"{module} ({_layer(module)}) imports {dep} ({_layer(dep)})"
        for module, deps in dependencies().items()
        if module not in APART
        for dep in deps
        if dep in RANK and RANK[dep] > RANK[module]
    ]
    assert upward == [], f"imports that point up: {upward}"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    return {n.split(".")[0] for n in names}


def test_grading_stands_apart():
    """The teaching library never imports the grader, and the grader's code never
    imports the library: medgrade is course infrastructure of its own."""
    users = [m for m, deps in dependencies().items() if deps & APART and m not in APART]
    assert users == [], f"library modules that import grading: {users}"
    into_grader = [
        str(p.relative_to(ROOT))
        for p in LIBRARY.rglob("*.py")
        if "medgrade" in _imports(p)
    ]
    assert into_grader == [], f"library modules that import medgrade: {into_grader}"
    into_library = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "medgrade").rglob("*.py")
        if "medlearn" in _imports(p)
    ]
    assert into_library == [], f"medgrade modules that import medlearn: {into_library}"


def test_the_helpers_depend_on_nothing_in_medlearn():
    assert dependencies()["_helpers"] == set()


def test_top_level_modules_import_each_other_without_cycles():
    graph = dependencies()
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        for dep in sorted(graph.get(node, ())):
            if dep in path:
                cycles.append(" -> ".join([*path[path.index(dep) :], dep]))
            elif dep in graph:
                visit(dep, [*path, dep])

    for start in sorted(graph):
        visit(start, [start])
    assert cycles == [], (
        f"import cycles between top-level modules: {sorted(set(cycles))}"
    )


PLOTTING = ("matplotlib", "ipywidgets", "IPython")


def test_only_the_workflow_draws():
    """Topic and infrastructure modules never import a plotting library (viz does)."""
    drawing = []
    for path in sources():
        module = top_level(path)
        if module in LAYERS["workflow"] or module in APART:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            # matplotlib.cbook locates the sample data matplotlib ships: no drawing
            names = [n for n in names if n != "matplotlib.cbook"]
            if any(n.split(".")[0] in PLOTTING for n in names):
                drawing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert drawing == [], f"plotting outside medlearn.viz: {drawing}"


def _layer(module: str) -> str:
    return next((name for name, mods in LAYERS.items() if module in mods), "apart")


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_library_file_is_too_long(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, (
        f"{path.relative_to(ROOT)} has {lines} lines (at most {MAX_LINES}): split it "
        "along its ideas into a package folder, as medlearn/conv/ is"
    )


# helpers that exist once, in medlearn/_helpers.py
HELPER_NAMES = {
    "IntOrTuple",
    "per_axis",
    "ntuple",
    "_ntuple",
    "_per_axis",
    "reduce",
    "_reduce",
    "check_reduction",
    "_check_reduction",
    "check_choice",
    "_check_choice",
    "preserve_modes",
}


def test_shared_helpers_are_defined_once():
    twins = []
    for path in sources():
        if path.name == "_helpers.py" or "grading" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            named = isinstance(node, ast.FunctionDef | ast.ClassDef)
            if named and node.name in HELPER_NAMES:
                twins.append(f"{path.relative_to(ROOT)}: def {node.name}")
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id in HELPER_NAMES:
                        twins.append(f"{path.relative_to(ROOT)}: {target.id} =")
    assert twins == [], f"a second copy of a shared helper: {twins}"


def _mentions_training(node: ast.AST) -> bool:
    return any(
        isinstance(n, ast.Attribute) and n.attr == "training" for n in ast.walk(node)
    )


def test_modes_are_saved_only_by_preserve_modes():
    """Saving or restoring ``.training`` by hand is how the lossy restores crept in."""
    manual = []
    for path in sources():
        if path.name == "_helpers.py" or "grading" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            saved = isinstance(node, ast.Assign | ast.AnnAssign) and _mentions_training(
                node
            )
            listed = isinstance(node, ast.comprehension | ast.Tuple) and (
                _mentions_training(node)
            )
            if saved or listed:
                manual.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert manual == [], f"use _helpers.preserve_modes, not .training: {manual}"


def test_no_module_imports_a_private_name_from_another_module():
    """Private names stay inside their top-level module; shared ones are in _helpers."""
    leaks = []
    for path in sources():
        if "grading" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom) or not node.module:
                continue
            parts = node.module.split(".")
            if parts[0] != "medlearn" or len(parts) < 2 or parts[1] == "_helpers":
                continue
            if parts[1] == top_level(path):
                continue  # inside one package its files share private helpers
            private = [a.name for a in node.names if a.name.startswith("_")]
            if private:
                leaks.append(f"{path.relative_to(ROOT)}: {node.module} {private}")
    assert leaks == [], f"private names imported across modules: {leaks}"


def _classes() -> list[type]:
    found = {}
    for info in pkgutil.walk_packages(medlearn.__path__, "medlearn."):
        if "grading" in info.name:
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if inspect.isclass(obj) and obj.__module__.startswith("medlearn"):
                found[obj] = None
    return list(found)


def test_spatial_dims_comes_first_in_every_constructor():
    misplaced = []
    for cls in _classes():
        try:
            params = list(inspect.signature(cls.__init__).parameters)[1:]
        except (TypeError, ValueError):
            continue
        if "spatial_dims" in params and params[0] != "spatial_dims":
            misplaced.append(f"{cls.__name__}{tuple(params)}")
    assert misplaced == [], f"spatial_dims is not the first argument: {misplaced}"
