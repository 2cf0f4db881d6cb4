"""The policy's vocabulary: cells, findings, resolved references.

See :mod:`medgrade.policy`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

__all__ = ["Cell", "Finding", "Reference"]


@dataclass(frozen=True)
class Cell:
    """One code cell: ``trusted`` cells are the instructor's (locked, unchanged)."""

    cell_id: str
    source: str
    trusted: bool


@dataclass(frozen=True)
class Finding:
    """A construct the policy forbids, where it is, and why."""

    cell_id: str
    line: int
    code: str
    reason: str

    def __str__(self) -> str:
        return f"cell {self.cell_id!r}, line {self.line}: `{self.code}` {self.reason}"


@dataclass(frozen=True)
class Reference:
    """A resolved name or attribute chain: ``torch.nn.functional.softmax``.

    ``path`` starts with an imported module's dotted name, with ``builtins``
    for built-ins, or with ``<value>`` when the root is a local value.
    """

    cell_id: str
    line: int
    code: str
    path: str


@dataclass
class _Stmt:
    cell: Cell
    node: ast.stmt
    findings: list[Finding] = field(default_factory=list)
    refs: list[Reference] = field(default_factory=list)
    globals_used: set[str] = field(default_factory=set)  # whole statement
    top_globals: set[str] = field(default_factory=set)  # outside function bodies
    top_findings: list[Finding] = field(default_factory=list)
