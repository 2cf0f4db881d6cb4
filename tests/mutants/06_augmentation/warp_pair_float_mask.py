# replaces: warp_pair
# feedback: should stay an int64 label map
"""returns the warped mask as floats (the dtype grid_sample works in), not as labels."""

import torch.nn.functional as F


def warp_pair(image, mask, grid):
    warped = F.grid_sample(image[None], grid[None], mode="bilinear", padding_mode="zeros",
                           align_corners=True)[0]
    labels = F.grid_sample(mask[None, None].to(grid.dtype), grid[None], mode="nearest",
                           padding_mode="zeros", align_corners=True)[0, 0]
    return warped, labels
