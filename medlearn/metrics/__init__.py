"""Evaluation metrics for the three tasks: classification, segmentation, detection.

Each function is written from its definition and tested against a reference
implementation (MONAI for segmentation, scikit-learn for classification,
pycocotools for detection, torchmetrics for calibration). See chapter 01
(tasks); calibration (the reliability diagram and the expected calibration
error) is chapter 08's (uncertainty).
"""

from __future__ import annotations

from medlearn.metrics.calibration import (
    ReliabilityDiagram,
    expected_calibration_error,
    reliability_diagram,
)
from medlearn.metrics.classification import confusion_matrix, roc_auc
from medlearn.metrics.detection import average_precision, box_iou, nms
from medlearn.metrics.segmentation import (
    dice,
    hausdorff_distance,
    iou,
    mask_edges,
    sensitivity,
    specificity,
)

__all__ = [
    "dice",
    "iou",
    "sensitivity",
    "specificity",
    "mask_edges",
    "hausdorff_distance",
    "roc_auc",
    "confusion_matrix",
    "box_iou",
    "nms",
    "average_precision",
    "ReliabilityDiagram",
    "reliability_diagram",
    "expected_calibration_error",
]
