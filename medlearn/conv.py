"""Convolution and pooling written out: a sliding window, im2col, and torch.

A convolution slides a small weight tensor over the image and, at every output
position, multiplies the window it covers by the weights and sums: a pattern
matcher that answers "how much does this window look like the kernel?". The
same sum has three implementations side by side:

* ``impl="loops"``: one Python loop over output positions, multiply-accumulate
  the window (the definition; slow, for tiny inputs).
* ``impl="unfold"``: im2col copies every window into a column, then one matrix
  product computes all positions at once (a block of output rows at a time).
* ``impl="torch"``: ``torch.nn.functional.conv2d``/``conv3d``, the fast path.

Max and average pooling reuse the same windows. Inputs are channel-first,
``(B, C, H, W)`` in 2D and ``(B, C, D, H, W)`` in 3D. See chapter 02
(convolution).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from medlearn._helpers import IntOrTuple, ntuple

__all__ = [
    "conv_output_size",
    "im2col",
    "conv2d",
    "conv3d",
    "max_pool2d",
    "max_pool3d",
    "avg_pool2d",
    "avg_pool3d",
    "Conv2d",
    "Conv3d",
]

IMPLS = ("loops", "unfold", "torch")
Padding = int | Sequence[int] | str


def _pads(
    padding: Padding, kernel: tuple[int, ...], dilation: tuple[int, ...]
) -> tuple[tuple[int, int], ...]:
    """Padding as (before, after) per axis; "same" puts any odd extra after."""
    if padding == "valid":
        return tuple((0, 0) for _ in kernel)
    if padding == "same":
        totals = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
        return tuple((t // 2, t - t // 2) for t in totals)
    if isinstance(padding, str):
        raise ValueError(
            f"padding must be an int, a tuple, 'valid' or 'same', got {padding!r}"
        )
    return tuple((p, p) for p in ntuple(padding, len(kernel), "padding", 0))


def conv_output_size(
    size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """Output length of a convolution or pooling along one axis.

    ``floor((size + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1``

    Args:
        size: input length along the axis.
        kernel_size: kernel length.
        stride: step between windows. Defaults to 1.
        padding: zeros added on each side. Defaults to 0.
        dilation: gap between kernel taps. Defaults to 1.

    Returns:
        The output length (may be <= 0 when the kernel does not fit).

    Example:
        >>> conv_output_size(128, 3, stride=2, padding=1)
        64
    """
    return (size + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1


def _windows(
    x: Tensor,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
) -> Tensor:
    """Strided view of every window of an (already padded) input, no copy.

    ``(B, C, *S)`` -> ``(B, C, *O, *K)``: output positions, then kernel taps.
    """
    for axis, (k, s, d) in enumerate(zip(kernel, stride, dilation, strict=True)):
        # unfold appends a window axis of span d*(k-1)+1; keep every d-th tap
        x = x.unfold(2 + axis, d * (k - 1) + 1, s)[..., ::d]
    return x


def im2col(
    x: Tensor,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
) -> Tensor:
    """Copy every convolution window into a column (im2col), in 1D, 2D or 3D.

    Args:
        x: input ``(B, C, *spatial)`` with 1 to 3 spatial axes.
        kernel_size: kernel size, an int or one per axis.
        stride: step between windows. Defaults to 1.
        padding: zeros on each side, or "valid"/"same". Defaults to 0.
        dilation: gap between kernel taps. Defaults to 1.

    Returns:
        Columns ``(B, C * prod(kernel_size), L)`` with ``L`` output positions,
        ordered like ``torch.nn.functional.unfold``.

    Raises:
        ValueError: if ``x`` is not ``(B, C, *spatial)`` or an argument is invalid.

    Example:
        >>> im2col(torch.zeros(2, 3, 8, 8), 3, padding=1).shape
        torch.Size([2, 27, 64])
    """
    if not isinstance(x, Tensor) or x.ndim not in (3, 4, 5):
        raise ValueError(
            f"x must be a (B, C, *spatial) tensor, got {getattr(x, 'shape', x)}"
        )
    n = x.ndim - 2
    kernel = ntuple(kernel_size, n, "kernel_size", 1)
    dil = ntuple(dilation, n, "dilation", 1)
    x = F.pad(x, [p for pair in reversed(_pads(padding, kernel, dil)) for p in pair])
    windows = _windows(x, kernel, ntuple(stride, n, "stride", 1), dil)
    B, C = windows.shape[:2]
    order = (0, 1, *range(2 + n, 2 + 2 * n), *range(2, 2 + n))
    return windows.permute(order).reshape(B, C * math.prod(kernel), -1)  # (B, C*K, L)


def _conv_loops(x: Tensor, weight: Tensor, stride, dilation, groups: int) -> Tensor:
    """The definition: for every output position, multiply-accumulate its window."""
    B, C_in = x.shape[:2]
    C_out, C_group, *K = weight.shape
    O_group = C_out // groups
    out_size = [
        (n - d * (k - 1) - 1) // s + 1
        for n, k, s, d in zip(x.shape[2:], K, stride, dilation, strict=True)
    ]
    outputs = []
    for position in itertools.product(*(range(n) for n in out_size)):
        # the window seen from this position: start at p*s, one tap every d pixels
        window = [
            slice(p * s, p * s + d * (k - 1) + 1, d)
            for p, s, d, k in zip(position, stride, dilation, K, strict=True)
        ]
        patch = x[(slice(None), slice(None), *window)]  # (B, C_in, *K)
        values = []
        for g in range(groups):
            x_g = patch[:, g * C_group : (g + 1) * C_group]  # (B, C_group, *K)
            w_g = weight[g * O_group : (g + 1) * O_group]  # (O_group, C_group, *K)
            products = x_g.unsqueeze(1) * w_g.unsqueeze(0)  # (B, O_group, C_group, *K)
            values.append(products.flatten(2).sum(dim=2))  # (B, O_group)
        outputs.append(torch.cat(values, dim=1))  # (B, C_out)
    return torch.stack(outputs, dim=-1).reshape(B, C_out, *out_size)  # (B, C_out, *O)


def _conv_unfold(
    x: Tensor, weight: Tensor, stride, dilation, groups: int, block_bytes: int = 2**22
) -> Tensor:
    """im2col, then one matrix product, for a block of output rows at a time.

    The columns hold prod(K) copies of the input (9x for 3x3); built a few rows
    at a time (``block_bytes``, 4 MiB) they stay in cache. Same result.
    """
    B, C_in = x.shape[:2]
    C_out, _, *K = weight.shape
    K = tuple(K)
    out_size = [
        conv_output_size(n, k, s, 0, d)
        for n, k, s, d in zip(x.shape[2:], K, stride, dilation, strict=True)
    ]
    w = weight.reshape(groups, C_out // groups, -1)  # (G, O_group, C_group*K)
    row_bytes = C_in * math.prod(K) * math.prod(out_size[1:]) * x.element_size()
    rows = max(1, block_bytes // row_bytes)
    s0, span0 = stride[0], dilation[0] * (K[0] - 1) + 1
    images = []
    for b in range(B):
        blocks = []
        for r0 in range(0, out_size[0], rows):
            r1 = min(r0 + rows, out_size[0])
            x_rows = x[b : b + 1, :, r0 * s0 : (r1 - 1) * s0 + span0]  # input they see
            cols = im2col(x_rows, K, stride, 0, dilation)  # (1, C_in*K, L_block)
            cols = cols.reshape(groups, -1, cols.shape[-1])  # (G, C_group*K, L_block)
            out = w @ cols  # (G, O_group, L_block)
            blocks.append(out.reshape(C_out, r1 - r0, *out_size[1:]))
        images.append(torch.cat(blocks, dim=1))  # (C_out, *O)
    return torch.stack(images)  # (B, C_out, *O)


def _check_conv(x, weight, bias, groups: int, impl: str, spatial_dims: int) -> None:
    shape = "(B, C, H, W)" if spatial_dims == 2 else "(B, C, D, H, W)"
    if impl not in IMPLS:
        raise ValueError(f"impl must be one of {IMPLS}, got {impl!r}")
    for name, t in (("x", x), ("weight", weight)):
        if not isinstance(t, Tensor) or t.ndim != spatial_dims + 2:
            got = getattr(t, "shape", type(t).__name__)
            raise ValueError(f"{name} must be a {shape}-like tensor, got {got}")
    C_out, C_group = weight.shape[:2]
    if not isinstance(groups, int) or groups < 1 or C_out % groups:
        raise ValueError(
            f"groups must be a positive int dividing C_out={C_out}, got {groups!r}"
        )
    if x.shape[1] != C_group * groups:
        raise ValueError(
            f"x must have weight.shape[1] * groups = {C_group * groups} channels, "
            f"got {x.shape[1]}"
        )
    if bias is not None and tuple(bias.shape) != (C_out,):
        raise ValueError(f"bias must have shape ({C_out},), got {tuple(bias.shape)}")


def _conv(x, weight, bias, stride, padding, dilation, groups, impl, spatial_dims):
    _check_conv(x, weight, bias, groups, impl, spatial_dims)
    kernel = tuple(weight.shape[2:])
    stride = ntuple(stride, spatial_dims, "stride", 1)
    dilation = ntuple(dilation, spatial_dims, "dilation", 1)
    pads = _pads(padding, kernel, dilation)
    if padding == "same" and any(s > 1 for s in stride):
        raise ValueError(f"padding='same' needs stride 1, got stride={stride}")
    sizes = [n + a + b for n, (a, b) in zip(x.shape[2:], pads, strict=True)]
    if any(
        n < d * (k - 1) + 1 for n, k, d in zip(sizes, kernel, dilation, strict=True)
    ):
        raise ValueError(
            f"kernel {kernel} with dilation {dilation} must fit the padded input, "
            f"got padded size {tuple(sizes)}"
        )
    if impl == "torch":
        fn = F.conv2d if spatial_dims == 2 else F.conv3d
        if all(a == b for a, b in pads):
            return fn(x, weight, bias, stride, [a for a, _ in pads], dilation, groups)
    x = F.pad(x, [p for pair in reversed(pads) for p in pair])  # (B, C, *padded)
    if impl == "torch":
        return fn(x, weight, bias, stride, 0, dilation, groups)
    core = _conv_loops if impl == "loops" else _conv_unfold
    out = core(x, weight, stride, dilation, groups)  # (B, C_out, *O)
    if bias is not None:
        out = out + bias.view(1, -1, *[1] * spatial_dims)
    return out


def conv2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    impl: str = "torch",
) -> Tensor:
    """2D convolution (cross-correlation, as in deep learning), three ways.

    ``out[b, o, p] = bias[o] + sum_{c, k} x[b, c, p * stride + k * dilation] *
    weight[o, c, k]``, summed over the input channels ``c`` of the group of ``o``
    and the kernel taps ``k``; equal to ``torch.nn.functional.conv2d``.

    Args:
        x: input ``(B, C_in, H, W)``.
        weight: kernels ``(C_out, C_in / groups, kH, kW)``.
        bias: one offset per output channel ``(C_out,)``. Defaults to None.
        stride: step between output positions, int or per axis. Defaults to 1.
        padding: zeros on each side: int, per axis, "valid" or "same".
            Defaults to 0.
        dilation: gap between kernel taps, int or per axis. Defaults to 1.
        groups: channel groups; each output sees ``C_in / groups`` inputs.
            Defaults to 1.
        impl: "loops" (the definition), "unfold" (im2col + matmul) or "torch".
            Defaults to "torch".

    Returns:
        Output ``(B, C_out, H_out, W_out)``, see :func:`conv_output_size`.

    Raises:
        ValueError: on wrong shapes, channels that do not match ``groups``, a
            kernel that does not fit, or an unknown ``impl``.

    Example:
        >>> x, w = torch.randn(1, 2, 5, 5), torch.randn(4, 2, 3, 3)
        >>> conv2d(x, w, padding=1, impl="unfold").shape
        torch.Size([1, 4, 5, 5])

    See chapter 02 (convolution).
    """
    return _conv(x, weight, bias, stride, padding, dilation, groups, impl, 2)


def conv3d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    impl: str = "torch",
) -> Tensor:
    """3D convolution, three ways: :func:`conv2d` with one more spatial axis.

    Args, Raises: as :func:`conv2d`, with ``x`` ``(B, C_in, D, H, W)`` and
    ``weight`` ``(C_out, C_in / groups, kD, kH, kW)``.

    Returns:
        Output ``(B, C_out, D_out, H_out, W_out)``, equal to
        ``torch.nn.functional.conv3d``.

    Example:
        >>> x, w = torch.randn(1, 2, 4, 5, 5), torch.randn(4, 2, 3, 3, 3)
        >>> conv3d(x, w, padding=1, impl="loops").shape
        torch.Size([1, 4, 4, 5, 5])

    See chapter 02 (convolution).
    """
    return _conv(x, weight, bias, stride, padding, dilation, groups, impl, 3)


def _pool(x, kernel_size, stride, padding, dilation, spatial_dims, mode, include_pad):
    if not isinstance(x, Tensor) or x.ndim != spatial_dims + 2:
        shape = "(B, C, H, W)" if spatial_dims == 2 else "(B, C, D, H, W)"
        got = getattr(x, "shape", type(x).__name__)
        raise ValueError(f"x must be a {shape} tensor, got {got}")
    kernel = ntuple(kernel_size, spatial_dims, "kernel_size", 1)
    stride = kernel if stride is None else ntuple(stride, spatial_dims, "stride", 1)
    pad = ntuple(padding, spatial_dims, "padding", 0)
    dil = ntuple(dilation, spatial_dims, "dilation", 1)
    if any(2 * p > k for p, k in zip(pad, kernel, strict=True)):
        raise ValueError(f"padding must be at most kernel_size {kernel} / 2, got {pad}")
    flat_pad = [p for p in reversed(pad) for _ in range(2)]
    fill = -math.inf if mode == "max" else 0.0
    windows = _windows(F.pad(x, flat_pad, value=fill), kernel, stride, dil)
    taps = tuple(range(-spatial_dims, 0))  # the kernel axes of (B, C, *O, *K)
    if mode == "max":
        return windows.amax(dim=taps)  # (B, C, *O)
    if include_pad:
        return windows.mean(dim=taps)  # (B, C, *O)
    ones = F.pad(torch.ones_like(x[:1, :1]), flat_pad)  # (1, 1, *padded)
    counts = _windows(ones, kernel, stride, dil).sum(dim=taps)  # (1, 1, *O)
    return windows.sum(dim=taps) / counts  # (B, C, *O)


def max_pool2d(
    x: Tensor,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> Tensor:
    """Max pooling from the definition: the largest value of every window.

    Args:
        x: input ``(B, C, H, W)``.
        kernel_size: window size, int or per axis.
        stride: step between windows. Defaults to None (= kernel_size).
        padding: -inf added on each side, at most kernel_size / 2. Defaults to 0.
        dilation: gap between window taps. Defaults to 1.

    Returns:
        ``(B, C, H_out, W_out)``, equal to ``torch.nn.functional.max_pool2d``.

    Raises:
        ValueError: on a wrong shape or an invalid size argument.

    Example:
        >>> max_pool2d(torch.arange(16.0).view(1, 1, 4, 4), 2).flatten().tolist()
        [5.0, 7.0, 13.0, 15.0]

    See chapter 02 (convolution).
    """
    return _pool(x, kernel_size, stride, padding, dilation, 2, "max", True)


def max_pool3d(
    x: Tensor,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> Tensor:
    """:func:`max_pool2d` on ``(B, C, D, H, W)``, to ``(B, C, D_out, H_out, W_out)``.

    Example:
        >>> max_pool3d(torch.randn(1, 1, 4, 4, 4), 2).shape
        torch.Size([1, 1, 2, 2, 2])
    """
    return _pool(x, kernel_size, stride, padding, dilation, 3, "max", True)


def avg_pool2d(
    x: Tensor,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    count_include_pad: bool = True,
) -> Tensor:
    """Average pooling from the definition: the mean of every window.

    Args:
        x: input ``(B, C, H, W)``.
        kernel_size: window size, int or per axis.
        stride: step between windows. Defaults to None (= kernel_size).
        padding: zeros added on each side, at most kernel_size / 2. Defaults to 0.
        count_include_pad: divide by the whole window (True) or only by its
            pixels inside the image (False). Defaults to True.

    Returns:
        ``(B, C, H_out, W_out)``, equal to ``torch.nn.functional.avg_pool2d``.

    Raises:
        ValueError: on a wrong shape or an invalid size argument.

    Example:
        >>> avg_pool2d(torch.arange(16.0).view(1, 1, 4, 4), 2).flatten().tolist()
        [2.5, 4.5, 10.5, 12.5]

    See chapter 02 (convolution).
    """
    return _pool(x, kernel_size, stride, padding, 1, 2, "avg", count_include_pad)


def avg_pool3d(
    x: Tensor,
    kernel_size: IntOrTuple,
    stride: IntOrTuple | None = None,
    padding: IntOrTuple = 0,
    count_include_pad: bool = True,
) -> Tensor:
    """:func:`avg_pool2d` on ``(B, C, D, H, W)``, to ``(B, C, D_out, H_out, W_out)``.

    Example:
        >>> avg_pool3d(torch.randn(1, 1, 4, 4, 4), 2).shape
        torch.Size([1, 1, 2, 2, 2])
    """
    return _pool(x, kernel_size, stride, padding, 1, 3, "avg", count_include_pad)


def _check_impl(module: nn.Module, impl: str) -> str:
    if module.padding_mode != "zeros" or impl not in IMPLS:
        raise ValueError(
            f"padding_mode must be 'zeros' and impl one of {IMPLS}, "
            f"got {module.padding_mode!r} and {impl!r}"
        )
    return impl


class Conv2d(nn.Conv2d):
    """``nn.Conv2d`` whose forward is :func:`conv2d` with a chosen ``impl``.

    Args:
        *args: as ``torch.nn.Conv2d`` (``in_channels``, ``out_channels``,
            ``kernel_size``, ...); weights are initialised by it, from torch's
            global generator (seed it with ``medlearn.device.seed_everything``).
        impl: "loops", "unfold" or "torch". Defaults to "torch".
        **kwargs: as ``torch.nn.Conv2d`` (zero padding only).

    Example:
        >>> Conv2d(1, 4, 3, padding=1, impl="unfold")(torch.randn(2, 1, 8, 8)).shape
        torch.Size([2, 4, 8, 8])

    See chapter 02 (convolution).
    """

    def __init__(self, *args, impl: str = "torch", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.impl = _check_impl(self, impl)

    def forward(self, x: Tensor) -> Tensor:
        args = (self.stride, self.padding, self.dilation, self.groups, self.impl)
        return conv2d(x, self.weight, self.bias, *args)


class Conv3d(nn.Conv3d):
    """``nn.Conv3d`` whose forward is :func:`conv3d`; arguments as :class:`Conv2d`.

    Example:
        >>> Conv3d(1, 2, 3, padding=1, impl="loops")(torch.randn(1, 1, 3, 3, 3)).shape
        torch.Size([1, 2, 3, 3, 3])
    """

    def __init__(self, *args, impl: str = "torch", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.impl = _check_impl(self, impl)

    def forward(self, x: Tensor) -> Tensor:
        args = (self.stride, self.padding, self.dilation, self.groups, self.impl)
        return conv3d(x, self.weight, self.bias, *args)
