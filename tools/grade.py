"""Grade a batch of submissions with nbgrader, in parallel, in bounded time.

``make grade`` runs this from the course root. For every assignment found under
``submitted/<student>/<assignment>/``:

1. makes sure the gradebook knows the assignment (``generate_assignment``);
2. runs ``nbgrader autograde`` in ``--jobs`` parallel shards over the same
   gradebook (each shard excludes the other shards' students; nbgrader itself
   grades one notebook at a time). Each grading kernel is hardened by
   ``medlearn.grading.guard_kernel`` (see ``nbgrader_config.py``): per-cell
   timeout, whole-notebook timeout, memory cap, scratch working directory;
3. writes feedback (``generate_feedback``, hidden tests stripped);
4. scans the submitted answer cells for tampering (assigning to attributes of
   ``torch``/``numpy``/``builtins``/``medlearn`` or ``sys.modules``) and flags
   them for review;
5. writes ``grades.csv``: one row per student and assignment with the score,
   the maximum, the status (``graded``, or ``failed`` when the kernel died or
   the notebook ran out of time: zero) and the flags.

Usage: ``python tools/grade.py [--jobs N] [--csv grades.csv] [ASSIGNMENT ...]``
"""

from __future__ import annotations

import argparse
import ast
import csv
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

BIN = Path(sys.executable).parent
WATCHED_MODULES = {
    "torch",
    "np",
    "numpy",
    "builtins",
    "math",
    "sys",
    "medlearn",
    "grading",
    "F",
    "nn",
}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = (
        f"{BIN}{os.pathsep}{env.get('PATH', '')}"  # nbgrader shells out to alembic
    )
    return env


def nbgrader(
    course: Path, *args: str, check: bool = True, timeout: float | None = None
) -> subprocess.CompletedProcess:
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


def tamper_flags(notebook: Path) -> list[str]:
    """Lines of answer cells that rebind library or builtin attributes."""
    flags = []
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("solution"):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, (ast.AugAssign, ast.AnnAssign))
                else []
            )
            for t in targets:
                root = t
                while isinstance(root, (ast.Attribute, ast.Subscript)):
                    root = root.value
                if (
                    isinstance(t, (ast.Attribute, ast.Subscript))
                    and isinstance(root, ast.Name)
                    and root.id in WATCHED_MODULES | {"__builtins__"}
                ):
                    flags.append(f"{meta.get('grade_id')}: rebinds {ast.unparse(t)}")
            if isinstance(node, ast.Call) and getattr(
                node.func, "id", getattr(node.func, "attr", "")
            ) in ("setattr", "_exit"):
                flags.append(f"{meta.get('grade_id')}: calls {ast.unparse(node.func)}")
            if isinstance(node, ast.Attribute) and ast.unparse(node) == "sys.modules":
                flags.append(f"{meta.get('grade_id')}: touches sys.modules")
    return sorted(set(flags))


def grade_assignment(
    course: Path, assignment: str, students: list[str], jobs: int
) -> dict[str, dict]:
    if not _known(course, assignment):
        nbgrader(course, "generate_assignment", assignment, "--force")
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


def read_results(course: Path, assignment: str, students: list[str]) -> dict[str, dict]:
    from nbgrader.api import Gradebook, MissingEntry

    results: dict[str, dict] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        max_score = sum(nb.max_score for nb in gb.find_assignment(assignment).notebooks)
        for student in students:
            graded = (course / "autograded" / student / assignment).is_dir()
            grades: dict[str, tuple[float, float]] = {}
            if graded:
                try:
                    sub = gb.find_submission(assignment, student)
                    for nb in sub.notebooks:
                        for g in nb.grades:
                            grades[g.name] = (float(g.score or 0.0), float(g.max_score))
                except MissingEntry:
                    graded = False
            flags = []
            for nb_path in (course / "submitted" / student / assignment).glob(
                "*.ipynb"
            ):
                flags += tamper_flags(nb_path)
            results[student] = {
                "status": "graded" if graded else "failed",
                "score": sum(s for s, _ in grades.values()) if graded else 0.0,
                "max_score": float(max_score),
                "grades": grades,
                "flags": flags,
            }
    return results


def grade(
    course: Path,
    assignments: list[str] | None = None,
    jobs: int = 2,
    csv_path: Path | None = None,
) -> dict[str, dict[str, dict]]:
    """Grade everything under ``course/submitted`` (or only ``assignments``)."""
    found = submissions(course)
    todo = assignments or sorted(found)
    results = {
        a: grade_assignment(course, a, found[a], jobs) for a in todo if a in found
    }
    if csv_path is not None:
        with open(csv_path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(
                ["assignment", "student", "score", "max_score", "status", "flags"]
            )
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
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "assignments", nargs="*", help="assignments to grade (default: all submitted)"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="parallel autograde processes",
    )
    parser.add_argument("--csv", default="grades.csv", help="where to write the grades")
    args = parser.parse_args()
    course = Path.cwd()
    if not (course / "submitted").is_dir():
        print(
            "nothing to grade: put submissions in submitted/<student>/<assignment>/<assignment>.ipynb"
        )
        return 1
    results = grade(course, args.assignments or None, args.jobs, Path(args.csv))
    for a, per_student in results.items():
        print(f"{a}: {len(per_student)} submissions")
        for s, r in per_student.items():
            note = f"  [{r['status']}]" if r["status"] != "graded" else ""
            flags = f"  flags: {'; '.join(r['flags'])}" if r["flags"] else ""
            print(f"  {s:<30} {r['score']:>6g} / {r['max_score']:g}{note}{flags}")
    print(f"grades written to {args.csv}; feedback in feedback/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
