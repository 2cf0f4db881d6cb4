"""Benchmark: the MMD permutation test, vectorised against the obvious loop (CPU).

Both sides run the same test on the same inputs (``n = m = 500`` rows of 128
features, 1,000 permutations, the same generator seed, so the same
permutations and the same p-value): ``mmd_test`` builds one pooled kernel
matrix and scores every permutation as a batch of ``(P, N) @ (N, N)`` matrix
products; ``mmd_test_loop`` fixes the median bandwidth once and then, per
permutation, shuffles the rows and recomputes the kernel matrix and the
statistic. One process, one warm-up each, then the median of alternating
repeats (so a busy machine slows both alike). The table prints both times
and the ratio loop / vectorised (above 1: the vectorised test is faster).

alibi-detect's ``MMDDrift`` is not a peer here: it does not install beside
this project's pins. ``pip install --dry-run -c constraints.txt alibi-detect``
alone resolves to alibi-detect 0.13.0 with numpy 1.26.4 and scikit-image
0.24.0 (downgrading the pinned numpy 2.4.6 and scikit-image 0.26.0; no other
torch and no tensorflow); with those pins added to the constraints, 0.13.0
fails (``alibi-detect[torch] 0.13.0 depends on numpy<2.0.0``) and pip backs
off to alibi-detect 0.4.4, which pulls tensorflow 2.21. Its p-value also
omits the ``+1`` (their issue #960).

Run: ``python benchmarks/bench_shift.py [--quick] [--repeats N] [--threads N]``.
"""

from __future__ import annotations

import argparse

import torch
from results import record

from medlearn.shift import mmd_test, mmd_test_loop
from medlearn.timing import compare


def inputs(n: int, d: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, d, generator=g)
    y = torch.randn(n, d, generator=g) + 0.05  # a small shift
    return x, y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, seconds")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    n, d, P = (50, 8, 50) if args.quick else (500, 128, 1000)
    repeats = args.repeats or (1 if args.quick else 3)
    x, y = inputs(n, d)

    results = {}

    def run(name, fn):
        def side():  # the same permutations on both sides: the same seed
            results[name] = fn(x, y, P, generator=torch.Generator().manual_seed(1))

        return side

    sides = {
        "vectorised": run("vectorised", mmd_test),
        "loop": run("loop", mmd_test_loop),
    }
    med = {name: t.median for name, t in compare(sides, repeats=repeats).items()}
    fast, slow = results["vectorised"], results["loop"]
    same = float(fast.p_value) == float(slow.p_value)
    print(
        f"MMD permutation test, cpu, {torch.get_num_threads()} threads, "
        f"median of {repeats}; n = m = {n}, d = {d}, P = {P}"
    )
    print(f"{'side':12s} {'seconds':>9s} {'p-value':>8s}")
    print(f"{'vectorised':12s} {med['vectorised']:9.3f} {float(fast.p_value):8.4f}")
    print(f"{'loop':12s} {med['loop']:9.3f} {float(slow.p_value):8.4f}")
    ratio = med["loop"] / med["vectorised"]
    print(f"ratio loop/vectorised: {ratio:.1f}x (same p-value: {same})")
    sizes = f"n = m = {n}, d = {d}, {P} permutations"
    record("mmd_permutation_test", "loop over permutations", 1 / ratio, sizes=sizes)


if __name__ == "__main__":
    main()
