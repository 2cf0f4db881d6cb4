"""Grade a synthetic class with ``medgrade.batch`` (what ``make grade`` runs) and time it.

A throwaway course with the tiny assignment of ``tests/course_kit.py`` and N
submissions in fixed proportions: honest (60 %), wrong (20 %, ignores the
weights), blank (10 %, the release untouched) and adversarial (10 %: an
infinite loop, a fake number, ``os._exit`` at import, reading the solutions).
Every score is checked against what its kind must get; the wall time, the CPU
time of all grading processes (user + sys) and submissions per minute are
printed. Run it on an idle machine for a number to quote.

Usage: ``python tools/grade_scale.py [--students 60] [--jobs 2]``
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import course_kit as kit  # noqa: E402
import nbformat  # noqa: E402

from medgrade import batch  # noqa: E402

ADVERSARIAL = [
    "def weighted_mean(values, weights):\n    while True:\n        pass\n",
    "def weighted_mean(values, weights):\n    class Liar(float):\n"
    "        def __sub__(self, other):\n            return 0.0\n"
    "    return Liar(0.0)\n",
    "import os\nos._exit(0)\n",
    "def weighted_mean(values, weights):\n"
    "    return float(open('../solutions/tiny/tiny.ipynb').read()[:3])\n",
]


def make_class(n: int) -> dict[str, tuple[str | None, float]]:
    """student -> (answer source or None for blank, the score it must get)."""
    out = {}
    for i in range(n):
        r = i % 10
        if r < 6:
            out[f"honest-{i:03d}"] = (kit.CORRECT, kit.MAX_SCORE)
        elif r < 8:
            out[f"wrong-{i:03d}"] = (kit.WRONG, 1.0)
        elif r < 9:
            out[f"blank-{i:03d}"] = (None, 0.0)
        else:
            out[f"attack-{i:03d}"] = (ADVERSARIAL[(i // 10) % len(ADVERSARIAL)], 0.0)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    os.environ.setdefault("MEDGRADE_CELL_TIMEOUT", "10")
    os.environ.setdefault("MEDGRADE_NOTEBOOK_TIMEOUT", "60")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    base = Path(tempfile.mkdtemp(prefix="medlearn-scale-"))
    try:
        source = kit.tiny_assignment(base / "source")
        course = kit.setup_course.make_course(
            base / "courses", "scale", source, [kit.ASSIGNMENT]
        )
        batch.nbgrader(course, "generate_assignment", kit.ASSIGNMENT, "--force")
        release = course / "exercises" / kit.ASSIGNMENT / f"{kit.ASSIGNMENT}.ipynb"
        students = make_class(args.students)
        for s, (code, _) in students.items():
            target = course / "submitted" / s / kit.ASSIGNMENT
            target.mkdir(parents=True)
            shutil.copy(release, target / release.name)
            if code is not None:
                kit.answer(target / release.name, code)
        nbformat.read(release, as_version=4)  # the release is a valid notebook
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        results = batch.grade(course, [kit.ASSIGNMENT], jobs=args.jobs)[kit.ASSIGNMENT]
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        wrong = {
            s: (r["score"], students[s][1])
            for s, r in results.items()
            if r["score"] != students[s][1]
        }
        n = len(students)
        print(f"{n} submissions, {args.jobs} jobs: {wall:.0f} s wall, {cpu:.0f} s CPU")
        print(
            f"{60 * n / wall:.1f} submissions per minute (wall), {cpu / n:.2f} CPU s each"
        )
        print(
            f"scores right: {n - len(wrong)} / {n}"
            + (f"; wrong: {wrong}" if wrong else "")
        )
        return 1 if wrong else 0
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
