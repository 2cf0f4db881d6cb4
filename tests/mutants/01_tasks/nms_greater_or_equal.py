# replaces: nms
# feedback: suppress only IoU > threshold, not >=
"""suppresses boxes whose IoU equals the threshold (>= instead of >)."""

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
        suppressed |= ious[i] >= iou_threshold
    return torch.tensor(keep, dtype=torch.int64)
