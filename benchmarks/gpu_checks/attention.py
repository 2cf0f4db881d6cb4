"""Device checks of medlearn.attention and medlearn.wsi."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from gpu_checks import ON_DEVICE, Check
from medlearn import attention as att
from medlearn import wsi
from medlearn.attention import window_kernel

DEVICE_FREE: dict[object, str] = {
    att.attention_flops: "integer arithmetic on sizes",
    att.growth_exponent: "a NumPy fit of measured numbers",
    att.attention_scaling: "a CPU measurement routine by design (time and memory)",
    att.relative_position_index: "an index table built once, registered as a buffer",
    window_kernel.window_attention_heads: "WindowAttention's CPU-only fast path",
    window_kernel.WindowAttentionFunction: "WindowAttention's CPU-only fast path",
    wsi.tile_starts: "integer arithmetic on sizes",
    wsi.tile_weights: "NumPy weights per axis",
    wsi.iter_tiles: "reads NumPy tiles from an array or memory map",
    wsi.enlarge_to_memmap: "writes a NumPy memory map",
}


def _module_call(m: nn.Module, *args: object) -> object:
    return m(*args)


def checks(g: torch.Generator) -> list[Check]:
    q, k, v = (torch.randn(2, 3, 20, 8, generator=g) for _ in range(3))
    keep = torch.rand(20, 20, generator=g) > 0.3
    keep |= torch.eye(20, dtype=torch.bool)  # every query keeps one key
    grid = torch.randn(2, 8, 8, 12, generator=g)  # (N, H, W, C)
    grid3 = torch.randn(1, 4, 8, 8, 12, generator=g)  # (N, D, H, W, C)
    images = torch.randn(2, 1, 16, 16, generator=g)
    torch.manual_seed(0)
    mhsa = att.MultiHeadSelfAttention(12, 3, fused=False).eval()
    wa = att.WindowAttention(12, 3, (4, 4)).eval()
    windows = att.window_partition(grid, 4)
    mask = att.shifted_window_mask((8, 8), (4, 4), (2, 2))
    slide = np.random.default_rng(0).random((150, 130, 3)).astype(np.float32)
    smooth = nn.Conv2d(3, 2, 5, padding=2)
    return [
        Check(att.attention_weights, (q, k, keep)),
        Check(
            _module_call,
            (wsi.AttentionMIL(12, 2, hidden=16).eval(), grid.flatten(1, 2)),
            covers=(wsi.AttentionMIL,),
        ),
        Check(att.scaled_dot_product_attention, (q, k, v, keep)),
        Check(
            _module_call,
            (mhsa, grid.flatten(1, 2)),
            covers=(att.MultiHeadSelfAttention,),
        ),
        Check(_module_call, (att.Mlp(12, 24), grid), covers=(att.Mlp,)),
        Check(
            lambda x: att.patchify(x, 4),
            (images,),
            covers=(att.patchify,),
            rtol=0.0,
            atol=0.0,
        ),
        Check(
            _module_call,
            (att.PatchEmbed(2, 1, 12, 4), images),
            covers=(att.PatchEmbed,),
        ),
        Check(
            _module_call,
            (att.TransformerBlock(12, 3).eval(), grid.flatten(1, 2)),
            covers=(att.TransformerBlock,),
        ),
        Check(
            _module_call,
            (att.ViT(2, 1, 16, 4, embed_dim=12, depth=1, num_heads=3).eval(), images),
            covers=(att.ViT,),
        ),
        Check(
            lambda x: att.window_partition(x, (2, 4, 4)),
            (grid3,),
            covers=(att.window_partition,),
            rtol=0.0,
            atol=0.0,
        ),
        Check(
            lambda w: att.window_reverse(w, 4, (8, 8)),
            (windows,),
            covers=(att.window_reverse,),
            rtol=0.0,
            atol=0.0,
        ),
        Check(
            lambda d: att.shifted_window_mask((4, 8, 8), (2, 4, 4), (1, 2, 2), d),
            (ON_DEVICE,),
            covers=(att.shifted_window_mask,),
            rtol=0.0,
            atol=0.0,
        ),
        Check(_module_call, (wa, windows, mask), covers=(att.WindowAttention,)),
        Check(
            _module_call,
            (att.SwinBlock(3, 12, 3, (2, 4, 4)).eval(), grid3),
            covers=(att.SwinBlock,),
        ),
        Check(att.merge_neighbours, (grid3,), rtol=0.0, atol=0.0),
        Check(
            _module_call, (att.PatchMerging(2, 12), grid), covers=(att.PatchMerging,)
        ),
        Check(
            _module_call,
            (att.SwinEncoder(2, 1, 8, window_size=2).eval(), images),
            covers=(att.SwinEncoder,),
        ),
        Check(
            lambda s, m, d: wsi.apply_tiled(s, m, 64, 8, "linear", 3, device=d),
            (slide, smooth, ON_DEVICE),
            covers=(wsi.apply_tiled,),
        ),
    ]
