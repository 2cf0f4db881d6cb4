# replaces: warp_pair
# feedback: invents labels between two others
"""interpolates the label map linearly, like the image, then rounds: new labels appear at edges."""

import torch
import torch.nn.functional as F


def warp_pair(image, mask, grid):
    warped = F.grid_sample(image[None], grid[None], mode="bilinear", padding_mode="zeros",
                           align_corners=True)[0]
    labels = F.grid_sample(mask[None, None].to(grid.dtype), grid[None], mode="bilinear",
                           padding_mode="zeros", align_corners=True)[0, 0]
    return warped, labels.round().to(mask.dtype)
