"""The centred orthonormal FFT (fastMRI's convention) and its matrix form.

``fftshift(fft(ifftshift(x), norm="ortho"))`` on the last two or three axes:
the zero frequency sits at index ``n // 2``, the transform is unitary (Parseval)
and :func:`centred_dft_matrix` writes it as a matrix, the teaching path.

See chapter 10 (applications).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = [
    "fft2c",
    "ifft2c",
    "fft3c",
    "ifft3c",
    "centred_dft_matrix",
]


def _check_complex(x: Tensor, name: str, min_dims: int) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_complex():
        raise TypeError(
            f"{name} must be a complex tensor, got dtype {x.dtype}; convert a real "
            "image with x.to(torch.complex64)"
        )
    if x.dim() < min_dims:
        raise ValueError(
            f"{name} must have at least {min_dims} dims, got shape {tuple(x.shape)}"
        )


def _centred(x: Tensor, dims: tuple[int, ...], *, inverse: bool) -> Tensor:
    _check_complex(x, "x", len(dims))
    transform = torch.fft.ifftn if inverse else torch.fft.fftn
    x = torch.fft.ifftshift(x, dim=dims)  # centre (index n // 2) -> index 0
    x = transform(x, dim=dims, norm="ortho")
    return torch.fft.fftshift(x, dim=dims)  # index 0 -> centre


def fft2c(x: Tensor) -> Tensor:
    """Centred orthonormal 2D FFT on the last two axes: image -> k-space.

    Equal to fastMRI's ``fft2c``: ``fftshift(fft2(ifftshift(x), norm="ortho"))``
    over ``(H, W)``; the zero frequency lands at ``(H // 2, W // 2)`` and
    ``sum |x|^2 == sum |fft2c(x)|^2`` (Parseval).

    Args:
        x: complex tensor ``(..., H, W)``.

    Returns:
        Complex k-space of the shape of ``x``.

    Raises:
        TypeError: if ``x`` is not a complex tensor.
        ValueError: if ``x`` has fewer than 2 dims.

    Example:
        >>> k = fft2c(torch.ones(4, 4, dtype=torch.complex64))
        >>> k[2, 2].real.item(), k.abs().sum().item()  # all energy at the centre
        (4.0, 4.0)

    See chapter 10 (applications).
    """
    return _centred(x, (-2, -1), inverse=False)


def ifft2c(x: Tensor) -> Tensor:
    """Centred orthonormal inverse 2D FFT on the last two axes: k-space -> image.

    ``fftshift(ifft2(ifftshift(x), norm="ortho"))``, the exact inverse of
    :func:`fft2c` (fastMRI's ``ifft2c``).

    Args:
        x: complex k-space ``(..., H, W)``.

    Returns:
        Complex image of the shape of ``x``.

    Raises:
        TypeError: if ``x`` is not a complex tensor.
        ValueError: if ``x`` has fewer than 2 dims.

    Example:
        >>> x = torch.randn(3, 5, dtype=torch.complex128)
        >>> torch.allclose(ifft2c(fft2c(x)), x)
        True

    See chapter 10 (applications).
    """
    return _centred(x, (-2, -1), inverse=True)


def fft3c(x: Tensor) -> Tensor:
    """Centred orthonormal 3D FFT on the last three axes ``(D, H, W)``.

    The 3D analogue of :func:`fft2c`, for 3D acquisitions.

    Args:
        x: complex tensor ``(..., D, H, W)``.

    Returns:
        Complex k-space of the shape of ``x``.

    Raises:
        TypeError: if ``x`` is not a complex tensor.
        ValueError: if ``x`` has fewer than 3 dims.

    Example:
        >>> fft3c(torch.ones(2, 2, 2, dtype=torch.complex64))[1, 1, 1].real.item()
        2.8284270763397217

    See chapter 10 (applications).
    """
    return _centred(x, (-3, -2, -1), inverse=False)


def ifft3c(x: Tensor) -> Tensor:
    """Centred orthonormal inverse 3D FFT on the last three axes, inverse of fft3c.

    Args:
        x: complex k-space ``(..., D, H, W)``.

    Returns:
        Complex image of the shape of ``x``.

    Raises:
        TypeError: if ``x`` is not a complex tensor.
        ValueError: if ``x`` has fewer than 3 dims.

    Example:
        >>> x = torch.randn(2, 3, 4, dtype=torch.complex128)
        >>> torch.allclose(ifft3c(fft3c(x)), x)
        True

    See chapter 10 (applications).
    """
    return _centred(x, (-3, -2, -1), inverse=True)


def centred_dft_matrix(
    n: int,
    dtype: torch.dtype = torch.complex128,
    device: torch.device | str | None = None,
) -> Tensor:
    """The centred orthonormal DFT as an ``(n, n)`` matrix: the teaching path.

    ``F[k, j] = exp(-2 pi i (k - c)(j - c) / n) / sqrt(n)`` with ``c = n // 2``:
    row ``k`` measures frequency ``k - c`` of an image whose origin is pixel ``c``.
    Then ``fft2c(x) == F_H @ x @ F_W.T`` (``F`` is symmetric and unitary), which
    shows that k-space is a linear function of the image.

    Args:
        n: size of the axis.
        dtype: a complex dtype. Defaults to ``torch.complex128``.
        device: where to build the matrix. Defaults to None (the CPU).

    Returns:
        Complex tensor ``(n, n)``.

    Raises:
        ValueError: if ``n < 1``.

    Example:
        >>> F = centred_dft_matrix(4)
        >>> x = torch.randn(4, 4, dtype=torch.complex128)
        >>> torch.allclose(F @ x @ F.T, fft2c(x))
        True

    See chapter 10 (applications).
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    c = n // 2
    k = torch.arange(n, dtype=torch.float64, device=device) - c  # (n,)
    phase = -2 * math.pi * torch.outer(k, k) / n  # (n, n)
    return (torch.polar(torch.ones_like(phase), phase) / math.sqrt(n)).to(dtype)
