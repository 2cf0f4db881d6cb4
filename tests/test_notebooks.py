"""Notebooks in the repository: no outputs committed, no solutions released, budgets met."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import harness
import nbformat
import pytest
import yaml

ROOT = harness.ROOT


def tracked_notebooks() -> list[Path]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "*.ipynb"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return [ROOT / p for p in out.split()]
    except (OSError, subprocess.CalledProcessError):
        return [
            p
            for p in ROOT.rglob("*.ipynb")
            if ".venv" not in p.parts and "_build" not in p.parts
        ]


def test_no_committed_notebook_outputs():
    notebooks = tracked_notebooks()
    assert notebooks, "no notebooks found"
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs, (
                    f"{path.relative_to(ROOT)} has committed outputs"
                )
                assert cell.execution_count is None, (
                    f"{path.relative_to(ROOT)} has execution counts"
                )


def _solution_lines(nb) -> set[str]:
    lines = set()
    for cell in nb.cells:
        for block in re.findall(
            r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S
        ):
            lines |= {ln.strip() for ln in block.splitlines() if len(ln.strip()) > 30}
        for block in re.findall(
            r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S
        ):
            lines |= {ln.strip() for ln in block.splitlines() if len(ln.strip()) > 30}
    return lines


@pytest.mark.parametrize("assignment", harness.assignments())
def test_release_has_no_solution_or_hidden_test(assignment):
    release = harness.release_notebook(assignment)
    assert release.is_file(), f"exercises/{assignment} missing: run `make assignments`"
    text = "\n".join(c.source for c in nbformat.read(release, as_version=4).cells)
    for marker in (
        "BEGIN SOLUTION",
        "END SOLUTION",
        "BEGIN HIDDEN TESTS",
        "END HIDDEN TESTS",
    ):
        assert marker not in text, f"exercises/{assignment} contains {marker!r}"
    secret = _solution_lines(
        nbformat.read(harness.source_notebook(assignment), as_version=4)
    )
    leaked = [ln for ln in secret if ln in text]
    assert not leaked, (
        f"exercises/{assignment} leaks solution/hidden-test lines: {leaked[:3]}"
    )


def test_every_release_has_a_source():
    for d in (ROOT / "exercises").iterdir():
        if d.is_dir():
            assert (ROOT / "solutions" / d.name / f"{d.name}.ipynb").is_file(), (
                f"exercises/{d.name} has no source"
            )


def test_every_chapter_is_in_the_toc():
    toc = (ROOT / "toc.yml").read_text()
    for page in (ROOT / "chapters").glob("[0-9][0-9]_*.md"):
        assert f"chapters/{page.stem}" in toc, f"{page.name} is not in toc.yml"
    yaml.safe_load(toc)


@pytest.mark.slow
@pytest.mark.parametrize("assignment", harness.assignments())
def test_solution_notebook_runs_within_budget(assignment, tmp_path):
    """The instructor version executes top to bottom, offline, in at most 90 s."""
    from nbclient import NotebookClient

    nb = nbformat.read(harness.source_notebook(assignment), as_version=4)
    netlog = tmp_path / "net.log"
    env = {**harness.env(), "MEDLEARN_NETLOG": str(netlog)}
    client = NotebookClient(
        nb,
        timeout=90,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    start = time.perf_counter()
    client.execute(env=env)
    elapsed = time.perf_counter() - start
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert not errors, f"{assignment}: {errors[0]['ename']}: {errors[0]['evalue']}"
    assert elapsed <= 90, (
        f"{assignment}: solution notebook took {elapsed:.1f} s (budget 90 s)"
    )
    assert not netlog.exists(), (
        f"{assignment}: network access attempted: {netlog.read_text()}"
    )
