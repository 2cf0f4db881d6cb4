"""Self-attention, Vision Transformers and windowed (Swin) attention.

One file per concept, re-exported here:

* ``core``: attention from the definition, multi-head self-attention, the
  FLOP count of global and windowed attention.
* ``vit``: patch tokens (``patchify``, ``PatchEmbed``) and a small ``ViT``.
* ``windows``: ``window_partition``/``window_reverse`` and the shifted-window
  mask on channel-last token grids.
* ``swin``: ``WindowAttention``, ``SwinBlock``, ``PatchMerging`` and a small
  hierarchical ``SwinEncoder``, state-dict compatible with MONAI's SwinUNETR.

Whole-slide tiling lives in ``medlearn.wsi``. See chapter 04 (attention).
"""

from __future__ import annotations

from medlearn.attention.core import (
    Mlp,
    MultiHeadSelfAttention,
    attention_flops,
    attention_weights,
    scaled_dot_product_attention,
)
from medlearn.attention.swin import (
    NEIGHBOUR_OFFSETS,
    PatchMerging,
    SwinBlock,
    SwinEncoder,
    WindowAttention,
    merge_neighbours,
)
from medlearn.attention.vit import PatchEmbed, TransformerBlock, ViT, patchify
from medlearn.attention.windows import (
    relative_position_index,
    shifted_window_mask,
    window_partition,
    window_reverse,
)

__all__ = [
    "attention_weights",
    "scaled_dot_product_attention",
    "MultiHeadSelfAttention",
    "Mlp",
    "attention_flops",
    "patchify",
    "PatchEmbed",
    "TransformerBlock",
    "ViT",
    "window_partition",
    "window_reverse",
    "shifted_window_mask",
    "relative_position_index",
    "WindowAttention",
    "SwinBlock",
    "NEIGHBOUR_OFFSETS",
    "merge_neighbours",
    "PatchMerging",
    "SwinEncoder",
]
