"""The U-Net's building blocks: the skip connection and the conv blocks.

At each decoder level the encoder's feature map is centre cropped to the
decoder's size and concatenated in front of it (``[skip, up]`` along
channels, :func:`crop_and_concat`), so the fine detail that pooling discarded
reaches the output. :class:`ConvBlock` is two 3x3 convolutions, each with an
optional norm and a ReLU; :class:`UpBlock` upsamples, concatenates and runs
one. See chapter 03 (unet).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from medlearn._helpers import check_choice

__all__ = ["center_crop", "crop_and_concat", "ConvBlock", "UpBlock"]


def center_crop(x: Tensor, size: Sequence[int]) -> Tensor:
    """Crop the trailing spatial axes of ``x`` to ``size``, centred.

    The offset per axis is ``(n - m) // 2``; for a valid U-Net the difference
    ``n - m`` is always even, so the crop is symmetric.

    Args:
        x: tensor of shape ``(N, C, *spatial)``.
        size: target spatial size, one entry per spatial axis.

    Returns:
        Tensor of shape ``(N, C, *size)``.

    Raises:
        ValueError: if ``size`` has the wrong length or exceeds ``x``.

    Example:
        >>> center_crop(torch.arange(6.0).view(1, 1, 6), [2]).tolist()
        [[[2.0, 3.0]]]
    """
    spatial = tuple(x.shape[2:])
    size = tuple(int(s) for s in size)
    if len(size) != len(spatial) or any(
        m > n for m, n in zip(size, spatial, strict=True)
    ):
        raise ValueError(
            f"size must have {len(spatial)} entries, each <= {spatial}, got {size}"
        )
    slices = [
        slice((n - m) // 2, (n - m) // 2 + m)
        for n, m in zip(spatial, size, strict=True)
    ]
    return x[(..., *slices)]


def crop_and_concat(skip: Tensor, x: Tensor) -> Tensor:
    """Centre-crop the encoder map ``skip`` to ``x`` and concatenate: ``[skip, x]``.

    Args:
        skip: encoder features ``(N, C_s, *spatial_s)``, spatial_s >= spatial.
        x: upsampled decoder features ``(N, C_x, *spatial)``.

    Returns:
        Tensor of shape ``(N, C_s + C_x, *spatial)``, skip channels first.

    Raises:
        ValueError: if ``skip`` is smaller than ``x`` or the batch sizes differ.

    Example:
        >>> crop_and_concat(torch.ones(1, 2, 8, 8), torch.zeros(1, 3, 4, 4)).shape
        torch.Size([1, 5, 4, 4])
    """
    if skip.shape[0] != x.shape[0]:
        raise ValueError(
            f"skip and x must share the batch size, got {skip.shape[0]} and "
            f"{x.shape[0]}"
        )
    return torch.cat([center_crop(skip, x.shape[2:]), x], dim=1)


PADDINGS = ("same", "valid")
NORMS = (None, "batch", "instance")
UPSAMPLES = ("transpose", "interp")


def check_options(
    spatial_dims: int, padding: str, norm: str | None, dropout: float
) -> None:
    """Raise ``ValueError`` naming the first option that no block can build."""
    check_choice("spatial_dims", spatial_dims, (2, 3))
    check_choice("padding", padding, PADDINGS)
    check_choice("norm", norm, NORMS)
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")


def _norm(norm: str | None, spatial_dims: int, channels: int) -> nn.Module:
    if norm is None:
        return nn.Identity()
    if norm == "batch":
        return getattr(nn, f"BatchNorm{spatial_dims}d")(channels)
    return getattr(nn, f"InstanceNorm{spatial_dims}d")(channels, affine=True)


class ConvBlock(nn.Sequential):
    """Two 3x3 convolutions, each followed by an optional norm and a ReLU, then dropout.

    Children are named ``conv1, norm1, act1, conv2, norm2, act2, drop``; a
    missing norm or zero dropout is an ``nn.Identity`` (no state-dict keys).

    Args:
        spatial_dims: 2 or 3.
        in_channels: input channels.
        out_channels: output channels of both convolutions.
        padding: "valid" (no padding) or "same" (zero padding 1). Defaults to
            "valid".
        norm: None, "batch" or "instance". Defaults to None.
        dropout: element-wise dropout probability at the end. Defaults to 0.0.

    Raises:
        ValueError: for an unknown ``spatial_dims``, ``padding`` or ``norm``, or
            a dropout outside [0, 1).
    """

    def __init__(
        self,
        spatial_dims: int,
        in_channels: int,
        out_channels: int,
        padding: str = "valid",
        norm: str | None = None,
        dropout: float = 0.0,
    ) -> None:
        check_options(spatial_dims, padding, norm, dropout)
        conv = getattr(nn, f"Conv{spatial_dims}d")
        pad = 1 if padding == "same" else 0
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        for i, c_in in enumerate((in_channels, out_channels), start=1):
            layers[f"conv{i}"] = conv(c_in, out_channels, 3, padding=pad)
            layers[f"norm{i}"] = _norm(norm, spatial_dims, out_channels)
            layers[f"act{i}"] = nn.ReLU(inplace=True)
        layers["drop"] = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        super().__init__(layers)


class UpBlock(nn.Module):
    """One decoder level: upsample x2 to ``out_channels``, [crop and concat], ConvBlock.

    Args:
        spatial_dims: 2 or 3.
        in_channels: channels arriving from the level below.
        out_channels: channels after upsampling and after the block.
        padding: "valid" or "same". Defaults to "valid".
        norm: None, "batch" or "instance". Defaults to None.
        dropout: dropout probability in the block. Defaults to 0.0.
        skip: concatenate the (cropped) encoder map of ``out_channels``
            channels in front of the upsampled one. Defaults to True.
        upsample: "transpose" (2x2 up-convolution) or "interp" (linear
            interpolation then a 1x1 convolution). Defaults to "transpose".

    Raises:
        ValueError: for an unknown ``upsample``, or as :class:`ConvBlock`.
    """

    def __init__(
        self,
        spatial_dims: int,
        in_channels: int,
        out_channels: int,
        padding: str = "valid",
        norm: str | None = None,
        dropout: float = 0.0,
        *,
        skip: bool = True,
        upsample: str = "transpose",
    ) -> None:
        super().__init__()
        check_options(spatial_dims, padding, norm, dropout)
        check_choice("upsample", upsample, UPSAMPLES)
        if upsample == "transpose":
            up = getattr(nn, f"ConvTranspose{spatial_dims}d")
            self.up: nn.Module = up(in_channels, out_channels, 2, stride=2)
        else:
            mode = "bilinear" if spatial_dims == 2 else "trilinear"
            conv = getattr(nn, f"Conv{spatial_dims}d")(in_channels, out_channels, 1)
            interp = nn.Upsample(scale_factor=2, mode=mode, align_corners=False)
            self.up = nn.Sequential(OrderedDict(interp=interp, conv=conv))
        self.skip = skip
        width = 2 * out_channels if skip else out_channels
        self.block = ConvBlock(
            spatial_dims, width, out_channels, padding, norm, dropout
        )

    def forward(self, x: Tensor, skip: Tensor | None = None) -> Tensor:
        x = self.up(x)  # (N, C_out, *2 spatial)
        if self.skip:
            x = crop_and_concat(skip, x)  # (N, 2 C_out, *spatial)
        return self.block(x)
