"""The forward model, zero filling, data consistency and an unrolled network.

See chapter 10 (applications).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from medlearn.physics.fourier import _check_complex, fft2c, ifft2c

__all__ = [
    "apply_mask",
    "undersample",
    "zero_filled",
    "data_consistency",
    "complex_to_channels",
    "channels_to_complex",
    "UnrolledReconstruction",
]


def _check_mask(mask: Tensor, kspace: Tensor) -> Tensor:
    """Validate a column mask against ``kspace (..., H, W)``; return it on its device."""
    if not isinstance(mask, Tensor) or mask.dtype != torch.bool:
        got = mask.dtype if isinstance(mask, Tensor) else type(mask).__name__
        raise TypeError(f"mask must be a bool tensor, got {got}")
    W = kspace.shape[-1]
    if mask.dim() == 1:
        ok = mask.shape[0] == W
    else:
        try:
            ok = mask.shape[-1] == W and mask.shape[-2] == 1
            ok = ok and torch.broadcast_shapes(mask.shape, kspace.shape) == kspace.shape
        except RuntimeError:
            ok = False
    if not ok:
        raise ValueError(
            f"mask must have shape (W,) = ({W},) or (..., 1, {W}) broadcastable to "
            f"k-space {tuple(kspace.shape)}, got {tuple(mask.shape)}"
        )
    return mask.to(kspace.device)


def apply_mask(kspace: Tensor, mask: Tensor) -> Tensor:
    """Zero the k-space columns that were not measured.

    Args:
        kspace: complex k-space ``(..., H, W)``.
        mask: bool ``(W,)``, or ``(..., 1, W)`` broadcastable to ``kspace`` (one
            mask per image).

    Returns:
        Complex tensor of the shape of ``kspace``.

    Raises:
        TypeError: if ``kspace`` is not complex or ``mask`` not bool.
        ValueError: if ``mask`` does not fit the columns of ``kspace``.

    Example:
        >>> k = torch.ones(2, 3, dtype=torch.complex64)
        >>> apply_mask(k, torch.tensor([True, False, True])).real.tolist()
        [[1.0, 0.0, 1.0], [1.0, 0.0, 1.0]]

    See chapter 10 (applications).
    """
    _check_complex(kspace, "kspace", 2)
    mask = _check_mask(mask, kspace)
    return torch.where(mask, kspace, torch.zeros((), dtype=kspace.dtype))


def undersample(image: Tensor, mask: Tensor) -> Tensor:
    """The forward model ``y = M F x``: the k-space a scanner measures.

    Args:
        image: complex image ``(..., H, W)``.
        mask: bool column mask, as in :func:`apply_mask`.

    Returns:
        Complex k-space of the shape of ``image``, zero where not measured.

    Raises:
        TypeError: if ``image`` is not complex or ``mask`` not bool.
        ValueError: if ``mask`` does not fit the columns of ``image``.

    Example:
        >>> y = undersample(torch.ones(4, 4, dtype=torch.complex64),
        ...                 torch.tensor([False, False, True, False]))
        >>> y.abs().sum().item()
        4.0

    See chapter 10 (applications).
    """
    return apply_mask(fft2c(image), mask)


def zero_filled(kspace: Tensor, mask: Tensor | None = None) -> Tensor:
    """Zero-filled reconstruction ``F^H y``: unmeasured lines count as zero.

    The baseline every reconstruction is compared with; with a regular mask it
    shows copies of the image folded over each other (aliasing).

    Args:
        kspace: complex k-space ``(..., H, W)``.
        mask: bool column mask applied first, as in :func:`apply_mask`. Defaults
            to None (``kspace`` is already zero where not measured).

    Returns:
        Complex image of the shape of ``kspace`` (take ``.abs()`` to view it).

    Raises:
        TypeError: if ``kspace`` is not complex or ``mask`` not bool.
        ValueError: if ``mask`` does not fit the columns of ``kspace``.

    Example:
        >>> x = torch.randn(8, 8, dtype=torch.complex128)
        >>> torch.allclose(zero_filled(fft2c(x)), x)  # nothing missing: exact
        True

    See chapter 10 (applications).
    """
    if mask is not None:
        kspace = apply_mask(kspace, mask)
    return ifft2c(kspace)


def data_consistency(image: Tensor, kspace: Tensor, mask: Tensor) -> Tensor:
    """Replace the measured k-space lines of an estimate by the measurements.

    ``x_dc = F^H (M y + (1 - M) F x)``: where the scanner measured, keep what it
    measured; elsewhere, keep the estimate. The noise-free hard version of
    Schlemper et al. (2017); it is idempotent (applying it twice changes nothing
    more) and never averages the two.

    Args:
        image: complex estimate ``(..., H, W)``, e.g. a network's output.
        kspace: complex measured k-space of the same shape (values outside the
            mask are ignored).
        mask: bool column mask, as in :func:`apply_mask`.

    Returns:
        Complex image of the shape of ``image``.

    Raises:
        TypeError: if a tensor is not complex or ``mask`` not bool.
        ValueError: if the shapes differ or ``mask`` does not fit.

    Example:
        >>> x = torch.randn(6, 6, dtype=torch.complex128)
        >>> m = torch.tensor([True, False, True, True, False, True])
        >>> out = data_consistency(torch.zeros_like(x), fft2c(x), m)
        >>> torch.allclose(fft2c(out)[:, m], fft2c(x)[:, m])
        True

    See chapter 10 (applications).
    """
    _check_complex(image, "image", 2)
    _check_complex(kspace, "kspace", 2)
    if image.shape != kspace.shape:
        raise ValueError(
            f"image and kspace must have the same shape, got {tuple(image.shape)} "
            f"and {tuple(kspace.shape)}"
        )
    mask = _check_mask(mask, kspace)
    return ifft2c(torch.where(mask, kspace, fft2c(image)))


def complex_to_channels(x: Tensor) -> Tensor:
    """Complex ``(N, C, H, W)`` -> real ``(N, 2C, H, W)``: real and imaginary parts.

    Channels ``2c`` and ``2c + 1`` hold the real and imaginary part of channel
    ``c``, so a real CNN can process complex images.

    Args:
        x: complex tensor ``(N, C, H, W)``.

    Returns:
        Real tensor ``(N, 2C, H, W)``.

    Raises:
        TypeError: if ``x`` is not complex.
        ValueError: if ``x`` is not 4D.

    Example:
        >>> complex_to_channels(torch.full((1, 1, 2, 2), 1 + 2j))[0, :, 0, 0].tolist()
        [1.0, 2.0]

    See chapter 10 (applications).
    """
    _check_complex(x, "x", 4)
    if x.dim() != 4:
        raise ValueError(f"x must have shape (N, C, H, W), got {tuple(x.shape)}")
    N, C, H, W = x.shape
    x = torch.view_as_real(x)  # (N, C, H, W, 2)
    return x.permute(0, 1, 4, 2, 3).reshape(N, 2 * C, H, W)  # (N, 2C, H, W)


def channels_to_complex(x: Tensor) -> Tensor:
    """Real ``(N, 2C, H, W)`` -> complex ``(N, C, H, W)``, inverse of complex_to_channels.

    Args:
        x: real tensor ``(N, 2C, H, W)``.

    Returns:
        Complex tensor ``(N, C, H, W)``.

    Raises:
        ValueError: if ``x`` is not 4D with an even number of channels.

    Example:
        >>> channels_to_complex(torch.tensor([1.0, 2.0]).view(1, 2, 1, 1)).item()
        (1+2j)

    See chapter 10 (applications).
    """
    if x.dim() != 4 or x.shape[1] % 2 or x.is_complex():
        raise ValueError(
            f"x must be real with shape (N, 2C, H, W), got {tuple(x.shape)} {x.dtype}"
        )
    N, C2, H, W = x.shape
    x = x.reshape(N, C2 // 2, 2, H, W).permute(0, 1, 3, 4, 2)  # (N, C, H, W, 2)
    return torch.view_as_complex(x.contiguous())


def _refinement_cnn(in_channels: int, channels: int, num_layers: int) -> nn.Sequential:
    """conv-ReLU x (num_layers - 1), then conv back to ``in_channels``."""
    layers: list[nn.Module] = []
    width = in_channels
    for _ in range(num_layers - 1):
        layers += [nn.Conv2d(width, channels, 3, padding=1), nn.ReLU()]
        width = channels
    layers.append(nn.Conv2d(width, in_channels, 3, padding=1))
    return nn.Sequential(*layers)


class UnrolledReconstruction(nn.Module):
    """A few iterations of (residual CNN, data consistency): a small DC-CNN.

    Starting from the zero-filled image, each iteration adds a CNN's correction
    (on real and imaginary parts as channels) and, if ``data_consistency``, puts
    the measured k-space lines back (:func:`data_consistency`), as in the
    cascade of Schlemper et al. (2017). Without data consistency the same
    network is a plain image-to-image CNN: the control of chapter 10.

    Args:
        in_channels: complex channels (coils) of the input. Defaults to 1.
        num_iterations: unrolled iterations (cascades). Defaults to 4.
        channels: width of each CNN. Defaults to 32.
        num_layers: convolutions per CNN (>= 2). Defaults to 5.
        data_consistency: apply data consistency after each CNN. Defaults to True.

    Raises:
        ValueError: if a size is out of range.

    Example:
        >>> from medlearn.physics import undersampling_mask
        >>> net = UnrolledReconstruction(num_iterations=2, channels=4, num_layers=2)
        >>> mask = undersampling_mask(8, 2, 0.25, "equispaced", offset=0)
        >>> y = undersample(torch.randn(1, 1, 8, 8, dtype=torch.complex64), mask)
        >>> tuple(net(y, mask).shape)
        (1, 1, 8, 8)

    See chapter 10 (applications).
    """

    def __init__(
        self,
        in_channels: int = 1,
        num_iterations: int = 4,
        channels: int = 32,
        num_layers: int = 5,
        *,
        data_consistency: bool = True,
    ) -> None:
        super().__init__()
        if min(in_channels, num_iterations, channels) < 1 or num_layers < 2:
            raise ValueError(
                "in_channels, num_iterations and channels must be >= 1 and "
                f"num_layers >= 2, got {in_channels}, {num_iterations}, {channels} "
                f"and {num_layers}"
            )
        self.in_channels = in_channels
        self.data_consistency = data_consistency
        self.cascades = nn.ModuleList(
            _refinement_cnn(2 * in_channels, channels, num_layers)
            for _ in range(num_iterations)
        )

    def forward(self, kspace: Tensor, mask: Tensor) -> Tensor:
        """Map measured k-space ``(N, C, H, W)`` (complex) to an image of that shape."""
        _check_complex(kspace, "kspace", 4)
        if kspace.dim() != 4 or kspace.shape[1] != self.in_channels:
            raise ValueError(
                f"kspace must have shape (N, {self.in_channels}, H, W), got "
                f"{tuple(kspace.shape)}"
            )
        kspace = apply_mask(kspace, mask)  # (N, C, H, W), zero where not measured
        x = ifft2c(kspace)  # zero-filled start
        for cnn in self.cascades:
            x = x + channels_to_complex(cnn(complex_to_channels(x)))
            if self.data_consistency:
                x = data_consistency(x, kspace, mask)
        return x
