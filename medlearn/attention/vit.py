"""Patch tokens and a small Vision Transformer (Dosovitskiy et al. 2021).

An image becomes a sequence by cutting it into non-overlapping patches and
projecting each flattened patch to ``embed_dim`` features: ``patchify`` then a
matrix product, which is exactly a convolution whose kernel and stride equal
the patch size (``PatchEmbed``, the fast path). A ViT adds a learned position
embedding and a class token, and runs transformer blocks in which every token
attends to every other. See chapter 04 (attention).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from medlearn._helpers import IntOrTuple, check_choice, ntuple
from medlearn.attention.core import Mlp, MultiHeadSelfAttention

__all__ = ["patchify", "PatchEmbed", "TransformerBlock", "ViT"]


def patchify(x: Tensor, patch_size: IntOrTuple) -> Tensor:
    """Cut an image into flattened, non-overlapping patches (the tokens).

    Args:
        x: image ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        patch_size: patch side, an int or one per spatial axis.

    Returns:
        Patches ``(N, num_patches, C * prod(patch_size))``, patches row-major
        over the patch grid, each flattened in ``(C, pz, py, px)`` order (the
        order of a convolution weight).

    Raises:
        ValueError: if ``x`` is not 4-D or 5-D or not divisible into patches.

    Example:
        >>> patchify(torch.zeros(2, 3, 32, 32), 8).shape
        torch.Size([2, 16, 192])
    """
    if not isinstance(x, Tensor) or x.ndim not in (4, 5):
        raise ValueError(
            f"x must be (N, C, H, W) or (N, C, D, H, W), got {getattr(x, 'shape', x)}"
        )
    N, C, *spatial = x.shape
    patch = ntuple(patch_size, len(spatial), "patch_size")
    if any(s % p for s, p in zip(spatial, patch, strict=True)):
        raise ValueError(
            f"image size {tuple(spatial)} must be divisible by patch_size {patch}"
        )
    grid = [s // p for s, p in zip(spatial, patch, strict=True)]
    d = len(spatial)
    x = x.reshape(N, C, *(v for g, p in zip(grid, patch, strict=True) for v in (g, p)))
    # (N, C, g0, p0, g1, p1[, g2, p2]) -> (N, g0, g1[, g2], C, p0, p1[, p2])
    x = x.permute(0, *range(2, 2 + 2 * d, 2), 1, *range(3, 3 + 2 * d, 2))
    return x.reshape(N, math.prod(grid), C * math.prod(patch))  # (N, n, C * P)


class PatchEmbed(nn.Module):
    """Patch embedding as a strided convolution, 2D or 3D.

    Equal to ``patchify(x) @ proj.weight.flatten(1).T + proj.bias`` (tested).

    Args:
        spatial_dims: 2 or 3. Defaults to 2.
        in_channels: image channels. Defaults to 1.
        embed_dim: token features. Defaults to 96.
        patch_size: patch side, an int or one per axis. Defaults to 4.

    Example:
        >>> PatchEmbed(2, in_channels=3, embed_dim=16)(torch.zeros(1, 3, 32, 32)).shape
        torch.Size([1, 16, 8, 8])

    See chapter 04 (attention).
    """

    def __init__(
        self,
        spatial_dims: int = 2,
        in_channels: int = 1,
        embed_dim: int = 96,
        patch_size: IntOrTuple = 4,
    ) -> None:
        super().__init__()
        check_choice("spatial_dims", spatial_dims, (2, 3))
        self.patch_size = ntuple(patch_size, spatial_dims, "patch_size")
        conv = nn.Conv2d if spatial_dims == 2 else nn.Conv3d
        self.proj = conv(in_channels, embed_dim, self.patch_size, self.patch_size)

    def forward(self, x: Tensor) -> Tensor:
        """Tokens as a channel-first grid: ``(N, C, *S)`` -> ``(N, E, *S / patch)``."""
        spatial = x.shape[2:]
        if len(spatial) != len(self.patch_size) or any(
            s % p for s, p in zip(spatial, self.patch_size, strict=True)
        ):
            raise ValueError(
                f"x must be (N, C, *spatial) with spatial divisible by patch_size "
                f"{self.patch_size}, got {tuple(x.shape)}"
            )
        return self.proj(x)


class TransformerBlock(nn.Module):
    """Pre-norm transformer block: ``x + MSA(LN(x))``, then ``x + MLP(LN(x))``.

    Args:
        dim: token features. Defaults to 64.
        num_heads: attention heads. Defaults to 4.
        mlp_ratio: MLP width over ``dim``. Defaults to 4.0.
        qkv_bias: learn a query/key/value bias. Defaults to True.
        fused: use torch's fused attention kernel. Defaults to True.

    Example:
        >>> TransformerBlock(dim=16, num_heads=2)(torch.zeros(1, 5, 16)).shape
        torch.Size([1, 5, 16])
    """

    def __init__(
        self,
        dim: int = 64,
        num_heads: int = 4,
        mlp_ratio: float = 4.0,
        *,
        qkv_bias: bool = True,
        fused: bool = True,
    ) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = MultiHeadSelfAttention(
            dim, num_heads, qkv_bias=qkv_bias, fused=fused
        )
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class ViT(nn.Module):
    """A small Vision Transformer classifier, 2D or 3D.

    Patch tokens plus a learned position embedding and a class token go
    through ``depth`` transformer blocks; the class token's final features,
    normalised, give the logits. Initialise with a seed via
    ``medlearn.device.seed_everything`` for reproducible weights.

    Args:
        spatial_dims: 2 or 3. Defaults to 2.
        in_channels: image channels. Defaults to 1.
        img_size: image side, an int or one per axis. Defaults to 64.
        patch_size: patch side, an int or one per axis. Defaults to 8.
        num_classes: output logits. Defaults to 2.
        embed_dim: token features. Defaults to 64.
        depth: transformer blocks. Defaults to 4.
        num_heads: attention heads. Defaults to 4.
        mlp_ratio: MLP width over ``embed_dim``. Defaults to 4.0.
        fused: use torch's fused attention kernel. Defaults to True.

    Raises:
        ValueError: if ``img_size`` is not divisible by ``patch_size``.

    Example:
        >>> ViT(img_size=32, patch_size=8, embed_dim=16, depth=1, num_heads=2)(
        ...     torch.zeros(2, 1, 32, 32)).shape
        torch.Size([2, 2])

    See chapter 04 (attention).
    """

    def __init__(
        self,
        spatial_dims: int = 2,
        in_channels: int = 1,
        img_size: IntOrTuple = 64,
        patch_size: IntOrTuple = 8,
        num_classes: int = 2,
        embed_dim: int = 64,
        depth: int = 4,
        num_heads: int = 4,
        mlp_ratio: float = 4.0,
        *,
        fused: bool = True,
    ) -> None:
        super().__init__()
        self.img_size = ntuple(img_size, spatial_dims, "img_size")
        self.patch_embed = PatchEmbed(spatial_dims, in_channels, embed_dim, patch_size)
        patch = self.patch_embed.patch_size
        if any(s % p for s, p in zip(self.img_size, patch, strict=True)):
            raise ValueError(
                f"img_size {self.img_size} must be divisible by patch_size {patch}"
            )
        self.grid = tuple(s // p for s, p in zip(self.img_size, patch, strict=True))
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(
            torch.zeros(1, 1 + math.prod(self.grid), embed_dim)
        )
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        self.blocks = nn.ModuleList(
            TransformerBlock(embed_dim, num_heads, mlp_ratio, fused=fused)
            for _ in range(depth)
        )
        self.norm = nn.LayerNorm(embed_dim)
        self.head = nn.Linear(embed_dim, num_classes)

    def tokens(self, x: Tensor) -> Tensor:
        """Embedded tokens ``(N, 1 + num_patches, E)``, class token first."""
        if tuple(x.shape[2:]) != self.img_size:
            raise ValueError(
                f"x must be (N, C, *{self.img_size}), got {tuple(x.shape)}"
            )
        x = self.patch_embed(x).flatten(2).transpose(1, 2)  # (N, n, E)
        cls = self.cls_token.expand(x.shape[0], -1, -1)  # (N, 1, E)
        return torch.cat([cls, x], dim=1) + self.pos_embed  # (N, 1 + n, E)

    def forward(self, x: Tensor) -> Tensor:
        """Logits ``(N, num_classes)`` for images ``(N, C, *img_size)``."""
        x = self.tokens(x)
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x[:, 0]))

    def attention_maps(self, x: Tensor) -> list[Tensor]:
        """Per block, the attention weights ``(N, heads, 1 + n, 1 + n)``."""
        maps = []
        x = self.tokens(x)
        for block in self.blocks:
            maps.append(block.attn.attention_map(block.norm1(x)))
            x = block(x)
        return maps
