"""Affine + elastic warp of an image and its mask, and a bias field: medlearn vs TorchIO and MONAI.

One process, the same 128^3 image (float32) and label map, alternating runs
(ABC ABC ...; medians). Every side samples new parameters each run and warps
image and mask, image linearly, labels by nearest neighbour:

* medlearn ``RandomAffineElastic`` (sample + apply, defaults, so the folding
  check runs too): one grid, one ``grid_sample`` per tensor; a batch of 8 in
  one call;
* TorchIO 1.2.1 ``RandomAffineElasticDeformation`` (one SimpleITK
  resampling) and ``Compose([RandomAffine, RandomElasticDeformation])`` (two);
* MONAI 1.6.1 ``RandAffined`` + ``Rand3DElasticd`` (the issue's pair, two
  resamplings) and ``Rand3DElasticd`` with its own rotate/scale ranges (one).

The same ranges everywhere: rotations up to 10 degrees, scales 0.9-1.1, and
TorchIO's elastic defaults (7 control points, 7.5 mm); MONAI's elastic model
is a smoothed dense random field (sigma 5-7 voxels, magnitude 50-100), its
tutorials' setting. The TorchIO and MONAI batch is a loop over the 8 samples
(neither batches a spatial transform), timed for the configuration of each
that is faster on one image (one resampling; both TorchIO ones are equal). MONAI runs without meta-data tracking,
its fastest mode. Bias field: ``RandomBiasField`` (order 3) on each side.

Threads: ``--threads`` sets torch's and ITK's thread counts alike (default 1:
on a shared machine more threads spin against other processes and the ratios
turn to noise). Goal (issue 16): medlearn / TorchIO <= 0.1 and medlearn /
MONAI <= 0.2, judged against the faster configuration of each peer.

    python benchmarks/bench_augmentation.py [--quick] [--repeats N] [--threads N]
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import torch
from results import record

from medlearn import augment
from medlearn.timing import compare

GOALS = {"TorchIO": 0.1, "MONAI": 0.2}


def volumes(n: int, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``(n, 1, S, S, S)`` float32 images and ``(n, S, S, S)`` int64 label maps."""
    g = torch.Generator().manual_seed(0)
    u = torch.linspace(-1, 1, size)
    r = (u[:, None, None] ** 2 + u[None, :, None] ** 2 + u[None, None, :] ** 2).sqrt()
    image = (1 - r).clamp(min=0) + 0.1 * torch.rand(n, 1, size, size, size, generator=g)
    labels = (r < 0.6).long() + (r < 0.3).long()
    return image, labels.expand(n, -1, -1, -1).contiguous()


def medlearn_sides(image, labels, spacing) -> dict:
    aug = augment.RandomAffineElastic()  # defaults: the folding check included
    bias = augment.RandomBiasField()
    g = torch.Generator().manual_seed(0)
    n, shape = image.shape[0], tuple(image.shape[2:])

    def warp():
        return aug.apply(aug.sample(shape, spacing, g, batch_size=n), image, labels)

    def field():
        return bias.apply(bias.sample(shape, g, batch_size=n), image)

    return {"warp": warp, "bias": field}


def torchio_sides(image, labels, spacing) -> dict:
    import torchio as tio

    affine = np.diag([*spacing[::-1], 1.0])
    subjects = [
        tio.Subject(
            image=tio.ScalarImage(tensor=x.permute(0, 3, 2, 1).clone(), affine=affine),
            mask=tio.LabelMap(
                tensor=m[None].permute(0, 3, 2, 1).clone(), affine=affine
            ),
        )
        for x, m in zip(image, labels)
    ]
    one = tio.RandomAffineElasticDeformation()
    two = tio.Compose([tio.RandomAffine(), tio.RandomElasticDeformation()])
    bias = tio.RandomBiasField()

    def run(transform):
        return lambda: [transform(s) for s in subjects]

    return {"warp (1 resampling)": run(one), "warp (2)": run(two), "bias": run(bias)}


def monai_sides(image, labels) -> dict:
    from monai.data import set_track_meta
    from monai.transforms import Compose, Rand3DElasticd, RandAffined, RandBiasFieldd

    set_track_meta(False)
    keys, mode = ("image", "mask"), ("bilinear", "nearest")
    rotate, scale = (np.pi / 18,) * 3, (0.1,) * 3
    elastic = dict(sigma_range=(5, 7), magnitude_range=(50, 100), prob=1.0, mode=mode)
    pair = Compose(
        [
            RandAffined(
                keys, prob=1.0, rotate_range=rotate, scale_range=scale, mode=mode
            ),
            Rand3DElasticd(keys, **elastic),
        ]
    ).set_random_state(0)
    single = Rand3DElasticd(keys, rotate_range=rotate, scale_range=scale, **elastic)
    single.set_random_state(0)
    bias = RandBiasFieldd("image", prob=1.0, degree=3).set_random_state(0)
    items = [{"image": x, "mask": m[None].float()} for x, m in zip(image, labels)]

    def run(transform):
        return lambda: [transform(dict(item)) for item in items]

    return {
        "warp (2 resamplings)": run(pair),
        "warp (1)": run(single),
        "bias": run(bias),
    }


def bench(n: int, size: int, repeats: int, skip=()) -> dict[str, dict[str, float]]:
    image, labels = volumes(n, size)
    spacing = (1.0, 1.0, 1.0)
    sides = {
        "medlearn": medlearn_sides(image, labels, spacing),
        "TorchIO": torchio_sides(image, labels, spacing),
        "MONAI": monai_sides(image, labels),
    }
    fns = {
        (lib, op): fn
        for lib, ops in sides.items()
        for op, fn in ops.items()
        if (lib, op) not in skip
    }
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore"
        )  # TorchIO's static folding warning on small sizes
        med = {name: t.median for name, t in compare(fns, repeats=repeats).items()}
    out: dict[str, dict[str, float]] = {}
    for (lib, op), seconds in med.items():
        out.setdefault(lib, {})[op] = seconds
    return out


def report(label: str, med: dict[str, dict[str, float]]) -> None:
    ours = med["medlearn"]
    for kind, mine in (("warp", ours["warp"]), ("bias", ours["bias"])):
        print(f"{label} {kind}: medlearn {mine:.3f} s")
        for peer in ("TorchIO", "MONAI"):
            rows = {op: s for op, s in med[peer].items() if op.startswith(kind)}
            for op, seconds in rows.items():
                print(
                    f"    {peer + ' ' + op:32s} {seconds:8.3f} s   ratio {mine / seconds:6.3f}"
                )
            best = min(rows.values())
            record(
                f"augment_{kind}",
                f"{peer} (fastest configuration)",
                mine / best,
                sizes=label,
            )
            goal = GOALS[peer]
            verdict = "ok" if mine / best <= goal else "MISSED"
            print(
                f"    ratio medlearn / fastest {peer:8s} {mine / best:6.3f}"
                f"   goal <= {goal}   {verdict}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, seconds")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--threads", type=int, default=1, help="torch and ITK threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    import SimpleITK as sitk

    sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(args.threads)
    size, batch = (32, 2) if args.quick else (128, 8)
    repeats = args.repeats or (1 if args.quick else 3)
    print(f"CPU, {args.threads} thread(s) for torch and ITK, median of {repeats} runs")
    report(f"1 x {size}^3", bench(1, size, repeats))
    # the batch: only the faster configuration of each peer (minutes otherwise)
    slower = {("TorchIO", "warp (2)"), ("MONAI", "warp (2 resamplings)")}
    report(f"{batch} x {size}^3", bench(batch, size, repeats, skip=slower))


if __name__ == "__main__":
    main()
