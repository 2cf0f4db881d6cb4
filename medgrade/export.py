"""Grades in the format a learning management system imports.

``nbgrader export`` writes nbgrader's own CSV (one row per student and
assignment). :class:`CanvasExport` writes the layout that Canvas's gradebook
import reads (and Moodle's CSV import accepts): one row per student, the
identity columns ``Student, ID, SIS User ID, SIS Login ID, Section``, then one
column per assignment headed ``<name> (<id>)`` holding the points, and a
``Points Possible`` row under the header. Unsubmitted assignments are empty
cells, not zeros (an LMS treats empty as "not graded", zero as a grade).

Usage: ``nbgrader export --exporter=medgrade.export.CanvasExport --to canvas.csv``
"""

from __future__ import annotations

import csv

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import ExportPlugin

__all__ = ["CanvasExport"]

IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


class CanvasExport(ExportPlugin):
    """Export scores as a Canvas gradebook CSV (see the module docstring)."""

    def export(self, gradebook: Gradebook) -> None:
        dest = self.to or "canvas.csv"
        assignments = [
            a
            for a in gradebook.assignments
            if not self.assignment or a.name in self.assignment
        ]
        students = [
            s for s in gradebook.students if not self.student or s.id in self.student
        ]
        header = IDENTITY + [f"{a.name} ({a.name})" for a in assignments]
        possible = ["Points Possible", "", "", "", ""] + [
            f"{a.max_score:g}" for a in assignments
        ]
        rows = []
        for s in sorted(students, key=lambda s: s.id):
            name = ", ".join(p for p in (s.last_name, s.first_name) if p) or s.id
            row = [name, s.id, s.id, s.id, ""]
            for a in assignments:
                try:
                    row.append(f"{gradebook.find_submission(a.name, s.id).score:g}")
                except MissingEntry:
                    row.append("")
            rows.append(row)
        self.log.info(
            "Exporting %d students x %d assignments to %s",
            len(rows),
            len(assignments),
            dest,
        )
        with open(dest, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerow(possible)
            w.writerows(rows)
