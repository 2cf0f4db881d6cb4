"""Shared test set-up: one thread per worker (pytest -n 2 on 2 cores), seeded torch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def pytest_collection_modifyitems(items):
    """Long tests first, so that they overlap the many quick ones."""
    items.sort(key=lambda item: 0 if item.get_closest_marker("slow") else 1)


# helper folders, not test modules: the offline guard must not load into pytest itself
collect_ignore = ["offline", "mutants"]

requires_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


@pytest.fixture(scope="session")
def book_build(tmp_path_factory):
    """Build the book once per test process, as `make book` does, offline-guarded.

    For every test that needs the built book (tests/test_book.py,
    tests/test_browser.py): they share the xdist group "book", so one worker
    builds it once. Returns the build process, the network log and the HTML folder.
    """
    root = Path(__file__).resolve().parents[1]
    bindir = Path(sys.executable).parent
    netlog = tmp_path_factory.mktemp("net") / "attempts.log"
    env = dict(os.environ)
    env["PATH"] = f"{bindir}{os.pathsep}{env['PATH']}"
    env["PYTHONPATH"] = str(root / "tests" / "offline")
    env["MEDLEARN_NETLOG"] = str(netlog)
    env["TQDM_DISABLE"] = "1"
    cmd = [str(bindir / "jupyter-book"), "build", ".", "--config", "jupyter-book.yml"]
    cmd += ["--toc", "toc.yml", "-W", "--keep-going"]
    proc = subprocess.run(
        cmd, cwd=root, env=env, capture_output=True, text=True, timeout=1200
    )
    return {"proc": proc, "netlog": netlog, "html": root / "_build" / "html"}
