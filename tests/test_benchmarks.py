"""The benchmarks run (tiny sizes) and print their ratio tables; timings are not asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = sorted((ROOT / "benchmarks").glob("bench_*.py"))

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("script", BENCHMARKS, ids=[p.stem for p in BENCHMARKS])
def test_benchmark_runs_quick(script):
    proc = subprocess.run(
        [sys.executable, str(script), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "ratio" in proc.stdout.lower(), (
        f"{script.name} prints no ratio table:\n{proc.stdout}"
    )


def test_gpu_check_compares_devices():
    """On a machine without CUDA, --allow-cpu exercises every check CPU-vs-CPU."""
    proc = subprocess.run(
        [sys.executable, "benchmarks/gpu_check.py", "--allow-cpu"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    last = proc.stdout.strip().splitlines()[-1]
    passed, failed = (int(w) for w in last.replace(",", "").split()[::2])
    assert failed == 0 and passed >= 6, last
