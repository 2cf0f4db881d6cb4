"""The instructor's view of a submitted notebook, read from the gradebook.

Which cells are tests, which are the set-up, which are the student's; the
gradebook's flags and sources replace whatever the submission says about its
cells; and the submission's code, analysed by :mod:`medgrade.policy`. Used by
:class:`medgrade.execute.SandboxedExecute`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from nbformat import NotebookNode
from nbgrader.api import Gradebook

from medgrade.policy import Cell, Submission, bound_names

__all__ = ["GradingPlan"]


@dataclass(frozen=True)
class _SourceCell:
    cell_type: str
    locked: bool
    source: str


class GradingPlan:
    """The instructor's view of a submitted notebook, from the gradebook."""

    def __init__(self, nb: NotebookNode, resources: dict[str, Any]) -> None:
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            source = gb.find_notebook(info["notebook"], info["assignment"])
            grade = {c.name: float(c.max_score) for c in source.grade_cells}
            solution = {c.name for c in source.solution_cells}
            cells = {
                c.name: _SourceCell(c.cell_type, bool(c.locked), c.source)
                for c in source.source_cells
            }
        stubs = [
            c.source
            for n, c in cells.items()
            if n in solution and c.cell_type == "code"
        ]
        self.tests: list[int] = []
        self.setup: list[str] = []
        self.self_check: int | None = None
        code_cells: list[Cell] = []
        for i, cell in enumerate(nb.cells):
            meta = cell.metadata.get("nbgrader", {})
            gid = meta.get("grade_id")
            known = gid in cells and cells[gid].cell_type == cell.cell_type
            if not known:
                cell.metadata.pop(
                    "nbgrader", None
                )  # a student's own cell: no grading role
            else:  # the gradebook's flags and source, whatever the submission says
                meta.update(
                    grade=gid in grade,
                    solution=gid in solution,
                    locked=cells[gid].locked,
                )
                if gid in grade:
                    meta["points"] = grade[gid]
                if gid not in solution:
                    cell.source = cells[gid].source
            if cell.cell_type != "code":
                continue
            trusted = known and gid not in solution
            if trusted and gid in grade:
                self.tests.append(i)
                continue
            if trusted and gid.startswith("setup"):
                self.setup.append(cell.source)
            if trusted and gid == "self_check":
                self.self_check = i
            code_cells.append(
                Cell(gid if known else f"cell {i + 1}", cell.source, trusted)
            )
        self.submission = Submission(code_cells)
        self.answer_names = set()
        for stub in stubs:
            try:
                for node in ast.parse(stub).body:
                    self.answer_names |= set(bound_names(node))
            except SyntaxError:
                continue
