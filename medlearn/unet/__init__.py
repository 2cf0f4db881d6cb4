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

One file per idea, re-exported here (``from medlearn import unet``):
``sizes`` (the valid-convolution arithmetic), ``blocks`` (crop-and-concat,
``ConvBlock``, ``UpBlock``) and ``model`` (``UNet``).

See chapter 03 (unet).
"""

from __future__ import annotations

from medlearn.unet.blocks import ConvBlock, UpBlock, center_crop, crop_and_concat
from medlearn.unet.model import UNet
from medlearn.unet.sizes import (
    decoder_sizes,
    encoder_sizes,
    nearest_valid_input_size,
    valid_output_size,
)

__all__ = [
    "encoder_sizes",
    "decoder_sizes",
    "valid_output_size",
    "nearest_valid_input_size",
    "center_crop",
    "crop_and_concat",
    "ConvBlock",
    "UpBlock",
    "UNet",
]
