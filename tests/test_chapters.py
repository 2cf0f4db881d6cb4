"""Every chapter page has the structure the course promises (design.md, issue 14).

Read from the page sources (fast, no execution): learning objectives at the top, a
"Check your understanding" section of 3 to 5 questions whose answers sit in collapsed
dropdowns, further reading with citations, the notation page linked; visible code that
teaches (plotting and ``glue`` boilerplate in hidden cells) and fits the book's width.
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
MAX_LINE = 88  # characters of code that fit a code block of the book without scrolling
HIDDEN = {"hide-input", "remove-input", "remove-cell"}
# matplotlib calls that only style a figure: they belong in hidden cells
PLOTTING = re.compile(
    r"plt\.subplots\(|\.(set|set_title|set_xlabel|set_ylabel|legend|imshow|plot|scatter"
    r"|fill_between|add_patch|annotate|text|axhline|axvline|tight_layout|colorbar"
    r"|suptitle|set_axis_off|loglog|stem|bar)\("
)


def toc_chapters() -> list[Path]:
    toc = yaml.safe_load((ROOT / "toc.yml").read_text())
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [ROOT / f"{f}.md" for f in files if re.match(r"chapters/\d\d[a-z]?_", f)]


CHAPTERS = toc_chapters()


def test_every_chapter_page_is_in_the_toc():
    on_disk = set((ROOT / "chapters").glob("[0-9][0-9]*_*.md"))
    assert on_disk == set(CHAPTERS)
    assert (ROOT / "chapters" / "notation.md").is_file()
    toc = (ROOT / "toc.yml").read_text()
    assert "chapters/notation" in toc


def sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_structure(page):
    text = page.read_text()
    before_first_section = text.split("\n## ", 1)[0]
    assert "Learning objectives" in before_first_section, "objectives at the top"
    assert "(notation)" in before_first_section, "link the notation page"
    found = sections(text)
    assert "What to remember" in found
    questions = found.get("Check your understanding", "")
    n_questions = len(re.findall(r"^\d\. ", questions, flags=re.M))
    n_answers = questions.count(":::{dropdown} Answer")
    assert 3 <= n_questions <= 5, f"{n_questions} questions"
    assert n_answers == n_questions, "every answer in a collapsed dropdown"
    assert "{cite}" in found.get("Further reading", ""), "further reading, cited"


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_visible_code_teaches_and_fits(page):
    problems = []
    for i, cell in enumerate(jupytext.read(page).cells):
        if cell.cell_type != "code":
            continue
        hidden = HIDDEN & set(cell.metadata.get("tags", []))
        first = cell.source.splitlines()[0] if cell.source else ""
        for line in cell.source.splitlines():
            if len(line) > MAX_LINE:
                problems.append(
                    f"cell {i}: {len(line)} characters: {line.strip()[:60]}"
                )
        if not hidden and "glue(" in cell.source:
            problems.append(f"cell {i} ({first[:40]}): glue in a visible cell")
        if not hidden and PLOTTING.search(cell.source):
            problems.append(
                f"cell {i} ({first[:40]}): figure styling in a visible cell"
            )
    assert not problems, f"{page.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_run_time_is_measured_not_typed(page):
    """The page states its run time from a glued measurement, not a typed guess."""
    text = page.read_text()
    assert "{glue:text}`run_seconds" in text
    assert not re.search(r"Run time: about \d+ s", text)
