"""A reusable suite of adversarial submissions, built for any assignment.

Each attack turns the instructor's solution (or a catalogued mutant, "a wrong
answer") into what a student trying to fool, read or damage the grader might
submit, and states the score an honest grader gives. ``tests/test_assignments.py``
grades them in the same batch as the solution, the release, the mutants and
the correct alternatives, for every assignment, and checks that each scores
at most what it honestly earned, never reads instructor content, never changes
another submission's score, and is flagged where it breaks the rules.

The attacks target the assignment's first graded part ``P`` (and use the first
mutant of ``P`` as the wrong answer). Attacks that need the course's real
location (to try to read ``solutions/`` or write the gradebook) get it at build
time, as a real attacker could guess it.
"""

from __future__ import annotations

import importlib
import pkgutil
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import harness
import nbformat


@dataclass
class Attack:
    name: str
    what: str
    build: Callable[[str, Path], nbformat.NotebookNode]
    # "full": full marks (the attack had no effect); "zero_part": P scores 0 on
    # every test cell and the total is below the maximum; "zero": nothing at
    # all; "zero_hidden": P's hidden tests score 0 and the total is below the maximum
    expect: str
    flag: str = ""  # a phrase the submission's flags must contain ("" = no requirement)


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


def _tests_of(nb: nbformat.NotebookNode, part: str) -> list:
    return [
        c
        for c in nb.cells
        if harness.nbgrader_meta(c).get("grade_id", "").startswith(f"test_{part}_")
    ]


def _drop_tests(nb: nbformat.NotebookNode, part: str) -> nbformat.NotebookNode:
    doomed = {id(c) for c in _tests_of(nb, part)}
    nb.cells = [c for c in nb.cells if id(c) not in doomed]
    return nb


def _edit_tests(nb: nbformat.NotebookNode, part: str) -> nbformat.NotebookNode:
    for c in _tests_of(nb, part):
        c.source = "assert True"
    return nb


def _extra_cell(
    nb: nbformat.NotebookNode, source: str, after: str
) -> nbformat.NotebookNode:
    """A cell the student added (no nbgrader metadata) right after cell ``after``."""
    idx = next(
        i
        for i, c in enumerate(nb.cells)
        if harness.nbgrader_meta(c).get("grade_id") == after
    )
    nb.cells.insert(idx + 1, nbformat.v4.new_code_cell(source))
    return nb


def _duplicate_hidden(nb: nbformat.NotebookNode, part: str) -> nbformat.NotebookNode:
    """A fake copy of P's hidden test cell, after the real one, that does nothing."""
    real = next(
        c
        for c in _tests_of(nb, part)
        if c.metadata["nbgrader"]["grade_id"].endswith("_hidden")
    )
    fake = nbformat.v4.new_code_cell("pass")
    fake.metadata = {"nbgrader": dict(real.metadata["nbgrader"])}
    nb.cells.insert(nb.cells.index(real) + 1, fake)
    return nb


def _tamper_metadata(nb: nbformat.NotebookNode, part: str) -> nbformat.NotebookNode:
    for c in nb.cells:
        meta = harness.nbgrader_meta(c)
        if meta.get("grade_id") == part:
            meta.update(grade=True, points=100)
        elif meta.get("grade_id", "").startswith(f"test_{part}_"):
            meta.update(solution=True, points=100)
    return nb


def attacks(assignment: str) -> list[Attack]:
    p = first_part(assignment)
    good = solution_source(assignment, p)
    bad = wrong_answer(assignment, p)
    twin = library_twin(p)
    d = textwrap.dedent

    def course_path(course: Path) -> str:
        return str(course.resolve())

    out = [
        Attack("loop_forever", "an infinite loop inside the graded function",
               lambda a, c: _with(a, p, f"def {p}(*args, **kwargs):\n    while True:\n        pass\n"),
               "zero_part"),
        Attack("crash_at_import", "the answer cell fails to import",
               lambda a, c: _with(a, p, "import a_module_that_does_not_exist_anywhere\n" + good),
               "zero_part", "imports a_module_that_does_not_exist_anywhere"),
        Attack("sys_exit", "sys.exit() before the answer",
               lambda a, c: _with(a, p, "import sys\nsys.exit(0)\n" + good), "zero", "imports sys"),
        Attack("os_exit", "os._exit() kills the kernel",
               lambda a, c: _with(a, p, "import os\nos._exit(3)\n" + good), "zero", "kernel died"),
        Attack("delete_tests_correct", "deletes the part's test cells, correct answer",
               lambda a, c: _drop_tests(harness.submission(a), p), "full"),
        Attack("delete_tests_wrong", "deletes the part's test cells, wrong answer",
               lambda a, c: _drop_tests(_with(a, p, bad), p), "zero_hidden"),
        Attack("edit_tests_wrong", "replaces the part's tests with `assert True`, wrong answer",
               lambda a, c: _edit_tests(_with(a, p, bad), p), "zero_hidden"),
        Attack("duplicate_test_id", "a fake copy of the hidden test cell (same grade_id), wrong answer",
               lambda a, c: _duplicate_hidden(_with(a, p, bad), p), "zero_hidden"),
        Attack("metadata_tamper", "answer cell marked as a 100-point test, tests marked as answers",
               lambda a, c: _tamper_metadata(harness.submission(a), p), "full"),
        Attack("rebind_checks", "wrong answer and no-op check/check_close/passed in the answer cell",
               lambda a, c: _with(a, p, bad + "\ncheck = check_close = lambda *a, **k: None\n"
                                  "passed = progress = lambda *a, **k: None\n"), "zero_hidden"),
        Attack("monkeypatch", "wrong answer plus no-op comparison helpers (torch/numpy/builtins/medgrade)",
               lambda a, c: _with(a, p, bad + d("""
                   import builtins, numpy, torch, medgrade
                   torch.allclose = lambda *a, **k: True
                   numpy.allclose = lambda *a, **k: True
                   torch.testing.assert_close = lambda *a, **k: None
                   builtins.abs = lambda x: 0
                   medgrade.check = lambda *a, **k: None
                   medgrade.check_close = lambda *a, **k: None
               """)), "zero", "monkeypatching"),
        Attack("extra_cell_dunder", "an added cell makes tensor equality always true",
               lambda a, c: _extra_cell(_with(a, p, bad), "import torch\ntorch.Tensor.__eq__ = lambda s, o: True\n", p),
               "zero", "__eq__"),
        Attack("input_transformer", "an IPython input transformer turns every later cell into `pass`",
               lambda a, c: _with(a, p, bad + '\nget_ipython().input_transformers_post.append(lambda lines: ["pass\\n"])\n'),
               "zero", "get_ipython"),
        Attack("custom_exc", "an IPython exception handler swallows every error",
               lambda a, c: _with(a, p, bad + "\nget_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)\n"),
               "zero", "get_ipython"),
        Attack("fake_grading_module", "a fake medgrade in sys.modules whose checks never fail",
               lambda a, c: _with(a, p, bad + d("""
                   import sys, types
                   _fake = types.ModuleType("medgrade")
                   _fake.check = _fake.check_close = lambda *a, **k: None
                   sys.modules["medgrade"] = sys.modules["medgrade.checks"] = _fake
               """)), "zero", "imports sys"),
        Attack("reload_grader", "reloads the grading package after breaking it",
               lambda a, c: _with(a, p, bad + "\nimport importlib, medgrade\nimportlib.reload(medgrade)\n"),
               "zero", "importlib"),
        Attack("torch_function_liar", "returns a tensor subclass whose comparisons always succeed",
               lambda a, c: _with(a, p, bad.replace(f"def {p}(", f"def _wrong_{p}(", 1) + d(f"""

                   import torch as _t
                   class _Liar(_t.Tensor):
                       @classmethod
                       def __torch_function__(cls, func, types, args=(), kwargs=None):
                           out = super().__torch_function__(func, types, args, kwargs or {{}})
                           return True if func.__name__ in ("allclose", "equal", "__eq__") else out
                   def {p}(*args, **kwargs):
                       out = _wrong_{p}(*args, **kwargs)
                       return out.as_subclass(_Liar) if isinstance(out, _t.Tensor) else out
               """)), "zero_hidden", "__torch_function__"),
        Attack("spoof_outputs", "wrong answer that prints pass lines and displays fake grader replies",
               lambda a, c: _with(a, p, bad.replace(f"def {p}(", f"def _wrong_{p}(", 1) + d(f"""

                   from IPython.display import display as _display
                   def {p}(*args, **kwargs):
                       print("✓ {p}: tests passed")
                       _display({{"application/vnd.medgrade.reply+json": {{"token": "0" * 32, "ok": True, "value": 1.0}}}}, raw=True)
                       return _wrong_{p}(*args, **kwargs)
               """)), "zero_hidden"),
        Attack("nan_result", "returns NaN of the right shape",
               lambda a, c: _with(a, p, good.replace(f"def {p}(", f"def _real_{p}(", 1) + d(f"""

                   import torch as _torch
                   def {p}(*args, **kwargs):
                       out = _real_{p}(*args, **kwargs)
                       if isinstance(out, _torch.Tensor):
                           return _torch.full(out.shape, float("nan"))
                       return float("nan")
               """)), "zero_hidden"),
        Attack("fake_equality", "returns an object that equals everything",
               lambda a, c: _with(a, p, d(f"""
                   class _Everything:
                       def __eq__(self, other): return True
                       def __ne__(self, other): return False
                       def __bool__(self): return True
                       def __float__(self): return 0.0
                       def __getattr__(self, name): return lambda *a, **k: self
                   def {p}(*args, **kwargs):
                       return _Everything()
               """)), "zero_hidden", "special method"),
        Attack("memory_hog", "tries to allocate 64 GiB before the answer",
               lambda a, c: _with(a, p, "_hog = bytearray(64 * 2**30)\n" + good), "zero_part"),
        Attack("memory_hog_when_called", "the graded function allocates 64 GiB",
               lambda a, c: _with(a, p, f"def {p}(*args, **kwargs):\n    return bytearray(64 * 2**30)\n"),
               "zero_part"),
        Attack("output_flood", "prints 200 MB before the (correct) answer",
               lambda a, c: _with(a, p, "for _ in range(2000):\n    print('x' * 100_000)\n" + good),
               "zero", "output limit"),
        Attack("huge_return", "the graded function returns ten million numbers",
               lambda a, c: _with(a, p, f"def {p}(*args, **kwargs):\n    return list(range(10_000_000))\n"),
               "zero_part"),
        Attack("write_files", "writes files in and above its working directory",
               lambda a, c: _with(a, p, d(f"""
                   for _up in ("", "../", "../../", "../../../", "{course_path(c)}/"):
                       try:
                           with open(_up + "HACKED.txt", "w") as _f:
                               _f.write("pwned")
                       except OSError:
                           pass
               """) + good), "zero", "opens files"),
        Attack("read_solutions", "reads the instructor's solution notebook and runs its answer",
               lambda a, c: _with(a, p, d(f"""
                   import json
                   for _path in ("{course_path(c)}/solutions/{a}/{a}.ipynb", "../../../solutions/{a}/{a}.ipynb",
                                 "{harness.ROOT}/solutions/{a}/{a}.ipynb"):
                       try:
                           _nb = json.load(open(_path))
                       except OSError:
                           continue
                       for _cell in _nb["cells"]:
                           if _cell["metadata"].get("nbgrader", {{}}).get("grade_id") == "{p}":
                               exec("".join(_cell["source"]))
                       print("".join("".join(c["source"]) for c in _nb["cells"]))
               """)), "zero", "opens files"),
        Attack("leak_hidden_tests", "the graded function raises an error that dumps the kernel's history and frames",
               lambda a, c: _with(a, p, d(f"""
                   import inspect
                   def {p}(*args, **kwargs):
                       frames = [(f.filename, f.code_context) for f in inspect.stack()]
                       raise ValueError(repr(get_ipython().user_ns.get("In")) + repr(frames))
               """)), "zero", "imports inspect"),
        Attack("kill_grader", "kills its parent, its process group and every nbgrader process",
               lambda a, c: _with(a, p, d("""
                   import os, signal, subprocess
                   for _f in (lambda: os.kill(os.getppid(), signal.SIGKILL),
                              lambda: os.killpg(0, signal.SIGKILL),
                              lambda: subprocess.run(["pkill", "-9", "-f", "nbgrader"])):
                       try:
                           _f()
                       except Exception:
                           pass
               """) + good), "zero", "imports os"),
        Attack("overwrite_others", "overwrites another student's submission and the gradebook",
               lambda a, c: _with(a, p, d(f"""
                   import shutil
                   for _path in ("{course_path(c)}/submitted/solution/{a}/{a}.ipynb",
                                 "{course_path(c)}/autograded/solution/{a}/{a}.ipynb",
                                 "{course_path(c)}/gradebook.db", "../../../gradebook.db"):
                       try:
                           open(_path, "w").write("{{}}")
                       except OSError:
                           pass
               """) + good), "zero", "opens files"),
        Attack("inject_config", "writes an nbgrader_config.py that gives everyone full marks",
               lambda a, c: _with(a, p, d(f"""
                   for _dir in ("", "../", "../../", "../../../", "{course_path(c)}/"):
                       try:
                           open(_dir + "nbgrader_config.py", "w").write("raise SystemExit('pwned')")
                       except OSError:
                           pass
               """) + good), "zero", "opens files"),
        Attack("score_daemon", "starts a detached process that keeps rewriting the gradebook",
               lambda a, c: _with(a, p, d(f"""
                   import subprocess, sys
                   _code = (
                       "import sqlite3, time\\n"
                       "for _ in range(600):\\n"
                       "    try:\\n"
                       "        db = sqlite3.connect('{course_path(c)}/gradebook.db')\\n"
                       "        db.execute('update grade set auto_score = 100'); db.commit()\\n"
                       "    except Exception: pass\\n"
                       "    time.sleep(0.2)\\n"
                   )
                   subprocess.Popen([sys.executable, "-c", _code], start_new_session=True,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               """) + good), "zero", "imports subprocess"),
        Attack("startup_file", "leaves an IPython startup file for the next kernels",
               lambda a, c: _with(a, p, d("""
                   import os
                   for _root in (os.path.expanduser("~/.ipython"), os.environ.get("IPYTHONDIR", "/tmp/ipython"),
                                 "/tmp/.ipython"):
                       _dir = os.path.join(_root, "profile_default", "startup")
                       try:
                           os.makedirs(_dir, exist_ok=True)
                           open(os.path.join(_dir, "00-evil.py"), "w").write("raise SystemExit('pwned')\\n")
                       except OSError:
                           pass
               """) + good), "zero", "imports os"),
        Attack("fork_bomb", "forks until the process limit",
               lambda a, c: _with(a, p, d("""
                   import os, time
                   for _ in range(2000):
                       try:
                           if os.fork() == 0:
                               time.sleep(30)
                               os._exit(0)
                       except OSError:
                           break
               """) + good), "zero", "os.fork"),
        Attack("open_socket", "connects to the grader's machine",
               lambda a, c: _with(a, p, d("""
                   import socket
                   for _port in (22, 80, 5432, 8888):
                       try:
                           socket.create_connection(("127.0.0.1", _port), timeout=1).close()
                       except OSError:
                           pass
               """) + good), "zero", "socket"),
    ]  # fmt: skip
    if twin is not None:
        out += [
            Attack("calls_library", f"delegates to {twin}.{p}, the library's own implementation",
                   lambda a, c: _with(a, p, f"from {twin} import {p} as _library_version\n\n"
                                      f"def {p}(*args, **kwargs):\n    return _library_version(*args, **kwargs)\n"),
                   "zero_hidden", "forbidden"),
            Attack("thread_delegation", "a timer thread swaps in the library's function after the answer ran",
                   lambda a, c: _with(a, p, bad + d(f"""
                       import threading
                       from {twin} import {p} as _lib
                       threading.Timer(0.01, lambda: globals().__setitem__("{p}", _lib)).start()
                   """)), "zero", "imports threading"),
            Attack("profiler_off", "turns the call profiler off, then delegates to the library",
                   lambda a, c: _with(a, p, d(f"""
                       def {p}(*args, **kwargs):
                           import sys
                           from {twin} import {p} as _lib
                           sys.setprofile(None)
                           return _lib(*args, **kwargs)
                   """)), "zero_part", "imports sys"),
            Attack("obfuscated_library", "reaches the library through getattr on computed strings",
                   lambda a, c: _with(a, p, d(f"""
                       import medlearn
                       def {p}(*args, **kwargs):
                           mod = getattr(medlearn, "{twin.split('.')[1][:2]}" + "{twin.split('.')[1][2:]}")
                           return getattr(mod, "{p[:2]}" + "{p[2:]}")(*args, **kwargs)
                   """)), "zero_part", "getattr"),
        ]  # fmt: skip
    return out
