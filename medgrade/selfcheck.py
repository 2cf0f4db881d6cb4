"""Students' self-check: which graded parts pass their visible tests."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from medgrade.checks import GREEN as _GREEN
from medgrade.checks import RED as _RED
from medgrade.checks import RESET as _RESET

__all__ = ["Passed", "passed", "Progress", "progress"]


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


def _policy_warnings(parts: list[str]) -> list[str]:
    """What the grader's tamper policy would reject in the cells that define ``parts``.

    Reads the kernel's input history (``In``); every other cell only resolves names.
    """
    try:
        from IPython import get_ipython

        from medgrade.policy import Cell, Submission, bound_names

        history = list(get_ipython().user_ns.get("In", []))
    except Exception:  # noqa: BLE001 - outside IPython: nothing to check
        return []
    cells = []
    for i, source in enumerate(history):
        try:
            names = {n for node in ast.parse(source).body for n in bound_names(node)}
        except SyntaxError:
            names = set()
        cells.append(Cell(f"input {i}", source, trusted=not (names & set(parts))))
    found = Submission(cells).all_findings()
    return [f"{f.code} ({f.reason})" for f in found][:5]


class Progress:
    """Which parts pass their visible tests so far; shown as a checklist."""

    def __init__(self, parts: Iterable[str]) -> None:
        self.parts = list(parts)
        self.done = [p for p in self.parts if p in _PASSED]
        self.remaining = [p for p in self.parts if p not in _PASSED]
        self.warnings = _policy_warnings(self.parts)

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
        warnings = [
            f"{_RED}⚠ the grader will score this zero: {w}{_RESET}"
            for w in self.warnings
        ]
        return "\n".join([*lines, tail, *warnings])


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
