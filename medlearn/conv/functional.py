"""Convolution three ways: the definition (loops), im2col + matmul, and torch.

* :func:`conv_loops`: one Python loop over output positions, multiply-accumulate
  the window (the definition; slow, for tiny inputs).
* :func:`conv_unfold`: im2col copies every window into a column, then one
  matrix product computes all positions at once (a block of output rows at a
  time).
* ``impl="torch"``: ``torch.nn.functional.conv2d``/``conv3d``, the fast path.

:func:`conv2d` and :func:`conv3d` check their arguments, pad, and call the
chosen implementation; tests prove the three equal. Inputs are channel-first,
``(N, C, H, W)`` in 2D and ``(N, C, D, H, W)`` in 3D. See chapter 02
(convolution).
"""

from __future__ import annotations

import itertools
import math

import torch
import torch.nn.functional as F
from torch import Tensor

from medlearn._helpers import IntOrTuple, ntuple
from medlearn.conv.im2col import Padding, _pads, conv_output_size, im2col

__all__ = ["IMPLS", "conv_loops", "conv_unfold", "conv2d", "conv3d"]

IMPLS = ("loops", "unfold", "torch")


def conv_loops(
    x: Tensor,
    weight: Tensor,
    stride: IntOrTuple = 1,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> Tensor:
    """Convolution from the definition: for every output position, its window.

    For output position ``p`` the window starts at ``p * stride`` and takes
    one tap every ``dilation`` pixels; the output is the sum of the window
    times the kernel, over the input channels of the output's group.

    Args:
        x: already padded input ``(N, C_in, *S)``, 1 to 3 spatial axes.
        weight: kernels ``(C_out, C_in / groups, *K)``.
        stride: step between output positions, int or per axis. Defaults to 1.
        dilation: gap between kernel taps, int or per axis. Defaults to 1.
        groups: channel groups. Defaults to 1.

    Returns:
        ``(N, C_out, *O)`` without bias; see :func:`conv2d` for checks,
        padding and bias.

    Example:
        >>> x, w = torch.ones(1, 1, 4, 4), torch.ones(1, 1, 3, 3)
        >>> conv_loops(x, w).flatten().tolist()
        [9.0, 9.0, 9.0, 9.0]

    See chapter 02 (convolution).
    """
    N = x.shape[0]
    C_out, C_group, *K = weight.shape
    stride = ntuple(stride, len(K), "stride")
    dilation = ntuple(dilation, len(K), "dilation")
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
        patch = x[(slice(None), slice(None), *window)]  # (N, C_in, *K)
        values = []
        for g in range(groups):
            x_g = patch[:, g * C_group : (g + 1) * C_group]  # (N, C_group, *K)
            w_g = weight[g * O_group : (g + 1) * O_group]  # (O_group, C_group, *K)
            products = x_g.unsqueeze(1) * w_g.unsqueeze(0)  # (N, O_group, C_group, *K)
            values.append(products.flatten(2).sum(dim=2))  # (N, O_group)
        outputs.append(torch.cat(values, dim=1))  # (N, C_out)
    return torch.stack(outputs, dim=-1).reshape(N, C_out, *out_size)  # (N, C_out, *O)


def conv_unfold(
    x: Tensor,
    weight: Tensor,
    stride: IntOrTuple = 1,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    block_bytes: int = 2**22,
) -> Tensor:
    """Convolution as im2col, then one matrix product, a block of rows at a time.

    The columns hold ``prod(K)`` copies of the input (9x for 3x3); built a few
    output rows at a time (``block_bytes`` of columns) they stay in cache.
    Same result as :func:`conv_loops`.

    Args:
        x: already padded input ``(N, C_in, *S)``, 1 to 3 spatial axes.
        weight: kernels ``(C_out, C_in / groups, *K)``.
        stride: step between output positions, int or per axis. Defaults to 1.
        dilation: gap between kernel taps, int or per axis. Defaults to 1.
        groups: channel groups. Defaults to 1.
        block_bytes: size of the columns built at once. Defaults to 2**22
            (4 MiB).

    Returns:
        ``(N, C_out, *O)`` without bias.

    Example:
        >>> x, w = torch.ones(1, 1, 4, 4), torch.ones(1, 1, 3, 3)
        >>> conv_unfold(x, w).flatten().tolist()
        [9.0, 9.0, 9.0, 9.0]

    See chapter 02 (convolution).
    """
    N, C_in = x.shape[:2]
    C_out, _, *K = weight.shape
    K = tuple(K)
    stride = ntuple(stride, len(K), "stride")
    dilation = ntuple(dilation, len(K), "dilation")
    out_size = [
        conv_output_size(n, k, s, 0, d)
        for n, k, s, d in zip(x.shape[2:], K, stride, dilation, strict=True)
    ]
    w = weight.reshape(groups, C_out // groups, -1)  # (G, O_group, C_group*K)
    row_bytes = C_in * math.prod(K) * math.prod(out_size[1:]) * x.element_size()
    rows = max(1, block_bytes // row_bytes)
    s0, span0 = stride[0], dilation[0] * (K[0] - 1) + 1
    images = []
    for b in range(N):
        blocks = []
        for r0 in range(0, out_size[0], rows):
            r1 = min(r0 + rows, out_size[0])
            x_rows = x[b : b + 1, :, r0 * s0 : (r1 - 1) * s0 + span0]  # input they see
            cols = im2col(x_rows, K, stride, 0, dilation)  # (1, C_in*K, L_block)
            cols = cols.reshape(groups, -1, cols.shape[-1])  # (G, C_group*K, L_block)
            out = w @ cols  # (G, O_group, L_block)
            blocks.append(out.reshape(C_out, r1 - r0, *out_size[1:]))
        images.append(torch.cat(blocks, dim=1))  # (C_out, *O)
    return torch.stack(images)  # (N, C_out, *O)


def _check_conv(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    groups: int,
    impl: str,
    spatial_dims: int,
) -> None:
    shape = "(N, C, H, W)" if spatial_dims == 2 else "(N, C, D, H, W)"
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


def _conv(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: IntOrTuple,
    padding: Padding,
    dilation: IntOrTuple,
    groups: int,
    impl: str,
    spatial_dims: int,
) -> Tensor:
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
    x = F.pad(x, [p for pair in reversed(pads) for p in pair])  # (N, C, *padded)
    if impl == "torch":
        return fn(x, weight, bias, stride, 0, dilation, groups)
    core = conv_loops if impl == "loops" else conv_unfold
    out = core(x, weight, stride, dilation, groups)  # (N, C_out, *O)
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

    ``out[n, o, p] = bias[o] + sum_{c, k} x[n, c, p * stride + k * dilation] *
    weight[o, c, k]``, summed over the input channels ``c`` of the group of ``o``
    and the kernel taps ``k``; equal to ``torch.nn.functional.conv2d``.

    Args:
        x: input ``(N, C_in, H, W)``.
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
        Output ``(N, C_out, H_out, W_out)``, see :func:`conv_output_size`.

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

    Args, Raises: as :func:`conv2d`, with ``x`` ``(N, C_in, D, H, W)`` and
    ``weight`` ``(C_out, C_in / groups, kD, kH, kW)``.

    Returns:
        Output ``(N, C_out, D_out, H_out, W_out)``, equal to
        ``torch.nn.functional.conv3d``.

    Example:
        >>> x, w = torch.randn(1, 2, 4, 5, 5), torch.randn(4, 2, 3, 3, 3)
        >>> conv3d(x, w, padding=1, impl="loops").shape
        torch.Size([1, 4, 4, 5, 5])

    See chapter 02 (convolution).
    """
    return _conv(x, weight, bias, stride, padding, dilation, groups, impl, 3)
