"""Lay out nbgrader's exchange and one course directory for a JupyterHub deployment.

Run as root on the hub's machine, once per course (the instructor guide,
"Running the course on JupyterHub", gives the whole sequence)::

    python deploy/setup_course.py medlearn --courses /srv/courses \\
        --exchange /srv/nbgrader/exchange --etc /etc/jupyter --owner grader-medlearn

It creates the exchange root (mode 1777: world-writable with the sticky bit),
the course directory ``<courses>/<course_id>`` with the course's ``solutions/``
(nbgrader's source directory), ``grading_config.py`` (the repository's
``nbgrader_config.py``: the sandboxed grader) and ``nbgrader_config.py``
(``deploy/course_nbgrader_config.py``: root, id, gradebook), and installs
``deploy/global_nbgrader_config.py`` as ``<etc>/nbgrader_config.py`` for every
account. The course directory belongs to ``--owner`` (the course's grader
account) and is closed to everyone else: it holds the solutions and hidden tests.
"""

from __future__ import annotations

import argparse
import os
import shutil
import stat
import sys
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent
REPO = DEPLOY.parent
EXCHANGE_MODE = 0o1777  # rwx for all, sticky: nobody deletes another's entries


def make_exchange(root: Path) -> Path:
    """Create the exchange root with nbgrader's permissions (idempotent)."""
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, EXCHANGE_MODE)  # mkdir's mode is masked by the umask
    return root


def install_global_config(etc: Path) -> Path:
    """Install the configuration every account reads (students: only this one)."""
    etc.mkdir(parents=True, exist_ok=True)
    target = etc / "nbgrader_config.py"
    shutil.copy(DEPLOY / "global_nbgrader_config.py", target)
    os.chmod(target, 0o644)
    return target


def make_course(
    courses: Path,
    course_id: str,
    source: Path = REPO / "solutions",
    assignments: list[str] | None = None,
    grading_config: Path = REPO / "nbgrader_config.py",
    owner: str | None = None,
) -> Path:
    """Create ``courses/course_id`` with its configs and the assignments' sources."""
    if not course_id or "+" in course_id or os.sep in course_id:
        raise ValueError(
            f"course_id must be a plain name without '+', got {course_id!r}"
        )
    course = courses / course_id
    (course / "solutions").mkdir(parents=True, exist_ok=True)
    names = assignments or sorted(p.name for p in source.iterdir() if p.is_dir())
    for name in names:
        shutil.copytree(source / name, course / "solutions" / name, dirs_exist_ok=True)
    shutil.copy(grading_config, course / "grading_config.py")
    shutil.copy(DEPLOY / "course_nbgrader_config.py", course / "nbgrader_config.py")
    if owner is not None:
        for path in [course, *course.rglob("*")]:
            shutil.chown(path, owner, owner)
    os.chmod(course, stat.S_IRWXU)  # solutions and hidden tests: the grader's only
    return course


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("course_id")
    parser.add_argument("--courses", type=Path, default=Path("/srv/courses"))
    parser.add_argument("--exchange", type=Path, default=Path("/srv/nbgrader/exchange"))
    parser.add_argument("--etc", type=Path, default=None, help="e.g. /etc/jupyter")
    parser.add_argument("--source", type=Path, default=REPO / "solutions")
    parser.add_argument("--owner", default=None, help="the course's grader account")
    parser.add_argument("assignments", nargs="*", help="default: all of --source")
    args = parser.parse_args()
    make_exchange(args.exchange)
    if args.etc is not None:
        install_global_config(args.etc)
    course = make_course(
        args.courses,
        args.course_id,
        args.source,
        args.assignments or None,
        owner=args.owner,
    )
    print(f"course {args.course_id}: {course}; exchange: {args.exchange}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
