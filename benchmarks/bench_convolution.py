"""Benchmark: conv2d with loops vs unfold (im2col + matmul) vs torch, on the CPU.

One process, the same inputs for every implementation, a warm-up, then the
median of several repeats. The realistic layer is 64 -> 64 channels, 3x3,
padding 1, on a batch of 8 images of 128 x 128. The loop implementation costs
the same per output position, so it runs on a 16 x 16 crop of that batch
(same batch and channels) and is extrapolated to the full 128 x 128 output,
labelled as such. Timings alternate between the implementations (ABAB...) so
that a busy machine slows them alike; one thread by default, as the tests run
(``--threads 2`` to use both cores). Target (issue 3): unfold within 3x of torch.

Run: ``python benchmarks/bench_convolution.py [--quick] [--threads N]``.
"""

from __future__ import annotations

import argparse

import torch
from results import record

from medlearn.conv import conv2d
from medlearn.timing import Stopwatch, compare

TARGET = 3.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, seconds")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.quick:
        batch, channels, size, crop, repeats = 2, 8, 32, 8, 3
    else:
        batch, channels, size, crop, repeats = 8, 64, 128, 16, 5
    g = torch.Generator().manual_seed(0)
    x = torch.randn(batch, channels, size, size, generator=g)  # (B, C, H, W)
    w = torch.randn(channels, channels, 3, 3, generator=g) / (3 * channels**0.5)
    b = torch.randn(channels, generator=g)

    with torch.no_grad():
        ref = conv2d(x, w, b, padding=1, impl="torch")
        err = (conv2d(x, w, b, padding=1, impl="unfold") - ref).abs().max().item()
        x_crop = x[..., :crop, :crop].contiguous()  # (B, C, crop, crop)
        t = compare(
            {
                "torch": lambda: conv2d(x, w, b, padding=1, impl="torch"),
                "unfold": lambda: conv2d(x, w, b, padding=1, impl="unfold"),
            },
            repeats=repeats,
        )
        with Stopwatch() as watch:  # one run: it is slow, and torch is warm
            conv2d(x_crop, w, b, padding=1, impl="loops")
        t_crop = watch.seconds
    t_torch, t_unfold = t["torch"].median, t["unfold"].median
    t_loops = t_crop * (size / crop) ** 2  # same cost per output position

    print(
        f"conv2d {channels}->{channels} channels, 3x3, padding 1, "
        f"batch {batch}, {size}x{size}, float32, {torch.get_num_threads()} threads"
    )
    print(
        f"{'impl':<8} {'median s':>10} {'ratio':>9}  note (ratio = time / torch time)"
    )
    print(f"{'torch':<8} {t_torch:>10.4f} {1.0:>9.2f}")
    print(
        f"{'unfold':<8} {t_unfold:>10.4f} {t_unfold / t_torch:>9.2f}  max |diff| {err:.1e}"
    )
    print(
        f"{'loops':<8} {t_loops:>10.4f} {t_loops / t_torch:>9.0f}  extrapolated "
        f"x{(size / crop) ** 2:.0f} from a {crop}x{crop} crop ({t_crop:.4f} s)"
    )
    sizes = f"({batch}, {channels}, {size}, {size}), 3x3, {channels} out"
    record("conv2d_unfold", "torch conv2d", t_unfold / t_torch, sizes=sizes)
    record(
        "conv2d_loops",
        "torch conv2d",
        t_loops / t_torch,
        sizes=sizes + ", extrapolated",
    )
    verdict = "met" if t_unfold / t_torch <= TARGET else "MISSED"
    print(f"target: unfold within {TARGET:.0f}x of torch -> {verdict}")


if __name__ == "__main__":
    main()
