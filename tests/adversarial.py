"""A reusable suite of adversarial submissions, built for any assignment.

Each attack turns the instructor's solution (or a catalogued mutant) into what a
student trying to break or fool the grader might submit, and states the score
an honest grader would give. ``tests/test_assignments.py`` grades them in the
same batch as the solution and the mutants, for every assignment.

The attacks target the assignment's first graded part ``P`` (and use the first
mutant of ``P`` as the "wrong answer" where one is needed).
"""

from __future__ import annotations

import importlib
import pkgutil
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import harness
import nbformat


@dataclass
class Attack:
    name: str
    what: str
    build: Callable[[str], nbformat.NotebookNode | None]
    # "full": full marks (the attack had no effect); "zero_part": P scores 0 on
    # every test cell and the total is below the maximum; "zero": nothing at all
    expect: str


def first_part(assignment: str) -> str:
    src = nbformat.read(harness.source_notebook(assignment), as_version=4)
    return harness.answer_ids(src)[0]


def solution_source(assignment: str, part: str) -> str:
    src = nbformat.read(harness.source_notebook(assignment), as_version=4)
    cell = next(
        c for c in src.cells if harness.nbgrader_meta(c).get("grade_id") == part
    )
    return harness.strip_solution_markers(cell.source)


def wrong_answer(assignment: str, part: str) -> str:
    return next(m.source for m in harness.mutants(assignment) if m.replaces == part)


def library_twin(name: str) -> str | None:
    """``module`` of the medlearn function called ``name`` (graded parts mirror the library)."""
    import medlearn

    for info in pkgutil.walk_packages(medlearn.__path__, "medlearn."):
        try:
            mod = importlib.import_module(info.name)
        except Exception:  # noqa: BLE001 - a module that needs an optional extra
            continue
        fn = getattr(mod, name, None)
        if callable(fn) and getattr(fn, "__module__", "").startswith("medlearn"):
            return fn.__module__
    return None


def _with(assignment: str, part: str, source: str) -> nbformat.NotebookNode:
    return harness.submission(assignment, replace={part: source})


def _drop_tests(nb: nbformat.NotebookNode, part: str) -> nbformat.NotebookNode:
    nb.cells = [
        c
        for c in nb.cells
        if not harness.nbgrader_meta(c).get("grade_id", "").startswith(f"test_{part}_")
    ]
    return nb


def _edit_tests(nb: nbformat.NotebookNode, part: str) -> nbformat.NotebookNode:
    for c in nb.cells:
        if harness.nbgrader_meta(c).get("grade_id", "").startswith(f"test_{part}_"):
            c.source = "assert True"
    return nb


def attacks(assignment: str) -> list[Attack]:
    p = first_part(assignment)
    good = solution_source(assignment, p)
    bad = wrong_answer(assignment, p)
    twin = library_twin(p)
    out = [
        Attack(
            "loop_forever",
            "an infinite loop inside the graded function",
            lambda a: _with(
                a, p, f"def {p}(*args, **kwargs):\n    while True:\n        pass\n"
            ),
            "zero_part",
        ),
        Attack(
            "crash_at_import",
            "the answer cell fails to import",
            lambda a: _with(
                a, p, "import a_module_that_does_not_exist_anywhere\n" + good
            ),
            "zero_part",
        ),
        Attack(
            "sys_exit",
            "sys.exit() before the answer",
            lambda a: _with(a, p, "import sys\nsys.exit(0)\n" + good),
            "zero_part",
        ),
        Attack(
            "os_exit",
            "os._exit() kills the kernel",
            lambda a: _with(a, p, "import os\nos._exit(3)\n" + good),
            "zero",
        ),
        Attack(
            "delete_tests_correct",
            "deletes the part's test cells, correct answer",
            lambda a: _drop_tests(harness.submission(a), p),
            "full",
        ),
        Attack(
            "delete_tests_wrong",
            "deletes the part's test cells, wrong answer",
            lambda a: _drop_tests(_with(a, p, bad), p),
            "zero_hidden",
        ),
        Attack(
            "edit_tests_wrong",
            "replaces the part's tests with `assert True`, wrong answer",
            lambda a: _edit_tests(_with(a, p, bad), p),
            "zero_hidden",
        ),
        Attack(
            "monkeypatch",
            "wrong answer plus no-op comparison helpers (torch/numpy/builtins/medlearn.grading)",
            lambda a: _with(
                a,
                p,
                bad
                + "\n"
                + textwrap.dedent("""
                import builtins, numpy, torch, medlearn.grading
                torch.allclose = lambda *a, **k: True
                numpy.allclose = lambda *a, **k: True
                torch.testing.assert_close = lambda *a, **k: None
                builtins.abs = lambda x: 0
                medlearn.grading.check = lambda *a, **k: None
                medlearn.grading.check_close = lambda *a, **k: None
            """),
            ),
            "zero_hidden",
        ),
        Attack(
            "fake_equality",
            "returns an object that equals everything",
            lambda a: _with(
                a,
                p,
                textwrap.dedent(f"""
                class _Everything:
                    def __eq__(self, other): return True
                    def __ne__(self, other): return False
                    def __lt__(self, other): return True
                    def __gt__(self, other): return True
                    def __sub__(self, other): return 0.0
                    def __rsub__(self, other): return 0.0
                    def __abs__(self): return 0.0
                    def __float__(self): return 0.0
                    def __bool__(self): return True
                    def __getattr__(self, name): return lambda *a, **k: self
                def {p}(*args, **kwargs):
                    return _Everything()
            """),
            ),
            "zero_hidden",
        ),
        Attack(
            "nan_result",
            "returns NaN of the right shape",
            lambda a: _with(
                a,
                p,
                good.replace(f"def {p}(", f"def _real_{p}(", 1)
                + textwrap.dedent(f"""

                import torch as _torch
                def {p}(*args, **kwargs):
                    out = _real_{p}(*args, **kwargs)
                    if isinstance(out, _torch.Tensor):
                        return _torch.full(out.shape, float("nan"))
                    return float("nan")
            """),
            ),
            "zero_hidden",
        ),
        Attack(
            "memory_hog",
            "tries to allocate 64 GiB",
            lambda a: _with(a, p, "_hog = bytearray(64 * 2**30)\n" + good),
            "zero_part",
        ),
        Attack(
            "write_files",
            "writes and overwrites files in the course directory",
            lambda a: _with(
                a,
                p,
                textwrap.dedent("""
                import os as _os
                for _up in ("", "../", "../../", "../../../"):
                    with open(_up + "HACKED.txt", "w") as _f:
                        _f.write("pwned")
                    if _os.path.exists(_up + "nbgrader_config.py"):
                        open(_up + "nbgrader_config.py", "w").write("raise SystemExit('pwned')")
            """)
                + good,
            ),
            "full",
        ),
    ]
    if twin is not None:
        out.append(
            Attack(
                "calls_library",
                f"delegates to {twin}.{p}, the library's own implementation",
                lambda a: _with(
                    a,
                    p,
                    f"from {twin} import {p} as _library_version\n\ndef {p}(*args, **kwargs):\n    return _library_version(*args, **kwargs)\n",
                ),
                "zero_hidden",
            )
        )
    return out
