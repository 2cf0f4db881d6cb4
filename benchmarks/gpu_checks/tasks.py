"""Device checks of medlearn.tasks and medlearn.metrics."""

from __future__ import annotations

import torch

from gpu_checks import Check
from medlearn import metrics, tasks

DEVICE_FREE: dict[object, str] = {
    metrics.ReliabilityDiagram: "a NamedTuple of tensors (built by reliability_diagram)",
}


def _boxes(n: int, g: torch.Generator) -> torch.Tensor:
    xy = torch.rand(n, 2, generator=g) * 100
    return torch.cat([xy, xy + 5 + torch.rand(n, 2, generator=g) * 20], 1)  # (n, 4)


def checks(g: torch.Generator) -> list[Check]:
    logits = torch.randn(4, 5, 32, 32, generator=g)
    target = torch.randint(5, (4, 32, 32), generator=g)
    a, b = torch.rand(48, 48, generator=g) > 0.5, torch.rand(48, 48, generator=g) > 0.5
    boxes, scores = _boxes(120, g), torch.rand(120, generator=g)
    gt = [{"boxes": _boxes(6, g), "labels": torch.ones(6, dtype=torch.long)}] * 3
    pred = [
        {
            "boxes": torch.cat([t["boxes"] + 2, _boxes(4, g)]),
            "scores": torch.rand(10, generator=g),
            "labels": torch.ones(10, dtype=torch.long),
        }
        for t in gt
    ]
    probs = torch.softmax(torch.randn(64, 3, 8, 8, generator=g), 1)
    labels = torch.randint(3, (64, 8, 8), generator=g)
    exact = {"rtol": 0.0, "atol": 0.0}
    return [
        Check(tasks.softmax, (logits,)),
        Check(tasks.log_softmax, (logits,)),
        Check(tasks.cross_entropy, (logits, target)),
        Check(tasks.soft_dice_loss, (logits, target)),
        Check(metrics.dice, (a, b), **exact),
        Check(metrics.iou, (a, b), **exact),
        Check(metrics.sensitivity, (a, b), **exact),
        Check(metrics.specificity, (a, b), **exact),
        Check(metrics.mask_edges, (a,), **exact),
        Check(
            lambda p, t: metrics.hausdorff_distance(p, t, 95, spacing=(0.8, 0.8)),
            (a, b),
            covers=(metrics.hausdorff_distance,),
            **exact,
        ),
        Check(metrics.roc_auc, (scores, scores > 0.4), rtol=1e-6),
        Check(metrics.confusion_matrix, (target, target.roll(1, 0)), **exact),
        Check(metrics.box_iou, (boxes, boxes)),
        Check(metrics.nms, (boxes, scores, 0.5), **exact),
        Check(metrics.average_precision, (pred, gt), rtol=1e-6),
        Check(metrics.reliability_diagram, (probs, labels)),
        Check(metrics.expected_calibration_error, (probs, labels)),
    ]
