"""Self-attention, Vision Transformers and windowed (Swin) attention.

One file per concept, re-exported here:

* ``core``: attention from the definition and multi-head self-attention.
* ``cost``: FLOPs of global and windowed attention (Liu et al. 2021), and
  measured time, peak memory (with :mod:`medlearn.timing`) and growth exponents.
* ``vit``: patch tokens (``patchify``, ``PatchEmbed``) and a small ``ViT``.
* ``windows``: ``window_partition``/``window_reverse`` and the shifted-window
  mask on channel-last token grids.
* ``swin``: ``WindowAttention`` and ``SwinBlock`` (W-MSA then SW-MSA),
  state-dict compatible with MONAI's SwinUNETR.
* ``hierarchy``: ``PatchMerging`` and a small hierarchical ``SwinEncoder``.

Whole-slide tiling lives in ``medlearn.wsi``. See chapter 04 (attention).
"""

from __future__ import annotations

from medlearn.attention.core import (
    Mlp,
    MultiHeadSelfAttention,
    attention_weights,
    scaled_dot_product_attention,
)
from medlearn.attention.cost import (
    attention_flops,
    attention_scaling,
    growth_exponent,
)
from medlearn.attention.hierarchy import (
    NEIGHBOUR_OFFSETS,
    PatchMerging,
    SwinEncoder,
    merge_neighbours,
)
from medlearn.attention.swin import SwinBlock, WindowAttention
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
    "growth_exponent",
    "attention_scaling",
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
