"""A throwaway JupyterHub-style course for the exchange tests: accounts, a tiny assignment.

Not a test module. :func:`tiny_assignment` writes a purpose-built nbgrader
source (one graded function, a visible and a hidden test cell, the medgrade
conventions), so the exchange tests do not depend on the course's real
exercises. :class:`Accounts` makes student accounts: real Unix users when the
tests run as root (CI does), each with its own home and commands run under its
own uid through ``setpriv``; otherwise separate homes and ``--student`` ids.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import json
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ASSIGNMENT = "tiny"
PART = "weighted_mean"
MAX_SCORE = 3.0  # visible 1 + hidden 2


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


setup_course = _load("setup_course", ROOT / "deploy" / "setup_course.py")
nbauthor = _load("nbauthor", ROOT / "tools" / "nbauthor.py")

DRAFT = '''\
# %% [markdown] locked id=intro
# # A tiny exercise: the weighted mean
# Write `weighted_mean(values, weights)`: sum of value times weight over the sum of weights.
# %% locked id=setup
from medgrade import check, hidden_checks
# %% answer id=weighted_mean
def weighted_mean(values, weights):
    """Weighted mean of two equally long lists of floats."""
    ### BEGIN SOLUTION
    return sum(v * w for v, w in zip(values, weights)) / sum(weights)
    ### END SOLUTION
# %% tests id=test_weighted_mean_visible points=1
check(abs(weighted_mean([1.0, 3.0], [1.0, 1.0]) - 2.0) < 1e-9,
      "weighted_mean([1, 3], [1, 1]) should be 2")
# %% tests id=test_weighted_mean_hidden points=2
# Hidden tests: unequal weights, a zero weight.
### BEGIN HIDDEN TESTS
with hidden_checks("weighted_mean"):
    check(abs(weighted_mean([1.0, 2.0, 4.0], [1.0, 0.0, 3.0]) - 3.25) < 1e-9,
          "with weights [1, 0, 3] the mean of [1, 2, 4] is 3.25: is each value weighted?")
### END HIDDEN TESTS
'''

CORRECT = "def weighted_mean(values, weights):\n    return sum(v * w for v, w in zip(values, weights)) / sum(weights)\n"
WRONG = "def weighted_mean(values, weights):\n    return sum(values) / len(values)  # ignores the weights\n"


def tiny_assignment(source: Path) -> Path:
    """Write the tiny nbgrader source notebook under ``source/tiny/``."""
    folder = source / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbauthor.convert(DRAFT)
    nbformat.validate(nb)
    nbformat.write(nb, folder / f"{ASSIGNMENT}.ipynb")
    return source


def hidden_lines() -> list[str]:
    """The hidden test cell's source lines (what no feedback may show)."""
    block = DRAFT.split("### BEGIN HIDDEN TESTS\n")[1].split("### END HIDDEN TESTS")[0]
    return [ln.strip() for ln in block.splitlines() if len(ln.strip()) > 25]


def answer(nb_path: Path, source: str) -> None:
    """Put ``source`` in the notebook's graded answer cell (what the student types)."""
    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == PART:
            cell.source = source
    nbformat.write(nb, nb_path)


STATE = Path("/tmp/medlearn-opened-folders.json")


@contextlib.contextmanager
def _shared_state():
    """The folders opened for student uids and the pids holding them, under a lock.

    Holders that died without cleaning up are dropped, so a crashed run cannot
    keep folders open for ever: the next run's clean-up closes them.
    """
    with open(STATE.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            state = json.loads(STATE.read_text()) if STATE.exists() else {}
            state.setdefault("modes", {})
            state["holders"] = [pid for pid in state.get("holders", []) if _alive(pid)]
            yield state
            STATE.write_text(json.dumps(state))
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@dataclass
class Student:
    name: str
    home: Path
    uid: int | None  # None: same uid as the tests, identified by --student


class Accounts:
    """Student accounts with their own homes (and, as root, their own Unix users)."""

    def __init__(self, base: Path, env: dict[str, str]) -> None:
        self.base, self.env = base, env
        self.real = os.geteuid() == 0 and shutil.which("useradd") is not None
        self.tag = secrets.token_hex(3)
        self.students: dict[str, Student] = {}
        self._holding = False
        if self.real:
            self._open_checkout()

    def _open_checkout(self) -> None:
        """Let the students' uids reach the checkout's venv, as the hub's users would.

        A checkout in a private folder (``mktemp -d`` makes it 0700) is closed to
        every other uid, so a student's ``nbgrader`` could not even start. Each
        folder above the venv (and above the interpreter it links to) that others
        cannot traverse gets ``o+x`` (traverse, not list) until the last user of
        it calls :meth:`remove_all`, which puts the modes back. The exchange and
        hub tests may run at once in two workers: the folders and their holders
        are kept in one file under a lock, so one test's clean-up never closes a
        folder another still needs.
        """
        real = Path(os.path.realpath(sys.executable)).parent
        folders = dict.fromkeys([BIN, *BIN.parents, real, *real.parents])
        with _shared_state() as state:
            for folder in folders:
                mode = stat.S_IMODE(folder.stat().st_mode)
                if not mode & stat.S_IXOTH:
                    state["modes"][str(folder)] = mode
                    os.chmod(folder, mode | stat.S_IXOTH)
            state["holders"].append(os.getpid())
        self._holding = True

    def _close_checkout(self) -> None:
        if not self._holding:
            return
        self._holding = False
        with _shared_state() as state:
            state["holders"].remove(os.getpid())
            if not state["holders"]:
                for folder, mode in state.pop("modes").items():
                    os.chmod(folder, mode)
                state["modes"] = {}

    def add(self, short: str, name: str | None = None) -> Student:
        """A new account; its Unix name is ``name`` or, by default, tagged ``short``."""
        name = name or (f"ml{self.tag}-{short}" if self.real else short)
        home = self.base / "home" / short
        home.mkdir(parents=True)
        uid = None
        if self.real:
            subprocess.run(
                ["useradd", "--no-create-home", "--home-dir", str(home),
                 "--shell", "/usr/sbin/nologin", "--user-group", name],
                check=True, capture_output=True,
            )  # fmt: skip
            uid = pwd.getpwnam(name).pw_uid
            shutil.chown(home, name, name)
            os.chmod(home, 0o700)
        self.students[short] = Student(name, home, uid)
        return self.students[short]

    def remove_all(self) -> None:
        for s in self.students.values():
            if s.uid is not None:
                subprocess.run(["userdel", s.name], capture_output=True)
        self._close_checkout()

    def give(self, student: Student, path: Path) -> None:
        """Hand a file the tests wrote into a student's home back to the student."""
        if student.uid is not None:
            shutil.chown(path, student.name, student.name)

    def run(
        self,
        student: Student,
        *args: str,
        python: bool = False,
        cwd: Path | None = None,
    ):
        """Run ``nbgrader ARGS`` (or ``python ARGS``) as the student, in ``cwd`` or home."""
        env = {
            **self.env,
            "HOME": str(student.home),
            "USER": student.name,
            "LOGNAME": student.name,
            "JUPYTER_CONFIG_DIR": str(student.home / ".jupyter"),
            "JUPYTER_DATA_DIR": str(student.home / ".local" / "share" / "jupyter"),
            "JUPYTER_RUNTIME_DIR": str(student.home / ".local" / "runtime"),
        }
        cmd = [str(BIN / ("python" if python else "nbgrader")), *args]
        if student.uid is not None:
            cmd = ["setpriv", f"--reuid={student.uid}", f"--regid={student.uid}",
                   "--init-groups", *cmd]  # fmt: skip
        elif not python and args and args[0] in ("submit", "fetch_feedback"):
            cmd.append(f"--student={student.name}")
        return subprocess.run(
            cmd,
            cwd=cwd or student.home,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
