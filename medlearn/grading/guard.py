"""Hardening of grading kernels: memory cap, watchdog, scratch directory, tamper check.

nbgrader runs :func:`guard_kernel` in every grading kernel before the first
cell (see ``nbgrader_config.py``). See the instructor guide in the book.
"""

from __future__ import annotations

import builtins
import math
import os
import sys
import tempfile
import threading
from typing import Any

import numpy as np
import torch

__all__ = ["guard_kernel", "tampered"]


# ---------------------------------------------------------------- integrity
# Functions that checks rely on. A submission that replaces one of them (to make
# a wrong answer pass) is caught by comparing identities with a snapshot taken
# when the grading kernel started, before any student code ran.
_WATCHED: list[tuple[Any, str]] = [
    *[
        (builtins, n)
        for n in (
            "isinstance",
            "issubclass",
            "type",
            "abs",
            "bool",
            "float",
            "int",
            "len",
            "sum",
            "min",
            "max",
            "all",
            "any",
            "getattr",
            "round",
            "sorted",
            "repr",
            "str",
        )
    ],
    *[(math, n) for n in ("isnan", "isinf", "isclose")],
    *[
        (torch, n)
        for n in (
            "allclose",
            "isclose",
            "equal",
            "isnan",
            "isinf",
            "as_tensor",
            "tensor",
            "where",
            "zeros_like",
        )
    ],
    (torch.testing, "assert_close"),
    *[
        (torch.Tensor, n)
        for n in (
            "__eq__",
            "__ne__",
            "__lt__",
            "__le__",
            "__gt__",
            "__ge__",
            "__sub__",
            "__bool__",
            "__float__",
            "abs",
            "max",
            "double",
            "cpu",
            "detach",
            "isnan",
            "item",
            "tolist",
            "reshape",
            "any",
            "all",
            "sum",
            "numel",
            "dim",
            "as_subclass",
        )
    ],
    *[(np, n) for n in ("allclose", "isclose", "array_equal", "asarray")],
    (np.testing, "assert_allclose"),
    *[(sys, n) for n in ("setprofile", "getprofile")],
]
_SNAPSHOT: dict[tuple[int, str], Any] = {}


def _label(owner: Any, name: str) -> str:
    return f"{getattr(owner, '__name__', type(owner).__name__)}.{name}"


def _take_snapshot() -> None:
    from medlearn.grading import checks

    package = sys.modules["medlearn.grading"]
    watched = _WATCHED + [
        (module, n)
        for module in (package, checks)
        for n in (
            "check",
            "check_close",
            "forbid_calls",
            "plain",
            "GradingError",
            "_as_tensor",
        )
    ]
    for owner, name in watched:
        _SNAPSHOT.setdefault((id(owner), name), (owner, getattr(owner, name)))


def tampered() -> list[str]:
    """Names of watched functions that differ from the kernel-start snapshot.

    Empty outside a grading kernel (no snapshot), so students' own runs are
    unaffected.

    Returns:
        e.g. ``["torch.allclose", "builtins.isinstance"]``.
    """
    return [
        _label(owner, name)
        for (_, name), (owner, obj) in _SNAPSHOT.items()
        if getattr(owner, name, None) is not obj
    ]


def guard_kernel(
    memory_gb: float | None = None, notebook_timeout_s: float | None = None
) -> None:
    """Harden a grading kernel; nbgrader runs this before the first cell.

    - caps the address space (a submission that exhausts memory fails alone);
    - starts a watchdog that ends the kernel after ``notebook_timeout_s``
      (bounded time per notebook, even for loops that ignore interrupts);
    - moves the working directory to a fresh temporary folder, so relative
      writes cannot touch the course;
    - snapshots the functions that checks rely on (see :func:`tampered`).

    Args:
        memory_gb: address-space cap. Defaults to None (env
            ``MEDLEARN_MEMORY_LIMIT_GB``, else 8).
        notebook_timeout_s: wall-clock budget of the whole notebook. Defaults to
            None (env ``MEDLEARN_NOTEBOOK_TIMEOUT``, else 600).
    """
    import resource

    memory_gb = memory_gb or float(os.environ.get("MEDLEARN_MEMORY_LIMIT_GB", "8"))
    limit = int(memory_gb * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    timeout = notebook_timeout_s or float(
        os.environ.get("MEDLEARN_NOTEBOOK_TIMEOUT", "600")
    )

    def _watchdog() -> None:
        threading.Event().wait(timeout)
        sys.__stderr__.write(
            f"medlearn grading: notebook exceeded {timeout:.0f} s, kernel stopped\n"
        )
        os._exit(124)

    threading.Thread(
        target=_watchdog, name="medlearn-grading-watchdog", daemon=True
    ).start()
    os.chdir(tempfile.mkdtemp(prefix="medlearn-grading-"))
    for var in ("PWD", "OLDPWD"):
        os.environ.pop(var, None)
    _take_snapshot()
