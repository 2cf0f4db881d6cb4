"""Windowed attention, shifted windows and patch merging (Swin, Liu et al. 2021).

``WindowAttention`` is multi-head attention inside each window plus a learned
bias per relative offset; ``SwinBlock`` runs it twice, on regular then on
cyclically shifted windows (W-MSA then SW-MSA), so information crosses window
borders. The cost is linear in the number of tokens, against quadratic for
global attention. Patch merging and the hierarchy are in ``hierarchy``.

Parameter names and layouts follow MONAI's ``SwinUNETR`` (``qkv``, ``proj``,
``relative_position_bias_table``, ``mlp.linear1``...): MONAI state dicts load
with ``strict=True`` and give the same outputs (tested). Token grids are
channel-last, ``(N, H, W, C)`` or ``(N, D, H, W, C)``. See chapter 04
(attention).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from medlearn._helpers import IntOrTuple, check_choice, ntuple
from medlearn.attention.core import Mlp, _additive, scaled_dot_product_attention
from medlearn.attention.window_kernel import (
    WindowAttentionFunction,
    window_attention_heads,
)
from medlearn.attention.windows import (
    relative_position_index,
    shifted_window_mask,
    window_partition,
    window_reverse,
)

__all__ = [
    "WindowAttention",
    "SwinBlock",
]

# windows of fewer tokens run inference through torch's fused kernel, larger
# ones head by head in place (window_kernel): the faster of the two for Swin-T
# 7x7 and SwinUNETR 7x7x7 windows in benchmarks/bench_attention.py
FUSED_INFERENCE_MAX_TOKENS = 128


class WindowAttention(nn.Module):
    """Multi-head self-attention inside windows, with a relative position bias.

    For each head a learned table holds one bias per relative offset between
    two tokens of a window; it is added to the scores together with the
    (optional) shifted-window mask. On the GPU torch's fused attention kernel
    takes both as one additive mask; on the CPU, where that kernel gives no
    gradient for a mask, ``window_kernel`` computes attention head by head in
    place with a written-out backward (same numbers). The index buffer is derived from
    ``window_size`` and not saved (``persistent=False``); a MONAI state dict,
    which carries it, loads with ``strict=True`` after a check that its index
    matches.

    Args:
        dim: token features. Defaults to 96.
        num_heads: attention heads; must divide ``dim``. Defaults to 3.
        window_size: window shape ``(Wh, Ww)`` or ``(Wd, Wh, Ww)``.
            Defaults to (7, 7).
        qkv_bias: learn a query/key/value bias. Defaults to True.
        fused: use torch's fused attention kernel; False runs the explicit
            attention (same numbers). Defaults to True.

    Raises:
        ValueError: if ``num_heads`` does not divide ``dim`` or the window is
            not 2-D or 3-D.

    Example:
        >>> attn = WindowAttention(dim=32, num_heads=2, window_size=(4, 4))
        >>> attn(torch.zeros(6, 16, 32)).shape  # 6 windows of 4 x 4 tokens
        torch.Size([6, 16, 32])

    See chapter 04 (attention).
    """

    def __init__(
        self,
        dim: int = 96,
        num_heads: int = 3,
        window_size: Sequence[int] = (7, 7),
        *,
        qkv_bias: bool = True,
        fused: bool = True,
    ) -> None:
        super().__init__()
        window = tuple(window_size)
        if len(window) not in (2, 3):
            raise ValueError(f"window_size must have 2 or 3 entries, got {window!r}")
        if num_heads < 1 or dim % num_heads:
            raise ValueError(
                f"num_heads must be a positive divisor of dim={dim}, got {num_heads}"
            )
        self.window_size = ntuple(window, len(window), "window_size")
        self.num_heads = num_heads
        self.fused = fused
        table_rows = math.prod(2 * w - 1 for w in self.window_size)
        self.relative_position_bias_table = nn.Parameter(
            torch.zeros(table_rows, num_heads)
        )
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)
        index = relative_position_index(self.window_size)
        self.register_buffer("relative_position_index", index, persistent=False)
        self.qkv = nn.Linear(dim, 3 * dim, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)
        self.register_load_state_dict_pre_hook(_check_saved_index)

    def relative_position_bias(self) -> Tensor:
        """The bias of every head for every query/key pair: ``(heads, n, n)``."""
        n = self.relative_position_index.shape[0]
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)]
        return bias.view(n, n, self.num_heads).permute(2, 0, 1)  # (heads, n, n)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """Attend inside windows.

        Args:
            x: windows ``(N * nW, n, C)`` as made by ``window_partition``.
            mask: None, or ``(nW, n, n)``: boolean (True = may attend, from
                ``shifted_window_mask``) or additive float (MONAI's
                ``compute_mask``). Defaults to None.

        Returns:
            ``(N * nW, n, C)``.
        """
        NW, n, C = x.shape  # NW = N * nW windows of n tokens
        heads = self.num_heads
        if n != self.relative_position_index.shape[0]:
            raise ValueError(
                f"x must hold {self.relative_position_index.shape[0]} tokens per "
                f"window (window_size {self.window_size}), got {tuple(x.shape)}"
            )
        nW = 1 if mask is None else mask.shape[0]
        if mask is not None and (mask.shape[1:] != (n, n) or NW % nW):
            raise ValueError(
                f"mask must be (nW, {n}, {n}) with nW dividing {NW}, "
                f"got {tuple(mask.shape)}"
            )
        if self.fused and x.device.type == "cpu":
            if mask is None or not mask.requires_grad:
                return self.proj(self._cpu(self.qkv(x), mask))
        qkv = self.qkv(x).view(NW, n, 3, heads, C // heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)  # 3 x (NW, heads, n, hd)
        bias = self.relative_position_bias().unsqueeze(0)  # (1, heads, n, n)
        if mask is not None:
            bias = bias + _additive(mask, bias.dtype).unsqueeze(1)  # (nW, heads, n, n)
        bias = bias.to(q.dtype)
        attend = F.scaled_dot_product_attention if self.fused else _explicit
        if bias.requires_grad and q.device.type == "cpu":
            # the explicit path (or a mask that wants a gradient) on the CPU:
            # broadcast the bias over the images rather than copying it per
            # window (windows are batch-major)
            split = (NW // nW, nW, heads, n, C // heads)
            out = attend(q.view(split), k.view(split), v.view(split), bias)
            out = out.view(NW, heads, n, C // heads)
        else:  # fused kernels take a 4-D mask: window w of each image gets mask[w]
            if nW > 1:
                bias = bias.expand(NW // nW, nW, heads, n, n).reshape(NW, heads, n, n)
            out = attend(q, k, v, bias)
        out = out.transpose(1, 2).reshape(NW, n, C)  # (NW, n, heads * hd)
        return self.proj(out)

    def _cpu(self, qkv: Tensor, mask: Tensor | None) -> Tensor:
        """The CPU fast path (window_kernel): ``qkv`` ``(NW, n, 3C)`` -> ``(NW, n, C)``."""
        bias = self.relative_position_bias()  # (heads, n, n)
        additive = None if mask is None else _additive(mask, qkv.dtype).to(qkv.dtype)
        if torch.is_grad_enabled() and (qkv.requires_grad or bias.requires_grad):
            return WindowAttentionFunction.apply(qkv, bias, additive, self.num_heads)
        if qkv.shape[1] >= FUSED_INFERENCE_MAX_TOKENS:
            return window_attention_heads(qkv, bias, additive, self.num_heads)
        NW, n, C3 = qkv.shape
        heads, hd = self.num_heads, C3 // (3 * self.num_heads)
        qkv5 = qkv.view(NW, n, 3, heads, hd)
        q, k, v = qkv5.permute(2, 0, 3, 1, 4).unbind(0)  # 3 x (NW, heads, n, hd)
        bias = bias.unsqueeze(0).to(qkv.dtype)  # (1, heads, n, n)
        if additive is not None:  # window w of each image gets mask[w]
            nW = additive.shape[0]
            bias = (bias + additive.unsqueeze(1)).repeat(NW // nW, 1, 1, 1)
        out = F.scaled_dot_product_attention(q, k, v, bias)  # (NW, heads, n, hd)
        return out.transpose(1, 2).reshape(NW, n, C3 // 3)


def _explicit(q: Tensor, k: Tensor, v: Tensor, bias: Tensor) -> Tensor:
    return scaled_dot_product_attention(q, k, v, bias)


def _check_saved_index(
    module: WindowAttention,
    state_dict: dict[str, Tensor],
    prefix: str,
    *args: object,
) -> None:
    """Accept a saved ``relative_position_index`` (MONAI saves it) if it matches.

    A ``load_state_dict`` pre-hook: ``args`` are torch's ``local_metadata,
    strict, missing_keys, unexpected_keys, error_msgs``.
    """
    error_msgs = args[-1]
    saved = state_dict.pop(prefix + "relative_position_index", None)
    if saved is not None and not torch.equal(
        saved.cpu(), module.relative_position_index.cpu()
    ):
        error_msgs.append(
            f"{prefix}relative_position_index does not match window_size "
            f"{module.window_size}"
        )


class _SwinLayer(nn.Module):
    """One pre-norm Swin layer: (shifted) window attention, then the MLP.

    Same parameter names as MONAI's ``SwinTransformerBlock``.
    """

    def __init__(
        self,
        dim: int,
        num_heads: int,
        window: tuple[int, ...],
        shift: tuple[int, ...],
        mlp_ratio: float,
        *,
        qkv_bias: bool,
        fused: bool,
    ) -> None:
        super().__init__()
        self.window_size, self.shift = window, shift
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(
            dim, num_heads, window, qkv_bias=qkv_bias, fused=fused
        )
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: Tensor) -> Tensor:
        N, *spatial, C = x.shape
        axes = tuple(range(1, 1 + len(spatial)))
        # a window that covers a whole axis has nothing to shift along it
        shift = tuple(
            0 if s == w else t
            for s, w, t in zip(spatial, self.window_size, self.shift, strict=True)
        )
        y = self.norm1(x)
        mask = None
        if any(shift):
            y = torch.roll(y, [-t for t in shift], axes)  # (N, *spatial, C)
            mask = shifted_window_mask(spatial, self.window_size, shift, x.device)
        windows = window_partition(y, self.window_size)  # (N * nW, n, C)
        y = window_reverse(self.attn(windows, mask), self.window_size, spatial)
        if any(shift):
            y = torch.roll(y, list(shift), axes)  # undo the cyclic shift
        x = x + y
        return x + self.mlp(self.norm2(x))


class SwinBlock(nn.Module):
    """W-MSA then SW-MSA: a regular and a half-window-shifted Swin layer.

    Each layer is ``x + WindowAttention(LN(x))`` then ``x + MLP(LN(x))``.
    Keys ``blocks.0.*``/``blocks.1.*`` match a MONAI ``BasicLayer`` of depth 2.

    Args:
        spatial_dims: 2 or 3. Defaults to 2.
        dim: token features. Defaults to 48.
        num_heads: attention heads. Defaults to 3.
        window_size: window side, an int or one per axis. Defaults to 7.
        mlp_ratio: MLP width over ``dim``. Defaults to 4.0.
        qkv_bias: learn a query/key/value bias. Defaults to True.
        fused: use torch's fused attention kernel. Defaults to True.

    Example:
        >>> SwinBlock(2, dim=16, num_heads=2, window_size=4)(torch.zeros(1, 8, 8, 16)).shape
        torch.Size([1, 8, 8, 16])

    See chapter 04 (attention).
    """

    def __init__(
        self,
        spatial_dims: int = 2,
        dim: int = 48,
        num_heads: int = 3,
        window_size: IntOrTuple = 7,
        mlp_ratio: float = 4.0,
        *,
        qkv_bias: bool = True,
        fused: bool = True,
    ) -> None:
        super().__init__()
        check_choice("spatial_dims", spatial_dims, (2, 3))
        window = ntuple(window_size, spatial_dims, "window_size")
        self.window_size, self.dim = window, dim
        shifts = ((0,) * spatial_dims, tuple(w // 2 for w in window))
        self.blocks = nn.ModuleList(
            _SwinLayer(
                dim, num_heads, window, s, mlp_ratio, qkv_bias=qkv_bias, fused=fused
            )
            for s in shifts
        )

    def forward(self, x: Tensor) -> Tensor:
        """``(N, *spatial, C)`` -> ``(N, *spatial, C)``, spatial a window multiple."""
        d = len(self.window_size)
        spatial = tuple(x.shape[1:-1])
        if x.ndim != d + 2 or x.shape[-1] != self.dim:
            raise ValueError(
                f"x must be a channel-last grid (N, *spatial[{d}], {self.dim}), "
                f"got {tuple(x.shape)}"
            )
        if any(s % w for s, w in zip(spatial, self.window_size, strict=True)):
            raise ValueError(
                f"x spatial shape {spatial} must be divisible by window_size "
                f"{self.window_size}"
            )
        for block in self.blocks:
            x = block(x)
        return x
