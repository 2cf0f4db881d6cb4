"""The U-Net (Ronneberger et al., 2015) in 2D and 3D, with its size arithmetic.

The encoder trades resolution for context: each level applies two 3x3
convolutions and halves the grid with 2x2 max pooling. The decoder climbs back
with 2x2 up-convolutions; at each level the encoder's feature map is centre
cropped to the decoder's size and concatenated in front of it (``[skip, up]``
along channels), so the fine detail that pooling discarded reaches the output.

With ``padding="valid"`` every 3x3 convolution trims one pixel per side, so a
572x572 input gives a 388x388 output (the paper's figure); ``valid_output_size``
and ``nearest_valid_input_size`` do that arithmetic. With ``padding="same"`` the
output has the input's size, which must be divisible by ``2 ** (depth - 1)``.

State-dict keys (public API; ``depth = len(channels)``):

- ``encoder.{i}.conv1.{weight,bias}``, ``encoder.{i}.conv2.*``, and with a norm
  ``encoder.{i}.norm1.*``, ``encoder.{i}.norm2.*`` for ``i = 0 .. depth - 1``
  (``encoder.{depth-1}`` is the bottleneck);
- ``decoder.{j}.up.{weight,bias}`` (transpose) or ``decoder.{j}.up.conv.*``
  (interp), then ``decoder.{j}.block.conv1.*`` etc., for ``j = 0 .. depth - 2``
  counted from the deepest level up;
- ``head.{weight,bias}``, the final 1x1 convolution.

Dropout (``dropout > 0``) is one ``nn.Dropout`` at the end of every conv block
(``encoder.{i}.drop``, ``decoder.{j}.block.drop``), so ``model.eval()`` followed
by ``.train()`` on the dropout modules alone gives MC dropout (chapter 08).

See chapter 03 (unet).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from medlearn._helpers import check_choice

__all__ = [
    "valid_output_size",
    "nearest_valid_input_size",
    "center_crop",
    "crop_and_concat",
    "ConvBlock",
    "UpBlock",
    "UNet",
]


def _encoder_sizes(size: int, depth: int) -> list[int] | None:
    """Sizes after each level's two valid convs, or None if a level cannot run."""
    sizes = []
    for level in range(depth):
        size -= 4  # two unpadded 3x3 convolutions
        if size < 1 or (level < depth - 1 and size % 2):
            return None
        sizes.append(size)
        size //= 2  # 2x2 max pooling
    return sizes


def _decoder_sizes(bottom: int, depth: int) -> list[int] | None:
    """Sizes after each decoder level's convs, or None if one would be empty."""
    sizes, size = [], bottom
    for _ in range(depth - 1):
        size = 2 * size - 4  # 2x2 up-convolution, then two valid 3x3 convs
        if size < 1:
            return None
        sizes.append(size)
    return sizes


def _valid_output(size: int, depth: int) -> int | None:
    encoder = _encoder_sizes(size, depth)
    decoder = None if encoder is None else _decoder_sizes(encoder[-1], depth)
    if decoder is None:
        return None
    return decoder[-1] if decoder else encoder[-1]


def _check_depth(depth: int) -> None:
    if not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth must be a positive int, got {depth!r}")


def valid_output_size(input_size: int, depth: int = 5) -> int:
    """Output size of a valid (unpadded) U-Net with ``depth`` resolution levels.

    Per encoder level: ``n -> n - 4`` (two 3x3 convs), then ``n -> n / 2``
    (pooling, which needs an even size). Per decoder level: ``n -> 2n - 4``.

    Args:
        input_size: input length along one spatial axis.
        depth: number of resolution levels, ``len(channels)`` (the paper: 5).
            Defaults to 5.

    Returns:
        The output length along that axis.

    Raises:
        ValueError: if the size is odd before a pooling or shrinks below 1;
            the message names the nearest size that works.

    Example:
        >>> valid_output_size(572, depth=5)
        388
    """
    _check_depth(depth)
    out = _valid_output(input_size, depth)
    if out is None:
        raise ValueError(
            f"input size {input_size} does not fit a valid U-Net of depth {depth} "
            f"(odd before a pooling or too small); the nearest size that does is "
            f"{nearest_valid_input_size(input_size, depth)}"
        )
    return out


def nearest_valid_input_size(size: int, depth: int = 5) -> int:
    """The input size closest to ``size`` that a valid U-Net of ``depth`` levels takes.

    Valid inputs are spaced ``2 ** (depth - 1)`` apart (one pixel more at the
    bottleneck); ties go to the larger size, so padding beats cropping.

    Args:
        size: the size you have, along one spatial axis.
        depth: number of resolution levels. Defaults to 5.

    Returns:
        The nearest valid input size (the smallest valid one if ``size`` is
        below it).

    Raises:
        ValueError: if ``depth < 1``.

    Example:
        >>> nearest_valid_input_size(570, depth=5)
        572
    """
    _check_depth(depth)
    bottom = 1
    while _valid_output(_input_for_bottom(bottom, depth), depth) is None:
        bottom += 1  # the smallest bottleneck whose decoder stays non-empty
    step = 2 ** (depth - 1)
    smallest = _input_for_bottom(bottom, depth)
    if size <= smallest:
        return smallest
    below = smallest + (size - smallest) // step * step
    return below if size - below < below + step - size else below + step


def _input_for_bottom(bottom: int, depth: int) -> int:
    """Invert the encoder: the input size whose bottleneck output is ``bottom``."""
    size = bottom + 4
    for _ in range(depth - 1):
        size = 2 * size + 4
    return size


def center_crop(x: Tensor, size: Sequence[int]) -> Tensor:
    """Crop the trailing spatial axes of ``x`` to ``size``, centred.

    The offset per axis is ``(n - m) // 2``; for a valid U-Net the difference
    ``n - m`` is always even, so the crop is symmetric.

    Args:
        x: tensor of shape ``(B, C, *spatial)``.
        size: target spatial size, one entry per spatial axis.

    Returns:
        Tensor of shape ``(B, C, *size)``.

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
        skip: encoder features ``(B, C_s, *spatial_s)``, spatial_s >= spatial.
        x: upsampled decoder features ``(B, C_x, *spatial)``.

    Returns:
        Tensor of shape ``(B, C_s + C_x, *spatial)``, skip channels first.

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
        skip: concatenate the (cropped) encoder map of ``out_channels``
            channels in front of the upsampled one. Defaults to True.
        padding: "valid" or "same". Defaults to "valid".
        norm: None, "batch" or "instance". Defaults to None.
        dropout: dropout probability in the block. Defaults to 0.0.
        upsample: "transpose" (2x2 up-convolution) or "interp" (linear
            interpolation then a 1x1 convolution). Defaults to "transpose".
    """

    def __init__(
        self,
        spatial_dims: int,
        in_channels: int,
        out_channels: int,
        skip: bool = True,
        padding: str = "valid",
        norm: str | None = None,
        dropout: float = 0.0,
        upsample: str = "transpose",
    ) -> None:
        super().__init__()
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
        x = self.up(x)  # (B, C_out, *2 spatial)
        if self.skip:
            x = crop_and_concat(skip, x)  # (B, 2 C_out, *spatial)
        return self.block(x)


class UNet(nn.Module):
    """U-Net for 2D or 3D segmentation; the paper's network with the defaults.

    ``UNet(1, 2, padding="valid")`` is exactly Ronneberger et al. (2015):
    unpadded 3x3 convolutions with bias and ReLU, 2x2 max pooling, 2x2
    up-convolutions halving the channels, crop-and-concatenate, a 1x1 head
    (31,031,745 parameters for one input channel and two classes).

    Args:
        in_channels: input channels.
        out_channels: output channels (classes; the head gives logits).
        spatial_dims: 2 or 3. Defaults to 2.
        channels: width of each resolution level, top to bottleneck; its
            length is the depth. Defaults to (64, 128, 256, 512, 1024).
        padding: "same" (output size = input size; inputs divisible by
            ``2 ** (depth - 1)``) or "valid" (the paper; see
            :func:`valid_output_size`). Defaults to "same".
        norm: None (the paper), "batch" or "instance" after every 3x3 conv.
            Defaults to None.
        dropout: probability of the ``nn.Dropout`` at the end of every conv
            block; keep it > 0 for MC dropout. Defaults to 0.0.
        skip: keep the skip connections; False feeds each decoder block the
            upsampled map alone (narrower first conv, otherwise the same).
            Defaults to True.
        upsample: "transpose" (2x2 up-convolution) or "interp" (linear
            interpolation then 1x1 conv). Defaults to "transpose".

    Raises:
        ValueError: on an unknown option, non-positive widths, or (in
            ``forward``) an input shape the network cannot take.

    Example:
        >>> net = UNet(1, 3, channels=(4, 8, 16))
        >>> net(torch.rand(2, 1, 32, 32)).shape
        torch.Size([2, 3, 32, 32])
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        spatial_dims: int = 2,
        channels: Sequence[int] = (64, 128, 256, 512, 1024),
        padding: str = "same",
        norm: str | None = None,
        dropout: float = 0.0,
        skip: bool = True,
        upsample: str = "transpose",
    ) -> None:
        super().__init__()
        channels = tuple(channels)
        widths = (in_channels, out_channels, *channels)
        if not channels or not all(isinstance(c, int) and c > 0 for c in widths):
            raise ValueError(
                "in_channels, out_channels and channels must be positive ints, got "
                f"{in_channels!r}, {out_channels!r}, {channels!r}"
            )
        check_choice("spatial_dims", spatial_dims, (2, 3))
        check_choice("padding", padding, ("same", "valid"))
        check_choice("norm", norm, (None, "batch", "instance"))
        check_choice("upsample", upsample, ("transpose", "interp"))
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
        self.in_channels, self.spatial_dims = in_channels, spatial_dims
        self.depth, self.padding = len(channels), padding
        opts = dict(padding=padding, norm=norm, dropout=dropout)
        self.encoder = nn.ModuleList(
            ConvBlock(spatial_dims, c_in, c_out, **opts)
            for c_in, c_out in zip((in_channels, *channels[:-1]), channels, strict=True)
        )
        self.decoder = nn.ModuleList(
            UpBlock(spatial_dims, c_in, c_out, skip, upsample=upsample, **opts)
            for c_in, c_out in zip(channels[:0:-1], channels[-2::-1], strict=True)
        )
        self.head = getattr(nn, f"Conv{spatial_dims}d")(channels[0], out_channels, 1)

    def output_size(self, input_size: Sequence[int]) -> tuple[int, ...]:
        """Spatial output size for a spatial input size (raises if it does not fit)."""
        self._check_size(tuple(input_size))
        if self.padding == "same":
            return tuple(input_size)
        return tuple(valid_output_size(n, self.depth) for n in input_size)

    def _check_size(self, spatial: tuple[int, ...]) -> None:
        step = 2 ** (self.depth - 1)
        for n in spatial:
            if self.padding == "valid" and _valid_output(n, self.depth) is None:
                near = nearest_valid_input_size(n, self.depth)
            elif self.padding == "same" and n % step:
                near = max(step, (n + step // 2) // step * step)  # ties go up
            else:
                continue
            raise ValueError(
                f"x has spatial size {spatial}; a {self.padding} U-Net of depth "
                f"{self.depth} cannot take {n} (nearest size that works: {near})"
            )

    def forward(self, x: Tensor) -> Tensor:
        """Segment ``x``.

        Args:
            x: input of shape ``(B, C_in, H, W)`` or ``(B, C_in, D, H, W)``.

        Returns:
            Logits ``(B, C_out, *output_size(spatial))``.
        """
        if x.ndim != self.spatial_dims + 2 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"x must have shape (B, {self.in_channels}, "
                f"{', '.join('DHW'[-self.spatial_dims :])}), got {tuple(x.shape)}"
            )
        self._check_size(tuple(x.shape[2:]))
        pool = getattr(F, f"max_pool{self.spatial_dims}d")
        skips = []
        for level, block in enumerate(self.encoder):
            if level > 0:
                x = pool(x, 2)  # (B, C, *spatial / 2)
            x = block(x)
            skips.append(x)
        skips.pop()  # the bottleneck's own output is not a skip
        for up in self.decoder:
            x = up(x, skips.pop())
        return self.head(x)
