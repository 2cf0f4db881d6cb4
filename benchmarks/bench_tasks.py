"""Benchmark: chapter-01 metrics against their references, on the CPU.

One process, the same inputs for both sides, one warm-up, then the median of
alternating repeats (so a busy machine slows both alike). Prints the time of
medlearn and of the peer and their ratio (medlearn / peer; below 1 is faster).

Peers: torch.nn.functional.cross_entropy, MONAI's DiceMetric and
compute_hausdorff_distance, pycocotools' COCOeval.

Run: ``python benchmarks/bench_tasks.py [--quick]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import warnings

import numpy as np
import torch
from results import record

from medlearn import metrics, tasks
from medlearn.timing import compare


def coco_inputs(n_images: int, g: torch.Generator):
    preds, targets = [], []
    for _ in range(n_images):
        xy = torch.rand(6, 2, generator=g, dtype=torch.float64) * 200
        gt = torch.cat(
            [xy, xy + 10 + torch.rand(6, 2, generator=g, dtype=torch.float64) * 30], 1
        )
        det = torch.cat(
            [gt + torch.randn(6, 4, generator=g, dtype=torch.float64) * 4, gt[:3] + 15]
        )
        det = torch.cat([det[:, :2], torch.maximum(det[:, 2:], det[:, :2] + 1)], 1)
        preds.append(
            {
                "boxes": det,
                "scores": torch.rand(len(det), generator=g, dtype=torch.float64),
                "labels": torch.ones(len(det), dtype=torch.long),
            }
        )
        targets.append({"boxes": gt, "labels": torch.ones(6, dtype=torch.long)})
    return preds, targets


def cocoeval(preds, targets) -> float:
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    images, anns, dets = [], [], []
    for i, (p, t) in enumerate(zip(preds, targets)):
        images.append({"id": i + 1})
        for b in t["boxes"].tolist():
            anns.append(
                {
                    "id": len(anns) + 1,
                    "image_id": i + 1,
                    "category_id": 1,
                    "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]],
                    "area": (b[2] - b[0]) * (b[3] - b[1]),
                    "iscrowd": 0,
                }
            )
        for b, s in zip(p["boxes"].tolist(), p["scores"].tolist()):
            dets.append(
                {
                    "image_id": i + 1,
                    "category_id": 1,
                    "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]],
                    "score": s,
                }
            )
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = {"images": images, "annotations": anns, "categories": [{"id": 1}]}
        gt.createIndex()
        ev = COCOeval(gt, gt.loadRes(dets), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return float(ev.stats[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, seconds")
    args = parser.parse_args()
    torch.set_num_threads(1)
    from monai.metrics import DiceMetric, compute_hausdorff_distance
    from scipy import ndimage

    repeats = 3 if args.quick else 7
    size = (16, 48, 48) if args.quick else (48, 128, 128)
    n_images = 10 if args.quick else 100
    g = torch.Generator().manual_seed(0)
    rng = np.random.default_rng(0)
    a = torch.from_numpy(ndimage.gaussian_filter(rng.random(size), 2) > 0.5)
    b = torch.from_numpy(ndimage.gaussian_filter(rng.random(size), 2) > 0.5)
    spacing = (3.0, 0.8, 0.8)
    logits = torch.randn(4, 5, *size[1:], generator=g)
    target = torch.randint(5, (4, *size[1:]), generator=g)
    preds, targets = coco_inputs(n_images, g)

    rows = []

    def row(name, ours, peer, peer_name):
        t = compare({"ours": ours, "peer": peer}, repeats=repeats)
        rows.append((name, peer_name, t["ours"].median, t["peer"].median))

    row(
        "cross_entropy (4,5,H,W)",
        lambda: tasks.cross_entropy(logits, target),
        lambda: torch.nn.functional.cross_entropy(logits, target),
        "torch F.cross_entropy",
    )
    dm = DiceMetric()
    row(
        f"dice {size}",
        lambda: metrics.dice(a, b),
        lambda: dm(a[None, None].float(), b[None, None].float()),
        "MONAI DiceMetric",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        row(
            f"HD95 {size}, anisotropic",
            lambda: metrics.hausdorff_distance(a, b, 95, spacing=spacing),
            lambda: compute_hausdorff_distance(
                a[None, None].float(),
                b[None, None].float(),
                percentile=95,
                spacing=spacing,
            ),
            "MONAI compute_hausdorff_distance",
        )
    row(
        f"mAP, {n_images} images",
        lambda: metrics.average_precision(preds, targets),
        lambda: cocoeval(preds, targets),
        "pycocotools COCOeval",
    )

    print(f"{'metric':<30} {'peer':<34} {'medlearn':>10} {'peer':>10} {'ratio':>7}")
    for name, peer, ours, theirs in rows:
        metric, _, sizes = name.partition(" ")
        key = "".join(c for c in metric.lower() if c.isalnum() or c == "_")
        record(f"metric_{key}", peer, ours / theirs, sizes=sizes, threads=1)
        print(
            f"{name:<30} {peer:<34} {ours * 1e3:>8.2f}ms {theirs * 1e3:>8.2f}ms {ours / theirs:>7.2f}"
        )
    print(
        "ratio = medlearn time / peer time (one process, same inputs, median of alternating repeats)"
    )


if __name__ == "__main__":
    main()
