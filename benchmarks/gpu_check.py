"""GPU check: run the library's public functions and models on CUDA and compare with the CPU.

Every check builds its inputs once on the CPU, runs the same call on the CPU and
on CUDA (inputs and module copied with ``.to``), compares the results, and
times both (median of a few repeats after a warm-up, synchronised). Without
CUDA it says so and exits 0; ``--allow-cpu`` runs the comparison CPU-vs-CPU
to exercise the script itself (the test suite does that).

Run: ``python benchmarks/gpu_check.py [--allow-cpu]``. Prints one line per
check and a final ``N passed, M failed`` line; exits 1 if any check failed.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
import traceback
from collections.abc import Callable

import torch


def _to(x, device):
    if isinstance(x, torch.Tensor):
        return x.to(device)
    if isinstance(x, torch.nn.Module):
        return copy.deepcopy(x).to(device)
    if isinstance(x, (list, tuple)):
        return type(x)(_to(v, device) for v in x)
    if isinstance(x, dict):
        return {k: _to(v, device) for k, v in x.items()}
    return x


def _flat(x) -> list[torch.Tensor]:
    if isinstance(x, torch.Tensor):
        return [x.detach().float().cpu()]
    if isinstance(x, (list, tuple)):
        return [t for v in x for t in _flat(v)]
    if isinstance(x, dict):
        return [t for v in x.values() for t in _flat(v)]
    if isinstance(x, (int, float)):
        return [torch.tensor(float(x))]
    return []


def _time(fn: Callable[[], object], device: torch.device, repeats: int = 5) -> float:
    fn()
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def checks() -> list[tuple[str, Callable, tuple, float]]:
    """(name, function, CPU inputs, tolerance). Modules missing from this checkout are skipped."""
    g = torch.Generator().manual_seed(0)
    out: list[tuple[str, Callable, tuple, float]] = []
    from medlearn import metrics, tasks

    logits = torch.randn(8, 4, 64, 64, generator=g)
    target = torch.randint(4, (8, 64, 64), generator=g)
    out.append(("tasks.softmax", lambda z: tasks.softmax(z), (logits,), 1e-5))
    out.append(("tasks.cross_entropy", tasks.cross_entropy, (logits, target), 1e-5))
    a, b = torch.rand(64, 64, generator=g) > 0.5, torch.rand(64, 64, generator=g) > 0.5
    out.append(("metrics.dice", metrics.dice, (a, b), 1e-6))
    out.append(
        (
            "metrics.hausdorff_distance",
            lambda p, t: metrics.hausdorff_distance(p, t, 95, spacing=(0.8, 0.8)),
            (a, b),
            1e-5,
        )
    )
    boxes = torch.rand(200, 2, generator=g) * 100
    boxes = torch.cat([boxes, boxes + 5 + torch.rand(200, 2, generator=g) * 20], 1)
    out.append(("metrics.box_iou", metrics.box_iou, (boxes, boxes), 1e-5))
    out.append(
        ("metrics.nms", metrics.nms, (boxes, torch.rand(200, generator=g), 0.5), 0)
    )
    try:
        from medlearn import conv

        x = torch.randn(4, 16, 64, 64, generator=g)
        w = torch.randn(32, 16, 3, 3, generator=g)
        out.append(
            (
                "conv.conv2d unfold",
                lambda x, w: conv.conv2d(x, w, padding=1, impl="unfold"),
                (x, w),
                1e-3,
            )
        )
        out.append(
            (
                "conv.conv2d torch",
                lambda x, w: conv.conv2d(x, w, padding=1, impl="torch"),
                (x, w),
                1e-3,
            )
        )
    except ImportError:
        pass
    try:
        from medlearn.unet import UNet

        torch.manual_seed(0)
        net = UNet(1, 2, channels=(8, 16, 32), padding="same").eval()
        out.append(
            (
                "unet.UNet 2D forward",
                lambda m, x: m(x),
                (net, torch.randn(2, 1, 64, 64, generator=g)),
                1e-3,
            )
        )
        net3 = UNet(1, 2, spatial_dims=3, channels=(4, 8, 16), padding="same").eval()
        out.append(
            (
                "unet.UNet 3D forward",
                lambda m, x: m(x),
                (net3, torch.randn(1, 1, 16, 32, 32, generator=g)),
                1e-3,
            )
        )
    except ImportError:
        pass
    try:
        from medlearn.attention import WindowAttention, scaled_dot_product_attention

        q, k, v = (torch.randn(2, 4, 256, 32, generator=g) for _ in range(3))
        out.append(
            (
                "attention.scaled_dot_product_attention",
                scaled_dot_product_attention,
                (q, k, v),
                1e-4,
            )
        )
        torch.manual_seed(0)
        wa = WindowAttention(dim=64, num_heads=4, window_size=(7, 7)).eval()
        out.append(
            (
                "attention.WindowAttention",
                lambda m, x: m(x),
                (wa, torch.randn(32, 49, 64, generator=g)),
                1e-4,
            )
        )
    except ImportError:
        pass
    try:
        from medlearn.uncertainty import decompose_entropy, decompose_variance

        means, variances = (
            torch.randn(20, 4, 32, 32, generator=g),
            torch.rand(20, 4, 32, 32, generator=g),
        )
        out.append(
            (
                "uncertainty.decompose_variance",
                decompose_variance,
                (means, variances),
                1e-5,
            )
        )
        probs = torch.softmax(torch.randn(20, 4, 3, 32, 32, generator=g), 2)
        out.append(("uncertainty.decompose_entropy", decompose_entropy, (probs,), 1e-4))
    except ImportError:
        pass
    try:
        from medlearn import augment

        aug = augment.RandomAffineElastic(check_folding=False)
        warp = aug.sample((32, 48, 40), (2.0, 1.0, 1.0), g, batch_size=4)
        out.append(
            (
                "augment.RandomAffineElastic image, batch",
                lambda x: aug.apply(warp, x)[0],
                (torch.rand(4, 2, 32, 48, 40, generator=g),),
                1e-4,
            )
        )
        bias = augment.RandomBiasField().sample((32, 48, 40), g, batch_size=4)
        out.append(
            (
                "augment.apply_bias_field",
                lambda x: augment.apply_bias_field(x, bias.coefficients),
                (torch.rand(4, 1, 32, 48, 40, generator=g),),
                1e-5,
            )
        )
    except ImportError:
        pass
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--allow-cpu",
        action="store_true",
        help="compare CPU with CPU when there is no GPU",
    )
    args = parser.parse_args()
    if torch.cuda.is_available():
        device = torch.device("cuda")
        print(
            f"CUDA device: {torch.cuda.get_device_name(0)}; torch {torch.__version__}"
        )
    elif args.allow_cpu:
        device = torch.device("cpu")
        print("no CUDA: comparing CPU with CPU (--allow-cpu)")
    else:
        print("no CUDA device: nothing to check (run on a machine with a GPU)")
        print("0 passed, 0 failed")
        return 0
    cpu = torch.device("cpu")
    passed = failed = 0
    print(
        f"{'check':<42} {'max |diff|':>11} {'cpu ms':>9} {'gpu ms':>9} {'speed-up':>9}"
    )
    for name, fn, inputs, tol in checks():
        try:
            ref = fn(*inputs)
            dev_inputs = _to(inputs, device)
            res = fn(*dev_inputs)
            diffs = [
                (r - c).abs().max().item() if r.numel() else 0.0
                for r, c in zip(_flat(ref), _flat(res))
            ]
            diff = max(diffs, default=0.0)
            ok = len(_flat(ref)) == len(_flat(res)) and diff <= tol
            t_cpu = _time(lambda fn=fn, inputs=inputs: fn(*inputs), cpu)
            t_dev = _time(lambda fn=fn, args=dev_inputs: fn(*args), device)
            print(
                f"{name:<42} {diff:>11.2e} {t_cpu * 1e3:>9.2f} {t_dev * 1e3:>9.2f} {t_cpu / t_dev:>8.1f}x {'ok' if ok else 'MISMATCH'}"
            )
            passed += ok
            failed += not ok
        except Exception:  # report and go on: one broken check must not hide the others
            failed += 1
            print(f"{name:<42} ERROR")
            traceback.print_exc(limit=3)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
