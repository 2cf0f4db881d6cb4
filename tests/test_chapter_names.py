"""No chapter re-defines a public library name: the library is the one source.

Parses the code cells of every chapter page (no execution, no book build) and
fails when a top-level ``def`` or ``class`` binds a name that a medlearn
module exports (a name in some module's ``__all__``): a page that writes its
own ``best_time`` next to the library's drifts from it, and a reader cannot
tell which one ran.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import medlearn

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.md"))
CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)


def exported_names() -> dict[str, str]:
    """Every name some medlearn module exports, with the first module that does."""
    names: dict[str, str] = {}
    for info in pkgutil.walk_packages(medlearn.__path__, "medlearn."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", ()):
            names.setdefault(name, info.name)
    return names


def code_cells(text: str) -> list[str]:
    """The cells' Python: cell options (``:tags:``) and IPython magics blanked."""
    cells = []
    for body in CELL.findall(text):
        lines = body.splitlines()
        options = 0
        while options < len(lines) and lines[options].startswith(":"):
            options += 1  # MyST cell options come first
        code = [
            "" if i < options or line.lstrip().startswith(("%", "!")) else line
            for i, line in enumerate(lines)
        ]
        cells.append("\n".join(code))
    return cells


def defined_names(source: str) -> list[tuple[str, int]]:
    """Names bound by ``def``/``class`` at the top level of a cell (blocks included)."""
    found = []

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                found.append((node.name, node.lineno))
                continue  # what a function defines inside stays local
            for field in ("body", "orelse", "finalbody", "handlers"):
                visit(getattr(node, field, []) or [])

    visit(ast.parse(source).body)
    return found


@pytest.fixture(scope="module")
def exported():
    return exported_names()


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_does_not_shadow_a_library_name(page, exported):
    shadows = [
        f"cell {i}, line {line}: {name} (medlearn exports it from {exported[name]})"
        for i, cell in enumerate(code_cells(page.read_text()), start=1)
        for name, line in defined_names(cell)
        if name in exported
    ]
    assert shadows == [], (
        f"{page.name} re-defines library names; import them instead: {shadows}"
    )


def test_the_parser_sees_definitions():
    """A cell that defines a library name is caught (so the test above can fail)."""
    cell = "import torch\nif True:\n    def best_time(fn):\n        def inner(): ...\n"
    assert defined_names(cell) == [("best_time", 3)]
    page = (
        "text\n```{code-cell} ipython3\n:tags: [remove-input]\n%matplotlib inline\n"
        "class UNet:\n    pass\n```\n"
    )
    (cell,) = code_cells(page)
    assert defined_names(cell) == [("UNet", 3)]
