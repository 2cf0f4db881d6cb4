# replaces: warp_pair
# must pass: label-safe: one channel per label sampled linearly, then argmax
"""Correct: one-hot labels warped linearly with the image's grid, the most probable label kept."""

import torch
import torch.nn.functional as F


def warp_pair(image, mask, grid):
    warped = F.grid_sample(image[None], grid[None], mode="bilinear", padding_mode="zeros",
                           align_corners=True)[0]
    labels = torch.unique(torch.cat([mask.flatten(), mask.new_zeros(1)]))  # sorted, 0 first
    index = torch.searchsorted(labels, mask.contiguous())
    onehot = F.one_hot(index, len(labels)).permute(2, 0, 1).to(grid.dtype)  # (K, H, W)
    probs = F.grid_sample(onehot[None], grid[None], mode="bilinear", padding_mode="zeros",
                          align_corners=True)[0]
    probs[0] += 1 - probs.sum(0)  # what left the image is background (label 0)
    return warped, labels[probs.argmax(0)].to(mask.dtype)
