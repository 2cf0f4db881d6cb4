"""Benchmark: WindowAttention vs MONAI's, and global vs windowed attention scaling.

One process, the same inputs and weights for both sides, a warm-up, then
several repeats, on the CPU. The MONAI comparison takes the median of
interleaved repeats in this process's CPU time, which other load on a shared
machine barely disturbs (with ``--threads 1`` it equals an idle machine's wall
clock); the scaling sweep takes the fastest wall-clock run.

1. ``medlearn.attention.WindowAttention`` against MONAI's SwinUNETR
   ``WindowAttention`` (weights copied), forward + backward on shifted windows
   (with the mask), for a 2D Swin-T first stage and a 3D SwinUNETR first stage;
   and inference (no grad). Targets (issue 21): forward+backward <= 1.0,
   inference <= 0.7. On the CPU medlearn runs ``window_kernel`` (head by
   head, scores in place, a written-out backward).
2. Global (``MultiHeadSelfAttention``) vs windowed (``WindowAttention``)
   self-attention on token grids growing 4x per step: forward time with the
   fused kernel (fastest of the repeats), and peak tensor memory of the
   explicit path, which materialises the score matrix. A least-squares fit of
   log(cost) on log(tokens) gives the growth exponent. Targets: windowed
   <= 1.2, global ~= 2.

Run: ``python benchmarks/bench_attention.py [--quick] [--threads N]``.
"""

from __future__ import annotations

import argparse
import time

import torch
from monai.networks.nets import swin_unetr as monai_swin
from results import record

from medlearn.attention import (
    WindowAttention,
    attention_scaling,
    growth_exponent,
    shifted_window_mask,
    window_partition,
)
from medlearn.timing import compare

TARGET_RATIO = 0.7
TARGET_WINDOWED = 1.2
TARGET_GLOBAL = 2.0


def versus_monai(name, spatial, window, dim, heads, batch, repeats) -> float:
    g = torch.Generator().manual_seed(0)
    theirs = monai_swin.WindowAttention(dim, heads, window, qkv_bias=True)
    ours = WindowAttention(dim, heads, window)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x = torch.randn(batch, *spatial, dim, generator=g)  # (N, *spatial, C)
    windows = window_partition(x, window)  # (N * nW, n, C)
    shift = tuple(w // 2 for w in window)
    mask = monai_swin.compute_mask(list(spatial), window, shift, "cpu")  # MONAI's
    our_mask = shifted_window_mask(spatial, window, shift)

    def train_step(module, m):
        def run():
            inp = windows.clone().requires_grad_()
            module(inp, m).square().mean().backward()

        return run

    with torch.no_grad():
        err = (ours(windows, our_mask) - theirs(windows, mask)).abs().max().item()
    cpu = {
        "repeats": repeats,
        "clock": time.process_time,
    }  # CPU seconds (module docstring)
    train = compare(
        {"monai": train_step(theirs, mask), "ours": train_step(ours, our_mask)}, **cpu
    )
    with torch.no_grad():
        infer = compare(
            {
                "monai": lambda: theirs(windows, mask),
                "ours": lambda: ours(windows, our_mask),
            },
            **cpu,
        )
    tokens = windows.shape[0] * windows.shape[1]
    print(
        f"\n{name}: {windows.shape[0]} windows x {windows.shape[1]} tokens "
        f"({tokens} tokens), C={dim}, heads={heads}, max |ours - MONAI| = {err:.1e}"
    )
    print(f"{'pass (CPU ms)':<22}{'MONAI':>10}{'ours':>10}{'ratio':>8}")
    for label, t in (("forward+backward", train), ("forward, no grad", infer)):
        print(
            f"{label:<22}{t['monai'].median * 1e3:>10.1f}"
            f"{t['ours'].median * 1e3:>10.1f}"
            f"{t['ours'].median / t['monai'].median:>7.2f}x MONAI"
        )
    dims = f"{len(window)}d"
    sizes = f"{windows.shape[0]} windows x {windows.shape[1]} tokens, C={dim}, heads={heads}"
    for kind, t in (("train", train), ("infer", infer)):
        ratio = t["ours"].median / t["monai"].median
        record(
            f"window_attention_{dims}_{kind}",
            "MONAI WindowAttention",
            ratio,
            sizes=sizes,
        )
    return train["ours"].median / train["monai"].median


def scaling(sides, window, dim, repeats) -> tuple[float, float, float, float]:
    rows = attention_scaling(sides, dim, window, repeats, threads=None)
    print(
        f"\nglobal vs windowed ({window}x{window} windows), C={dim}, one head, forward"
    )
    print(
        f"{'tokens':>8}{'global ms':>11}{'window ms':>11}{'global MB':>11}{'window MB':>11}"
        "  (fastest run; MB of the explicit path)"
    )
    for r in rows:
        print(
            f"{r['tokens']:>8}{r['time_global'] * 1e3:>11.2f}"
            f"{r['time_windowed'] * 1e3:>11.2f}{r['memory_global'] / 2**20:>11.1f}"
            f"{r['memory_windowed'] / 2**20:>11.2f}"
        )
    n = [r["tokens"] for r in rows]
    return tuple(
        growth_exponent(n, [r[key] for r in rows])
        for key in ("time_global", "time_windowed", "memory_global", "memory_windowed")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, seconds")
    parser.add_argument(
        "--threads", type=int, default=0, help="torch threads (0: default)"
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    torch.manual_seed(0)
    if args.quick:
        configs = [("2D", (8, 8), (4, 4), 16, 2, 1)]
        sides, window, dim, repeats = (8, 16, 32, 64), 4, 16, 2
    else:
        configs = [
            ("2D Swin-T stage 1", (56, 56), (7, 7), 96, 3, 2),
            ("3D SwinUNETR stage 1", (14, 28, 28), (7, 7, 7), 48, 3, 1),
        ]
        sides, window, dim, repeats = (16, 32, 64, 128), 8, 32, 3
    ratios = [versus_monai(*cfg, repeats) for cfg in configs]
    eg, ew, mg, mw = scaling(sides, window, dim, repeats)
    print("\nfitted growth exponent (cost ~ tokens^k), 4x tokens per step")
    print(f"  time    global   {eg:.2f}  (target ~{TARGET_GLOBAL})")
    print(f"  time    windowed {ew:.2f}  (target <= {TARGET_WINDOWED})")
    print(f"  memory  global   {mg:.2f}  (target ~{TARGET_GLOBAL})")
    print(f"  memory  windowed {mw:.2f}  (target <= {TARGET_WINDOWED})")
    worst = max(ratios)
    verdict = "meets" if worst <= TARGET_RATIO else "misses"
    print(
        f"\nWindowAttention forward+backward: worst {worst:.2f}x MONAI, "
        f"{verdict} the target <= {TARGET_RATIO}x"
    )


if __name__ == "__main__":
    main()
