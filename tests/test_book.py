"""The executed book: built with warnings as errors, offline, every chapter within budget."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BUDGET_S = 60.0


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part["chapters"]]
    return files


@pytest.fixture(scope="module")
def book(book_build):
    """The book built once per session (tests/conftest.py), shared with the browser tests."""
    return book_build


def test_book_builds_with_warnings_as_errors(book):
    proc = book["proc"]
    assert proc.returncode == 0, (
        f"jupyter-book failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    )


def test_every_toc_page_is_rendered(book):
    for f in toc_files():
        page = book["html"] / f"{f}.html"
        assert page.is_file(), f"{page} missing"
        assert len(page.read_text()) > 2000


def test_every_chapter_executes_within_budget(book):
    from jupyter_cache import get_cache

    cache = get_cache(ROOT / "_build" / ".jupyter_cache")
    seconds = {
        Path(r.uri).stem: r.data.get("execution_seconds")
        for r in cache.list_cache_records()
    }
    # chapters/NN_stem and the second page of a split chapter, chapters/NNb_stem
    chapters = [
        Path(f).name for f in toc_files() if re.match(r"chapters/\d\d[a-z]?_", f)
    ]
    assert chapters
    for ch in chapters:
        assert ch in seconds, f"{ch} was not executed (no cache record)"
        assert seconds[ch] <= BUDGET_S, (
            f"{ch} took {seconds[ch]:.1f} s to execute (budget {BUDGET_S} s)"
        )


def test_chapters_download_nothing(book):
    attempts = book["netlog"].read_text() if book["netlog"].exists() else ""
    assert attempts == "", (
        f"network access attempted while building the book:\n{attempts}"
    )


def _hidden_test_lines() -> set[str]:
    """Distinctive lines of every hidden test in solutions/ (they must stay private)."""
    import nbformat

    lines = set()
    for path in (ROOT / "solutions").glob("*/*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            for block in re.findall(
                r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S
            ):
                lines |= {
                    ln.strip() for ln in block.splitlines() if len(ln.strip()) > 30
                }
    return lines


def test_no_solution_or_hidden_test_in_the_book(book):
    """No nbgrader markers and no hidden-test line on any page. (The library, which
    the book documents, holds the reference implementations by design.)"""
    hidden = _hidden_test_lines()
    assert hidden
    for page in book["html"].rglob("*.html"):
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(errors="replace")))
        if re.match(
            r"\d\d_", page.name
        ):  # the instructor guide names the markers in prose
            for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS"):
                assert marker not in text, f"{page} contains {marker!r}"
        leaked = [ln for ln in hidden if ln in text]
        assert not leaked, f"{page} shows hidden-test lines: {leaked[:3]}"


def test_no_cell_output_is_an_error(book):
    for page in (book["html"] / "chapters").glob("*.html"):
        text = page.read_text(errors="replace")
        assert "Traceback (most recent call last)" not in text, (
            f"{page} shows a traceback"
        )
