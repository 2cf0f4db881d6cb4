"""A submission's code, analysed once: reach, findings, delegation.

See :mod:`medgrade.policy`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from medgrade.policy.analyser import _Analyser, bound_names, import_paths, transform
from medgrade.policy.model import Cell, Finding, Reference, _Stmt
from medgrade.policy.rules import LIBRARY_INFRASTRUCTURE

__all__ = ["Submission"]


class Submission:
    """A notebook's code cells, analysed once.

    Args:
        cells: the notebook's code cells in order; ``trusted`` ones are the
            instructor's and only serve to resolve names (imports of the set-up).

    Example:
        >>> s = Submission([Cell("a", "import torch\\ndef f(x):\\n    return x.softmax(1)", False)])
        >>> [r.code for r in s.delegation("f", ["softmax"], value_methods=["softmax"])]
        ['x.softmax']
    """

    def __init__(self, cells: Iterable[Cell]) -> None:
        self.stmts: list[_Stmt] = []
        self.syntax_errors: list[str] = []
        for cell in cells:
            try:
                tree = ast.parse(transform(cell.source))
            except SyntaxError as err:
                if not cell.trusted:
                    self.syntax_errors.append(f"cell {cell.cell_id!r}: {err.msg}")
                continue
            self.stmts += [_Stmt(cell, node) for node in tree.body]
        self.bindings: dict[str, list[int]] = {}
        aliases: dict[str, set[str]] = {}
        for i, s in enumerate(self.stmts):
            for name in set(bound_names(s.node)):
                self.bindings.setdefault(name, []).append(i)
            if isinstance(s.node, ast.Import | ast.ImportFrom):
                for name, path, _ in import_paths(s.node):
                    aliases.setdefault(name, set()).add(path)
        self._alias_assignments(aliases)
        self.module_aliases = aliases
        for s in self.stmts:
            _Analyser(s, aliases).visit(s.node)

    def _alias_assignments(self, aliases: dict[str, set[str]]) -> None:
        """Top-level ``F2 = torch.nn.functional`` makes ``F2`` an alias too."""
        for _ in range(3):  # aliases of aliases
            for s in self.stmts:
                n = s.node
                if (
                    isinstance(n, ast.Assign)
                    and len(n.targets) == 1
                    and isinstance(n.targets[0], ast.Name)
                ):
                    probe = _Stmt(s.cell, n)
                    paths = _Analyser(probe, aliases).resolve(n.value)
                    if paths:
                        aliases.setdefault(n.targets[0].id, set()).update(paths)

    # ---------------------------------------------------------------- reach
    def reach(self, names: Iterable[str]) -> list[_Stmt]:
        """Top-level statements that defining or calling ``names`` may run."""
        seen: set[int] = set()
        todo = list(names)
        while todo:
            for i in self.bindings.get(todo.pop(), []):
                if i not in seen:
                    seen.add(i)
                    todo += sorted(self.stmts[i].globals_used)
        return [self.stmts[i] for i in sorted(seen)]

    def global_findings(self) -> list[Finding]:
        """Findings in code that runs at the top level of untrusted cells."""
        out: list[Finding] = []
        called: set[str] = set()
        for s in self.stmts:
            if not s.cell.trusted:
                out += s.top_findings
                called |= s.top_globals
        for s in self.reach(called):
            if not s.cell.trusted:
                out += s.findings
        return _unique(out)

    def findings_for(self, name: str) -> list[Finding]:
        """Findings in untrusted code that the graded function ``name`` reaches."""
        return _unique(
            [f for s in self.reach([name]) if not s.cell.trusted for f in s.findings]
        )

    def all_findings(self) -> list[Finding]:
        return _unique(
            [f for s in self.stmts if not s.cell.trusted for f in s.findings]
        )

    def delegation(
        self,
        name: str,
        forbidden: Iterable[str],
        *,
        allow_library: Iterable[str] = (),
        value_methods: Iterable[str] = (),
    ) -> list[Reference]:
        """References from ``name``'s reach to forbidden functions or the library.

        Args:
            name: the graded function.
            forbidden: forbidden identifiers (``"softmax"``, ``"CrossEntropyLoss"``);
                matched against every component of a chain rooted at an imported
                module (case-insensitive; names of 5+ letters also inside longer
                ones, so ``_softmax`` and ``special_softmax`` match ``softmax``).
            allow_library: ``medlearn`` modules this part may use besides
                the infrastructure (data, device, io, viz, timing). Defaults to ().
            value_methods: forbidden names that are also methods of tensors,
                matched on any value (``x.softmax(1)``). Defaults to ().

        Returns:
            The offending references, in order.
        """
        names = [f.lower().lstrip("_") for f in forbidden]
        methods = {m.lower() for m in value_methods}
        allowed = (*LIBRARY_INFRASTRUCTURE, *allow_library)
        out = []
        for s in self.reach([name]):
            if s.cell.trusted:
                continue
            for r in s.refs:
                parts = [p.lower().lstrip("_") for p in r.path.split(".")]
                if r.path.startswith("<value>."):
                    if methods & set(parts[1:]):
                        out.append(r)
                elif any(_matches(p, names) for p in parts[1:]):
                    out.append(r)
                elif (
                    parts[0] == "medlearn"
                    and len(parts) > 1
                    and not any(
                        r.path == m or r.path.startswith(m + ".") for m in allowed
                    )
                ):
                    out.append(r)
        return out


def _matches(component: str, names: list[str]) -> bool:
    return any(component == n or (len(n) >= 5 and n in component) for n in names)


def _unique(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        if f not in seen:
            seen.add(f)
            out.append(f)
    return out
