"""Self-attention from the definition, multi-head attention, and its cost.

Attention compares every query with every key, turns the scaled similarities
into weights with a softmax over the keys, and returns the weighted mean of
the values::

    attention(Q, K, V) = softmax(Q K^T / sqrt(d) + bias) V

``scaled_dot_product_attention`` writes this out; the fast path is torch's
fused ``torch.nn.functional.scaled_dot_product_attention`` and a test proves
them equal. For ``n`` tokens the score matrix has ``n^2`` entries: the
quadratic wall (``medlearn.attention.cost``). See chapter 04 (attention).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "attention_weights",
    "scaled_dot_product_attention",
    "MultiHeadSelfAttention",
    "Mlp",
]


def _additive(mask: Tensor | None, dtype: torch.dtype) -> Tensor | None:
    """A boolean keep-mask becomes 0 / -inf; a float mask is already additive."""
    if mask is None or mask.dtype != torch.bool:
        return mask
    zeros = torch.zeros(mask.shape, dtype=dtype, device=mask.device)
    return zeros.masked_fill(~mask, float("-inf"))


def attention_weights(q: Tensor, k: Tensor, mask: Tensor | None = None) -> Tensor:
    """Attention weights from the definition: ``softmax(q k^T / sqrt(d) + mask)``.

    Args:
        q: queries ``(..., L, E)``.
        k: keys ``(..., S, E)``.
        mask: None, a boolean mask broadcastable to ``(..., L, S)`` that is True
            where a query may attend to a key, or a float mask added to the
            scores (a bias; -inf forbids). Every query needs at least one
            allowed key. Defaults to None.

    Returns:
        Weights ``(..., L, S)``; each row sums to 1 over the keys.

    Raises:
        ValueError: if the last dimensions of ``q`` and ``k`` differ.

    Example:
        >>> attention_weights(torch.ones(1, 3, 4), torch.ones(1, 5, 4)).shape
        torch.Size([1, 3, 5])
    """
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(
            f"q and k must share the feature size, got q {tuple(q.shape)} "
            f"and k {tuple(k.shape)}"
        )
    # q k^T / sqrt(E), scaling q first: E numbers per query, not S scores
    scores = (q / math.sqrt(q.shape[-1])) @ k.transpose(-2, -1)  # (..., L, S)
    mask = _additive(mask, scores.dtype)
    if mask is not None:
        scores = scores + mask
    return scores.softmax(dim=-1)  # normalise over the keys


def scaled_dot_product_attention(
    q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None = None
) -> Tensor:
    """Scaled dot-product attention written out; equals torch's fused kernel.

    Args:
        q: queries ``(..., L, E)``.
        k: keys ``(..., S, E)``.
        v: values ``(..., S, Ev)``.
        mask: boolean (True = may attend) or additive float mask broadcastable
            to ``(..., L, S)``, as for ``torch.nn.functional.
            scaled_dot_product_attention``. Defaults to None.

    Returns:
        Outputs ``(..., L, Ev)``: per query, the weighted mean of the values.

    Raises:
        ValueError: if the shapes of ``q``, ``k`` and ``v`` do not fit.

    Example:
        >>> q = k = v = torch.randn(2, 4, 10, 8)  # (N, heads, L, head_dim)
        >>> scaled_dot_product_attention(q, k, v).shape
        torch.Size([2, 4, 10, 8])
    """
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(
            f"k and v must hold the same number of tokens, got k {tuple(k.shape)} "
            f"and v {tuple(v.shape)}"
        )
    return attention_weights(q, k, mask) @ v  # (..., L, Ev)


class MultiHeadSelfAttention(nn.Module):
    """Multi-head self-attention over a token sequence.

    One linear layer ``qkv`` makes queries, keys and values for all heads (the
    rows of its weight are ``[q; k; v]``, head by head, the layout of
    ``torch.nn.MultiheadAttention.in_proj_weight``); each head attends on its
    own ``dim / num_heads`` features; ``proj`` mixes the heads back.

    Args:
        dim: token feature size. Defaults to 64.
        num_heads: number of heads; must divide ``dim``. Defaults to 4.
        qkv_bias: learn a bias for queries, keys and values. Defaults to True.
        fused: use torch's fused attention kernel; False runs the explicit
            ``scaled_dot_product_attention`` (same numbers). Defaults to True.

    Raises:
        ValueError: if ``num_heads`` does not divide ``dim``.

    Example:
        >>> MultiHeadSelfAttention(dim=32, num_heads=4)(torch.zeros(2, 10, 32)).shape
        torch.Size([2, 10, 32])

    See chapter 04 (attention).
    """

    def __init__(
        self,
        dim: int = 64,
        num_heads: int = 4,
        *,
        qkv_bias: bool = True,
        fused: bool = True,
    ) -> None:
        super().__init__()
        if num_heads < 1 or dim % num_heads:
            raise ValueError(
                f"num_heads must be a positive divisor of dim={dim}, got {num_heads}"
            )
        self.num_heads = num_heads
        self.fused = fused
        self.qkv = nn.Linear(dim, 3 * dim, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)

    def _heads(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        N, L, C = x.shape
        qkv = self.qkv(x).view(N, L, 3, self.num_heads, C // self.num_heads)
        return qkv.permute(2, 0, 3, 1, 4).unbind(0)  # 3 x (N, heads, L, head_dim)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """Attend: ``(N, L, C)`` -> ``(N, L, C)``; ``mask`` as in the functions."""
        N, L, C = x.shape
        q, k, v = self._heads(x)
        if self.fused:
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        else:
            out = scaled_dot_product_attention(q, k, v, mask)
        out = out.transpose(1, 2).reshape(N, L, C)  # (N, L, heads * head_dim)
        return self.proj(out)

    def attention_map(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """The attention weights ``(N, heads, L, L)`` for tokens ``(N, L, C)``."""
        q, k, _ = self._heads(x)
        return attention_weights(q, k, mask)


class Mlp(nn.Module):
    """The transformer's per-token MLP: linear, GELU, linear.

    Parameter names ``linear1``/``linear2`` match MONAI's ``MLPBlock``.

    Args:
        dim: token feature size. Defaults to 64.
        hidden_dim: hidden width. Defaults to 256.

    Example:
        >>> Mlp(dim=8, hidden_dim=32)(torch.zeros(2, 5, 8)).shape
        torch.Size([2, 5, 8])
    """

    def __init__(self, dim: int = 64, hidden_dim: int = 256) -> None:
        super().__init__()
        self.linear1 = nn.Linear(dim, hidden_dim)
        self.fn = nn.GELU()
        self.linear2 = nn.Linear(hidden_dim, dim)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear2(self.fn(self.linear1(x)))
