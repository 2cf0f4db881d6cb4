"""Grade every submission under ``submitted/`` in parallel and write ``grades.csv``.

The command line of :mod:`medgrade.batch` (``make grade``). Each submission
runs in its own sandboxed kernel and its tests are judged outside it; see the
instructor guide in the book.

Usage: ``python tools/grade.py [--jobs N] [--csv grades.csv] [ASSIGNMENT ...]``
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from medgrade.batch import grade


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
