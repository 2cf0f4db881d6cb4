"""The benchmarks run (tiny sizes), print their ratio tables and record their rows.

Timings are not asserted: only that every benchmark runs, and that each
comparison it prints reaches ``make bench``'s table as a row with a positive
finite ratio (medlearn / peer).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = sorted((ROOT / "benchmarks").glob("bench_*.py"))

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("script", BENCHMARKS, ids=[p.stem for p in BENCHMARKS])
def test_benchmark_runs_quick(script, tmp_path):
    rows_file = tmp_path / "rows.jsonl"
    proc = subprocess.run(
        [sys.executable, str(script), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "MEDLEARN_BENCH_RESULTS": str(rows_file)},
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "ratio" in proc.stdout.lower(), (
        f"{script.name} prints no ratio table:\n{proc.stdout}"
    )
    assert rows_file.exists(), f"{script.name} records no row (benchmarks/results.py)"
    rows = [json.loads(line) for line in rows_file.read_text().splitlines()]
    for row in rows:
        assert {"benchmark", "peer", "ratio", "sizes", "threads", "torch"} <= set(row)
        assert math.isfinite(row["ratio"]) and row["ratio"] > 0, row
    if script.stem == "bench_attention":  # the rows issue 21 names
        names = {row["benchmark"] for row in rows}
        assert {"window_attention_2d_train", "window_attention_2d_infer"} <= names


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
