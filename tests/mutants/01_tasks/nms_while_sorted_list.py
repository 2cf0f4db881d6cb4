# replaces: nms
# must pass: a while loop over a sorted Python list, one IoU at a time, instead of a mask
"""Correct: pop the best index from a list sorted by score, filter the rest by IoU."""

import torch


def nms(boxes, scores, iou_threshold=0.5):
    order = sorted(
        range(len(scores)), key=lambda k: -float(scores[k])
    )  # stable for ties
    keep = []
    while order:
        i = order.pop(0)
        keep.append(i)
        order = [
            j
            for j in order
            if float(box_iou(boxes[i : i + 1], boxes[j : j + 1])[0, 0]) <= iou_threshold
        ]
    return torch.tensor(keep, dtype=torch.int64)
