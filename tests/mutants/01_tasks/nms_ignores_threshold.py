# replaces: nms
# feedback: you ignore the `iou_threshold` argument
"""hard-codes the default threshold 0.5 and ignores the iou_threshold argument."""

import torch


def nms(boxes, scores, iou_threshold=0.5):
    order = torch.sort(scores, descending=True, stable=True).indices
    ious = box_iou(boxes, boxes)
    suppressed = torch.zeros(len(boxes), dtype=torch.bool)
    keep = []
    for i in order.tolist():
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= ious[i] > 0.5
    return torch.tensor(keep, dtype=torch.int64)
