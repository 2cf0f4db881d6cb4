"""A sanitising step before nbgrader's own: grading metadata comes from the gradebook.

nbgrader trusts parts of a submitted cell's ``nbgrader`` metadata (``grade``,
``solution``, ``points``) and crashes on some edits (an answer cell marked as a
graded test, the empty metadata its own ``DeduplicateIds`` leaves behind).
:class:`RestoreMetadata` runs right after ``DeduplicateIds``: a cell whose
``grade_id`` the gradebook knows gets the gradebook's flags and points; any
other cell loses its ``nbgrader`` metadata and is the student's own cell. A
tampered notebook is then graded like an honest one with the same code.
"""

from __future__ import annotations

from typing import Any

from nbformat import NotebookNode
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor

__all__ = ["RestoreMetadata"]


class RestoreMetadata(NbGraderPreprocessor):
    """Reset every cell's grading metadata from the gradebook (see the module docstring)."""

    def preprocess(
        self, nb: NotebookNode, resources: dict[str, Any]
    ) -> tuple[NotebookNode, dict[str, Any]]:
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            source = gb.find_notebook(info["notebook"], info["assignment"])
            points = {c.name: float(c.max_score) for c in source.grade_cells}
            solution = {c.name for c in source.solution_cells}
            task = {c.name for c in source.task_cells}
            known = {c.name: (c.cell_type, bool(c.locked)) for c in source.source_cells}
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader")
            gid = meta.get("grade_id") if isinstance(meta, dict) else None
            if gid not in known or known[gid][0] != cell.cell_type:
                cell.metadata.pop("nbgrader", None)
                continue
            meta.update(grade=gid in points, solution=gid in solution, task=gid in task)
            meta["locked"] = known[gid][1]
            if gid in points:
                meta["points"] = points[gid]
            else:
                meta.pop("points", None)
        return nb, resources
