"""The size arithmetic of a valid (unpadded) U-Net.

With ``padding="valid"`` every 3x3 convolution trims one pixel per side and
every 2x2 pooling halves the grid (an even size is needed), so only some
input sizes fit: 572 gives 388, the paper's figure. :func:`valid_output_size`
and :func:`nearest_valid_input_size` do that arithmetic, from the per-level
sizes of :func:`encoder_sizes` and :func:`decoder_sizes`. See chapter 03 (unet).
"""

from __future__ import annotations

from medlearn._helpers import check_positive_int

__all__ = [
    "encoder_sizes",
    "decoder_sizes",
    "valid_output_size",
    "nearest_valid_input_size",
]


def encoder_sizes(size: int, depth: int) -> list[int] | None:
    """Sizes after each encoder level's two valid 3x3 convs, top to bottleneck.

    Per level ``n -> n - 4``; before the next level the 2x2 pooling halves
    it, which needs an even size.

    Args:
        size: input length along one spatial axis.
        depth: number of resolution levels.

    Returns:
        ``depth`` sizes, or None if a level cannot run (an odd size before a
        pooling, or a size below 1).

    Example:
        >>> encoder_sizes(572, 5)
        [568, 280, 136, 64, 28]

    See chapter 03 (unet).
    """
    sizes = []
    for level in range(depth):
        size -= 4  # two unpadded 3x3 convolutions
        if size < 1 or (level < depth - 1 and size % 2):
            return None
        sizes.append(size)
        size //= 2  # 2x2 max pooling
    return sizes


def decoder_sizes(bottom: int, depth: int) -> list[int] | None:
    """Sizes after each decoder level: 2x2 up-convolution, then two valid 3x3 convs.

    Per level ``n -> 2n - 4``, from the bottleneck up.

    Args:
        bottom: the bottleneck's output size.
        depth: number of resolution levels (``depth - 1`` decoder levels).

    Returns:
        ``depth - 1`` sizes, or None if one would be below 1.

    Example:
        >>> decoder_sizes(28, 5)
        [52, 100, 196, 388]

    See chapter 03 (unet).
    """
    sizes, size = [], bottom
    for _ in range(depth - 1):
        size = 2 * size - 4  # 2x2 up-convolution, then two valid 3x3 convs
        if size < 1:
            return None
        sizes.append(size)
    return sizes


def _valid_output(size: int, depth: int) -> int | None:
    encoder = encoder_sizes(size, depth)
    decoder = None if encoder is None else decoder_sizes(encoder[-1], depth)
    if decoder is None:
        return None
    return decoder[-1] if decoder else encoder[-1]


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
    check_positive_int("depth", depth)
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
    check_positive_int("depth", depth)
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
