"""Grade a batch of submissions with nbgrader, in parallel, and write ``grades.csv``.

For every assignment found under ``submitted/<student>/<assignment>/``:

1. the gradebook learns the assignment if needed (``generate_assignment``);
2. ``nbgrader autograde`` runs in ``jobs`` parallel shards over one gradebook
   (each shard excludes the others' students). Every notebook is executed by
   :class:`medgrade.execute.SandboxedExecute`: a sandboxed kernel per
   submission, the tests judged outside it;
3. feedback is generated (hidden tests stripped);
4. after every kernel has exited, ``grades.csv`` is written by this process
   from the gradebook, with each submission's status (``graded``, or
   ``failed`` when nbgrader could not grade it: zero) and its flags (from the
   reports in ``.medgrade/reports/``, which no sandbox can reach).

``tools/grade.py`` is the command line (``make grade``).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from medgrade.execute import REPORTS, read_reports

__all__ = [
    "nbgrader",
    "submissions",
    "grade_assignment",
    "read_results",
    "grade",
    "write_csv",
]

BIN = Path(sys.executable).parent


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = (
        f"{BIN}{os.pathsep}{env.get('PATH', '')}"  # nbgrader shells out to alembic
    )
    return env


def nbgrader(
    course: Path, *args: str, check: bool = True, timeout: float | None = None
) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in the course directory."""
    proc = subprocess.run(
        [str(BIN / "nbgrader"), *args],
        cwd=course,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"nbgrader {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    return proc


def submissions(course: Path) -> dict[str, list[str]]:
    """assignment -> sorted student ids, from ``submitted/``."""
    out: dict[str, list[str]] = {}
    for nb_dir in sorted((course / "submitted").glob("*/*")):
        if nb_dir.is_dir():
            out.setdefault(nb_dir.name, []).append(nb_dir.parent.name)
    return {a: sorted(s) for a, s in out.items()}


def _known(course: Path, assignment: str) -> bool:
    from nbgrader.api import Gradebook, MissingEntry

    if not (course / "gradebook.db").exists():
        return False
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        try:
            return bool(gb.find_assignment(assignment).notebooks)
        except MissingEntry:
            return False


def grade_assignment(
    course: Path, assignment: str, students: list[str], jobs: int
) -> dict[str, dict[str, Any]]:
    """Autograde ``students`` of ``assignment`` in ``jobs`` shards; return their results."""
    if not _known(course, assignment):
        nbgrader(course, "generate_assignment", assignment, "--force")
    shutil.rmtree(course / REPORTS / assignment, ignore_errors=True)
    jobs = max(1, min(jobs, len(students)))
    shards = [students[i::jobs] for i in range(jobs)]

    def run(shard: list[str]) -> subprocess.CompletedProcess:
        others = sorted(set(students) - set(shard))
        args = ["autograde", assignment, "--force"]
        if others:
            args.append(f"--CourseDirectory.student_id_exclude={','.join(others)}")
        return nbgrader(course, *args, check=False)

    with ThreadPoolExecutor(jobs) as pool:
        procs = list(pool.map(run, shards))
    for p in procs:  # a failing student makes nbgrader exit 1; anything else is fatal
        if (
            p.returncode != 0
            and "There was an error processing assignment" not in p.stdout + p.stderr
        ):
            raise RuntimeError(
                f"nbgrader autograde failed:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
            )
    nbgrader(course, "generate_feedback", assignment, "--force", check=False)
    return read_results(course, assignment, students)


def read_results(
    course: Path, assignment: str, students: list[str]
) -> dict[str, dict[str, Any]]:
    """Scores from the gradebook and flags from the reports, per student."""
    from nbgrader.api import Gradebook, MissingEntry

    results: dict[str, dict[str, Any]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        max_score = sum(nb.max_score for nb in gb.find_assignment(assignment).notebooks)
        for student in students:
            graded = (course / "autograded" / student / assignment).is_dir()
            grades: dict[str, tuple[float, float]] = {}
            if graded:
                try:
                    for nb in gb.find_submission(assignment, student).notebooks:
                        for g in nb.grades:
                            grades[g.name] = (float(g.score or 0.0), float(g.max_score))
                except MissingEntry:
                    graded = False
            reports = read_reports(course, assignment, student)
            flags = [f for r in reports for f in r.get("flags", [])]
            if not reports:
                flags.append("no grading report (the notebook could not be executed)")
            results[student] = {
                "status": "graded" if graded else "failed",
                "score": sum(s for s, _ in grades.values()) if graded else 0.0,
                "max_score": float(max_score),
                "grades": grades,
                "flags": flags,
                "reports": reports,
            }
    return results


def write_csv(results: dict[str, dict[str, dict[str, Any]]], path: Path) -> None:
    """One row per assignment and student: score, maximum, status, flags."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["assignment", "student", "score", "max_score", "status", "flags"])
        for a, per_student in results.items():
            for s, r in per_student.items():
                w.writerow(
                    [
                        a,
                        s,
                        f"{r['score']:g}",
                        f"{r['max_score']:g}",
                        r["status"],
                        "; ".join(r["flags"]),
                    ]
                )


def grade(
    course: Path,
    assignments: list[str] | None = None,
    jobs: int = 2,
    csv_path: Path | None = None,
) -> dict[str, dict[str, dict[str, Any]]]:
    """Grade everything under ``course/submitted`` (or only ``assignments``)."""
    found = submissions(course)
    todo = assignments or sorted(found)
    results = {
        a: grade_assignment(course, a, found[a], jobs) for a in todo if a in found
    }
    if csv_path is not None:
        write_csv(results, csv_path)
    return results
