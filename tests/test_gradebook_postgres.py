"""Autograde shards on two "machines" against one PostgreSQL gradebook, for real.

SQLite locks the whole file on every write, so graders on several machines
cannot share it; nbgrader takes any SQLAlchemy URL as ``CourseDirectory.db_url``.
This test starts Debian's PostgreSQL server (a throwaway cluster in a temporary
directory, on a unix socket only, run as an unprivileged user when the tests run
as root), lays out one course with ``deploy/setup_course.py`` and the deployed
course config (``MEDLEARN_GRADEBOOK_URL``), copies it to a second directory (the
second machine: its own ``submitted/`` shard, ``autograded/`` and
``feedback/``), and runs ``nbgrader autograde`` in both at once, each notebook
in medgrade's sandbox. Every score is then read back from the one gradebook and
from ``nbgrader export``.
"""

from __future__ import annotations

import csv
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import course_kit as kit
import harness
import nbformat
import pytest

from medgrade import batch
from medgrade.execute import read_reports

pytestmark = pytest.mark.slow

A = kit.ASSIGNMENT
# eight students, honest / wrong / blank, dealt to two machines
ANSWERS = {
    f"s{i:02d}": [kit.CORRECT, kit.WRONG, None][i % 3] for i in range(8)
}  # fmt: skip
EXPECTED = {
    s: {kit.CORRECT: 3.0, kit.WRONG: 1.0, None: 0.0}[a] for s, a in ANSWERS.items()
}


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    assert found, (
        "PostgreSQL's server is not installed: `make test` installs Debian's postgresql"
    )
    return Path(found[-1]).parent


@pytest.fixture(scope="module")
def postgres():
    """A throwaway PostgreSQL cluster; yields its SQLAlchemy URL for database 'gradebook'."""
    bindir = _bindir()
    base = Path(tempfile.mkdtemp(prefix="medlearn-pg-", dir="/tmp"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        user = "postgres" if _exists("postgres") else "nobody"
        shutil.chown(base, user)
        shutil.chown(sock, user)
        prefix = ["runuser", "-u", user, "--"]
    port = "5432"  # a socket of its own directory: no clash with any other server

    def pg(*cmd: str) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [*prefix, *cmd], capture_output=True, text=True, timeout=120, cwd=base
        )
        assert proc.returncode == 0, f"{cmd[0]} failed:\n{proc.stdout}\n{proc.stderr}"
        return proc

    pg(
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-A",
        "trust",
        "-U",
        "medlearn",
        "--no-sync",
    )
    opts = f"-k {sock} -c listen_addresses='' -p {port} -F"
    pg(
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        opts,
        "-l",
        str(base / "log"),
        "-w",
        "start",
    )
    try:
        pg(
            str(bindir / "createdb"),
            "-h",
            str(sock),
            "-p",
            port,
            "-U",
            "medlearn",
            "gradebook",
        )
        yield f"postgresql://medlearn@/gradebook?host={sock}&port={port}"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True, timeout=60,
        )  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


def _exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
        return True
    except KeyError:
        return False


@pytest.fixture(scope="module")
def graded(postgres, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pg-course")
    source = kit.tiny_assignment(tmp / "source")
    mp = pytest.MonkeyPatch()
    for k, v in harness.env().items():
        if k.startswith(("MEDGRADE_", "OMP_", "MKL_")) or k == "PYTHONPATH":
            mp.setenv(k, v)
    mp.setenv("MEDLEARN_GRADEBOOK_URL", postgres)
    mp.setenv("JUPYTER_CONFIG_DIR", str(tmp / "jupyter"))
    mp.setenv("JUPYTER_CONFIG_PATH", str(tmp / "etc"))
    try:
        first = kit.setup_course.make_course(tmp / "machine-a", "medlearn", source, [A])
        batch.nbgrader(first, "generate_assignment", A, "--force")
        second = tmp / "machine-b" / "medlearn"
        shutil.copytree(first, second)  # the course, as the second machine has it
        machines = {first: sorted(ANSWERS)[0::2], second: sorted(ANSWERS)[1::2]}
        release = nbformat.read(first / "exercises" / A / f"{A}.ipynb", as_version=4)
        for course, students in machines.items():
            for s in students:
                target = course / "submitted" / s / A
                target.mkdir(parents=True)
                nb = nbformat.from_dict(release)
                nbformat.write(nb, target / f"{A}.ipynb")
                if ANSWERS[s] is not None:
                    kit.answer(target / f"{A}.ipynb", ANSWERS[s])
        with ThreadPoolExecutor(2) as pool:  # both machines at once, one gradebook
            procs = list(
                pool.map(
                    lambda c: batch.nbgrader(c, "autograde", A, "--force", check=False),
                    machines,
                )
            )
        batch.nbgrader(second, "export", "--to=grades.csv")
        yield {
            "machines": machines,
            "procs": procs,
            "url": postgres,
            "export": second / "grades.csv",
        }
    finally:
        mp.undo()


def test_shards_graded_in_parallel_against_one_postgres_gradebook(graded):
    for proc in graded["procs"]:
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    from nbgrader.api import Gradebook

    with Gradebook(graded["url"]) as gb:
        scores = {s.student.id: s.score for s in gb.find_assignment(A).submissions}
    assert scores == EXPECTED
    for course, students in graded["machines"].items():
        assert not (course / "gradebook.db").exists()  # nothing went to SQLite
        for s in students:
            assert (course / "autograded" / s / A / f"{A}.ipynb").is_file()
            reports = read_reports(course, A, s)
            assert [r["sandbox"] for r in reports] == ["bwrap"], reports


def test_export_from_either_machine_has_every_grade(graded):
    with open(graded["export"]) as f:
        rows = [r for r in csv.DictReader(f) if r["assignment"] == A]
    assert {r["student_id"]: float(r["score"]) for r in rows} == EXPECTED
