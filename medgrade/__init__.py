"""medgrade: the course's grading infrastructure, apart from the teaching library.

What the exercise notebooks import (the same names work in a student's own
kernel and in the grader):

- :func:`check` and :func:`check_close` raise :class:`GradingError`, whose
  notebook traceback is only its message;
- :func:`hidden_checks` wraps a hidden test so any failure is a message;
- :func:`forbid_calls` calls a student's function and fails if its code uses a
  forbidden function or the library's reference implementation;
- :func:`value_and_grad` runs a student's function and autograd beside it;
- :func:`passed` and :func:`progress` are the students' self-check.

How grading works (a sandboxed kernel per submission; verdicts decided in a
checker outside it; one static tamper policy) is in :mod:`medgrade.execute`
and the instructor guide of the book.
"""

from __future__ import annotations

from medgrade.checks import GradingError, check, check_close, hidden_checks, plain
from medgrade.delegation import forbid_calls, value_and_grad
from medgrade.selfcheck import Passed, Progress, passed, progress

__all__ = [
    "GradingError",
    "check",
    "check_close",
    "hidden_checks",
    "plain",
    "forbid_calls",
    "value_and_grad",
    "passed",
    "Passed",
    "progress",
    "Progress",
]
