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

import adversarial
import harness
import nbformat
import pytest

# make test distributes tests by file (`--dist loadfile`, the one mechanism this suite
# uses): every test here runs on one worker, so each assignment's batch is built once
# (the batches run one after another; each grades on both cores).
pytestmark = pytest.mark.slow

ASSIGNMENTS = harness.assignments()
_BATCHES: dict[str, dict] = {}  # one graded batch per assignment and process


def _normalised(nb) -> str:
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    return json.dumps(nb, sort_keys=True, indent=1)


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def graded(request, tmp_path_factory):
    """Release, then autograde one mixed batch: solution, untouched release, every
    mutant, every adversarial submission (tools/grade.py, parallel shards).

    Mutants that cannot interact (different parts, neither using the other)
    share a notebook, which keeps the suite fast; the first assignment's batch
    still holds at least 20 submissions (the at-scale check).
    """
    assignment = request.param
    if (
        assignment in _BATCHES
    ):  # pytest may tear a module fixture down and set it up again
        return _BATCHES[assignment]
    tmp = tmp_path_factory.mktemp(assignment)
    course = harness.make_course(tmp, assignment)
    students = {
        "solution": harness.submission(assignment),
        "untouched": harness.submission(assignment, fill=False),
    }
    mutant_student = {}
    groups = harness.combine_mutants(assignment)
    for i, group in enumerate(groups):
        name = f"mutant-{group[0].name}" if len(group) == 1 else f"mutants-{i}"
        students[name] = harness.submission(
            assignment, replace={m.replaces: m.source for m in group}
        )
        mutant_student.update({m.name: name for m in group})
    alternative_student = {}
    for i, group in enumerate(
        harness.combine_mutants(assignment, harness.alternatives(assignment))
    ):
        name = f"alternatives-{i}"
        students[name] = harness.submission(
            assignment, replace={m.replaces: m.source for m in group}
        )
        alternative_student.update({m.name: name for m in group})
    attacks = adversarial.attacks(assignment)
    for attack in attacks:
        students[f"attack-{attack.name}"] = attack.build(assignment, course)
    # an honest student graded after the attackers (in sorted order, on both shards)
    students["zz-victim"] = harness.submission(assignment)
    start = time.perf_counter()
    results = harness.autograde(course, assignment, students)
    _BATCHES[assignment] = {
        "assignment": assignment,
        "course": course,
        "grades": {s: r["grades"] for s, r in results.items()},
        "results": results,
        "students": students,
        "mutant_student": mutant_student,
        "alternative_student": alternative_student,
        "attacks": attacks,
        "elapsed": time.perf_counter() - start,
    }
    return _BATCHES[assignment]


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
        alternative = {m.replaces for m in harness.alternatives(a)}
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
            assert part in alternative, (
                f"{a}: part {part} has no correct alternative ('# must pass: ...') "
                f"in tests/mutants/{a}/"
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
        g = graded["grades"][graded["mutant_student"][m.name]]
        hidden = g[f"test_{m.replaces}_hidden"]
        total, max_total = _auto(g)
        if hidden[0] >= hidden[1] or total >= max_total:
            survivors.append(f"{m.name} ({m.description}): {total}/{max_total}")
    assert not survivors, (
        f"{a}: mutants that the hidden tests do not catch: {survivors}"
    )


def test_every_correct_alternative_gets_full_marks(graded):
    """A correct answer written differently from the solution loses nothing, and is not flagged."""
    a = graded["assignment"]
    lost = []
    for m in harness.alternatives(a):
        student = graded["alternative_student"][m.name]
        g = graded["grades"][student]
        tests = {k: v for k, v in g.items() if k.startswith(f"test_{m.replaces}_")}
        if not tests or any(s < mx for s, mx in tests.values()):
            lost.append(f"{m.name} ({m.description}): {tests}")
        flags = graded["results"][student]["flags"]
        if flags:
            lost.append(f"{m.name}: flagged {flags}")
    assert not lost, f"{a}: correct alternatives that lost points:\n" + "\n".join(lost)


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
    path = harness.feedback_html(graded["course"], graded["assignment"], student)
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text()))


def test_feedback_never_shows_hidden_test_source(graded):
    hidden = _hidden_lines(graded["assignment"])
    assert hidden, f"{graded['assignment']}: no hidden tests found"
    for student, result in graded["results"].items():
        path = harness.feedback_html(graded["course"], graded["assignment"], student)
        if result["status"] != "graded":  # a kernel that died has no feedback to leak
            assert not path.exists()
            continue
        text = _feedback_text(graded, student)
        leaked = [ln for ln in hidden if ln in text]
        assert not leaked, (
            f"feedback for {student} shows hidden-test source: {leaked[:3]}"
        )
        assert "BEGIN HIDDEN TESTS" not in text


def _test_messages(graded, student: str, part: str) -> str:
    """What the grader wrote in the test cells of ``part`` (not the student's code)."""
    a = graded["assignment"]
    nb = nbformat.read(graded["course"] / "autograded" / student / a / f"{a}.ipynb", 4)
    out = []
    for c in nb.cells:
        if harness.nbgrader_meta(c).get("grade_id", "").startswith(f"test_{part}_"):
            for o in c.get("outputs", []):
                out.append(o.get("evalue", "") + o.get("text", ""))
    return "\n".join(out)


def test_mutant_feedback_names_the_mistake(graded):
    """Each catalogued mistake gets a message that names it, not a bare AssertionError."""
    vague = []
    for m in harness.mutants(graded["assignment"]):
        student = graded["mutant_student"][m.name]
        said = _test_messages(graded, student, m.replaces)
        shown = _feedback_text(graded, student)
        if m.feedback not in said or "✗" not in shown:
            vague.append(
                f"{m.name}: the grader's messages lack {m.feedback!r}: {said[:300]!r}"
            )
    assert not vague, "\n".join(vague)


# ------------------------------------------------------- adversarial submissions
def test_adversarial_submissions_get_an_honest_score(graded):
    a = graded["assignment"]
    part = adversarial.first_part(a)
    full_total = _auto(graded["grades"]["solution"])[1]
    wrong = []
    for attack in graded["attacks"]:
        r = graded["results"][f"attack-{attack.name}"]
        g = r["grades"]
        total = _auto(g)[0] if r["status"] == "graded" else 0.0
        tests = {k: v for k, v in g.items() if k.startswith(f"test_{part}_")}
        if attack.expect == "full":
            ok = r["status"] == "graded" and _auto(g) == (full_total, full_total)
        elif attack.expect == "zero":
            ok = total == 0
        elif attack.expect == "zero_part":
            ok = (
                r["status"] == "graded"
                and tests
                and all(s == 0 for s, _ in tests.values())
                and total < full_total
            )
        else:  # zero_hidden: the hidden tests of the part decide
            ok = g.get(f"test_{part}_hidden", (1, 1))[0] == 0 and total < full_total
        if not ok:
            wrong.append(
                f"{attack.name} ({attack.what}): status {r['status']}, {total}/{full_total}, {part}: {tests}"
            )
    assert not wrong, f"{a}: dishonest scores:\n" + "\n".join(wrong)


def test_adversarial_submissions_are_flagged(graded):
    unflagged = [
        f"{a.name}: flags {graded['results'][f'attack-{a.name}']['flags']}"
        for a in graded["attacks"]
        if a.flag
        and not any(a.flag in f for f in graded["results"][f"attack-{a.name}"]["flags"])
    ]
    assert not unflagged, "attacks not flagged for review:\n" + "\n".join(unflagged)


def test_honest_submissions_are_not_flagged(graded):
    for student in ("solution", "untouched", "zz-victim"):
        assert graded["results"][student]["flags"] == [], (
            f"{student} was flagged: {graded['results'][student]['flags']}"
        )


def test_the_batch_survives_the_attacks(graded):
    """Everyone is graded (the attackers too, with their own zero), within bounded time."""
    failed = [s for s, r in graded["results"].items() if r["status"] != "graded"]
    assert not failed, f"students not graded: {failed}"
    g = graded["grades"]["zz-victim"]
    assert _auto(g) == _auto(graded["grades"]["solution"]), (
        "an honest student graded after the attackers lost points"
    )
    assert graded["elapsed"] < 900, f"the batch took {graded['elapsed']:.0f} s"


def test_gradebook_cannot_be_changed_by_a_submission(graded):
    """A score daemon or a write to the gradebook changes nothing, even later."""
    time.sleep(2)
    again = harness.batch.read_results(
        graded["course"], graded["assignment"], sorted(graded["students"])
    )
    changed = [s for s, r in again.items() if r["grades"] != graded["grades"][s]]
    assert not changed, f"scores changed after grading: {changed}"


def test_every_notebook_has_a_sandboxed_report(graded):
    for student, r in graded["results"].items():
        assert r["reports"], f"{student}: no grading report"
        assert all(rep["sandbox"] == "bwrap" for rep in r["reports"]), student


def test_writes_by_a_submission_stay_out_of_the_course(graded):
    course = graded["course"]
    assert not list(course.rglob("HACKED.txt")), (
        "a submission wrote into the course directory"
    )
    assert (course / "nbgrader_config.py").read_text() == (
        harness.ROOT / "nbgrader_config.py"
    ).read_text()
    assert not (harness.ROOT / "HACKED.txt").exists()


def test_tampering_is_reported_in_feedback_and_flagged(graded):
    text = _feedback_text(graded, "attack-monkeypatch")
    assert "does not allow" in text and "scores zero" in text
    assert graded["results"]["attack-monkeypatch"]["flags"], (
        "tampering was not flagged for review"
    )


def test_grading_at_scale_writes_every_score_to_csv(graded):
    """grades.csv has one correct row per submission; the first batch has at least 20."""
    import csv

    rows = list(csv.DictReader(open(graded["course"] / "grades.csv")))
    assert len(rows) == len(graded["students"])
    if graded["assignment"] == ASSIGNMENTS[0]:
        assert len(rows) >= 20
    for row in rows:
        r = graded["results"][row["student"]]
        assert float(row["score"]) == r["score"] and row["status"] == r["status"]
        assert float(row["max_score"]) == r["max_score"] > 0
        assert row["flags"] == "; ".join(r["flags"])
