"""Per-image intensity standardisation: z-score and histogram matching.

The simplest harmonisation works image by image, before any model sees the
data: a z-score removes each image's own offset and scale (a scanner's gain),
and histogram matching maps an image's intensity distribution onto a
reference image's. Neither knows anatomy: an image with a large lesion gets
a different mean and SD, so the z-score also moves healthy tissue, and
histogram matching forces the reference's tissue proportions on every image.

See chapter 07 (shift).
"""

from __future__ import annotations

import torch
from torch import Tensor

from medlearn.shift._validate import work_dtype

__all__ = ["zscore", "match_histograms"]


def zscore(image: Tensor, *, nonzero: bool = False) -> Tensor:
    """Standardise every image and channel to mean 0 and SD 1, on its own statistics.

    MONAI's convention (``NormalizeIntensity(channel_wise=True)`` applied to
    each image of the batch): population SD; a constant image (SD 0) is only
    centred (divided by 1), so the output is never NaN; with ``nonzero`` the
    statistics use the non-zero voxels only and the zero voxels (background)
    stay 0.

    Args:
        image: ``(N, C, *spatial)`` images, 2D or 3D.
        nonzero: compute and apply over non-zero voxels only. Defaults to False.

    Returns:
        Standardised images of ``image``'s shape; floating dtype kept (float32
        for integer input).

    Raises:
        TypeError: if ``image`` is not a real tensor.
        ValueError: if ``image`` has fewer than 3 dims or contains NaN or inf.

    Example:
        >>> out = zscore(torch.tensor([[[1.0, 2.0, 3.0]], [[5.0, 5.0, 5.0]]]))
        >>> out
        tensor([[[-1.2247,  0.0000,  1.2247]],
        <BLANKLINE>
                [[ 0.0000,  0.0000,  0.0000]]])

    See chapter 07 (shift).
    """
    img = _check_image(image, "image", min_dim=3)
    flat = img.flatten(2)  # (N, C, voxels)
    mask = flat != 0 if nonzero else torch.ones_like(flat, dtype=torch.bool)
    count = mask.sum(2, keepdim=True).clamp_min(1)  # (N, C, 1)
    mean = (flat * mask).sum(2, keepdim=True) / count
    var = (((flat - mean) * mask) ** 2).sum(2, keepdim=True) / count
    sd = var.sqrt()
    out = (flat - mean) / torch.where(sd > 0, sd, torch.ones_like(sd))
    return torch.where(mask, out, flat).reshape(img.shape)


def _check_image(image: object, name: str, min_dim: int = 1) -> Tensor:
    if not isinstance(image, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(image).__name__}")
    if image.is_complex() or image.dtype == torch.bool:
        raise TypeError(f"{name} must be real-valued, got dtype {image.dtype}")
    if image.dim() < min_dim:
        raise ValueError(
            f"{name} must have at least {min_dim} dims "
            f"{'(N, C, *spatial)' if min_dim == 3 else ''}, got {tuple(image.shape)}"
        )
    if image.numel() == 0:
        raise ValueError(f"{name} is empty: shape {tuple(image.shape)}")
    img = image if image.is_floating_point() else image.to(torch.float32)
    if not torch.isfinite(img).all():
        raise ValueError(f"{name} contains NaN or inf")
    return img


def _interp(x: Tensor, xp: Tensor, fp: Tensor) -> Tensor:
    """``numpy.interp`` for increasing ``xp``: linear inside, constant outside."""
    j = (torch.searchsorted(xp, x, right=True) - 1).clamp(0, xp.numel() - 2)
    slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
    out = slope * (x - xp[j]) + fp[j]
    out = torch.where(x == xp[j], fp[j], out)
    return torch.where(x <= xp[0], fp[0], torch.where(x >= xp[-1], fp[-1], out))


def match_histograms(image: Tensor, reference: Tensor) -> Tensor:
    """Map ``image``'s intensities so that its CDF matches ``reference``'s.

    ``skimage.exposure.match_histograms(image, reference)`` with
    ``channel_axis=None``: each distinct value of ``image`` goes to the
    reference value at the same quantile (``numpy.interp`` between the
    reference's distinct values at their cumulative frequencies). All voxels
    are pooled; apply it per image (and per channel) for a batch.

    Args:
        image: the image to adjust, any shape.
        reference: the image whose histogram to copy, any shape.

    Returns:
        The matched image, ``image``'s shape; float32 for float16/float32
        input, else float64 (skimage's output dtypes).

    Raises:
        TypeError: if an input is not a real tensor.
        ValueError: on an empty input or NaN/inf.

    Example:
        >>> match_histograms(torch.tensor([3.0, 1.0, 2.0]), torch.tensor([10.0, 30.0, 20.0]))
        tensor([30., 10., 20.])

    See chapter 07 (shift).
    """
    src, ref = _check_image(image, "image"), _check_image(reference, "reference")
    if src.device != ref.device:
        raise ValueError(
            f"image and reference must be on one device, got {src.device} and "
            f"{ref.device}"
        )
    dtype = work_dtype(src.device)
    src, ref = src.flatten().to(dtype), ref.flatten().to(dtype)
    _, lookup, counts = src.unique(return_inverse=True, return_counts=True)
    ref_values, ref_counts = ref.unique(return_counts=True)
    quantiles = counts.cumsum(0).to(dtype) / src.numel()
    ref_quantiles = ref_counts.cumsum(0).to(dtype) / ref.numel()
    if ref_values.numel() == 1:  # a constant reference: every value maps to it
        mapped = ref_values.expand_as(quantiles)
    else:
        mapped = _interp(quantiles, ref_quantiles, ref_values)
    single = image.dtype in (torch.float16, torch.float32)
    return mapped[lookup].reshape(image.shape).to(torch.float32 if single else dtype)
