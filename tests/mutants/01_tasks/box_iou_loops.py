# replaces: box_iou
# must pass: a double Python loop over the pairs instead of broadcasting
"""Correct: loops over every pair with Python floats, into a tensor of the boxes' dtype."""

import torch


def box_iou(boxes1, boxes2):
    out = torch.zeros(len(boxes1), len(boxes2), dtype=boxes1.dtype)
    for i, (ax0, ay0, ax1, ay1) in enumerate(boxes1.tolist()):
        for j, (bx0, by0, bx1, by1) in enumerate(boxes2.tolist()):
            w = max(0.0, min(ax1, bx1) - max(ax0, bx0))
            h = max(0.0, min(ay1, by1) - max(ay0, by0))
            inter = w * h
            union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter
            out[i, j] = inter / union
    return out
