"""The two commands and the pins: environment.yml, pyproject.toml, Makefile, .ci/run."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def pyproject_pins() -> dict[str, str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(meta["dependencies"])
    for extra in meta["optional-dependencies"].values():
        reqs += extra
    pins = {}
    for r in reqs:
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([A-Za-z0-9_.+\-]+)", r.strip())
        assert m, f"pyproject.toml: {r!r} is not pinned with =="
        pins[m.group(1).lower()] = m.group(2)
    return pins


def test_environment_yml_matches_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(
        d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d
    )
    conda_pins = {}
    for r in pip:
        if r.startswith("-e"):
            continue
        name, version = r.split("==")
        conda_pins[name.lower()] = version
    assert conda_pins == pyproject_pins()
    assert "python=3.11" in env["dependencies"]


def test_torch_is_pinned_everywhere_and_installed_first():
    assert pyproject_pins()["torch"] == "2.13.0"
    assert (ROOT / "constraints.txt").read_text().split() == ["torch==2.13.0"]
    makefile = (ROOT / "Makefile").read_text()
    assert "TORCH := torch==2.13.0" in makefile
    recipe = makefile[makefile.index("$(STAMP): pyproject.toml constraints.txt") :]
    assert recipe.index("$(TORCH)") < recipe.index(
        '-c constraints.txt -e ".[course,test]"'
    )


def test_no_forbidden_dependencies():
    pins = pyproject_pins()
    for name in ("torchvision", "timm"):
        assert name not in pins, (
            f"{name} must not be a dependency (it does not import beside this torch)"
        )


def test_ci_runs_make_test_and_nothing_else():
    lines = [ln.strip() for ln in (ROOT / ".ci" / "run").read_text().splitlines()]
    commands = [
        ln
        for ln in lines
        if ln
        and not ln.startswith("#")
        and not ln.startswith("set ")
        and not ln.startswith("cd ")
    ]
    assert commands == ["make test"]


def test_makefile_has_the_documented_targets():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("test", "book", "lab", "assignments", "grade", "bench"):
        assert re.search(rf"^{target}:", makefile, re.M), (
            f"Makefile lacks `make {target}`"
        )
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make book" in readme


def test_code_is_ruff_clean():
    import subprocess
    import sys

    ruff = Path(sys.executable).parent / "ruff"
    paths = ["medlearn", "medgrade", "tests", "benchmarks", "tools", "deploy"]
    check = subprocess.run(
        [str(ruff), "check", *paths], cwd=ROOT, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout[-3000:]
    fmt = subprocess.run(
        [str(ruff), "format", "--check", *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert fmt.returncode == 0, fmt.stdout[-3000:]


def test_contributor_docs_point_inside_the_repository():
    """Links and paths in README.md and CONTRIBUTING.md resolve inside this checkout."""
    import re

    problems = []
    for doc in ("README.md", "CONTRIBUTING.md"):
        text = (ROOT / doc).read_text()
        targets = re.findall(r"\]\(([^)\s]+)\)", text)  # markdown links
        targets += re.findall(r"`(\.\.?/[^`\s]+)`", text)  # relative paths in code
        for target in targets:
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue  # a URL or an anchor on the same page
            path = (ROOT / target.split("#")[0]).resolve()
            if not path.is_relative_to(ROOT) or not path.exists():
                problems.append(f"{doc}: {target}")
    assert problems == [], f"pointers outside the repository: {problems}"
