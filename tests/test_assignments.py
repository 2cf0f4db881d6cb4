"""Every exercise through the real nbgrader command line.

For each assignment in ``solutions/``: ``generate_assignment`` must reproduce the
committed ``exercises/`` notebook; ``autograde`` must give the instructor's
solution full marks, the untouched release zero, and every mutant in
``tests/mutants/<assignment>/`` less than full marks on the hidden tests of the
part it replaces; ``generate_feedback`` must not show hidden-test source.
"""

from __future__ import annotations

import html
import json
import re
import time

import harness
import nbformat
import pytest

pytestmark = pytest.mark.slow

ASSIGNMENTS = harness.assignments()


def _normalised(nb) -> str:
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    return json.dumps(nb, sort_keys=True, indent=1)


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded(request, tmp_path_factory):
    """Release, then autograde solution + untouched + all mutants in one batch."""
    assignment = request.param
    tmp = tmp_path_factory.mktemp(assignment)
    course = harness.make_course(tmp, assignment)
    students = {
        "solution": harness.submission(assignment),
        "untouched": harness.submission(assignment, fill=False),
    }
    for m in harness.mutants(assignment):
        students[f"mutant-{m.name}"] = harness.submission(
            assignment, replace={m.replaces: m.source}
        )
    start = time.perf_counter()
    grades = harness.autograde(course, assignment, students)
    elapsed = time.perf_counter() - start
    return {
        "assignment": assignment,
        "course": course,
        "grades": grades,
        "students": students,
        "elapsed": elapsed,
    }


def _auto(
    grades: dict[str, tuple[float, float]], prefix: str = "test_"
) -> tuple[float, float]:
    items = [v for k, v in grades.items() if k.startswith(prefix)]
    return sum(s for s, _ in items), sum(m for _, m in items)


def test_release_matches_committed_exercise(graded):
    a = graded["assignment"]
    generated = nbformat.read(
        graded["course"] / "exercises" / a / f"{a}.ipynb", as_version=4
    )
    committed = nbformat.read(harness.release_notebook(a), as_version=4)
    assert _normalised(generated) == _normalised(committed), (
        f"exercises/{a} is out of date with solutions/{a}: run `make assignments` and commit"
    )


def test_every_part_has_visible_and_hidden_tests_and_mutants():
    for a in ASSIGNMENTS:
        src = nbformat.read(harness.source_notebook(a), as_version=4)
        ids = {harness.nbgrader_meta(c).get("grade_id") for c in src.cells}
        hidden_cells = {
            harness.nbgrader_meta(c)["grade_id"]: c.source
            for c in src.cells
            if "BEGIN HIDDEN TESTS" in c.source
        }
        replaced = {m.replaces for m in harness.mutants(a)}
        assert src.metadata["kernelspec"]["name"] == "python3", (
            f"{a}: kernel must be python3"
        )
        assert any(
            harness.nbgrader_meta(c).get("solution")
            and harness.nbgrader_meta(c).get("grade")
            and c.cell_type == "markdown"
            for c in src.cells
        ), f"{a}: needs a manually graded reflection question"
        for part in harness.answer_ids(src):
            assert f"test_{part}_visible" in ids, (
                f"{a}: part {part} has no visible test cell test_{part}_visible"
            )
            assert f"test_{part}_hidden" in hidden_cells, (
                f"{a}: part {part} has no hidden test cell test_{part}_hidden"
            )
            assert part in replaced, (
                f"{a}: part {part} has no mutant in tests/mutants/{a}/"
            )


def test_solution_gets_full_marks(graded):
    g = graded["grades"]["solution"]
    failed = {k: v for k, v in g.items() if k.startswith("test_") and v[0] < v[1]}
    assert not failed, f"{graded['assignment']}: the solution lost points in {failed}"


def test_untouched_release_gets_zero(graded):
    score, max_score = _auto(graded["grades"]["untouched"])
    assert max_score > 0 and score == 0, (
        f"the untouched release scored {score}/{max_score}"
    )


def test_every_mutant_loses_points_on_its_hidden_tests(graded):
    a = graded["assignment"]
    survivors = []
    for m in harness.mutants(a):
        g = graded["grades"][f"mutant-{m.name}"]
        hidden = g[f"test_{m.replaces}_hidden"]
        total, max_total = _auto(g)
        if hidden[0] >= hidden[1] or total >= max_total:
            survivors.append(f"{m.name} ({m.description}): {total}/{max_total}")
    assert not survivors, (
        f"{a}: mutants that the hidden tests do not catch: {survivors}"
    )


def _hidden_lines(assignment: str) -> set[str]:
    src = nbformat.read(harness.source_notebook(assignment), as_version=4)
    lines = set()
    for c in src.cells:
        for block in re.findall(
            r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", c.source, re.S
        ):
            lines |= {ln.strip() for ln in block.splitlines() if len(ln.strip()) > 25}
    return lines


def _feedback_text(graded, student: str) -> str:
    a = graded["assignment"]
    path = (
        harness.shard_of(graded["course"], student)
        / "feedback"
        / student
        / a
        / f"{a}.html"
    )
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text()))


def test_feedback_never_shows_hidden_test_source(graded):
    hidden = _hidden_lines(graded["assignment"])
    assert hidden, f"{graded['assignment']}: no hidden tests found"
    for student in graded["students"]:
        text = _feedback_text(graded, student)
        leaked = [ln for ln in hidden if ln in text]
        assert not leaked, (
            f"feedback for {student} shows hidden-test source: {leaked[:3]}"
        )
        assert "BEGIN HIDDEN TESTS" not in text


def test_mutant_feedback_says_what_is_wrong(graded):
    """A failing hidden test explains itself in words (a ✗ line), not a bare AssertionError."""
    for m in harness.mutants(graded["assignment"]):
        text = _feedback_text(graded, f"mutant-{m.name}")
        assert "✗" in text, f"feedback for mutant {m.name} has no failure message"
