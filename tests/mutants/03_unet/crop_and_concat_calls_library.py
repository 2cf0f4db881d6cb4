# replaces: crop_and_concat
# feedback: your answer uses
"""crops with the library's center_crop."""

import torch

from medlearn.unet import center_crop


def crop_and_concat(skip, x):
    return torch.cat([center_crop(skip, x.shape[2:]), x], dim=1)
