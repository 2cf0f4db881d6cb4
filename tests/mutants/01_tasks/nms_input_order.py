# replaces: nms
# feedback: visiting the boxes in input order
"""visits boxes in input order instead of by decreasing score."""

import torch


def nms(boxes, scores, iou_threshold=0.5):
    ious = box_iou(boxes, boxes)
    suppressed = torch.zeros(len(boxes), dtype=torch.bool)
    keep = []
    for i in range(len(boxes)):
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= ious[i] > iou_threshold
    return torch.tensor(keep, dtype=torch.int64)
