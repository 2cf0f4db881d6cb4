"""MC dropout with T = 20 on a 2D U-Net batch: vectorised against the plain loop.

Both sides run medlearn's chapter-03 U-Net (batch norm, dropout 0.1) on the
same batch of synthetic phantoms with ``T`` samples: the loop makes ``T``
forward passes of ``N`` images (``mc_dropout_loop``); the vectorised path
repeats the batch ``T`` times along ``N`` and makes one pass of ``T * N``
(``mc_dropout_predict``), or ``T / chunk`` passes when chunked. Timings
alternate between the sides (ABC ABC ...) so that a busy machine slows all
alike; the table shows medians. Target (issue 6): loop / vectorised >= 2 on CPU.

On CPU much of the gain is intra-op parallelism: a pass over ``T * N`` images
keeps every thread busy, while ``T`` small passes pay a thread hand-off per
operator (worst on a busy machine). With ``--threads 1`` only the per-pass
overhead is saved and the ratio is smaller; on a shared machine it varies from
run to run, so compare a few runs.

    python benchmarks/bench_uncertainty.py [--quick] [--repeats N]
                                           [--threads N] [--device cpu|cuda]
"""

from __future__ import annotations

import argparse

import torch
from results import record

from medlearn.data import batch
from medlearn.timing import compare
from medlearn.uncertainty import mc_dropout_loop, mc_dropout_predict
from medlearn.unet import UNet

TARGET = 2.0


def bench(channels, n, size, T, chunk, repeats, device) -> dict[str, float]:
    torch.manual_seed(0)
    net = UNet(2, 1, 3, channels=channels, norm="batch", dropout=0.1).to(device)
    x = batch(n, size=size, seed=0)[0].to(device)  # (N, 1, H, W)

    def sides(t: int) -> dict:
        return {
            "loop": lambda: mc_dropout_loop(net, x, t, seed=0),
            "vectorised": lambda: mc_dropout_predict(net, x, t, seed=0),
            "chunked": lambda: mc_dropout_predict(net, x, t, chunk_size=chunk, seed=0),
        }

    for fn in sides(2).values():  # warm-up (kernels, allocator) at T = 2
        fn()
    timings = compare(sides(T), repeats=repeats, warmup=0, device=device)
    return {name: t.median for name, t in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, seconds")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if args.quick:  # (label, channels, N, size, T, chunk)
        cases = [("U-Net 4-8, 2 x 16^2", (4, 8), 2, 16, 6, 2)]
    else:
        cases = [("U-Net 8-64, 2 x 48^2", (8, 16, 32, 64), 2, 48, 20, 5)]
    repeats = args.repeats or (1 if args.quick else 3)
    print(
        f"MC dropout, {device.type}, {torch.get_num_threads()} threads, "
        f"median of {repeats}"
    )
    print(f"{'case':26s} {'T':>3s} {'loop s':>8s} {'vector s':>9s} {'chunked s':>10s}"
          f" {'ratio loop/vec':>15s} {'target':>7s}")  # fmt: skip
    for label, channels, n, size, T, chunk in cases:
        med = bench(channels, n, size, T, chunk, repeats, device)
        loop, vec, chunked = med.values()
        ratio = loop / vec
        sizes = f"{label}, T={T}"
        record("mc_dropout_vectorised", "loop over passes", vec / loop, sizes=sizes)
        verdict = "ok" if ratio >= TARGET else "MISSED"
        print(
            f"{label:26s} {T:3d} {loop:8.3f} {vec:9.3f} {chunked:10.3f} "
            f"{ratio:14.2f}x {'>=' + str(TARGET):>7s} {verdict}"
        )


if __name__ == "__main__":
    main()
