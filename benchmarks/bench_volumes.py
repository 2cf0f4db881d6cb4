"""Resampling by spacing: medlearn.volumes.resample vs TorchIO Resample and MONAI Spacing.

A 128 x 128 x 64 volume at 0.8 x 0.8 x 5 mm brought to 1 mm isotropic (issue
15), as an image (float32, linear) and as a label map (int64, three labels):

* image: ``resample(mode="linear")`` vs TorchIO ``Resample`` on a
  ``ScalarImage`` (SimpleITK, linear) vs MONAI ``Spacing`` (bilinear; its
  default computes in float64, so it is also timed with ``dtype=float32``);
* label, nearest: ``resample(mode="nearest")`` vs TorchIO on a ``LabelMap``
  vs MONAI ``Spacing(mode="nearest")``;
* label, one-hot: ``resample(mode="label")`` (one-hot, linear, argmax) vs the
  same recipe written with each peer (one-hot channels, linear, argmax).

The output shapes differ by convention (TorchIO and medlearn 320 x 102 x 102,
MONAI 316 x 103 x 103); the work is the same within 2 %. One process, the same
inputs, the functions taking turns (ABC ABC ...) after a warm-up, median time:
this process's CPU time with one thread (the default, for torch and SimpleITK
alike: on a shared 2-core machine more threads are noise, and CPU time barely
feels other load), wall time with more. Target: ratio medlearn / peer < 1.

    python benchmarks/bench_volumes.py [--quick] [--repeats N] [--threads N]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import SimpleITK as sitk
import torch
import torch.nn.functional as F
import torchio as tio
from monai.data import MetaTensor
from monai.transforms import Spacing
from results import record

from medlearn.timing import compare
from medlearn.volumes import resample

SPACING, NEW = (5.0, 0.8, 0.8), (1.0, 1.0, 1.0)  # (z, y, x) mm


def make_inputs(shape: tuple[int, int, int]) -> tuple[torch.Tensor, torch.Tensor]:
    """An image and a label map (background, an organ, a small lesion)."""
    g = torch.Generator().manual_seed(0)
    image = torch.rand(1, *shape, generator=g)  # (C, D, H, W)
    D, H, W = shape
    z, y, x = torch.meshgrid(
        torch.linspace(-1, 1, D),
        torch.linspace(-1, 1, H),
        torch.linspace(-1, 1, W),
        indexing="ij",
    )
    labels = ((z**2 + y**2 + x**2) < 0.5).long()
    labels[((z - 0.1) ** 2 + (y - 0.2) ** 2 + x**2) < 0.02] = 2
    return image, labels[None]


def torchio_call(volume: torch.Tensor, label: bool):
    kind = tio.LabelMap if label else tio.ScalarImage
    affine = np.diag([SPACING[2], SPACING[1], SPACING[0], 1.0])  # (x, y, z)
    transform = tio.Resample(NEW[::-1])

    def run():
        image = kind(tensor=volume.permute(0, 3, 2, 1), affine=affine)
        return transform(image).data

    return run


def monai_call(volume: torch.Tensor, mode: str, dtype=np.float64):
    affine = torch.diag(torch.tensor([*SPACING, 1.0], dtype=torch.float64))
    transform = Spacing(pixdim=NEW, mode=mode, dtype=dtype)
    return lambda: transform(MetaTensor(volume, affine=affine))


def one_hot(labels: torch.Tensor) -> torch.Tensor:
    """``(1, D, H, W)`` labels -> ``(K, D, H, W)`` float32 one-hot channels."""
    return F.one_hot(labels[0]).permute(3, 0, 1, 2).float()


def cases(image: torch.Tensor, labels: torch.Tensor) -> list[tuple[str, dict]]:
    def onehot_then(fn):
        return lambda: fn(one_hot(labels))().argmax(0)

    return [
        ("image, linear", {
            "medlearn": lambda: resample(image, SPACING, NEW),
            "TorchIO": torchio_call(image, label=False),
            "MONAI": monai_call(image, "bilinear"),
            "MONAI f32": monai_call(image, "bilinear", np.float32),
        }),
        ("label, nearest", {
            "medlearn": lambda: resample(labels, SPACING, NEW, mode="nearest"),
            "TorchIO": torchio_call(labels, label=True),
            "MONAI": monai_call(labels, "nearest"),
            "MONAI f32": monai_call(labels, "nearest", np.float32),
        }),
        ("label, one-hot", {
            "medlearn": lambda: resample(labels, SPACING, NEW, mode="label"),
            "TorchIO": onehot_then(lambda x: torchio_call(x, label=False)),
            "MONAI": onehot_then(lambda x: monai_call(x, "bilinear")),
            "MONAI f32": onehot_then(lambda x: monai_call(x, "bilinear", np.float32)),
        }),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small volume, seconds")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument(
        "--threads", type=int, default=1, help="CPU threads (0: default)"
    )
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
        sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(args.threads)
    shape = (16, 32, 32) if args.quick else (64, 128, 128)  # (D, H, W)
    repeats = args.repeats or (2 if args.quick else 7)
    # one thread: this process's CPU time, which other load on a shared machine
    # disturbs far less than the wall clock (and equals it on an idle machine)
    clock = time.process_time if torch.get_num_threads() == 1 else time.perf_counter
    image, labels = make_inputs(shape)
    peers = ("TorchIO", "MONAI", "MONAI f32")
    print(
        f"resample {shape[::-1]} voxels (x, y, z) at {SPACING[::-1]} mm -> "
        f"{NEW} mm, threads={torch.get_num_threads()}, median of {repeats} "
        f"({'CPU' if clock is time.process_time else 'wall'} time)"
    )
    print(f"{'case':<15} {'medlearn ms':>11} " + " ".join(f"{p + ' ms':>12}" for p in peers)
          + " " + " ".join(f"{'ratio/' + p:>16}" for p in peers))  # fmt: skip
    for name, fns in cases(image, labels):
        med = {
            n: t.median for n, t in compare(fns, repeats=repeats, clock=clock).items()
        }
        ours = med["medlearn"]
        times = " ".join(f"{med[p] * 1e3:>12.1f}" for p in peers)
        ratios = " ".join(f"{ours / med[p]:>16.2f}" for p in peers)
        for p in peers:
            record(
                f"resample_{name.replace(' ', '_').replace(',', '')}",
                f"{p} resampling",
                ours / med[p],
                sizes=f"{shape} voxels at {SPACING} mm -> {NEW} mm",
            )
        print(f"{name:<15} {ours * 1e3:>11.1f} {times} {ratios}")
    print("target: every ratio < 1 (medlearn faster)")


if __name__ == "__main__":
    main()
