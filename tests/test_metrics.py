"""medlearn.metrics against references: MONAI, scikit-learn, torchmetrics, pycocotools."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from medlearn import metrics


def _blobby(shape, seed, p=0.5):
    """A random binary mask with some spatial structure (smoothed noise)."""
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    return torch.from_numpy(ndimage.gaussian_filter(rng.random(shape), 1.5) > p)


# ------------------------------------------------------------ segmentation
@pytest.mark.parametrize(
    "pred, target, expected",
    [  # hand-worked 2x2 cases (MONAI's style): Dice = 2TP / (2TP + FP + FN)
        ([[1, 1], [0, 0]], [[1, 0], [0, 0]], 2 / 3),
        ([[1, 1], [1, 1]], [[1, 1], [0, 0]], 2 * 2 / (2 * 2 + 2)),
        ([[0, 0], [0, 0]], [[1, 0], [0, 0]], 0.0),
        ([[1, 0], [0, 1]], [[1, 0], [0, 1]], 1.0),
    ],
)
def test_dice_hand_cases(pred, target, expected):
    assert metrics.dice(torch.tensor(pred), torch.tensor(target)) == pytest.approx(
        expected
    )


@pytest.mark.parametrize("shape", [(24, 20), (10, 16, 12)])
@pytest.mark.parametrize("seed", range(3))
def test_dice_and_iou_match_monai(shape, seed):
    from monai.metrics import DiceMetric, MeanIoU

    p, t = _blobby(shape, seed, 0.5), _blobby(shape, seed + 100, 0.45)
    y_pred, y = p[None, None].float(), t[None, None].float()  # (B, C, *spatial)
    assert metrics.dice(p, t) == pytest.approx(DiceMetric()(y_pred, y).item(), abs=1e-6)
    assert metrics.iou(p, t) == pytest.approx(MeanIoU()(y_pred, y).item(), abs=1e-6)


def test_sensitivity_specificity_match_sklearn():
    from sklearn.metrics import recall_score

    p, t = _blobby((30, 30), 1), _blobby((30, 30), 2)
    assert metrics.sensitivity(p, t) == pytest.approx(
        recall_score(t.flatten(), p.flatten())
    )
    assert metrics.specificity(p, t) == pytest.approx(
        recall_score(~t.flatten(), ~p.flatten())
    )


def test_empty_masks_follow_monai_conventions():
    from monai.metrics import DiceMetric

    empty, some = (
        torch.zeros(8, 8, dtype=torch.bool),
        torch.zeros(8, 8, dtype=torch.bool),
    )
    some[2:4, 2:4] = True
    for pred, target in ((empty, empty), (some, empty), (empty, some)):
        ref = DiceMetric(ignore_empty=True)(
            pred[None, None].float(), target[None, None].float()
        ).item()
        ours = metrics.dice(pred, target)
        assert (math.isnan(ours) and math.isnan(ref)) or ours == pytest.approx(ref)
    assert math.isnan(metrics.hausdorff_distance(empty, empty))
    assert metrics.hausdorff_distance(some, empty) == math.inf
    assert metrics.hausdorff_distance(empty, some) == math.inf


@pytest.mark.parametrize(
    "shape, spacing",
    [
        ((32, 28), (1.0, 1.0)),
        ((32, 28), (0.7, 2.5)),
        ((8, 20, 18), (5.0, 0.8, 0.8)),
        ((12, 12, 12), (1.0, 2.0, 3.0)),
    ],
)
@pytest.mark.parametrize("percentile", [None, 95])
@pytest.mark.parametrize("directed", [False, True])
def test_hausdorff_matches_monai(shape, spacing, percentile, directed):
    from monai.metrics import compute_hausdorff_distance

    for seed in range(2):
        p, t = _blobby(shape, seed, 0.52), _blobby(shape, seed + 50, 0.5)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = compute_hausdorff_distance(
                p[None, None].float(),
                t[None, None].float(),
                percentile=percentile,
                spacing=spacing,
                directed=directed,
            ).item()
        ours = metrics.hausdorff_distance(
            p, t, percentile=percentile, spacing=spacing, directed=directed
        )
        assert ours == pytest.approx(ref, rel=1e-5, abs=1e-5)


def test_hausdorff_worked_example_in_mm():
    # two 2x2 squares shifted by one column: every boundary pixel is 1 column = 2 mm away
    a = torch.zeros(6, 6, dtype=torch.bool)
    a[1:3, 1:3] = True
    b = torch.zeros(6, 6, dtype=torch.bool)
    b[1:3, 2:4] = True
    assert metrics.hausdorff_distance(a, b, spacing=(1.0, 2.0)) == pytest.approx(2.0)
    assert metrics.hausdorff_distance(a, b, spacing=(3.0, 0.5)) == pytest.approx(0.5)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda: metrics.dice(torch.zeros(3, 3), torch.zeros(3, 4)),
            ValueError,
            "same shape",
        ),
        (
            lambda: metrics.dice(torch.full((3, 3), 0.5), torch.zeros(3, 3)),
            ValueError,
            "binary mask",
        ),
        (
            lambda: metrics.iou(torch.tensor([2, 0]), torch.tensor([1, 0])),
            ValueError,
            "binary mask",
        ),
        (
            lambda: metrics.dice(
                torch.tensor([float("nan"), 0.0]), torch.tensor([1, 0])
            ),
            ValueError,
            "NaN",
        ),
        (lambda: metrics.dice([1, 0], torch.tensor([1, 0])), TypeError, "torch.Tensor"),
        (
            lambda: metrics.hausdorff_distance(
                torch.ones(4, 4), torch.ones(4, 4), spacing=(1.0, 1.0, 1.0)
            ),
            ValueError,
            "spacing: expected 2 values",
        ),
        (
            lambda: metrics.hausdorff_distance(
                torch.ones(4, 4), torch.ones(4, 4), spacing=(1.0, 0.0)
            ),
            ValueError,
            "positive",
        ),
        (
            lambda: metrics.hausdorff_distance(
                torch.ones(4, 4), torch.ones(4, 4), percentile=120
            ),
            ValueError,
            "percentile",
        ),
        (
            lambda: metrics.hausdorff_distance(torch.ones(4), torch.ones(4)),
            ValueError,
            "2D or 3D",
        ),
    ],
)
def test_segmentation_metrics_reject_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ------------------------------------------------------------ classification
@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 60), seed=st.integers(0, 10_000), ties=st.booleans())
def test_roc_auc_matches_sklearn_and_torchmetrics(n, seed, ties):
    from sklearn.metrics import roc_auc_score
    from torchmetrics.functional.classification import binary_auroc

    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(2, (n,), generator=g)
    labels[0], labels[1] = 0, 1  # both classes present
    scores = torch.rand(n, generator=g)
    if ties:
        scores = (scores * 4).round() / 4
    ours = metrics.roc_auc(scores, labels)
    assert ours == pytest.approx(
        roc_auc_score(labels.numpy(), scores.numpy()), abs=1e-12
    )
    assert ours == pytest.approx(binary_auroc(scores, labels).item(), abs=1e-6)


def test_roc_auc_rejects_one_class_and_nan():
    with pytest.raises(ValueError, match="both classes"):
        metrics.roc_auc(torch.rand(5), torch.ones(5))
    with pytest.raises(ValueError, match="NaN"):
        metrics.roc_auc(torch.tensor([0.1, float("nan")]), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="lengths differ"):
        metrics.roc_auc(torch.rand(3), torch.tensor([0, 1]))


def test_confusion_matrix_matches_sklearn():
    from sklearn.metrics import confusion_matrix as sk_cm

    g = torch.Generator().manual_seed(0)
    t, p = torch.randint(4, (200,), generator=g), torch.randint(4, (200,), generator=g)
    np.testing.assert_array_equal(
        metrics.confusion_matrix(p, t, 4).numpy(),
        sk_cm(t.numpy(), p.numpy(), labels=range(4)),
    )
    with pytest.raises(ValueError, match="too small"):
        metrics.confusion_matrix(p, t, 3)
    with pytest.raises(ValueError, match="integer"):
        metrics.confusion_matrix(p.float(), t)


# ------------------------------------------------------------ detection
def _random_boxes(n, g, scale=50.0):
    xy = torch.rand(n, 2, generator=g, dtype=torch.float64) * scale
    wh = torch.rand(n, 2, generator=g, dtype=torch.float64) * 20 + 0.5
    return torch.cat([xy, xy + wh], dim=1)


def test_box_iou_matches_pycocotools():
    from pycocotools import mask as mask_utils

    g = torch.Generator().manual_seed(0)
    a, b = _random_boxes(12, g), _random_boxes(7, g)
    xywh = lambda x: torch.cat([x[:, :2], x[:, 2:] - x[:, :2]], 1).numpy()  # noqa: E731
    ref = mask_utils.iou(xywh(a), xywh(b), [0] * len(b))
    np.testing.assert_allclose(
        metrics.box_iou(a, b).numpy(), ref, rtol=1e-9, atol=1e-12
    )


def test_box_iou_rejects_bad_boxes():
    with pytest.raises(ValueError, match=r"\(K, 4\)"):
        metrics.box_iou(torch.zeros(3, 5), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="x1 >= x0"):
        metrics.box_iou(torch.tensor([[5.0, 0, 1, 1]]), torch.zeros(1, 4))


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(0, 40),
    seed=st.integers(0, 10_000),
    thr=st.sampled_from([0.0, 0.3, 0.5, 0.7, 1.0]),
)
def test_nms_is_greedy_suppression(n, seed, thr):
    """A complete characterisation of greedy NMS: kept boxes are in score order, no two kept boxes
    overlap by more than the threshold, and every dropped box overlaps a higher-ranked kept box."""
    g = torch.Generator().manual_seed(seed)
    boxes, scores = (
        _random_boxes(n, g, scale=30.0),
        torch.rand(n, generator=g, dtype=torch.float64),
    )
    keep = metrics.nms(boxes, scores, thr)
    assert keep.dtype == torch.int64
    assert torch.all(scores[keep][:-1] >= scores[keep][1:])
    ious = metrics.box_iou(boxes, boxes)
    kept = keep.tolist()
    for i, a in enumerate(kept):
        for b in kept[i + 1 :]:
            assert ious[a, b] <= thr
    rank = {
        k: r
        for r, k in enumerate(
            torch.sort(scores, descending=True, stable=True).indices.tolist()
        )
    }
    for d in set(range(n)) - set(kept):
        assert any(ious[k, d] > thr and rank[k] < rank[d] for k in kept)


def _coco_map(preds, targets, iou_thresholds=None):
    """The reference: pycocotools' COCOeval on the same boxes."""
    import contextlib
    import io

    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    images, anns, dets = [], [], []
    labels = sorted(
        {int(c) for t in targets for c in t["labels"]}
        | {int(c) for p in preds for c in p["labels"]}
    )
    for i, (p, t) in enumerate(zip(preds, targets)):
        images.append({"id": i + 1, "width": 100, "height": 100})
        for b, c in zip(t["boxes"].tolist(), t["labels"].tolist()):
            w, h = b[2] - b[0], b[3] - b[1]
            anns.append(
                {
                    "id": len(anns) + 1,
                    "image_id": i + 1,
                    "category_id": int(c),
                    "bbox": [b[0], b[1], w, h],
                    "area": w * h,
                    "iscrowd": 0,
                }
            )
        for b, s, c in zip(
            p["boxes"].tolist(), p["scores"].tolist(), p["labels"].tolist()
        ):
            dets.append(
                {
                    "image_id": i + 1,
                    "category_id": int(c),
                    "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]],
                    "score": s,
                }
            )
    gt = COCO()
    gt.dataset = {
        "images": images,
        "annotations": anns,
        "categories": [{"id": c} for c in labels],
    }
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
        dt = gt.loadRes(dets) if dets else COCO()
        ev = COCOeval(gt, dt, "bbox")
        if iou_thresholds is not None:
            ev.params.iouThrs = np.array(iou_thresholds)
        ev.evaluate()
        ev.accumulate()
        precision = ev.eval["precision"][
            :, :, :, 0, -1
        ]  # (T, R, K) at area all, maxDets 100
    valid = precision[precision > -1]
    return float(valid.mean()) if valid.size else float("nan")


@pytest.mark.parametrize("seed", range(6))
def test_average_precision_matches_cocoeval(seed):
    g = torch.Generator().manual_seed(seed)
    preds, targets = [], []
    for _ in range(int(torch.randint(2, 6, (1,), generator=g))):
        n_gt = int(torch.randint(0, 5, (1,), generator=g))
        gt = _random_boxes(n_gt, g)
        gl = torch.randint(1, 4, (n_gt,), generator=g)
        # detections: jittered copies of the truth (some wrong class) plus random false positives
        jit = gt + torch.randn(gt.shape, generator=g, dtype=torch.float64) * 3
        jit = torch.cat([jit[:, :2], torch.maximum(jit[:, 2:], jit[:, :2] + 0.1)], 1)
        fp = _random_boxes(int(torch.randint(0, 4, (1,), generator=g)), g)
        boxes = torch.cat([jit, fp])
        labels = torch.cat([gl, torch.randint(1, 4, (len(fp),), generator=g)])
        scores = torch.rand(len(boxes), generator=g, dtype=torch.float64)
        preds.append({"boxes": boxes, "scores": scores, "labels": labels})
        targets.append({"boxes": gt, "labels": gl})
    if not any(len(t["boxes"]) for t in targets):
        targets[0] = {"boxes": _random_boxes(1, g), "labels": torch.tensor([1])}
    ours = metrics.average_precision(preds, targets)
    assert ours == pytest.approx(_coco_map(preds, targets), abs=1e-9)
    ours50 = metrics.average_precision(preds, targets, iou_thresholds=(0.5,))
    assert ours50 == pytest.approx(_coco_map(preds, targets, [0.5]), abs=1e-9)


def test_average_precision_rejects_bad_input():
    with pytest.raises(ValueError, match="one dict per image"):
        metrics.average_precision([{}], [])
    with pytest.raises(ValueError, match="missing keys"):
        metrics.average_precision(
            [{"boxes": torch.zeros(0, 4)}],
            [{"boxes": torch.zeros(0, 4), "labels": torch.zeros(0)}],
        )


# ---------------------------------------------------------------- device-clean detection


def test_nms_creates_its_tensors_on_the_boxes_device():
    """Whatever the default device, nms's own tensors follow its inputs (CUDA in use)."""
    g = torch.Generator().manual_seed(3)
    boxes, scores = _random_boxes(30, g), torch.rand(30, generator=g)
    expected = metrics.nms(boxes, scores, 0.3)
    with torch.device("meta"):  # a default device that holds no data
        kept = metrics.nms(boxes, scores, 0.3)
    assert kept.device == boxes.device and torch.equal(kept, expected)


def test_average_precision_takes_predictions_that_require_grad():
    """Model outputs carry autograd history; mAP reads their values, not their graph."""
    gt = [{"boxes": torch.tensor([[0.0, 0, 10, 10]]), "labels": torch.tensor([1])}]
    boxes = torch.tensor([[0.0, 0, 10, 10], [20.0, 20, 30, 30]], requires_grad=True)
    scores = torch.tensor([0.9, 0.8], requires_grad=True)
    pred = [
        {"boxes": boxes * 1.0, "scores": scores * 1.0, "labels": torch.tensor([1, 1])}
    ]
    assert metrics.average_precision(pred, gt) == pytest.approx(1.0)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_detection_metrics_on_cuda_equal_cpu():
    g = torch.Generator().manual_seed(4)
    boxes, scores = _random_boxes(50, g), torch.rand(50, generator=g)
    kept = metrics.nms(boxes.cuda(), scores.cuda(), 0.4)
    assert kept.device.type == "cuda"
    assert torch.equal(kept.cpu(), metrics.nms(boxes, scores, 0.4))
    gt = [{"boxes": boxes[:10], "labels": torch.ones(10, dtype=torch.long)}]
    pred = [
        {
            "boxes": boxes[5:25],
            "scores": scores[5:25],
            "labels": torch.ones(20, dtype=torch.long),
        }
    ]
    on_cuda = [{k: v.cuda() for k, v in d.items()} for d in pred]
    gt_cuda = [{k: v.cuda() for k, v in d.items()} for d in gt]
    assert metrics.average_precision(on_cuda, gt_cuda) == metrics.average_precision(
        pred, gt
    )
    mask = torch.rand(20, 20, generator=g) > 0.5
    edges = metrics.mask_edges(mask.cuda())
    assert edges.device.type == "cuda" and torch.equal(
        edges.cpu(), metrics.mask_edges(mask)
    )
