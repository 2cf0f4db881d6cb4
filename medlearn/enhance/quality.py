"""PSNR and SSIM equal to scikit-image 0.26, with ``data_range`` always stated.

See chapter 10 (applications).
"""

from __future__ import annotations

from numbers import Real

import torch
from torch import Tensor

from medlearn.enhance.filters import _check_float, _filter_axis, _gaussian_kernel

__all__ = ["psnr", "ssim"]


def _check_pair(x: Tensor, ref: Tensor, data_range: float | Tensor) -> float:
    """Validate two image stacks; return ``data_range`` as a Python float."""
    _check_float(x, "x", 2)
    _check_float(ref, "ref", 2)
    if x.shape != ref.shape:
        raise ValueError(
            f"x and ref must have the same shape, got {tuple(x.shape)} and "
            f"{tuple(ref.shape)}"
        )
    if isinstance(data_range, Tensor) and data_range.numel() == 1:
        data_range = data_range.item()
    if isinstance(data_range, bool) or not isinstance(data_range, Real):
        raise TypeError(f"data_range must be one number, got {data_range!r}")
    if not data_range > 0:
        raise ValueError(
            f"data_range must be > 0 (max - min possible value), got {data_range!r}"
        )
    return float(data_range)


def psnr(x: Tensor, ref: Tensor, data_range: float | Tensor) -> Tensor:
    """Peak signal-to-noise ratio in dB of each 2D image, as scikit-image.

    ``10 log10(data_range^2 / MSE)``, the MSE over ``(H, W)`` in float64: equal to
    ``skimage.metrics.peak_signal_noise_ratio(ref, x, data_range=data_range)`` on
    each image (infinite where they are identical). ``data_range`` is required:
    skimage's float default (1, or 2 if negative values) is a common trap.

    Args:
        x: test images ``(..., H, W)``.
        ref: reference images, the shape of ``x``.
        data_range: the range of possible values (e.g. 1.0 for [0, 1] images),
            a number or a one-element tensor.

    Returns:
        Float64 tensor ``(...)``, a scalar for one ``(H, W)`` image.

    Raises:
        TypeError: if an image is not floating point or ``data_range`` no number.
        ValueError: if the shapes differ or ``data_range <= 0``.

    Example:
        >>> ref = torch.zeros(4, 4); x = torch.full((4, 4), 0.1)
        >>> round(psnr(x, ref, data_range=1.0).item(), 6)
        20.0

    See chapter 10 (applications).
    """
    data_range = _check_pair(x, ref, data_range)
    mse = (x.double() - ref.double()).pow(2).mean((-2, -1))  # (...)
    return 10 * torch.log10(data_range**2 / mse)


def ssim(
    x: Tensor,
    ref: Tensor,
    data_range: float | Tensor,
    *,
    win_size: int | None = None,
    gaussian_weights: bool = False,
) -> Tensor:
    """Mean structural similarity of each 2D image, as scikit-image 0.26.

    Equal to ``skimage.metrics.structural_similarity(x, ref,
    data_range=data_range)`` with its defaults: a 7x7 uniform window (or, with
    ``gaussian_weights``, a Gaussian of sigma 1.5 truncated at 3.5 sigma, 11x11),
    ``K1 = 0.01``, ``K2 = 0.03``, sample covariance (``NP / (NP - 1)``),
    "reflect" padding and the mean over the map with a ``(win_size - 1) // 2``
    border cropped. Other tools differ: pytorch-msssim uses the 11x11 Gaussian
    with population covariance and ``data_range=255`` by default; fastMRI's
    ``SSIMLoss`` is ``1 -`` this 7x7 score with a per-image ``data_range``, and
    fastMRI's evaluation passes the volume's maximum (not max - min). State the
    ``data_range`` with every number.

    Args:
        x: images ``(..., H, W)``, each side at least ``win_size``.
        ref: reference images, the shape of ``x``.
        data_range: the range of possible values (e.g. 1.0 for [0, 1] images),
            a number or a one-element tensor.
        win_size: odd window side used for the covariance and the crop.
            Defaults to None (7, or 11 with ``gaussian_weights``).
        gaussian_weights: Gaussian instead of uniform window. Defaults to False.

    Returns:
        Tensor ``(...)`` (the dtype of ``x``), a scalar for one ``(H, W)`` image.

    Raises:
        TypeError: if an image is not floating point or ``data_range`` no number.
        ValueError: on different shapes, ``data_range <= 0``, an even window or
            one larger than the image.

    Example:
        >>> ref = torch.rand(16, 16, generator=torch.Generator().manual_seed(0))
        >>> ssim(ref, ref, data_range=1.0).item()
        1.0

    See chapter 10 (applications).
    """
    data_range = _check_pair(x, ref, data_range)
    if win_size is None:
        win_size = 11 if gaussian_weights else 7
    if win_size % 2 == 0 or win_size > min(x.shape[-2:]):
        raise ValueError(
            f"win_size must be odd and at most the image side {min(x.shape[-2:])}, "
            f"got {win_size}"
        )
    kernel = (
        _gaussian_kernel(1.5, 3.5)
        if gaussian_weights
        else torch.full((win_size,), 1.0 / win_size, dtype=torch.float64)
    )
    dtype = torch.promote_types(x.dtype, ref.dtype)
    stack = torch.stack([x, ref, x * x, ref * ref, x * ref]).to(dtype)  # (5, ..., H, W)
    ux, uy, uxx, uyy, uxy = _filter_axis(_filter_axis(stack, kernel, -2), kernel, -1)
    cov_norm = win_size**2 / (win_size**2 - 1)  # sample covariance
    vx, vy = cov_norm * (uxx - ux * ux), cov_norm * (uyy - uy * uy)
    vxy = cov_norm * (uxy - ux * uy)
    C1, C2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    S = (2 * ux * uy + C1) * (2 * vxy + C2) / ((ux**2 + uy**2 + C1) * (vx + vy + C2))
    p = (win_size - 1) // 2
    return S[..., p : S.shape[-2] - p, p : S.shape[-1] - p].mean((-2, -1))
