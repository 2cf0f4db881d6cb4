"""Patch merging and a hierarchical Swin encoder.

``PatchMerging`` concatenates each 2 x 2 (2 x 2 x 2 in 3D) block of tokens,
normalises and projects to twice the channels: the grid halves, so the windows
of the next stage cover four (eight) times the image area and information
travels further at every stage. ``SwinEncoder`` stacks patch embedding, Swin
blocks and merging. Parameter names and the neighbour order follow MONAI's
``PatchMerging``. Token grids are channel-last. See chapter 04 (attention).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from medlearn._helpers import IntOrTuple, check_choice
from medlearn.attention.swin import SwinBlock
from medlearn.attention.vit import PatchEmbed

__all__ = ["NEIGHBOUR_OFFSETS", "merge_neighbours", "PatchMerging", "SwinEncoder"]


# Order in which the 2 x 2 (x 2) neighbours are concatenated, as (z, y, x)
# offsets: MONAI's PatchMerging (and the original Swin) order.
NEIGHBOUR_OFFSETS = {
    2: ((0, 0), (1, 0), (0, 1), (1, 1)),
    3: (
        (0, 0, 0),
        (1, 0, 0),
        (0, 1, 0),
        (0, 0, 1),
        (1, 1, 0),
        (1, 0, 1),
        (0, 1, 1),
        (1, 1, 1),
    ),
}


def merge_neighbours(x: Tensor) -> Tensor:
    """Concatenate each 2 x 2 (x 2) block of tokens into one token.

    Neighbours are stacked along the channels in the order of
    ``NEIGHBOUR_OFFSETS`` (MONAI's ``PatchMerging``): in 2D the offsets
    ``(y, x)`` are (0, 0), (1, 0), (0, 1), (1, 1).

    Args:
        x: token grid ``(N, H, W, C)`` or ``(N, D, H, W, C)``, even sizes.

    Returns:
        ``(N, H/2, W/2, 4C)`` or ``(N, D/2, H/2, W/2, 8C)``.

    Raises:
        ValueError: if ``x`` is not 4-D or 5-D or a spatial size is odd.

    Example:
        >>> merge_neighbours(torch.zeros(1, 8, 8, 3)).shape
        torch.Size([1, 4, 4, 12])
    """
    if (
        not isinstance(x, Tensor)
        or x.ndim not in (4, 5)
        or any(s % 2 for s in x.shape[1:-1])
    ):
        raise ValueError(
            f"x must be (N, H, W, C) or (N, D, H, W, C) with even spatial sizes, "
            f"got {getattr(x, 'shape', x)}"
        )
    parts = [
        x[(slice(None), *(slice(o, None, 2) for o in offset))]  # (N, *S/2, C)
        for offset in NEIGHBOUR_OFFSETS[x.ndim - 2]
    ]
    return torch.cat(parts, dim=-1)  # (N, *S/2, 2^d C)


class PatchMerging(nn.Module):
    """Halve the grid, double the channels: merge neighbours, LayerNorm, linear.

    Same parameters (``norm``, ``reduction``) and neighbour order as MONAI's
    ``PatchMerging``.

    Args:
        spatial_dims: 2 or 3. Defaults to 2.
        dim: input channels ``C``; the output has ``2C``. Defaults to 48.

    Example:
        >>> PatchMerging(2, dim=8)(torch.zeros(1, 4, 4, 8)).shape
        torch.Size([1, 2, 2, 16])

    See chapter 04 (attention).
    """

    def __init__(self, spatial_dims: int = 2, dim: int = 48) -> None:
        super().__init__()
        check_choice("spatial_dims", spatial_dims, (2, 3))
        self.norm = nn.LayerNorm(2**spatial_dims * dim)
        self.reduction = nn.Linear(2**spatial_dims * dim, 2 * dim, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        """``(N, *spatial, C)`` -> ``(N, *spatial / 2, 2C)``."""
        return self.reduction(self.norm(merge_neighbours(x)))


class SwinEncoder(nn.Module):
    """A small hierarchical Swin encoder: patch embedding, then stages.

    Stage ``i`` runs ``depths[i]`` ``SwinBlock``s at ``embed_dim * 2**i``
    channels; ``PatchMerging`` links the stages. The input size must be
    divisible by ``patch_size * 2**(stages - 1) * window_size``.

    Args:
        spatial_dims: 2 or 3. Defaults to 2.
        in_channels: image channels. Defaults to 1.
        embed_dim: channels of the first stage. Defaults to 24.
        depths: Swin blocks per stage (each = W-MSA + SW-MSA). Defaults to (1, 1, 1).
        num_heads: heads per stage. Defaults to (2, 4, 8).
        window_size: window side, an int or one per axis. Defaults to 4.
        patch_size: patch side. Defaults to 2.
        mlp_ratio: MLP width over the channels. Defaults to 4.0.
        fused: use torch's fused attention kernel. Defaults to True.

    Example:
        >>> feats = SwinEncoder(embed_dim=8)(torch.zeros(1, 1, 32, 32))
        >>> [tuple(f.shape) for f in feats]
        [(1, 8, 16, 16), (1, 16, 8, 8), (1, 32, 4, 4)]

    See chapter 04 (attention).
    """

    def __init__(
        self,
        spatial_dims: int = 2,
        in_channels: int = 1,
        embed_dim: int = 24,
        depths: Sequence[int] = (1, 1, 1),
        num_heads: Sequence[int] = (2, 4, 8),
        window_size: IntOrTuple = 4,
        patch_size: IntOrTuple = 2,
        mlp_ratio: float = 4.0,
        *,
        fused: bool = True,
    ) -> None:
        super().__init__()
        if len(depths) != len(num_heads):
            raise ValueError(
                f"depths and num_heads need one entry per stage, got {depths!r} "
                f"and {num_heads!r}"
            )
        self.patch_embed = PatchEmbed(spatial_dims, in_channels, embed_dim, patch_size)
        dims = [embed_dim * 2**i for i in range(len(depths))]
        self.stages = nn.ModuleList(
            nn.Sequential(
                *(
                    SwinBlock(spatial_dims, c, h, window_size, mlp_ratio, fused=fused)
                    for _ in range(depth)
                )
            )
            for c, h, depth in zip(dims, num_heads, depths, strict=True)
        )
        self.merges = nn.ModuleList(PatchMerging(spatial_dims, c) for c in dims[:-1])

    def forward(self, x: Tensor) -> list[Tensor]:
        """Feature maps per stage, channel-first: ``(N, E * 2**i, *S / (p * 2**i))``."""
        x = self.patch_embed(x)  # (N, E, *grid)
        x = x.movedim(1, -1)  # (N, *grid, E)
        features = []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            features.append(x.movedim(-1, 1))  # (N, C_i, *grid_i)
            if i < len(self.merges):
                x = self.merges[i](x)  # (N, *grid_i / 2, 2 C_i)
        return features
