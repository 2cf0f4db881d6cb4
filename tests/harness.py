"""The nbgrader pipeline, driven through its real command line, for the tests.

Generic over assignments: everything is discovered from ``solutions/`` and
``tests/mutants/``. A mutant is a file ``tests/mutants/<assignment>/<name>.py``
whose first line is ``# replaces: <grade_id>``, the graded answer cell it
stands in for; the rest of the file is that cell's new source.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SOLUTION_MARKERS = re.compile(r"^\s*#* ?### (BEGIN|END) SOLUTION\s*$")


def assignments() -> list[str]:
    """Names of all assignments: the folders of ``solutions/``."""
    return sorted(
        p.name
        for p in (ROOT / "solutions").iterdir()
        if (p / f"{p.name}.ipynb").is_file()
    )


def source_notebook(assignment: str) -> Path:
    return ROOT / "solutions" / assignment / f"{assignment}.ipynb"


def release_notebook(assignment: str) -> Path:
    return ROOT / "exercises" / assignment / f"{assignment}.ipynb"


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def answer_ids(nb) -> list[str]:
    """grade_ids of autograded answer cells (code cells with a solution)."""
    return [
        nbgrader_meta(c)["grade_id"]
        for c in nb.cells
        if c.cell_type == "code"
        and nbgrader_meta(c).get("solution")
        and not nbgrader_meta(c).get("grade")
    ]


@dataclass
class Mutant:
    name: str
    replaces: str
    source: str
    description: str


def mutants(assignment: str) -> list[Mutant]:
    """The catalogue of plausible wrong answers for ``assignment``."""
    out = []
    for path in sorted((ROOT / "tests" / "mutants" / assignment).glob("*.py")):
        text = path.read_text()
        first, _, rest = text.partition("\n")
        m = re.match(r"#\s*replaces:\s*(\S+)", first)
        if not m:
            raise ValueError(f"{path}: first line must be '# replaces: <grade_id>'")
        doc = re.search(r'"""(.*?)"""', rest, re.S)
        out.append(
            Mutant(
                path.stem,
                m.group(1),
                rest.strip("\n"),
                doc.group(1).strip() if doc else "",
            )
        )
    return out


def strip_solution_markers(source: str) -> str:
    return "\n".join(ln for ln in source.splitlines() if not SOLUTION_MARKERS.match(ln))


def submission(
    assignment: str, replace: dict[str, str] | None = None, fill: bool = True
):
    """A student's notebook: the release with answers filled in.

    Args:
        assignment: the assignment name.
        replace: grade_id -> source for answer cells to overwrite (mutants, cheats).
        fill: fill the other answer cells with the instructor's solution;
            False leaves them as released (the untouched notebook).
    """
    rel = nbformat.read(release_notebook(assignment), as_version=4)
    src = nbformat.read(source_notebook(assignment), as_version=4)
    solutions = {
        nbgrader_meta(c).get("grade_id"): c.source
        for c in src.cells
        if nbgrader_meta(c).get("solution")
    }
    replace = replace or {}
    for cell in rel.cells:
        meta = nbgrader_meta(cell)
        gid = meta.get("grade_id")
        if gid in replace:
            cell.source = replace[gid]
        elif fill and meta.get("solution"):
            cell.source = strip_solution_markers(solutions[gid])
    return rel


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PATH"] = (
        f"{BIN}{os.pathsep}{e.get('PATH', '')}"  # nbgrader shells out to alembic
    )
    e.setdefault("MEDLEARN_CELL_TIMEOUT", "30")
    e["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT / "tests" / "offline"), e.get("PYTHONPATH", "")])
    )
    return e


def nbgrader(
    course: Path, *args: str, timeout: float = 900
) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [str(BIN / "nbgrader"), *args],
        cwd=course,
        env=env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"nbgrader {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    return proc


def make_course(tmp: Path, assignment: str) -> Path:
    """A throwaway course folder with the config and one assignment's source."""
    course = tmp / "course"
    (course / "solutions").mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions" / assignment, course / "solutions" / assignment)
    nbgrader(course, "generate_assignment", assignment, "--force")
    return course


def read_grades(
    course: Path, assignment: str
) -> dict[str, dict[str, tuple[float, float]]]:
    """student -> grade_id -> (score, max_score) from the course's gradebook."""
    from nbgrader.api import Gradebook

    out: dict[str, dict[str, tuple[float, float]]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(assignment):
            grades = {}
            for nb in sub.notebooks:
                for g in nb.grades:
                    grades[g.name] = (float(g.score or 0.0), float(g.max_score))
            out[sub.student.id] = grades
    return out


def autograde(
    course: Path, assignment: str, students: dict, jobs: int = 2
) -> dict[str, dict[str, tuple[float, float]]]:
    """Autograde ``students`` (name -> notebook) in ``jobs`` parallel shards.

    nbgrader grades one notebook at a time, so the batch is split into shards,
    each a copy of the course with its own copy of the gradebook, graded by
    its own ``nbgrader autograde`` process; feedback is generated per shard.
    """
    names = sorted(students)
    shards = [names[i::jobs] for i in range(jobs) if names[i::jobs]]
    dirs = []
    for k, shard in enumerate(shards):
        d = course.parent / f"shard{k}"
        if d.exists():
            shutil.rmtree(d)
        shutil.copytree(course, d)
        for name in shard:
            target = d / "submitted" / name / assignment
            target.mkdir(parents=True)
            nbformat.write(students[name], target / f"{assignment}.ipynb")
        dirs.append(d)

    def run(d: Path) -> None:
        nbgrader(d, "autograde", assignment)
        nbgrader(d, "generate_feedback", assignment)

    with ThreadPoolExecutor(len(dirs)) as pool:
        list(pool.map(run, dirs))
    grades: dict[str, dict[str, tuple[float, float]]] = {}
    for d in dirs:
        grades.update(read_grades(d, assignment))
    return grades


def shard_of(course: Path, student: str) -> Path:
    for d in sorted(course.parent.glob("shard*")):
        if (d / "submitted" / student).exists():
            return d
    raise KeyError(student)
