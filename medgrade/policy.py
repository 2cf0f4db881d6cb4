"""The one tamper policy: what a submission's code may do, judged from its source.

The grader never trusts what a student's kernel says about itself; it reads the
submission's code instead (this module) and asks the kernel only for values
(:mod:`medgrade.checker`). Two questions are answered here, statically:

1. **Findings** — constructs an honest answer never needs and that could reach
   around the rules: dynamic code (``exec``, ``eval``, ``compile``,
   ``__import__``, ``importlib``, ``getattr`` with a computed name, ``globals()``,
   ``vars()``), dunder and frame attributes (``__dict__``, ``__globals__``,
   ``f_globals``), IPython internals (``get_ipython``), imports outside an
   allowlist (``os``, ``sys``, ``pickle``, ``ctypes``, ``threading``, ``socket``,
   ``subprocess`` …), unpickling (``torch.load``), ``open``, tensor subclasses,
   special methods that change comparisons (``__eq__``, ``__torch_function__``),
   and assignments to attributes of modules (monkeypatching).
2. **Delegation** — whether a graded function (with everything it reaches:
   helpers, aliases, default arguments, module-level bindings) refers to a
   forbidden function (``torch.softmax``, ``x.softmax``, ``nn.Softmax``) or to the
   course library's topic modules, which hold the reference solutions.

A finding in code that runs at the top level of the notebook taints every
part; a finding inside a function taints the parts whose graded function
reaches it. Names are resolved with Python's scoping rules, so a parameter
``x`` is never confused with a top-level ``x``.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

__all__ = ["Cell", "Finding", "Reference", "Submission", "ALLOWED_IMPORTS"]

ALLOWED_IMPORTS = frozenset(
    "__future__ abc bisect cmath collections copy dataclasses datetime decimal enum "
    "fractions functools heapq ipywidgets itertools json math matplotlib medlearn "
    "nibabel numbers numpy pandas pprint random re scipy skimage sklearn statistics "
    "string textwrap time tqdm torch typing typing_extensions warnings".split()
)
ALLOWED_SUBMODULES = frozenset({"IPython.display"})
# Library modules any answer may use: data, devices, files, plots, timers.
LIBRARY_INFRASTRUCTURE = ("medlearn.data", "medlearn.device", "medlearn.io")
LIBRARY_INFRASTRUCTURE += ("medlearn.viz", "medlearn.timing")
_FORBIDDEN_CALLS = {
    "eval": "runs code from a string (eval)",
    "exec": "runs code from a string (exec)",
    "compile": "compiles code from a string",
    "__import__": "imports by name (__import__)",
    "globals": "reads the namespace (globals())",
    "locals": "reads the namespace (locals())",
    "vars": "reads an object's namespace (vars())",
    "setattr": "sets attributes by name (setattr)",
    "delattr": "deletes attributes by name (delattr)",
    "open": "opens files",
    "get_ipython": "uses IPython's internals (get_ipython)",
}
_FRAME_ATTRS = frozenset(
    "f_globals f_locals f_back f_builtins f_code tb_frame tb_next gi_frame gi_code "
    "cr_frame cr_code ag_frame ag_code co_code co_consts co_names func_globals "
    "mro".split()
)
# Attribute names that unpickle, compile C++, reach private op registries or
# spawn processes, on any chain rooted at an imported module.
_DANGEROUS_MODULE_ATTRS = frozenset(
    "load loads load_inline cpp_extension ops hub package multiprocessing "
    "distributed serialization library classes ctypeslib f2py".split()
)
_ALLOWED_DUNDERS = frozenset(
    "__init__ __call__ __name__ __qualname__ __doc__ __len__ __getitem__ __setitem__ "
    "__contains__ __iter__ __next__ __enter__ __exit__ __repr__ __str__ __post_init__ "
    "__version__ __main__ __future__".split()
)
_ALLOWED_MAGICS = {
    "matplotlib": False,
    "time": True,
    "timeit": True,
}  # name -> has code
_SUBCLASS_BANNED = ("torch.Tensor", "torch.nn.Parameter", "builtins.type")


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


def _transform(source: str) -> str:
    """IPython syntax (magics, ``!cmd``) as plain Python."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def _bound_names(node: ast.AST) -> Iterator[str]:
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
        yield from _bound_names(child)


def _import_paths(node: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, str, str]]:
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
            local |= set(_bound_names(s))
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
            tree = ast.parse(_transform(code))
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
        for name, bound, path in _import_paths(node):
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


class Submission:
    """A notebook's code cells, analysed once.

    Args:
        cells: the notebook's code cells in order; ``trusted`` ones are the
            instructor's and only serve to resolve names (imports of the set-up).

    Example:
        >>> s = Submission([Cell("a", "import torch\\ndef f(x):\\n    return x.softmax(1)", False)])
        >>> [r.code for r in s.delegation("f", ["softmax"])]
        ['x.softmax']
    """

    def __init__(self, cells: Iterable[Cell]) -> None:
        self.stmts: list[_Stmt] = []
        self.syntax_errors: list[str] = []
        for cell in cells:
            try:
                tree = ast.parse(_transform(cell.source))
            except SyntaxError as err:
                if not cell.trusted:
                    self.syntax_errors.append(f"cell {cell.cell_id!r}: {err.msg}")
                continue
            self.stmts += [_Stmt(cell, node) for node in tree.body]
        self.bindings: dict[str, list[int]] = {}
        aliases: dict[str, set[str]] = {}
        for i, s in enumerate(self.stmts):
            for name in set(_bound_names(s.node)):
                self.bindings.setdefault(name, []).append(i)
            if isinstance(s.node, ast.Import | ast.ImportFrom):
                for name, path, _ in _import_paths(s.node):
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
