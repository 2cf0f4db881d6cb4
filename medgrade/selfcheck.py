"""Students' self-check: which graded parts pass their visible tests."""

from __future__ import annotations

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
