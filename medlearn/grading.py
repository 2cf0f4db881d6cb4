"""Checks for the exercise notebooks: messages that say what is wrong.

The test cells of every exercise use these helpers instead of bare ``assert``:

- :func:`check` and :func:`check_close` raise :class:`GradingError`, whose
  notebook traceback is only its message, so a failing *hidden* test shows
  what went wrong in words without printing the test's source;
- :func:`hidden_checks` wraps a hidden test cell so that any exception from
  the student's code is reported the same way;
- :func:`forbid_calls` runs the student's function and fails if it delegates
  to the library's own implementation (which holds the solutions).

See the instructor guide in the book.
"""

from __future__ import annotations

import builtins
import math
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch

__all__ = [
    "guard_kernel",
    "tampered",
    "plain",
    "progress",
    "GradingError",
    "check",
    "check_close",
    "hidden_checks",
    "forbid_calls",
    "passed",
    "Passed",
]

_RED, _GREEN, _RESET = "\x1b[31m", "\x1b[32m", "\x1b[0m"


class GradingError(AssertionError):
    """A failed check. In a notebook it renders as its message alone."""

    def _render_traceback_(self) -> list[str]:  # IPython's hook for custom tracebacks
        return [
            f"{_RED}✗ {line}{_RESET}" if i == 0 else f"  {line}"
            for i, line in enumerate(str(self).splitlines())
        ]


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
    me = sys.modules[__name__]
    watched = _WATCHED + [
        (me, n)
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


def plain(x: Any, what: str) -> Any:
    """A student's result as a plain value that cannot fake comparisons.

    Tensors (and subclasses) become detached plain CPU tensors; Python and
    NumPy numbers become ``float``/``int``/``bool``; lists and tuples are
    converted element-wise. Anything else fails with a message.

    Args:
        x: the value returned by the student's function.
        what: what it is, for the message.

    Returns:
        The plain value.

    Raises:
        GradingError: for other types (e.g. an object with a custom ``__eq__``).
    """
    if isinstance(x, torch.Tensor):
        return x.detach().as_subclass(torch.Tensor).cpu().clone()
    if type(x) in (bool, int, float):
        return x
    if isinstance(x, np.generic) and type(x).__module__ == "numpy":
        return x.item()
    if type(x) in (list, tuple):
        return type(x)(plain(v, what) for v in x)
    raise GradingError(f"{what}: expected a tensor or a number, got {type(x).__name__}")


def check(condition: Any, message: str) -> None:
    """Fail with ``message`` unless ``condition`` is truthy.

    Args:
        condition: anything; a tensor must be a single element (``bool(t)``).
        message: what is wrong, in words a student can act on.

    Raises:
        GradingError: if the condition is false.

    Example:
        >>> check(1 + 1 == 2, "arithmetic is broken")
    """
    if isinstance(condition, torch.Tensor):
        if condition.numel() != 1:
            raise GradingError(
                f"{message} (a tensor of {condition.numel()} values came where one yes/no was expected)"
            )
        condition = bool(condition.item())
    if not condition:
        raise GradingError(message)


def _as_tensor(x: Any, what: str) -> torch.Tensor:
    if type(x) is torch.Tensor or isinstance(x, torch.nn.Parameter):
        return x
    if isinstance(x, torch.Tensor):  # a subclass may fake comparisons: take its data
        return x.as_subclass(torch.Tensor)
    if isinstance(x, (int, float, bool)) and type(x) in (int, float, bool):
        return torch.tensor(x)
    raise GradingError(f"{what}: expected a torch.Tensor, got {type(x).__name__}")


def check_close(
    actual: Any,
    expected: Any,
    what: str,
    *,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    hint: str | None = None,
) -> None:
    """Fail unless ``actual`` has ``expected``'s shape and values (within tolerance).

    The message names ``what`` was checked and how it differs: the shape, a
    NaN or inf, or the largest deviation and where it is.

    Args:
        actual: the student's result (tensor or number).
        expected: the reference result.
        what: a short description of the case, e.g. "softmax of a (4, 5) input".
        atol: absolute tolerance. Defaults to 1e-5.
        rtol: relative tolerance. Defaults to 1e-4.
        hint: a sentence added to the message, e.g. the likely mistake.
            Defaults to None.

    Raises:
        GradingError: if shapes or values differ.

    Example:
        >>> check_close(torch.ones(2), torch.ones(2), "ones")
    """
    a = _as_tensor(actual, what)
    e = (
        _as_tensor(expected, "expected").to(a.device)
        if isinstance(expected, torch.Tensor)
        else torch.tensor(expected)
    )
    suffix = f"\nHint: {hint}" if hint else ""
    if tuple(a.shape) != tuple(e.shape):
        raise GradingError(
            f"{what}: expected shape {tuple(e.shape)}, got {tuple(a.shape)}.{suffix}"
        )
    if a.is_complex() or not (
        a.is_floating_point()
        or a.dtype
        in (torch.bool, torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8)
    ):
        raise GradingError(
            f"{what}: expected a real-valued tensor, got dtype {a.dtype}.{suffix}"
        )
    a64, e64 = a.detach().cpu().double(), e.detach().cpu().double()
    bad_nan = torch.isnan(a64) & ~torch.isnan(e64)
    if bad_nan.any():
        raise GradingError(
            f"{what}: your result has NaN at {bad_nan.sum().item()} position(s) where a number is expected.{suffix}"
        )
    bad_inf = torch.isinf(a64) & ~torch.isinf(e64)
    if bad_inf.any():
        raise GradingError(
            f"{what}: your result is infinite at {bad_inf.sum().item()} position(s) (overflow?).{suffix}"
        )
    if (torch.isnan(e64) & ~torch.isnan(a64)).any():
        raise GradingError(
            f"{what}: expected NaN (an undefined value) where you return a number.{suffix}"
        )
    same_special = (torch.isnan(a64) & torch.isnan(e64)) | (
        torch.isinf(a64) & (a64 == e64)
    )
    diff = torch.where(same_special, torch.zeros_like(a64), (a64 - e64).abs())
    tol = atol + rtol * torch.where(same_special, torch.zeros_like(e64), e64.abs())
    if (diff > tol).any():
        worst = int(diff.reshape(-1).argmax())
        idx = (
            tuple(int(i) for i in torch.unravel_index(torch.tensor(worst), a64.shape))
            if a64.dim()
            else ()
        )
        raise GradingError(
            f"{what}: values differ; largest difference {diff.reshape(-1)[worst].item():.3g} "
            f"at index {idx}: yours {a64.reshape(-1)[worst].item():.6g}, "
            f"expected {e64.reshape(-1)[worst].item():.6g}.{suffix}"
        )


@contextmanager
def hidden_checks(part: str):
    """Wrap a hidden test cell: any failure becomes a message-only GradingError.

    Args:
        part: the graded function's name, used in the message.

    Raises:
        GradingError: when a check fails or the student's code raises.

    Example:
        >>> with hidden_checks("softmax"):
        ...     check(True, "never shown")
    """
    changed = tampered()
    if changed:
        raise GradingError(
            f"{part}: your code replaced {', '.join(changed[:4])}, which the tests rely on; "
            "hidden tests cannot be trusted, so this part scores zero"
        )
    try:
        yield
    except GradingError as err:
        raise GradingError(f"{part} (hidden test): {err}") from None
    except NotImplementedError:
        raise GradingError(f"{part}: not implemented yet") from None
    except Exception as err:  # the student's code crashed on a hidden case
        raise GradingError(
            f"{part} (hidden test) raised {type(err).__name__}: {err}"
        ) from None


def forbid_calls(
    fn: Callable[..., Any],
    *args: Any,
    forbidden: Iterable[Callable[..., Any]] = (),
    reason: str = "write it yourself from the definition",
    **kwargs: Any,
) -> Any:
    """Call ``fn(*args, **kwargs)`` and fail if it calls any ``forbidden`` function.

    Detects the call however the function was reached (an alias, an import
    under another name, a wrapper), by watching every call made while ``fn``
    runs (``sys.setprofile``).

    Args:
        fn: the student's function.
        *args: its positional arguments.
        forbidden: functions that the answer must not call (Python functions
            are matched by code object, built-ins by identity).
        reason: the advice appended to the message. Defaults to "write it
            yourself from the definition".
        **kwargs: its keyword arguments.

    Returns:
        ``fn``'s result.

    Raises:
        GradingError: if a forbidden function was called.

    Example:
        >>> forbid_calls(lambda x: x + 1, 1, forbidden=[torch.softmax])
        2
    """
    codes: dict[Any, Any] = {}
    builtin_names: dict[str, Any] = {}
    for f in forbidden:
        code = getattr(f, "__code__", None)
        if code is not None:
            codes[code] = f
        else:  # a C function or method: bound methods are new objects, match by name
            builtin_names[getattr(f, "__name__", repr(f))] = f
    hit: list[Any] = []

    def profiler(frame, event, arg):  # noqa: ANN001
        if event == "call" and frame.f_code in codes:
            hit.append(codes[frame.f_code])
        elif event == "c_call" and getattr(arg, "__name__", None) in builtin_names:
            owner = getattr(arg, "__self__", None)
            module = getattr(arg, "__module__", None) or getattr(owner, "__name__", "")
            if isinstance(owner, torch.Tensor) or str(module).startswith("torch"):
                hit.append(arg)

    previous = sys.getprofile()
    sys.setprofile(profiler)
    try:
        result = fn(*args, **kwargs)
    finally:
        sys.setprofile(previous)
    if hit:
        f = hit[0]
        if hasattr(f, "__code__"):
            name = f"{f.__module__}.{f.__qualname__}"
        elif isinstance(getattr(f, "__self__", None), torch.Tensor):
            name = f"Tensor.{f.__name__}"
        else:
            name = f"torch.{f.__name__}"
        raise GradingError(f"your answer calls {name}: {reason}.")
    return result


class Passed:
    """Shown as the last value of a test cell: a green confirmation line."""

    def __init__(self, part: str) -> None:
        self.part = part

    def __repr__(self) -> str:
        return f"{_GREEN}✓ {self.part}: visible tests passed{_RESET}"


_PASSED: set[str] = set()


def passed(part: str) -> Passed:
    """A confirmation that the visible tests of ``part`` passed (end a cell with it)."""
    _PASSED.add(part)
    return Passed(part)


class Progress:
    """Which parts pass their visible tests so far; shown as a checklist."""

    def __init__(self, parts: Iterable[str]) -> None:
        self.parts = list(parts)
        self.done = [p for p in self.parts if p in _PASSED]
        self.remaining = [p for p in self.parts if p not in _PASSED]

    def __repr__(self) -> str:
        lines = [
            f"{_GREEN}✓ {p}{_RESET}"
            if p in self.done
            else f"{_RED}✗ {p}: its visible tests have not passed yet{_RESET}"
            for p in self.parts
        ]
        tail = (
            "All visible tests pass. The grader also runs hidden tests on other cases: make sure "
            "your functions follow the definitions for any input, not just the examples."
            if not self.remaining
            else f"{len(self.remaining)} of {len(self.parts)} parts remain. Run each test cell after its answer cell."
        )
        return "\n".join([*lines, tail])


def progress(parts: Iterable[str]) -> Progress:
    """A self-check for students: which graded parts pass their visible tests.

    Args:
        parts: the names of the notebook's graded functions, in order.

    Returns:
        A :class:`Progress`, displayed as a checklist at the end of a cell.

    Example:
        >>> progress(["never_defined"]).remaining
        ['never_defined']
    """
    return Progress(parts)
