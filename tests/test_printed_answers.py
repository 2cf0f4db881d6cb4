"""No chapter page prints the body of a function that its exercise grades.

The graded functions are read from the answer cells of every assignment in
``solutions/`` (code cells whose nbgrader metadata says ``solution: true``), so the
check follows the exercises when they change. For each graded function the
*references* are

- the body of the solution cell's function, and
- the body of every ``medlearn`` function or class of the same name (found with
  ``inspect``), together with the functions of its own module that it calls,
  directly or through each other (``blur_pool`` -> ``blur``, ``conv2d`` ->
  ``conv_loops`` / ``im2col``): the library's answer is spread over them.

A chapter page (``chapters/NN_*.md``) must contain none of them, nor a near copy:
not in its code, not through ``viz.show_source(...)`` (whose target is resolved and
its source checked), and, where the book has been built, not in any code block of
the built page (``_build/html/chapters/NN_*.html``). A page may show the idea in a
few lines (an equation, two to five core lines); what it may not show is most of a
body, or a long stretch of one.

Near copies: code is compared as token sequences with comments, docstrings and
layout dropped, string literals replaced by one token, and every identifier that
is not an attribute name replaced by one token (renaming variables changes
nothing). A reference is flagged when the page shares with it token runs of at
least ``MIN_RUN`` tokens (each with ``MIN_SPECIFIC`` tokens that are not names,
strings or brackets) that together cover at least ``MAX_COVERAGE`` of the
reference, or a single run of ``MAX_RUN`` tokens or more.
"""

from __future__ import annotations

import ast
import html
import importlib
import inspect
import keyword
import pkgutil
import re
import textwrap
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]*_*.md"))
BUILT = ROOT / "_build" / "html" / "chapters"
MIN_RUN = 10  # tokens: a shared run shorter than this is common code, not a copy
MIN_SPECIFIC = 4  # tokens per run that say what the code does (see `specific`)
GENERIC = {"N", "S", ",", "(", ")", "[", "]", ":", ".", "="}
MAX_COVERAGE = 0.5  # of a reference's tokens, in runs of MIN_RUN or more
MAX_RUN = 50  # tokens (about five lines): one shared stretch this long is a copy

# ------------------------------------------------------------------ tokens

_TOKEN = re.compile(
    r"""
    (?P<string>[rbfuRBFU]{0,2}(?:\"\"\"[\s\S]*?\"\"\"|'''[\s\S]*?'''
        |"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'))
    |(?P<comment>\#[^\n]*)
    |(?P<name>[A-Za-z_]\w*)
    |(?P<number>\d[\d_]*\.?\d*(?:[eE][-+]?\d+)?|\.\d+)
    |(?P<op>\*\*=?|//=?|==|!=|<=|>=|->|:=|<<|>>|[-+*/%@&|^~<>=!]=?|[()\[\]{}.,:;])
    """,
    re.VERBOSE,
)


class _NoDocstrings(ast.NodeTransformer):
    def generic_visit(self, node):
        super().generic_visit(node)
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and _is_docstring(body[0]):
            node.body = body[1:] or [ast.Pass()]
        return node


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def normalise(code: str) -> str:
    """Python code in one layout (``ast.unparse``), without comments or docstrings.

    Code that does not parse (a fragment, printed output) is returned as it is.
    """
    try:
        tree = ast.parse(textwrap.dedent(code))
    except SyntaxError:
        return code
    return ast.unparse(_NoDocstrings().visit(tree))


def tokens(code: str) -> list[str]:
    """Canonical tokens of Python code: layout, comments and names normalised.

    Keywords, operators, numbers and attribute names are kept; every other
    identifier becomes ``N`` and every string literal ``S``.
    """
    out: list[str] = []
    for m in _TOKEN.finditer(normalise(code)):
        kind, text = m.lastgroup, m.group()
        if kind == "comment":
            continue
        if kind == "string":
            out.append("S")
        elif kind == "name":
            keep = keyword.iskeyword(text) or (out and out[-1] == ".")
            out.append(text if keep else "N")
        else:
            out.append(text)
    return out


def specific(run: tuple[str, ...]) -> bool:
    """A run counts when it holds enough tokens beyond names and brackets.

    ``.sum().item()`` or ``f(a, b, c)`` occur in any code; attribute names,
    operators, numbers and keywords make a run a statement of what is computed.
    """
    return sum(t not in GENERIC for t in run) >= MIN_SPECIFIC


@dataclass(frozen=True)
class Match:
    coverage: float  # share of the reference's coverable tokens in shared runs
    longest: int  # the longest shared run, in tokens

    @property
    def copied(self) -> bool:
        return self.coverage >= MAX_COVERAGE or self.longest >= MAX_RUN


def compare(reference: list[str], page: list[str]) -> Match:
    """How much of ``reference`` appears in ``page`` as shared token runs.

    The coverage counts the reference's tokens that lie in a shared, specific run
    of ``MIN_RUN`` tokens, relative to those that an exact copy would cover.
    """
    coverable = _compare(reference, reference).coverage
    if not coverable:  # too short for a specific run: only a whole copy counts
        n = len(reference)
        whole = any(page[j : j + n] == reference for j in range(len(page) - n + 1))
        return Match(float(whole and n > 0), n if whole else 0)
    match = _compare(reference, page)
    return Match(match.coverage / coverable, match.longest)


def _compare(reference: list[str], page: list[str]) -> Match:
    if len(reference) < MIN_RUN:
        return Match(0.0, 0)
    starts: dict[tuple[str, ...], list[int]] = {}
    for j in range(len(page) - MIN_RUN + 1):
        starts.setdefault(tuple(page[j : j + MIN_RUN]), []).append(j)
    covered = [False] * len(reference)
    longest = 0
    counted: set[tuple[int, int]] = set()
    for i in range(len(reference) - MIN_RUN + 1):
        run = tuple(reference[i : i + MIN_RUN])
        hits = starts.get(run)
        if not hits or not specific(run):
            continue
        covered[i : i + MIN_RUN] = [True] * MIN_RUN
        for j in hits:
            counted.add((i, j))
            if (i - 1, j - 1) in counted:
                continue  # inside a run already measured from its start
            n = MIN_RUN
            while (
                i + n < len(reference)
                and j + n < len(page)
                and reference[i + n] == page[j + n]
            ):
                n += 1
            longest = max(longest, n)
    return Match(sum(covered) / len(reference), longest)


# -------------------------------------------------------------- references


def _body_source(node: ast.FunctionDef | ast.ClassDef) -> str:
    """The statements of a definition, without its docstring."""
    body = node.body[1:] if node.body and _is_docstring(node.body[0]) else node.body
    return "\n".join(ast.unparse(stmt) for stmt in body)


def _only_validates(node: ast.FunctionDef | ast.ClassDef) -> bool:
    """A helper that only checks its arguments (``if ...: raise``) is no answer.

    It may end by returning what it checked (``return x.dim() - 2``).
    """
    body = node.body[1:] if node.body and _is_docstring(node.body[0]) else node.body
    if body and isinstance(body[-1], ast.Return) and len(body) > 1:
        body = body[:-1]
    return isinstance(node, ast.FunctionDef) and all(
        isinstance(stmt, ast.Raise)
        or (
            isinstance(stmt, ast.If)
            and all(isinstance(s, ast.Raise) for s in stmt.body)
        )
        for stmt in body
    )


@dataclass(frozen=True)
class Graded:
    assignment: str
    name: str
    solution: str  # the solution cell's function body


@cache
def graded_functions() -> tuple[Graded, ...]:
    found = []
    for path in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or not meta.get("solution"):
                continue
            source = cell.source
            for node in ast.parse(source).body:
                if isinstance(node, ast.FunctionDef | ast.ClassDef):
                    found.append(
                        Graded(path.parent.name, node.name, _body_source(node))
                    )
    return tuple(found)


@cache
def _library_modules() -> tuple:
    import medlearn

    names = [
        m.name
        for m in pkgutil.walk_packages(medlearn.__path__, "medlearn.")
        if not m.name.startswith("medlearn.grading")
    ]
    return tuple(importlib.import_module(n) for n in names)


def _module_functions(module) -> dict[str, object]:
    return {
        name: obj
        for name, obj in vars(module).items()
        if (inspect.isfunction(obj) or inspect.isclass(obj))
        and getattr(obj, "__module__", None) == module.__name__
    }


def _definitions_named(name: str) -> list[object]:
    """``medlearn`` functions, classes and methods called ``name``."""
    found = []
    for module in _library_modules():
        for obj in _module_functions(module).values():
            if obj.__name__ == name:
                found.append(obj)
            if inspect.isclass(obj):
                found += [
                    member
                    for member_name, member in vars(obj).items()
                    if member_name == name and inspect.isfunction(member)
                ]
    return list({id(o): o for o in found}.values())


def _callees(obj) -> list[object]:
    """Library functions and classes that ``obj`` calls by name: defined in its
    module or imported into it from another ``medlearn`` module (not the private
    argument helpers), so a body split across files is still followed."""
    module = inspect.getmodule(obj)
    local = {
        name: f
        for name, f in vars(module).items()
        if (inspect.isfunction(f) or inspect.isclass(f))
        and getattr(f, "__module__", "").startswith("medlearn")
        and getattr(f, "__module__", "") != "medlearn._helpers"
    }
    tree = ast.parse(textwrap.dedent(inspect.getsource(obj)))
    names = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    return [local[n] for n in sorted(names) if n in local and local[n] is not obj]


def _definition(obj) -> ast.FunctionDef | ast.ClassDef:
    return ast.parse(textwrap.dedent(inspect.getsource(obj))).body[0]


@cache
def references(graded: Graded) -> tuple[tuple[str, list[str]], ...]:
    """``(label, tokens)`` of every reference body of one graded function."""
    refs = [(f"solution of {graded.assignment}:{graded.name}", graded.solution)]
    todo, seen = _definitions_named(graded.name), set()
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        node = _definition(obj)
        if not _only_validates(node):
            refs.append((f"{obj.__module__}.{obj.__qualname__}", _body_source(node)))
        todo += _callees(obj)
    return tuple((label, tokens(body)) for label, body in refs)


# ----------------------------------------------------------------- pages


def code_cells(page: Path) -> list[str]:
    """The code of a MyST page: its code cells and fenced code blocks."""
    text = page.read_text()
    fences = re.finditer(r"^(```+|~~~+)([^\n]*)\n(.*?)^\1\s*$", text, re.M | re.S)
    blocks = [
        m.group(3)
        for m in fences
        if not m.group(2).startswith("{") or m.group(2).startswith("{code-cell}")
    ]
    return blocks + [m.group(1) for m in re.finditer(r"`([^`\n]{20,})`", text)]


def shown_sources(page: Path) -> list[tuple[str, str]]:
    """``(expression, source)`` for every ``show_source(expression)`` on the page."""
    cells = code_cells(page)
    namespace: dict = {}
    shown = []
    for cell in cells:
        try:
            tree = ast.parse(cell)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                exec(compile(ast.Module([node], []), str(page), "exec"), namespace)
    for cell in cells:
        try:
            tree = ast.parse(cell)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            func = getattr(node, "func", None)
            name = getattr(func, "attr", None) or getattr(func, "id", None)
            if isinstance(node, ast.Call) and name == "show_source" and node.args:
                expr = ast.unparse(node.args[0])
                try:
                    target = eval(expr, dict(namespace))  # names and attributes only
                except Exception as err:  # noqa: BLE001 - reported as a failure
                    pytest.fail(
                        f"{page.name}: cannot resolve show_source({expr}): {err}"
                    )
                shown.append((expr, inspect.getsource(target)))
    return shown


def built_code(page: Path) -> str:
    """The text of every code block (input or output) of a built page."""
    text = page.read_text(errors="replace")
    blocks = re.findall(r"<pre[^>]*>(.*?)</pre>", text, re.S)
    return "\n".join(html.unescape(re.sub(r"<[^>]+>", "", b)) for b in blocks)


def copies(code: str) -> list[str]:
    """Every graded reference that ``code`` copies, with how much of it."""
    page = tokens(code)
    found = []
    for graded in graded_functions():
        for label, ref in references(graded):
            match = compare(ref, page)
            if match.copied:
                found.append(
                    f"{graded.assignment}:{graded.name} ({label}): "
                    f"{match.coverage:.0%} of its tokens, longest run {match.longest}"
                )
    return found


# ----------------------------------------------------------------- tests


def test_graded_functions_are_found():
    graded = graded_functions()
    assert len({g.assignment for g in graded}) == len(
        list((ROOT / "solutions").glob("*/*.ipynb"))
    )
    assert all(len(tokens(g.solution)) > 0 for g in graded)


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_page_code_copies_no_graded_body(page):
    found = copies("\n".join(code_cells(page)))
    assert not found, f"{page.name} contains graded answers:\n" + "\n".join(found)


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_page_shows_no_graded_source(page):
    problems = [
        f"show_source({expr}) prints {what}"
        for expr, source in shown_sources(page)
        for what in copies(source)
    ]
    assert not problems, f"{page.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_built_page_prints_no_graded_body(page):
    built = BUILT / f"{page.stem}.html"
    if not built.is_file():
        pytest.skip(f"{built} not built (make book)")
    found = copies(built_code(built))
    assert not found, f"{built} prints graded answers:\n" + "\n".join(found)


# --------------------------------------------------------- the checker itself


class _Rename(ast.NodeTransformer):
    """Rename every variable and argument, consistently: a disguised copy."""

    def __init__(self):
        self.names: dict[str, str] = {}

    def _new(self, name: str) -> str:
        if name in dir(__builtins__) or name in ("torch", "F", "nn", "math"):
            return name
        return self.names.setdefault(name, f"renamed_{len(self.names)}")

    def visit_Name(self, node):  # noqa: N802 - ast's naming
        node.id = self._new(node.id)
        return node

    def visit_arg(self, node):
        node.arg = self._new(node.arg)
        return node


def disguise(body: str) -> str:
    tree = _Rename().visit(ast.parse(body))
    return ast.unparse(tree)  # new layout, no comments


@pytest.mark.parametrize(
    "graded", graded_functions(), ids=lambda g: f"{g.assignment}:{g.name}"
)
def test_checker_catches_a_renamed_copy(graded):
    page = (
        "import torch\nx = torch.randn(4, 3)\nprint(x.shape)\n"
        + disguise(graded.solution)
        + "\nplt.show()\n"
    )
    assert "renamed_0" in page or len(tokens(graded.solution)) < 12
    assert compare(tokens(graded.solution), tokens(page)).copied


def test_checker_catches_show_source_of_a_private_helper():
    """``blur_pool``'s library answer is in ``depthwise_filter`` (another file of
    ``medlearn.sampling``): showing it is caught."""
    from medlearn import sampling

    graded = Graded("03_unet", "blur_pool", "pass")
    labels = [label for label, _ in references(graded)]
    label = "medlearn.sampling.filters.depthwise_filter"
    assert label in labels, labels
    ref = dict(references(graded))[label]
    assert compare(ref, tokens(inspect.getsource(sampling.depthwise_filter))).copied


def test_checker_allows_a_few_core_lines_and_unrelated_code():
    longest = max(graded_functions(), key=lambda g: len(tokens(g.solution)))
    two_lines = "\n".join(longest.solution.splitlines()[:2])
    assert not compare(tokens(longest.solution), tokens(two_lines)).copied
    others = [g for g in graded_functions() if g.name != longest.name]
    unrelated = "\n".join(
        g.solution for g in others if g.assignment != longest.assignment
    )
    assert not compare(tokens(longest.solution), tokens(unrelated)).copied
