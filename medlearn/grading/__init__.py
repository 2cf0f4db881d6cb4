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

from medlearn.grading.checks import (
    GradingError,
    check,
    check_close,
    forbid_calls,
    hidden_checks,
    plain,
)
from medlearn.grading.guard import guard_kernel, tampered
from medlearn.grading.selfcheck import Passed, Progress, passed, progress

__all__ = [
    "GradingError",
    "check",
    "check_close",
    "hidden_checks",
    "forbid_calls",
    "plain",
    "guard_kernel",
    "tampered",
    "passed",
    "Passed",
    "progress",
    "Progress",
]
