"""The CPU fast path of window attention: one head at a time, scores in place.

On the CPU, torch's fused ``scaled_dot_product_attention`` gives no gradient
for an additive bias, and its composite fallback materialises several
``(windows, heads, n, n)`` tensors per pass; at 3D window sizes (``n = 343``)
each is tens of MB, and allocating it costs as much as filling it. Here the
score matrix is built once, in place: the constant shifted-window mask and
the learned relative position bias are written into it, ``q k^T`` is added by
``baddbmm_``, the softmax overwrites it. Queries, keys and values are read
head by head as strided views of the ``qkv`` projection, so nothing is
permuted or copied, and the backward pass is written out:

    dV = P^T dO,   dP = dO V^T,   dS = P * (dP - rowsum(dO * O)),
    dQ = scale dS K,   dK = scale dS^T Q,   dBias = sum over windows of dS,

``rowsum(dO * O)`` equalling ``rowsum(dP * P)`` (FlashAttention's trick), and
the mask, a constant, getting no gradient. The numbers equal MONAI's
SwinUNETR ``WindowAttention`` (tested, and with ``gradcheck``); the speed is
measured in ``benchmarks/bench_attention.py``. See chapter 04 (attention).
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["window_attention_heads", "WindowAttentionFunction"]


def _check(qkv: Tensor, bias: Tensor, mask: Tensor | None, num_heads: int) -> None:
    if qkv.ndim != 3 or qkv.shape[-1] % (3 * num_heads):
        raise ValueError(
            f"qkv must be (windows, n, 3 * C) with C divisible by {num_heads} "
            f"heads, got {tuple(qkv.shape)}"
        )
    n = qkv.shape[1]
    if bias.shape != (num_heads, n, n):
        raise ValueError(
            f"bias must be ({num_heads}, {n}, {n}), got {tuple(bias.shape)}"
        )
    if mask is not None and (
        mask.ndim != 3 or mask.shape[1:] != (n, n) or qkv.shape[0] % mask.shape[0]
    ):
        raise ValueError(
            f"mask must be (nW, {n}, {n}) with nW dividing {qkv.shape[0]}, "
            f"got {tuple(mask.shape)}"
        )


def _probabilities(
    s: Tensor, q: Tensor, k: Tensor, bias: Tensor, mask: Tensor | None, scale: float
) -> Tensor:
    """One head's attention weights, written into the buffer ``s``.

    Args:
        s: buffer ``(N, nW, n, n)``, overwritten.
        q, k: this head's queries and keys ``(N * nW, n, hd)``, any strides.
        bias: this head's position bias ``(n, n)``.
        mask: additive mask ``(nW, n, n)`` or None.
        scale: ``hd ** -0.5``.

    Returns:
        The weights ``(N * nW, n, n)``, a view of ``s``; rows sum to 1.
    """
    n = s.shape[-1]
    if mask is None:
        s.copy_(bias.expand_as(s))
    else:  # mask + bias for the first image, then copied to the others
        torch.add(mask, bias, out=s[0])
        s[1:].copy_(s[:1].expand_as(s[1:]))
    s3 = s.view(-1, n, n)  # (N * nW, n, n)
    s3.baddbmm_(q, k.transpose(1, 2), alpha=scale)  # + scale q k^T
    torch.ops.aten._softmax.out(
        s3, -1, half_to_float=False, out=s3
    )  # in place, row by row
    return s3


def _forward(
    qkv: Tensor, bias: Tensor, mask: Tensor | None, num_heads: int, *, keep: bool
) -> tuple[Tensor, Tensor | None]:
    """Outputs ``(NW, n, C)`` and, if ``keep``, the weights of every head."""
    NW, n, C3 = qkv.shape
    hd = C3 // (3 * num_heads)
    nW = 1 if mask is None else mask.shape[0]
    qkv5 = qkv.view(NW, n, 3, num_heads, hd)  # (NW, n, q/k/v, heads, hd)
    out = qkv.new_empty(NW, n, num_heads, hd)
    shape = (NW // nW, nW, n, n)
    weights = qkv.new_empty(num_heads, *shape) if keep else None
    s = None if keep else qkv.new_empty(shape)  # one buffer, reused per head
    for h in range(num_heads):
        buf = weights[h] if keep else s
        q, k, v = qkv5[:, :, 0, h], qkv5[:, :, 1, h], qkv5[:, :, 2, h]  # (NW, n, hd)
        p = _probabilities(buf, q, k, bias[h], mask, hd**-0.5)
        torch.bmm(p, v, out=out[:, :, h])  # (NW, n, hd)
    return out.view(NW, n, C3 // 3), weights


def window_attention_heads(
    qkv: Tensor, bias: Tensor, mask: Tensor | None, num_heads: int
) -> Tensor:
    """Window attention from the ``qkv`` projection, without autograd.

    Args:
        qkv: the ``qkv`` linear layer's output ``(N * nW, n, 3 * C)``, rows
            ``[q; k; v]`` head by head (MONAI's layout).
        bias: relative position bias ``(heads, n, n)``.
        mask: additive shifted-window mask ``(nW, n, n)`` (0 or -inf/-100;
            window ``w`` of every image gets ``mask[w]``), or None.
        num_heads: attention heads.

    Returns:
        Attention outputs ``(N * nW, n, C)``, heads concatenated, before ``proj``.

    Raises:
        ValueError: if the shapes do not fit together.

    Example:
        >>> qkv = torch.randn(4, 16, 3 * 8)
        >>> window_attention_heads(qkv, torch.zeros(2, 16, 16), None, 2).shape
        torch.Size([4, 16, 8])
    """
    _check(qkv, bias, mask, num_heads)
    with torch.no_grad():
        return _forward(qkv, bias.to(qkv.dtype), mask, num_heads, keep=False)[0]


class WindowAttentionFunction(torch.autograd.Function):
    """Window attention with a hand-written backward (module docstring).

    ``apply(qkv, bias, mask, num_heads)`` with the arguments of
    :func:`window_attention_heads`; gradients flow to ``qkv`` and ``bias``,
    the mask is a constant.

    Example:
        >>> qkv = torch.randn(4, 16, 24, requires_grad=True)
        >>> bias = torch.zeros(2, 16, 16, requires_grad=True)
        >>> WindowAttentionFunction.apply(qkv, bias, None, 2).sum().backward()
        >>> bias.grad.shape
        torch.Size([2, 16, 16])
    """

    @staticmethod
    def forward(
        ctx: torch.autograd.function.FunctionCtx,
        qkv: Tensor,
        bias: Tensor,
        mask: Tensor | None,
        num_heads: int,
    ) -> Tensor:
        _check(qkv, bias, mask, num_heads)
        if mask is not None and mask.requires_grad:
            raise ValueError("mask is a constant here; detach it first")
        out, weights = _forward(qkv, bias.to(qkv.dtype), mask, num_heads, keep=True)
        ctx.save_for_backward(qkv, weights, out)
        ctx.num_heads = num_heads
        ctx.bias_dtype = bias.dtype
        return out

    @staticmethod
    def backward(
        ctx: torch.autograd.function.FunctionCtx, grad: Tensor
    ) -> tuple[Tensor | None, Tensor | None, None, None]:
        qkv, weights, out = ctx.saved_tensors
        H = ctx.num_heads
        NW, n, C3 = qkv.shape
        hd = C3 // (3 * H)
        scale = hd**-0.5
        qkv5 = qkv.view(NW, n, 3, H, hd)  # (NW, n, q/k/v, heads, hd)
        dout = grad.contiguous().view(NW, n, H, hd)
        delta = (dout * out.view(NW, n, H, hd)).sum(-1, keepdim=True)  # (NW, n, H, 1)
        dqkv = qkv.new_empty(NW, n, 3, H, hd)
        dbias = qkv.new_empty(H, n, n) if ctx.needs_input_grad[1] else None
        ds = qkv.new_empty(NW, n, n)  # one buffer, reused per head
        for h in range(H):
            p = weights[h].view(NW, n, n)
            q, k, v = qkv5[:, :, 0, h], qkv5[:, :, 1, h], qkv5[:, :, 2, h]
            do = dout[:, :, h]  # (NW, n, hd)
            torch.bmm(p.transpose(1, 2), do, out=dqkv[:, :, 2, h])  # dV
            torch.bmm(do, v.transpose(1, 2), out=ds)  # dP
            ds.sub_(delta[:, :, h]).mul_(p)  # dS, the softmax's backward
            if dbias is not None:
                torch.sum(ds, 0, out=dbias[h])
            dq, dk = dqkv[:, :, 0, h], dqkv[:, :, 1, h]
            torch.baddbmm(dq, ds, k, beta=0, alpha=scale, out=dq)
            torch.baddbmm(dk, ds.transpose(1, 2), q, beta=0, alpha=scale, out=dk)
        dqkv = dqkv.view(NW, n, C3) if ctx.needs_input_grad[0] else None
        if dbias is not None:
            dbias = dbias.to(ctx.bias_dtype)
        return dqkv, dbias, None, None
