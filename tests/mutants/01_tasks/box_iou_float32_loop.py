# replaces: box_iou
# feedback: is float32 unless you pass dtype
"""a double loop into torch.zeros(N, M): right values, but float32 whatever the boxes' dtype."""

import torch


def box_iou(boxes1, boxes2):
    out = torch.zeros(len(boxes1), len(boxes2))
    for i, a in enumerate(boxes1):
        for j, b in enumerate(boxes2):
            w = (torch.minimum(a[2], b[2]) - torch.maximum(a[0], b[0])).clamp(min=0)
            h = (torch.minimum(a[3], b[3]) - torch.maximum(a[1], b[1])).clamp(min=0)
            inter = w * h
            union = (
                (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
            )
            out[i, j] = inter / union
    return out
