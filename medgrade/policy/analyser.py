"""One top-level statement, walked with Python's scoping rules: findings and references.

See :mod:`medgrade.policy`.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator

from medgrade.policy.model import Finding, Reference, _Stmt
from medgrade.policy.rules import (
    _ALLOWED_DUNDERS,
    _ALLOWED_MAGICS,
    _DANGEROUS_MODULE_ATTRS,
    _FORBIDDEN_CALLS,
    _FRAME_ATTRS,
    _SUBCLASS_BANNED,
    ALLOWED_IMPORTS,
    ALLOWED_SUBMODULES,
)

__all__ = ["bound_names", "import_paths", "transform"]


def transform(source: str) -> str:
    """IPython syntax (magics, ``!cmd``) as plain Python."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def bound_names(node: ast.AST) -> Iterator[str]:
    """Names a statement binds in the scope it runs in (not inside nested defs)."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        yield node.name
        return
    if isinstance(node, ast.Import | ast.ImportFrom):
        for a in node.names:
            if a.name != "*":
                yield (a.asname or a.name).split(".")[0]
        return
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
        yield node.id
    if isinstance(node, ast.ExceptHandler) and node.name:
        yield node.name
    if isinstance(node, ast.Lambda | ast.GeneratorExp | ast.ListComp | ast.SetComp):
        return
    if isinstance(node, ast.DictComp):
        return
    for child in ast.iter_child_nodes(node):
        yield from bound_names(child)


def import_paths(node: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, str, str]]:
    """``(bound name, path it is bound to, full imported path)`` per alias."""
    for a in node.names:
        if isinstance(node, ast.Import):
            root = a.name.split(".")[0]
            yield (a.asname or root), (a.name if a.asname else root), a.name
        elif a.name != "*":
            path = f"{'.' * node.level}{node.module or ''}.{a.name}"
            yield (a.asname or a.name), path, path


def _root_module(path: str) -> str:
    return path.lstrip(".").split(".")[0]


class _Scope:
    def __init__(self, local: set[str], aliases: dict[str, str]) -> None:
        self.local, self.aliases = local, aliases


class _Analyser(ast.NodeVisitor):
    """Walks one top-level statement with Python's scoping rules."""

    def __init__(self, stmt: _Stmt, module_aliases: dict[str, set[str]]) -> None:
        self.stmt, self.module_aliases = stmt, module_aliases
        self.scopes: list[_Scope] = []
        self.depth = 0  # enclosing function bodies (class bodies run at the top level)

    # ------------------------------------------------------------ reporting
    def _code(self, node: ast.AST) -> str:
        try:
            return ast.unparse(node)[:120]
        except Exception:  # noqa: BLE001 - unparse of odd nodes
            return "?"

    def _find(self, node: ast.AST, reason: str) -> None:
        f = Finding(
            self.stmt.cell.cell_id, getattr(node, "lineno", 0), self._code(node), reason
        )
        self.stmt.findings.append(f)
        if not self.depth:
            self.stmt.top_findings.append(f)

    def _ref(self, node: ast.AST, path: str) -> None:
        self.stmt.refs.append(
            Reference(
                self.stmt.cell.cell_id,
                getattr(node, "lineno", 0),
                self._code(node),
                path,
            )
        )

    # ------------------------------------------------------------ resolution
    def _is_local(self, name: str) -> bool:
        return any(name in s.local for s in self.scopes)

    def resolve(self, node: ast.AST) -> list[str]:
        """Dotted paths an expression may denote (empty: a local value)."""
        if isinstance(node, ast.Name):
            for scope in reversed(self.scopes):
                if node.id in scope.aliases:
                    return [scope.aliases[node.id]]
                if node.id in scope.local:
                    return []
            if node.id in self.module_aliases:
                return sorted(self.module_aliases[node.id])
            if hasattr(builtins, node.id):
                return [f"builtins.{node.id}"]
            return []
        if isinstance(node, ast.Attribute):
            return [f"{p}.{node.attr}" for p in self.resolve(node.value)]
        if _constant_getattr(node):
            return [f"{p}.{node.args[1].value}" for p in self.resolve(node.args[0])]
        return []

    def _chain_path(self, node: ast.Attribute) -> list[str]:
        paths = self.resolve(node)
        if paths:
            return paths
        attrs = []
        while isinstance(node, ast.Attribute):
            attrs.append(node.attr)
            node = node.value
        return ["<value>." + ".".join(reversed(attrs))]

    # ------------------------------------------------------------ scopes
    def _function_scope(self, node: ast.AST, params: ast.arguments | None) -> _Scope:
        local: set[str] = set()
        if params is not None:
            for a in [*params.posonlyargs, *params.args, *params.kwonlyargs]:
                local.add(a.arg)
            for a in (params.vararg, params.kwarg):
                if a is not None:
                    local.add(a.arg)
        body = node.body if isinstance(node.body, list) else [node.body]
        declared_global: set[str] = set()
        for s in body:
            for n in ast.walk(s):
                if isinstance(n, ast.Global):
                    declared_global |= set(n.names)
            local |= set(bound_names(s))
        scope = _Scope(local - declared_global, {})
        for s in body:  # local aliases of modules: t = torch.nn
            for n in ast.walk(s):
                if isinstance(n, ast.Assign) and len(n.targets) == 1:
                    t = n.targets[0]
                    if isinstance(t, ast.Name):
                        self.scopes.append(scope)
                        paths = self.resolve(n.value)
                        self.scopes.pop()
                        if paths:
                            scope.aliases[t.id] = paths[0]
        return scope

    def _visit_function(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    ) -> None:
        for d in getattr(node, "decorator_list", []):
            self.visit(d)
        for d in [*node.args.defaults, *node.args.kw_defaults]:
            if d is not None:
                self.visit(d)
        if not isinstance(node, ast.Lambda):
            for a in [*node.args.args, *node.args.kwonlyargs, *node.args.posonlyargs]:
                if a.annotation is not None:
                    self.visit(a.annotation)
            if node.returns is not None:
                self.visit(node.returns)
            if node.name.startswith("__") and node.name not in _ALLOWED_DUNDERS:
                self._find(node, f"defines the special method {node.name}")
        self.scopes.append(self._function_scope(node, node.args))
        self.depth += 1
        body = node.body if isinstance(node.body, list) else [node.body]
        for s in body:
            self.visit(s)
        self.depth -= 1
        self.scopes.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _visit_function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for d in [*node.decorator_list, *node.bases]:
            self.visit(d)
        for b in node.bases:
            if any(p in _SUBCLASS_BANNED for p in self.resolve(b)):
                self._find(node, f"subclasses {ast.unparse(b)}")
        for k in node.keywords:
            self.visit(k.value)
            if k.arg == "metaclass":
                self._find(node, "sets a metaclass")
        self.scopes.append(
            _Scope(set(), {})
        )  # class body: its names are not seen by methods
        for s in node.body:
            self.visit(s)
        self.scopes.pop()

    def _visit_comprehension(self, node: ast.AST) -> None:
        local = {
            n.id
            for g in node.generators
            for n in ast.walk(g.target)
            if isinstance(n, ast.Name)
        }
        for g in node.generators:
            self.visit(g.iter)
        self.scopes.append(_Scope(local, {}))
        for g in node.generators:
            for cond in g.ifs:
                self.visit(cond)
        for part in ("elt", "key", "value"):
            if hasattr(node, part):
                self.visit(getattr(node, part))
        self.scopes.pop()

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = (
        _visit_comprehension
    )

    # ------------------------------------------------------------ leaves
    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load) and not self._is_local(node.id):
            self.stmt.globals_used.add(node.id)
            if not self.depth:
                self.stmt.top_globals.add(node.id)
            if node.id in _FORBIDDEN_CALLS and node.id not in self.module_aliases:
                self._find(node, _FORBIDDEN_CALLS[node.id])
            elif node.id == "getattr" and node.id not in self.module_aliases:
                self._find(node, "uses getattr other than getattr(obj, 'name')")
            elif node.id.startswith("__") and node.id not in _ALLOWED_DUNDERS:
                self._find(node, f"uses {node.id}")
            for p in self.resolve(node):
                self._ref(node, p)

    def visit_Call(self, node: ast.Call) -> None:
        if _constant_getattr(node) and isinstance(node.func, ast.Name):
            attr = node.args[1].value
            self._check_attr(node, attr, self.resolve(node.args[0]))
            for p in self.resolve(node):
                self._ref(node, p)
            for a in [
                *node.args[:1],
                *node.args[2:],
                *(k.value for k in node.keywords),
            ]:
                self.visit(a)
            return
        self._check_magic(node)
        self.generic_visit(node)

    def _check_magic(self, node: ast.Call) -> None:
        f = node.func
        if not (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Call)):
            return
        if not (
            isinstance(f.value.func, ast.Name) and f.value.func.id == "get_ipython"
        ):
            return
        args = [a.value for a in node.args if isinstance(a, ast.Constant)]
        name = args[0] if args else None
        if f.attr in ("run_line_magic", "run_cell_magic") and name in _ALLOWED_MAGICS:
            if _ALLOWED_MAGICS[name]:
                for code in args[1:]:
                    if isinstance(code, str) and code.strip():
                        self._sub_analyse(node, code)
            node.func.value.func.id = "_allowed_magic_"  # not a get_ipython finding
        elif f.attr == "system" or f.attr == "getoutput":
            self._find(node, "runs a shell command")

    def _sub_analyse(self, node: ast.AST, code: str) -> None:
        try:
            tree = ast.parse(transform(code))
        except SyntaxError:
            return
        for s in tree.body:
            self.visit(s)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self._check_attr(node, node.attr, self.resolve(node.value))
        if isinstance(node.ctx, ast.Load):
            for p in self._chain_path(node):
                self._ref(node, p)
        if isinstance(node.ctx, ast.Store | ast.Del):
            self._check_mutation(node)
        self.visit(node.value)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.ctx, ast.Store | ast.Del):
            self._check_mutation(node)
        self.generic_visit(node)

    def _check_attr(self, node: ast.AST, attr: str, base: list[str]) -> None:
        if (
            attr.startswith("__")
            and attr.endswith("__")
            and attr not in _ALLOWED_DUNDERS
        ):
            self._find(node, f"uses the special attribute {attr}")
        elif attr in _FRAME_ATTRS:
            self._find(node, f"reads interpreter internals ({attr})")
        elif base and not all(b.startswith("<") for b in base):
            if attr in _DANGEROUS_MODULE_ATTRS:
                self._find(node, f"uses {base[0]}.{attr}")

    def _check_mutation(self, node: ast.Attribute | ast.Subscript) -> None:
        root = node.value
        while isinstance(root, ast.Attribute | ast.Subscript | ast.Call):
            root = root.func if isinstance(root, ast.Call) else root.value
        if self.resolve(root):
            self._find(
                node, "changes an attribute of a module or built-in (monkeypatching)"
            )

    def visit_Constant(self, node: ast.Constant) -> None:
        v = node.value
        if (
            isinstance(v, str)
            and v.startswith("__")
            and v.endswith("__")
            and v.isidentifier()
        ):
            if v not in _ALLOWED_DUNDERS:
                self._find(node, f"names the special attribute {v}")

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.ImportFrom) and node.level:
            self._find(node, "uses a relative import")
        for name, bound, path in import_paths(node):
            module = path if isinstance(node, ast.Import) else path.rsplit(".", 1)[0]
            allowed = _root_module(path) in ALLOWED_IMPORTS or any(
                module == m or module.startswith(m + ".") for m in ALLOWED_SUBMODULES
            )
            if not allowed:
                self._find(node, f"imports {module} (not allowed in answers)")
            parts = path.split(".")[1:]
            if any(p in _DANGEROUS_MODULE_ATTRS for p in parts):
                self._find(node, f"imports {path}")
            self._ref(node, path)
            if self.depth:  # an import inside a function is a local alias
                self.scopes[-1].aliases[name] = bound
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            self._ref(node, f"{node.module}.*")

    visit_ImportFrom = visit_Import


def _constant_getattr(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "getattr"
        and len(node.args) in (2, 3)
        and isinstance(node.args[1], ast.Constant)
        and isinstance(node.args[1].value, str)
    )
