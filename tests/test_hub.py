"""The real JupyterHub on localhost: a student and an instructor, through headless Chromium.

The hub runs ``deploy/jupyterhub_config.py`` unchanged (local-process spawner,
dummy authenticator with a throwaway password, configurable-http-proxy from
``make chp``), with one course laid out by ``deploy/setup_course.py``: its
directory belongs to the course's grader account ``grader-<course>``, whose
formgrader service the hub starts. Every account is a real Unix user (the test
runs as root, as CI does), so each server runs under its owner's uid and the
exchange's permissions are the ones a class would have.

The cycle, as the people would do it:

- the instructor's grader account generates and releases the tiny assignment
  (``tests/course_kit.py``) from the course directory;
- a student logs in through Chromium, opens JupyterLab's *Assignments* panel
  (nbgrader's lab extension), fetches the assignment with its button, edits the
  answer through their own Jupyter server (the contents API, with the browser's
  session: what the editor does on save) and submits with the panel's button;
- the instructor logs in, opens the formgrader under the hub (nbgrader's known
  blank-panel problem with recent hubs is checked here: the page must render
  its assignment table, and the lab's Formgrader panel must show it too),
  collects and autogrades through the formgrader's API with the browser's
  session (the same calls its buttons make), inside medgrade's sandbox;
- the gradebook holds the student's full marks.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import browser_kit
import course_kit as kit
import harness
import nbformat
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
CHP = ROOT / "build" / "chp" / "node_modules" / ".bin" / "configurable-http-proxy"
A = kit.ASSIGNMENT
PASSWORD = "hub-test-" + os.urandom(6).hex()
OUT = ROOT / "test-output" / "hub"


def _ok(proc, what: str):
    assert proc.returncode == 0, (
        f"{what} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    return proc


def _wait_http(url: str, proc: subprocess.Popen, log: Path, seconds: float = 90.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            pytest.fail(
                f"the hub exited ({proc.returncode}):\n{log.read_text()[-4000:]}"
            )
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(
        f"the hub did not answer {url} in {seconds:.0f} s:\n{log.read_text()[-4000:]}"
    )


@pytest.fixture(scope="module")
def hub():
    if os.geteuid() != 0:
        pytest.fail(
            "the hub test needs root (real Unix users per account); CI runs as root"
        )
    browser_kit.require_chromium()
    if not CHP.exists():
        pytest.fail(f"{CHP} not found: run `make chp` (`make test` installs it)")
    base = Path(tempfile.mkdtemp(prefix="medlearn-hub-", dir="/tmp"))
    os.chmod(base, 0o755)
    etc = base / "etc" / "jupyter"
    exchange = base / "exchange"
    kit.setup_course.install_global_config(etc)
    kit.setup_course.make_exchange(exchange)
    env = {
        k: v
        for k, v in harness.env().items()
        if k.startswith(("MEDGRADE_", "OMP_", "MKL_"))
        or k in ("PATH", "PYTHONPATH", "LANG")
    }
    env |= {"MEDLEARN_EXCHANGE": str(exchange), "JUPYTER_CONFIG_PATH": str(etc)}
    accounts = kit.Accounts(base, env)
    proc = None
    try:
        course_id = f"hub{accounts.tag}"
        student = accounts.add("student")
        instructor = accounts.add("instructor")
        grader = accounts.add("grader", name=f"grader-{course_id}")
        (base / "courses").mkdir()
        os.chmod(base / "courses", 0o755)
        source = kit.tiny_assignment(base / "source")
        course = kit.setup_course.make_course(
            base / "courses", course_id, source, [A], owner=grader.name
        )
        for step in (("generate_assignment", A, "--force"), ("release_assignment", A)):
            _ok(accounts.run(grader, *step, cwd=course), " ".join(step))
        hubdir = base / "hub"
        hubdir.mkdir()
        port = browser_kit.free_port()
        hub_env = (
            os.environ
            | env
            | {
                "MEDLEARN_COURSES": course_id,
                "MEDLEARN_INSTRUCTORS": instructor.name,
                "MEDLEARN_STUDENTS": student.name,
                "MEDLEARN_COURSES_DIR": str(base / "courses"),
                "MEDLEARN_HUB_PORT": str(port),
                "MEDLEARN_HUB_PASSWORD": PASSWORD,
                "MEDLEARN_CHP": str(CHP),
                "MEDLEARN_HUB_DB": f"sqlite:///{hubdir / 'jupyterhub.sqlite'}",
                "MEDLEARN_HUB_COOKIE": str(hubdir / "cookie_secret"),
            }
        )
        log = hubdir / "hub.log"
        with open(log, "w") as fh:
            proc = subprocess.Popen(
                [str(kit.BIN / "jupyterhub"), "-f", str(ROOT / "deploy" / "jupyterhub_config.py")],
                cwd=hubdir, env=hub_env, stdout=fh, stderr=subprocess.STDOUT,
            )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        _wait_http(f"{url}/hub/health", proc, log)
        yield {
            "url": url,
            "course_id": course_id,
            "exchange": exchange,
            "student": student,
            "instructor": instructor,
        }
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
            OUT.mkdir(parents=True, exist_ok=True)
            shutil.copy(base / "hub" / "hub.log", OUT / "hub.log")
        for s in accounts.students.values():
            subprocess.run(["pkill", "-u", s.name], capture_output=True)
        time.sleep(1.0)
        accounts.remove_all()
        shutil.rmtree(base, ignore_errors=True)


def _login(page, url: str, name: str) -> None:
    page.goto(f"{url}/hub/login")
    page.fill("#username_input", name)
    page.fill("#password_input", PASSWORD)
    page.click("#login_submit")
    # the hub spawns the user's server, then redirects to its JupyterLab
    page.wait_for_url(f"{url}/user/{name}/lab**", timeout=120_000)
    page.wait_for_selector("#jp-main-dock-panel", timeout=120_000)


def _xsrf(context, url: str) -> str:
    """The XSRF cookie of the server that ``url`` belongs to (each sets its own, by path)."""
    path = urllib.parse.urlsplit(url).path
    cookies = [
        c
        for c in context.cookies()
        if c["name"] == "_xsrf" and path.startswith(c["path"])
    ]
    assert cookies, f"no _xsrf cookie for {path}: {context.cookies()}"
    return max(cookies, key=lambda c: len(c["path"]))["value"]


def _api(page, context, method: str, path: str, body=None):
    """A request from the logged-in page, with its cookies and XSRF token."""
    response = page.request.fetch(
        path,
        method=method,
        headers={
            "X-XSRFToken": _xsrf(context, path),
            "Content-Type": "application/json",
        },
        data=None if body is None else json.dumps(body),
    )
    assert response.ok, f"{method} {path}: {response.status} {response.text()[:2000]}"
    return response


def _open_menu(page, menu: str, item: str) -> None:
    page.click(f"li.lm-MenuBar-item:has-text('{menu}')")
    page.click(f"li.lm-Menu-item:has-text('{item}')")


def test_student_fetches_edits_and_submits_in_the_browser(hub, tmp_path):
    s, url, cid = hub["student"], hub["url"], hub["course_id"]
    with browser_kit.chromium(tmp_path / "student-profile") as (context, blocked):
        page = context.new_page()
        _login(page, url, s.name)
        _open_menu(page, "Nbgrader", "Assignment List")
        released = page.locator("#released_assignments_list")
        released.locator(f"text={A}").first.wait_for(timeout=60_000)
        OUT.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(OUT / "student-assignments.png"))
        released.locator("button:has-text('Fetch')").click()
        fetched = page.locator("#fetched_assignments_list")
        fetched.locator(f"text={A}").first.wait_for(timeout=60_000)
        nb_path = s.home / cid / A / f"{A}.ipynb"
        assert nb_path.is_file(), f"fetch did not write {nb_path}"
        assert nb_path.stat().st_uid == s.uid, (
            "the fetched copy should be the student's"
        )
        # edit: the answer, written by the student's own server (what saving does)
        api = f"{url}/user/{s.name}/api/contents/{cid}/{A}/{A}.ipynb"
        model = _api(page, context, "GET", api).json()
        nb = nbformat.from_dict(model["content"])
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == kit.PART:
                cell.source = kit.CORRECT
        _api(
            page,
            context,
            "PUT",
            api,
            {"type": "notebook", "format": "json", "content": nb},
        )
        saved = nbformat.read(nb_path, as_version=4)
        assert any(c.source == kit.CORRECT for c in saved.cells), (
            "the edit was not saved"
        )
        assert nb_path.stat().st_uid == s.uid, "the saved copy should be the student's"
        page.reload()
        page.wait_for_selector("#jp-main-dock-panel", timeout=120_000)
        _open_menu(page, "Nbgrader", "Assignment List")
        fetched = page.locator("#fetched_assignments_list")
        fetched.locator("button:has-text('Submit')").first.click()
        page.locator("#submitted_assignments_list").locator(f"text={A}").first.wait_for(
            timeout=60_000
        )
        page.screenshot(path=str(OUT / "student-submitted.png"))
    inbound = list((hub["exchange"] / cid / "inbound").iterdir())
    assert [p.name.split("+")[0] for p in inbound] == [s.name], inbound
    assert not blocked, f"the student's pages reached outside loopback: {blocked[:5]}"


def test_instructor_collects_and_grades_in_the_formgrader(hub, tmp_path):
    s, url, cid = hub["student"], hub["url"], hub["course_id"]
    assert list((hub["exchange"] / cid / "inbound").iterdir()), "no submission to grade"
    with browser_kit.chromium(tmp_path / "instructor-profile") as (context, blocked):
        page = context.new_page()
        _login(page, url, hub["instructor"].name)
        svc = f"{url}/services/{cid}"
        page.goto(f"{svc}/formgrader/manage_assignments")
        table = page.locator("#main-table")
        table.locator(f"text={A}").first.wait_for(timeout=60_000)
        OUT.mkdir(parents=True, exist_ok=True)
        png = page.screenshot(path=str(OUT / "formgrader.png"))
        browser_kit.assert_not_blank(png, "the formgrader under the hub")
        _api(page, context, "POST", f"{svc}/formgrader/api/assignment/{A}/collect")
        result = _api(
            page,
            context,
            "POST",
            f"{svc}/formgrader/api/submission/{A}/{s.name}/autograde",
        ).json()
        assert result.get("success"), result
        submission = _api(
            page, context, "GET", f"{svc}/formgrader/api/submission/{A}/{s.name}"
        ).json()
        assert submission["score"] == pytest.approx(kit.MAX_SCORE), submission
        assert submission["max_score"] == pytest.approx(kit.MAX_SCORE), submission
        # the way an instructor finds it: JupyterLab's Course List links to the
        # course's service, whose JupyterLab opens the Formgrader panel (an
        # iframe: blank there with some hub versions, nbgrader's known problem)
        page.goto(f"{url}/user/{hub['instructor'].name}/lab")
        page.wait_for_selector("#jp-main-dock-panel", timeout=120_000)
        _open_menu(page, "Nbgrader", "Course List")
        link = page.locator(f"#formgrader_list a:has-text('{cid}')").first
        link.wait_for(timeout=60_000)
        href = link.get_attribute("href")
        assert href and f"/services/{cid}" in href, href
        page.goto(href if href.startswith("http") else url + href)
        page.wait_for_selector("#jp-main-dock-panel", timeout=120_000)
        _open_menu(page, "Nbgrader", "Formgrader")
        frame = page.frame_locator("#formgrader-iframe iframe")
        try:
            frame.locator(f"#main-table >> text={A}").first.wait_for(timeout=60_000)
        except Exception as err:
            page.screenshot(path=str(OUT / "formgrader-panel-failed.png"))
            srcs = [f.url for f in page.frames]
            raise AssertionError(
                f"the Formgrader panel shows no assignment; frames: {srcs}"
            ) from err
        png = page.screenshot(path=str(OUT / "formgrader-panel.png"))
        browser_kit.assert_not_blank(
            png, "the Formgrader panel in the course's JupyterLab"
        )
    assert not blocked, (
        f"the instructor's pages reached outside loopback: {blocked[:5]}"
    )
