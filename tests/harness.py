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
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from medgrade import batch

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
    feedback: str  # a phrase the student's feedback must contain (the diagnosis)
    must_pass: bool = False  # a correct alternative: it must get full marks


def _catalogue(assignment: str) -> list[Mutant]:
    """Every entry of ``tests/mutants/<assignment>/``: wrong answers and correct alternatives.

    Line 1 is ``# replaces: <grade_id>``; line 2 is either ``# feedback: <phrase>`` (a
    wrong answer, whose feedback must contain the phrase) or ``# must pass: <what it
    does differently>`` (a correct answer written differently, which must get full marks).
    """
    out = []
    for path in sorted((ROOT / "tests" / "mutants" / assignment).glob("*.py")):
        text = path.read_text()
        first, _, rest = text.partition("\n")
        m = re.match(r"#\s*replaces:\s*(\S+)", first)
        if not m:
            raise ValueError(f"{path}: first line must be '# replaces: <grade_id>'")
        doc = re.search(r'"""(.*?)"""', rest, re.S)
        fb = re.search(r"^# feedback: (.+)$", rest, re.M)
        ok = re.search(r"^# must pass: (.+)$", rest, re.M)
        if not (fb or ok):
            raise ValueError(
                f"{path}: second line must be '# feedback: <phrase the feedback must contain>' "
                "or '# must pass: <how this correct answer differs>'"
            )
        description = (
            doc.group(1).strip() if doc else (ok.group(1).strip() if ok else "")
        )
        # the submitted source leaves out the catalogue's own comment lines, so a
        # feedback phrase can only be found in what the grader says, not in the code
        source = re.sub(r"^# (feedback|must pass): .*\n?", "", rest, flags=re.M)
        out.append(
            Mutant(
                path.stem,
                m.group(1),
                source.strip("\n"),
                description,
                fb.group(1).strip() if fb else "",
                must_pass=bool(ok) and not fb,
            )
        )
    return out


def mutants(assignment: str) -> list[Mutant]:
    """The catalogue of plausible wrong answers for ``assignment``."""
    return [m for m in _catalogue(assignment) if not m.must_pass]


def alternatives(assignment: str) -> list[Mutant]:
    """Correct answers written differently ("must pass"): full marks required."""
    return [m for m in _catalogue(assignment) if m.must_pass]


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
    # short limits keep adversarial submissions cheap to grade in the test suite
    e.setdefault("MEDGRADE_CELL_TIMEOUT", "20")
    e.setdefault("MEDGRADE_NOTEBOOK_TIMEOUT", "120")
    # the suite runs several kernels at once on 2 cores: one thread each avoids
    # the oversubscription that makes small torch ops 10x slower
    e.setdefault("OMP_NUM_THREADS", "1")
    e.setdefault("MKL_NUM_THREADS", "1")
    e["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT / "tests" / "offline"), e.get("PYTHONPATH", "")])
    )
    return e


def make_course(tmp: Path, assignment: str) -> Path:
    """A throwaway course folder with the config and one assignment's source."""
    course = tmp / "course"
    (course / "solutions").mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions" / assignment, course / "solutions" / assignment)
    batch.nbgrader(course, "generate_assignment", assignment, "--force")
    return course


def autograde(
    course: Path, assignment: str, students: dict, jobs: int = 2
) -> dict[str, dict]:
    """Submit ``students`` (name -> notebook) and grade them with tools/grade.py (in parallel)."""
    for name, nb in students.items():
        target = course / "submitted" / name / assignment
        target.mkdir(parents=True)
        nbformat.write(nb, target / f"{assignment}.ipynb")
    os.environ.update(
        {
            k: v
            for k, v in env().items()
            if k.startswith("MEDGRADE_") or k in ("PYTHONPATH",)
        }
    )
    return batch.grade(course, [assignment], jobs=jobs, csv_path=course / "grades.csv")[
        assignment
    ]


def feedback_html(course: Path, assignment: str, student: str) -> Path:
    return course / "feedback" / student / assignment / f"{assignment}.html"


def _names(source: str) -> set[str]:
    import ast

    try:
        return {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}
    except SyntaxError:
        return set()


def part_dependencies(assignment: str) -> dict[str, set[str]]:
    """part -> the other parts its solution calls, transitively (nms -> {box_iou})."""
    src = nbformat.read(source_notebook(assignment), as_version=4)
    parts = answer_ids(src)
    code = {
        nbgrader_meta(c)["grade_id"]: c.source
        for c in src.cells
        if nbgrader_meta(c).get("grade_id") in parts
    }
    deps = {p: (_names(code[p]) & set(parts)) - {p} for p in parts}
    changed = True
    while changed:
        changed = False
        for p in parts:
            extra = set().union(*(deps[q] for q in deps[p])) - deps[p] - {p}
            if extra:
                deps[p] |= extra
                changed = True
    return deps


def combine_mutants(
    assignment: str, entries: list[Mutant] | None = None
) -> list[list[Mutant]]:
    """Pack mutants into as few notebooks as possible without letting them interact.

    Two mutants share a notebook only if they replace different parts and
    neither part (nor the mutant's own code) uses the other, so each part's
    hidden tests still see exactly one mistake: its own.
    """
    deps = part_dependencies(assignment)
    groups: list[list[Mutant]] = []
    for m in mutants(assignment) if entries is None else entries:
        uses_m = deps.get(m.replaces, set()) | _names(m.source)
        for g in groups:
            ok = all(
                n.replaces != m.replaces
                and n.replaces not in uses_m
                and m.replaces not in deps.get(n.replaces, set()) | _names(n.source)
                for n in g
            )
            if ok:
                g.append(m)
                break
        else:
            groups.append([m])
    return groups
