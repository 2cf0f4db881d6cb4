"""The whole course cycle through nbgrader's real exchange, with several student accounts.

An instructor releases a tiny purpose-built assignment (``tests/course_kit.py``)
in two courses on one exchange (``Exchange.path_includes_course``), laid out by
``deploy/setup_course.py`` with the deployed configs; students, each with their
own home and (as root, which CI is) their own Unix user, fetch, answer and
submit; the instructor collects, autogrades in parallel in medgrade's sandbox
(``medgrade.batch``), generates and releases feedback; students fetch it; the
grades are exported as nbgrader's CSV and the LMS (Canvas) CSV. The class:

- alice: correct; bob: wrong (ignores the weights); carol: blank (submits the
  release untouched);
- dave submits a wrong answer, then resubmits a correct one: the latest is
  collected and graded;
- erin submits a correct answer after the due date: nbgrader records how late
  (``total_seconds_late``) and, with the deployed ``penalty_method = "none"``
  (nbgrader's default, as its FAQ documents), takes no points off;
- frank submits under an assignment name that was never released: nbgrader
  refuses ("Assignment not found") and nothing of his reaches the exchange.
"""

from __future__ import annotations

import csv
import datetime
import html as htmllib
import os
import re
import shutil
import stat
import tempfile
import time
from pathlib import Path

import course_kit as kit
import harness
import pytest

from medgrade import batch

pytestmark = pytest.mark.slow

COURSE, OTHER = "medlearn101", "medlearn202"
A = kit.ASSIGNMENT
EXPECTED = {"alice": 3.0, "bob": 1.0, "carol": 0.0, "dave": 3.0, "erin": 3.0}


def _ok(proc, what: str):
    assert proc.returncode == 0, (
        f"{what} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    return proc


@pytest.fixture(scope="module")
def cycle():
    base = Path(tempfile.mkdtemp(prefix="medlearn-exchange-", dir="/tmp"))
    os.chmod(base, 0o755)  # students' processes must reach their homes and the exchange
    etc = base / "etc" / "jupyter"
    exchange = base / "exchange"
    kit.setup_course.install_global_config(etc)
    kit.setup_course.make_exchange(exchange)
    source = kit.tiny_assignment(base / "source")
    courses = {
        cid: kit.setup_course.make_course(base / "courses", cid, source, [A])
        for cid in (COURSE, OTHER)
    }
    env = {
        k: v
        for k, v in harness.env().items()
        if k.startswith(("MEDGRADE_", "OMP_", "MKL_"))
        or k in ("PATH", "PYTHONPATH", "LANG")
    }
    env |= {"MEDLEARN_EXCHANGE": str(exchange), "JUPYTER_CONFIG_PATH": str(etc)}
    mp = pytest.MonkeyPatch()
    for k, v in env.items():  # the instructor's commands (batch.nbgrader) inherit them
        mp.setenv(k, v)
    mp.setenv("JUPYTER_CONFIG_DIR", str(base / "instructor-jupyter"))
    accounts = kit.Accounts(base, env)
    try:
        yield _run_cycle(base, exchange, courses, accounts)
    finally:
        mp.undo()
        accounts.remove_all()
        shutil.rmtree(base, ignore_errors=True)


def _run_cycle(base, exchange, courses, accounts) -> dict:
    course = courses[COURSE]
    out: dict = {"course": course, "exchange": exchange, "accounts": accounts}
    for path in courses.values():
        batch.nbgrader(path, "generate_assignment", A, "--force")
        batch.nbgrader(path, "release_assignment", A)
    students = {
        s: accounts.add(s) for s in ("alice", "bob", "carol", "dave", "erin", "frank")
    }
    out["students"] = students
    for s in students.values():
        _ok(
            accounts.run(s, "fetch_assignment", A, f"--course={COURSE}"),
            f"fetch {s.name}",
        )
    _ok(
        accounts.run(students["alice"], "fetch_assignment", A, f"--course={OTHER}"),
        "fetch 202",
    )
    out["fetched_other"] = students["alice"].home / OTHER / A / f"{A}.ipynb"

    def nb(s):
        return students[s].home / COURSE / A / f"{A}.ipynb"

    def write(s, code):
        kit.answer(nb(s), f"# answer of {students[s].name}\n{code}")
        accounts.give(students[s], nb(s))

    def submit(s):
        return _ok(
            accounts.run(students[s], "submit", A, f"--course={COURSE}"), f"submit {s}"
        )

    write("alice", kit.CORRECT)
    write("bob", kit.WRONG)
    submit("alice"), submit("bob"), submit("carol")  # carol: the release, untouched
    write("dave", kit.WRONG)
    submit("dave")
    write("dave", kit.CORRECT)
    submit("dave")  # the resubmission, later: the one to collect
    # the due date passes: set it in the gradebook, as `nbgrader db assignment add` does
    due = datetime.datetime.now(datetime.UTC)
    out["due"] = due
    batch.nbgrader(
        course,
        "db",
        "assignment",
        "add",
        A,
        f"--duedate={due:%Y-%m-%d %H:%M:%S.%f} UTC",
    )
    time.sleep(1.0)
    write("erin", kit.CORRECT)
    submit("erin")
    # frank renames his folder and submits a name that was never released; then a typo
    frank = students["frank"]
    renamed = frank.home / COURSE / f"{A}_final"
    shutil.copytree(frank.home / COURSE / A, renamed)
    if frank.uid is not None:
        for p in [renamed, *renamed.rglob("*")]:
            shutil.chown(p, frank.name, frank.name)
    out["wrong_name"] = accounts.run(
        frank, "submit", f"{A}_final", f"--course={COURSE}"
    )
    out["typo"] = accounts.run(frank, "submit", "tinny", f"--course={COURSE}")
    out["inbound"] = sorted(p.name for p in (exchange / COURSE / "inbound").iterdir())
    # a student may write into inbound but not list it (nor, then, read others' work)
    out["bob_lists_inbound"] = accounts.run(
        students["bob"], "-c", f"import os; print(os.listdir({str(exchange / COURSE / 'inbound')!r}))",
        python=True,
    )  # fmt: skip

    for path in courses.values():
        batch.nbgrader(path, "collect", A)
    os.environ.update(
        {"MEDGRADE_CELL_TIMEOUT": "20", "MEDGRADE_NOTEBOOK_TIMEOUT": "120"}
    )
    out["results"] = batch.grade(course, [A], jobs=2)[A]
    batch.nbgrader(course, "release_feedback", A)
    for name in EXPECTED:
        _ok(
            accounts.run(students[name], "fetch_feedback", A, f"--course={COURSE}"),
            f"fetch_feedback {name}",
        )
    batch.nbgrader(course, "export", "--to=grades.csv")
    batch.nbgrader(
        course, "export", "--exporter=medgrade.export.CanvasExport", "--to=canvas.csv"
    )
    return out


def _gradebook(course: Path):
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{course / 'gradebook.db'}")


def test_exchange_layout_and_permissions(cycle):
    ex = cycle["exchange"]
    assert stat.S_IMODE(os.stat(ex).st_mode) == 0o1777  # world-writable, sticky
    inbound = stat.S_IMODE(os.stat(ex / COURSE / "inbound").st_mode)
    assert inbound & 0o333 == 0o333 and not inbound & 0o044, oct(
        inbound
    )  # write, no read
    assert stat.S_IMODE(os.stat(ex / COURSE / "feedback").st_mode) & 0o044 == 0
    assert (ex / OTHER / "outbound" / A / f"{A}.ipynb").is_file()
    # two courses, one assignment name: path_includes_course keeps them apart
    assert cycle["fetched_other"].is_file()
    if cycle["accounts"].real:
        assert cycle["bob_lists_inbound"].returncode != 0
        assert "PermissionError" in cycle["bob_lists_inbound"].stderr


def test_released_notebook_has_no_solution_or_hidden_test(cycle):
    text = (cycle["exchange"] / COURSE / "outbound" / A / f"{A}.ipynb").read_text()
    assert "BEGIN HIDDEN TESTS" not in text and "3.25" not in text
    assert "zip(values, weights)" not in text


def test_wrong_assignment_name_is_refused(cycle):
    for proc in (cycle["wrong_name"], cycle["typo"]):
        assert proc.returncode != 0
        assert "Assignment not found" in proc.stdout + proc.stderr
    assert "Did you mean" in cycle["typo"].stdout + cycle["typo"].stderr
    frank = cycle["students"]["frank"].name
    assert not [n for n in cycle["inbound"] if n.startswith(frank + "+")]
    assert not (cycle["course"] / "submitted" / frank).exists()


def test_collect_takes_each_students_latest_submission(cycle):
    st = cycle["students"]
    names = {st[s].name for s in EXPECTED}
    assert {n.split("+")[0] for n in cycle["inbound"]} == names
    dave = [n for n in cycle["inbound"] if n.startswith(st["dave"].name + "+")]
    assert len(dave) == 2  # both submissions stay in the exchange
    collected = cycle["course"] / "submitted" / st["dave"].name / A
    latest = max(n.split("+")[2] for n in dave)
    assert (collected / "timestamp.txt").read_text() == latest
    assert "zip(values, weights)" in (collected / f"{A}.ipynb").read_text()
    # the other course has no submissions: nothing collected there
    assert not (cycle["course"].parent / OTHER / "submitted").exists()


def test_every_grade(cycle):
    st = cycle["students"]
    results = cycle["results"]
    got = {s: results[st[s].name]["score"] for s in EXPECTED}
    assert got == EXPECTED
    for s in EXPECTED:
        r = results[st[s].name]
        assert r["status"] == "graded" and r["max_score"] == kit.MAX_SCORE, r
        assert all(rep["sandbox"] == "bwrap" for rep in r["reports"]), r["reports"]
    bob = results[st["bob"].name]["grades"]
    assert bob["test_weighted_mean_visible"] == (1.0, 1.0)
    assert bob["test_weighted_mean_hidden"] == (0.0, 2.0)


def test_late_submission_is_recorded_without_penalty(cycle):
    st = cycle["students"]
    with _gradebook(cycle["course"]) as gb:
        assignment = gb.find_assignment(A)
        assert (
            abs(
                (
                    assignment.duedate.replace(tzinfo=datetime.UTC) - cycle["due"]
                ).total_seconds()
            )
            < 1
        )
        late = {
            s: (gb.find_submission(A, st[s].name).total_seconds_late,
                gb.find_submission(A, st[s].name).late_submission_penalty)
            for s in EXPECTED
        }  # fmt: skip
    assert late["erin"][0] >= 1.0 and late["erin"][1] == 0.0
    assert all(late[s][0] == 0 for s in EXPECTED if s != "erin"), late


def test_each_student_fetches_only_their_own_feedback(cycle):
    st = cycle["students"]
    for s in EXPECTED:
        folders = list((st[s].home / COURSE / A / "feedback").iterdir())
        assert len(folders) == 1, (s, folders)  # dave: only his graded resubmission
        html = (folders[0] / f"{A}.html").read_text()
        text = htmllib.unescape(re.sub(r"<[^>]+>", "", html))
        for secret in ("BEGIN HIDDEN TESTS", *kit.hidden_lines()):
            at = text.find(secret)
            assert at < 0, (
                f"{s}'s feedback shows hidden-test source: {text[at - 200 : at + 200]!r}"
            )
        others = [o for o in EXPECTED if o != s and f"answer of {st[o].name}" in html]
        assert not others, f"{s}'s feedback shows {others}'s answer"
        if s != "carol":
            assert f"answer of {st[s].name}" in html
        assert ("tests passed" in html) == (EXPECTED[s] > 0), s
    assert (
        "NotImplementedError"
        in (
            next((st["carol"].home / COURSE / A / "feedback").iterdir()) / f"{A}.html"
        ).read_text()
    )
    assert not (st["frank"].home / COURSE / A / "feedback").exists()


def test_exports(cycle):
    st = cycle["students"]
    by_name = {st[s].name: s for s in EXPECTED}
    with open(cycle["course"] / "grades.csv") as f:
        rows = [r for r in csv.DictReader(f) if r["assignment"] == A]
    assert {by_name[r["student_id"]]: float(r["score"]) for r in rows} == EXPECTED
    assert all(float(r["max_score"]) == kit.MAX_SCORE for r in rows)
    erin = next(r for r in rows if by_name[r["student_id"]] == "erin")
    assert float(erin["late_submission_penalty"]) == 0.0
    with open(cycle["course"] / "canvas.csv") as f:
        table = list(csv.reader(f))
    column = table[0].index(f"{A} ({A})")
    assert table[1][0] == "Points Possible" and float(table[1][column]) == kit.MAX_SCORE
    assert {by_name[r[1]]: float(r[column]) for r in table[2:]} == EXPECTED


def test_hub_config_gives_each_course_its_roles(monkeypatch):
    """deploy/jupyterhub_config.py, loaded as JupyterHub loads it (traitlets)."""
    from traitlets.config.loader import PyFileConfigLoader

    monkeypatch.setenv("MEDLEARN_COURSES", f"{COURSE},{OTHER}")
    monkeypatch.setenv("MEDLEARN_INSTRUCTORS", "prof")
    monkeypatch.setenv("MEDLEARN_STUDENTS", "alice,bob")
    monkeypatch.setenv("MEDLEARN_COURSES_DIR", "/srv/courses")
    cfg = PyFileConfigLoader(
        "jupyterhub_config.py", path=str(kit.ROOT / "deploy")
    ).load_config()
    hub = cfg.JupyterHub
    groups, roles = hub.load_groups, {r["name"]: r for r in hub.load_roles}
    services = {s["name"]: s for s in hub.services}
    assert set(services) == {
        COURSE,
        OTHER,
    }  # nbgrader: the service's name is the course id
    ports = {s["url"] for s in services.values()}
    assert len(ports) == 2
    for cid in (COURSE, OTHER):
        assert services[cid]["user"] == f"grader-{cid}"
        assert services[cid]["cwd"] == f"/srv/courses/{cid}"
        assert set(groups[f"formgrade-{cid}"]["users"]) == {"prof", f"grader-{cid}"}
        assert set(groups[f"nbgrader-{cid}"]["users"]) == {"alice", "bob"}
        assert roles[f"formgrade-{cid}"]["groups"] == [f"formgrade-{cid}"]
        # open the formgrader, and find it from JupyterLab's Course List
        assert roles[f"formgrade-{cid}"]["scopes"] == [
            f"access:services!service={cid}",
            "list:services",
            f"read:services!service={cid}",
        ]
        # the Formgrader panel frames the formgrader: the service allows same-origin frames
        config = next(a for a in services[cid]["command"] if a.startswith("--config="))
        assert (
            Path(config.split("=", 1)[1])
            == kit.ROOT / "deploy" / "formgrader_server_config.py"
        )
        # students may see the course, not open its formgrader
        assert not any(
            "access:services" in s for s in roles[f"nbgrader-{cid}"]["scopes"]
        )
        assert roles[f"course-service-{cid}"]["services"] == [cid]
    assert cfg.Authenticator.allowed_users == {
        "prof",
        "alice",
        "bob",
        *(f"grader-{c}" for c in (COURSE, OTHER)),
    }
    assert hub.spawner_class.endswith("LocalProcessSpawner")
