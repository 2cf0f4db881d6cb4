"""Benchmark: what grading in the sandbox costs, against nbgrader's own ``Execute``.

The grading design (issue 11) runs every submission in a bubblewrap sandbox,
decides the verdicts in a checker outside the kernel and writes a report per
notebook; nbgrader's stock ``Execute`` preprocessor runs the test cells in the
student's own kernel, which any submission can fool. This benchmark grades the
**same honest batch** of one assignment both ways, with the real
``nbgrader autograde`` and ``generate_feedback`` (``medgrade.batch``, two
parallel shards, as ``make grade`` runs): the instructor's solution, the
untouched release, every mutant group and every "must pass" alternative group
of ``tests/mutants/<assignment>/``. Attacks are left out: the stock grader
would be fooled or killed by them, so they would not time the same work.

The two course folders differ only in one line of ``nbgrader_config.py``
(``Autograde.autograde_preprocessors`` holds ``nbgrader.preprocessors.Execute``
in place of ``medgrade.execute.SandboxedExecute``); each batch is graded from a
fresh gradebook, the two graders alternate, and the ratio is the median
medgrade time over the median stock time (the issue's criterion: the batch time
must not grow by more than 50%, a ratio ≤ 1.5).

Run: ``python benchmarks/bench_grading.py [--quick] [--assignment NAME] [--repeats N]``
(``--quick``: the solution alone, once each; its ratio means little).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from results import record

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import harness  # noqa: E402  (the test suite's course builder: one way to build a batch)

from medgrade import batch  # noqa: E402

SANDBOXED = "medgrade.execute.SandboxedExecute"
STOCK = "nbgrader.preprocessors.Execute"


def honest_batch(assignment: str, quick: bool) -> dict[str, nbformat.NotebookNode]:
    """student -> notebook: solution, release, mutant and alternative groups."""
    students = {"solution": harness.submission(assignment)}
    if quick:
        return students
    students["untouched"] = harness.submission(assignment, fill=False)
    for i, group in enumerate(harness.combine_mutants(assignment)):
        students[f"mutants-{i}"] = harness.submission(
            assignment, replace={m.replaces: m.source for m in group}
        )
    alternatives = harness.alternatives(assignment)
    for i, group in enumerate(harness.combine_mutants(assignment, alternatives)):
        students[f"alternatives-{i}"] = harness.submission(
            assignment, replace={m.replaces: m.source for m in group}
        )
    return students


def make_course(tmp: Path, assignment: str, grader: str) -> Path:
    """A course folder whose autograde executes with ``grader``."""
    course = harness.make_course(tmp / grader.rsplit(".", 1)[-1], assignment)
    config = course / "nbgrader_config.py"
    text = config.read_text()
    if f'"{SANDBOXED}"' not in text:
        raise SystemExit(f"{config}: no {SANDBOXED} to replace")
    if grader == STOCK:
        text = text.replace(f'"{SANDBOXED}"', f'"{STOCK}"')
        config.write_text(text)
    return course


def grade_once(course: Path, assignment: str, students: dict) -> float:
    """Seconds to autograde and generate feedback for ``students`` from scratch."""
    for folder in ("submitted", "autograded", "feedback", ".medgrade"):
        shutil.rmtree(course / folder, ignore_errors=True)
    for name, nb in students.items():
        target = course / "submitted" / name / assignment
        target.mkdir(parents=True)
        nbformat.write(nb, target / f"{assignment}.ipynb")
    start = time.perf_counter()
    results = batch.grade(course, [assignment], jobs=2)[assignment]
    seconds = time.perf_counter() - start
    tests = [
        v for k, v in results["solution"]["grades"].items() if k.startswith("test_")
    ]
    score, top = sum(s for s, _ in tests), sum(m for _, m in tests)
    if not tests or score != top:  # manual parts score 0 until a person grades them
        raise SystemExit(
            f"{course.parent.name}: the solution's tests scored {score} of {top}; "
            "the two graders would not time the same work"
        )
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the solution alone")
    parser.add_argument("--assignment", default="01_tasks")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 3)
    os.environ.update(
        {
            k: v
            for k, v in harness.env().items()
            if k.startswith(("MEDGRADE_", "OMP_", "MKL_")) or k == "PYTHONPATH"
        }
    )
    students = honest_batch(args.assignment, args.quick)
    times: dict[str, list[float]] = {SANDBOXED: [], STOCK: []}
    with tempfile.TemporaryDirectory() as tmp:
        courses = {g: make_course(Path(tmp), args.assignment, g) for g in times}
        for r in range(repeats):
            order = (SANDBOXED, STOCK) if r % 2 == 0 else (STOCK, SANDBOXED)
            for grader in order:
                times[grader].append(
                    grade_once(courses[grader], args.assignment, students)
                )
    sandboxed, stock = (statistics.median(times[g]) for g in (SANDBOXED, STOCK))
    ratio = sandboxed / stock
    sizes = f"{args.assignment}: {len(students)} honest submissions, 2 shards"
    print(f"grading batch of {sizes}, median of {repeats}")
    print(f"{'grader':<44} {'seconds':>8}")
    print(f"{'medgrade (sandbox + checker)':<44} {sandboxed:8.1f}")
    print(f"{'nbgrader Execute (tests in the kernel)':<44} {stock:8.1f}")
    print(f"ratio medgrade / stock: {ratio:.2f} (criterion: <= 1.5)")
    record("grading_batch", "nbgrader Execute (stock)", ratio, sizes=sizes)


if __name__ == "__main__":
    main()
