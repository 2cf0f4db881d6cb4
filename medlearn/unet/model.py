"""The U-Net (Ronneberger et al., 2015) in 2D and 3D.

The encoder trades resolution for context: each level applies a
:class:`~medlearn.unet.ConvBlock` and halves the grid with 2x2 max pooling.
The decoder climbs back with :class:`~medlearn.unet.UpBlock` levels, each fed
the encoder's map of the same level through the skip connection; a 1x1
convolution gives the logits. State-dict keys: see :mod:`medlearn.unet`.
See chapter 03 (unet).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch.nn.functional as F
from torch import Tensor, nn

from medlearn._helpers import check_choice
from medlearn.unet.blocks import UPSAMPLES, ConvBlock, UpBlock, check_options
from medlearn.unet.sizes import (
    _valid_output,
    nearest_valid_input_size,
    valid_output_size,
)

__all__ = ["UNet"]


class UNet(nn.Module):
    """U-Net for 2D or 3D segmentation; the paper's network with the defaults.

    ``UNet(2, 1, 2, padding="valid")`` is exactly Ronneberger et al. (2015):
    unpadded 3x3 convolutions with bias and ReLU, 2x2 max pooling, 2x2
    up-convolutions halving the channels, crop-and-concatenate, a 1x1 head
    (31,031,745 parameters for one input channel and two classes).

    Args:
        spatial_dims: 2 or 3 (first, as in every medlearn and MONAI network).
        in_channels: input channels.
        out_channels: output channels (classes; the head gives logits).
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
        >>> import torch
        >>> net = UNet(2, 1, 3, channels=(4, 8, 16))
        >>> net(torch.rand(2, 1, 32, 32)).shape
        torch.Size([2, 3, 32, 32])
    """

    def __init__(
        self,
        spatial_dims: int,
        in_channels: int,
        out_channels: int,
        channels: Sequence[int] = (64, 128, 256, 512, 1024),
        padding: str = "same",
        norm: str | None = None,
        dropout: float = 0.0,
        *,
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
        check_options(spatial_dims, padding, norm, dropout)
        check_choice("upsample", upsample, UPSAMPLES)
        self.in_channels, self.spatial_dims = in_channels, spatial_dims
        self.depth, self.padding = len(channels), padding
        opts = dict(padding=padding, norm=norm, dropout=dropout)
        self.encoder = nn.ModuleList(
            ConvBlock(spatial_dims, c_in, c_out, **opts)
            for c_in, c_out in zip((in_channels, *channels[:-1]), channels, strict=True)
        )
        self.decoder = nn.ModuleList(
            UpBlock(spatial_dims, c_in, c_out, skip=skip, upsample=upsample, **opts)
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
            x: input of shape ``(N, C_in, H, W)`` or ``(N, C_in, D, H, W)``.

        Returns:
            Logits ``(N, C_out, *output_size(spatial))``.
        """
        if x.ndim != self.spatial_dims + 2 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"x must have shape (N, {self.in_channels}, "
                f"{', '.join('DHW'[-self.spatial_dims :])}), got {tuple(x.shape)}"
            )
        self._check_size(tuple(x.shape[2:]))
        pool = getattr(F, f"max_pool{self.spatial_dims}d")
        skips = []
        for level, block in enumerate(self.encoder):
            if level > 0:
                x = pool(x, 2)  # (N, C, *spatial / 2)
            x = block(x)
            skips.append(x)
        skips.pop()  # the bottleneck's own output is not a skip
        for up in self.decoder:
            x = up(x, skips.pop())
        return self.head(x)
