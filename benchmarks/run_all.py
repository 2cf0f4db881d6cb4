"""Run every benchmark and write one table: ``make bench``.

Each ``benchmarks/bench_*.py`` runs in its own process (its ratios come from
one process, same inputs, alternating runs) and appends a row per comparison
through :func:`results.record`. This script gathers the rows, adds the commit
and the date, and writes

* ``benchmarks/results.json``: a list of rows (``benchmark``, ``peer``,
  ``ratio`` = medlearn time / peer time, ``sizes``, ``threads``, ``device``,
  ``torch``, ``machine``, ``commit``, ``date``);
* ``benchmarks/results.md``: the same as a Markdown table, which the book's
  Performance page and the README show.

Usage: ``python benchmarks/run_all.py [--quick] [--only NAME] [--out DIR]``
(``--quick``: tiny sizes, to check that everything runs; its ratios mean little).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from results import ENV, machine

HERE = Path(__file__).resolve().parent


def commit() -> str:
    """The checkout's commit, with ``+changes`` when the tree differs from it."""
    run = lambda *a: subprocess.run(  # noqa: E731
        ["git", *a], cwd=HERE, capture_output=True, text=True
    ).stdout.strip()
    head = run("rev-parse", "--short", "HEAD") or "unknown"
    return head + ("+changes" if run("status", "--porcelain", "--", ".") else "")


def run_benchmark(script: Path, quick: bool) -> list[dict]:
    """Run one benchmark in its own process; its rows, or an error."""
    with tempfile.TemporaryDirectory() as tmp:
        rows_file = Path(tmp) / "rows.jsonl"
        args = [sys.executable, str(script)] + (["--quick"] if quick else [])
        proc = subprocess.run(args, env={**os.environ, ENV: str(rows_file)}, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"{script.name} failed (exit {proc.returncode})")
        if not rows_file.exists():
            raise SystemExit(f"{script.name} recorded no result (results.record)")
        return [json.loads(line) for line in rows_file.read_text().splitlines()]


def markdown(rows: list[dict], meta: dict) -> str:
    """The table, with where and when it was measured and how to measure again."""
    lines = [
        f"Measured at commit `{meta['commit']}` on {meta['date']}, {meta['machine']}, "
        f"torch {meta['torch']}{' (quick sizes)' if meta['quick'] else ''}. "
        "Reproduce with `make bench`. Ratio = medlearn time / peer time "
        "(below 1: medlearn is faster); one process, same inputs, alternating runs.",
        "",
        "| benchmark | peer | ratio | sizes | threads | device |",
        "|---|---|---:|---|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['benchmark']} | {r['peer']} | {r['ratio']:.3g} | {r['sizes']} | "
            f"{r['threads']} | {r['device']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes")
    parser.add_argument("--only", default="", help="benchmarks whose name has it")
    parser.add_argument("--out", type=Path, default=HERE, help="folder of the results")
    args = parser.parse_args()
    scripts = [p for p in sorted(HERE.glob("bench_*.py")) if args.only in p.stem]
    rows: list[dict] = []
    for script in scripts:
        print(f"== {script.name}", flush=True)
        rows += run_benchmark(script, args.quick)
    meta = {
        "commit": commit(),
        "date": datetime.date.today().isoformat(),
        "machine": machine(),
        "torch": rows[0]["torch"] if rows else "?",
        "quick": args.quick,
    }
    for r in rows:
        r.update(commit=meta["commit"], date=meta["date"], quick=args.quick)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(rows, indent=1) + "\n")
    (args.out / "results.md").write_text(markdown(rows, meta))
    print(f"{len(rows)} rows from {len(scripts)} benchmarks -> {args.out}/results.json")


if __name__ == "__main__":
    main()
