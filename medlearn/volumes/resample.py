"""Resampling by spacing: a volume on a new voxel grid with the same centre.

A volume of ``n`` voxels of ``s`` mm along an axis covers ``n * s`` mm; at a new
spacing ``s'`` it gets ``round(s / s' * n)`` voxels (nnU-Net's rule, Isensee
et al. 2021), centred on the same physical point as the input. Voxel ``i`` of
the new grid then sits at input voxel coordinate::

    c_i = (n - 1) / 2 + (i - (m - 1) / 2) * s' / s

and trilinear interpolation is three 1D linear interpolations, one axis after
the other (the weights factorise), so :func:`resample` never builds a full
sampling grid. See chapter 05 (volumes).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence

import torch
from torch import Tensor

__all__ = ["CONVENTIONS", "resampled_shape", "resample"]

CONVENTIONS = ("nnunet", "torchio", "monai")
_MODES = ("linear", "nearest", "label")


def _spacing(value: object, name: str, dims: int | None = None) -> tuple[float, ...]:
    """Validate a spacing: 2 or 3 (or ``dims``) finite positive millimetres."""
    if (
        dims is not None
        and isinstance(value, (int, float))
        and not isinstance(value, bool)
    ):
        value = (value,) * dims  # one number: isotropic
    if isinstance(value, Tensor):
        value = value.tolist()
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise TypeError(f"{name}: expected a sequence of mm values, got {value!r}")
    expected = (2, 3) if dims is None else (dims,)
    if len(value) not in expected:
        want = " or ".join(map(str, expected))
        raise ValueError(f"{name}: expected {want} values (z, y, x), got {len(value)}")
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in value):
        raise TypeError(f"{name}: expected numbers, got {tuple(value)!r}")
    floats = tuple(float(v) for v in value)
    if not all(math.isfinite(v) and v > 0 for v in floats):
        raise ValueError(f"{name}: spacing must be positive and finite, got {floats}")
    return floats


def _is_count(n: object) -> bool:
    try:
        return operator.index(n) >= 1
    except TypeError:
        return False


def resampled_shape(
    shape: Sequence[int],
    spacing: Sequence[float],
    new_spacing: Sequence[float] | float,
    convention: str = "nnunet",
) -> tuple[int, ...]:
    """Number of voxels per axis after resampling, under three conventions.

    * ``"nnunet"`` (medlearn's): ``round(s / s' * n)``, the physical extent
      ``n * s`` kept as closely as whole voxels allow (Python's ``round``,
      ties to even; at least 1).
    * ``"torchio"`` (TorchIO 1.2.1 ``Resample``): ``floor(n * s / s')``, so the
      new grid never reaches past the old one; an axis of 1 voxel stays 1.
    * ``"monai"`` (MONAI 1.6.1 ``Spacing``): ``round((n - 1) * s / s') + 1``,
      keeping the extent from the first to the last voxel *centre*,
      ``(n - 1) * s``; MONAI also keeps the first voxel centre where it was
      instead of the centre of the volume.

    Args:
        shape: voxels per spatial axis, e.g. ``(D, H, W)`` or ``(H, W)``.
        spacing: input spacing in mm, same axis order.
        new_spacing: output spacing in mm, or one number for isotropic.
        convention: ``"nnunet"``, ``"torchio"`` or ``"monai"``. Defaults to
            "nnunet".

    Returns:
        The new shape, one int per axis.

    Raises:
        ValueError: for a bad spacing, shape or convention.

    Example:
        >>> for convention in CONVENTIONS:
        ...     print(resampled_shape((64, 128, 7), (5.0, 0.8, 2.5), 1.0, convention))
        (320, 102, 18)
        (320, 102, 17)
        (316, 103, 16)
    """
    shape = tuple(shape)
    dims = len(shape)
    if dims not in (1, 2, 3) or not all(_is_count(n) for n in shape):
        raise ValueError(f"shape: expected 1 to 3 positive ints, got {shape}")
    shape = tuple(operator.index(n) for n in shape)
    spacing = _spacing(spacing, "spacing", dims)
    new_spacing = _spacing(new_spacing, "new_spacing", dims)
    if convention not in CONVENTIONS:
        raise ValueError(
            f"convention: expected one of {CONVENTIONS}, got {convention!r}"
        )
    rules = {
        "nnunet": lambda n, s, t: max(1, round(s / t * n)),
        "torchio": lambda n, s, t: 1 if n == 1 else math.floor(n * s / t),
        "monai": lambda n, s, t: round((n - 1) * s / t) + 1,
    }
    rule = rules[convention]
    return tuple(rule(n, s, t) for n, s, t in zip(shape, spacing, new_spacing))


def _centres(n: int, s: float, t: float, m: int) -> Tensor:
    """Input voxel coordinates of the ``m`` new voxel centres (float64, CPU)."""
    i = torch.arange(m, dtype=torch.float64)
    return (n - 1) / 2 + (i - (m - 1) / 2) * (t / s)


def _linear_axis(x: Tensor, axis: int, c: Tensor) -> Tensor:
    """Linear interpolation of ``x`` at coordinates ``c`` along ``axis``.

    Coordinates outside ``[0, n - 1]`` take the edge value (they are less than
    half a voxel outside, the same as ITK's linear interpolator does there).
    """
    n = x.shape[axis]
    c = c.clamp(0, n - 1)
    lo = c.floor()
    weight = (c - lo).to(dtype=x.dtype, device=x.device)
    lo = lo.long()
    hi = (lo + 1).clamp(max=n - 1)
    shape = [1] * x.ndim
    shape[axis] = -1  # broadcast the weights along the axis
    lo, hi = lo.to(x.device), hi.to(x.device)
    return torch.lerp(
        x.index_select(axis, lo), x.index_select(axis, hi), weight.view(shape)
    )


def _nearest_axis(x: Tensor, axis: int, c: Tensor) -> Tensor:
    """Nearest voxel along ``axis``; ties round up, as ITK's ``RoundHalfIntegerUp``."""
    index = torch.floor(c + 0.5).long().clamp(0, x.shape[axis] - 1)
    return x.index_select(axis, index.to(x.device))


def _separable(
    x: Tensor,
    spacing: tuple[float, ...],
    new_spacing: tuple[float, ...],
    shape: tuple[int, ...],
    axis_fn: Callable[[Tensor, int, Tensor], Tensor],
) -> Tensor:
    """Apply ``axis_fn`` along each spatial axis, the most shrinking axis first."""
    first = x.ndim - len(spacing)  # index of the first spatial axis
    order = sorted(range(len(spacing)), key=lambda a: shape[a] / x.shape[first + a])
    for a in order:
        if spacing[a] == new_spacing[a]:
            continue  # same grid along this axis: nothing to interpolate
        c = _centres(x.shape[first + a], spacing[a], new_spacing[a], shape[a])
        if first + a < x.ndim - 1:
            x = axis_fn(x, first + a, c)
        else:  # gathers along the contiguous last axis are slow: swap it first
            x = axis_fn(x.transpose(-1, -2).contiguous(), x.ndim - 2, c)
            x = x.transpose(-1, -2).contiguous()
    return x


def _labels_present(x: Tensor) -> Tensor:
    """The distinct labels, sorted (a histogram when they are small ints)."""
    if not x.is_floating_point() and x.numel() and 0 <= x.min() and x.max() < 2**16:
        return torch.bincount(x.flatten().long()).nonzero().flatten().to(x.dtype)
    return torch.unique(x, sorted=True)


def _label_resample(
    x: Tensor,
    spacing: tuple[float, ...],
    new_spacing: tuple[float, ...],
    shape: tuple[int, ...],
) -> Tensor:
    """One-hot, linear, argmax, one label at a time (memory: three output maps)."""
    values = _labels_present(x)
    best = arg = None
    for k, value in enumerate(values):
        p = _separable((x == value).float(), spacing, new_spacing, shape, _linear_axis)
        if best is None:
            best, arg = p, torch.zeros_like(p, dtype=torch.long)
            continue
        better = p > best  # strict: ties keep the lower label, as argmax does
        arg.masked_fill_(better, k)
        best = torch.maximum(best, p)
    return values[arg]


def _check_resample(
    volume: Tensor,
    spacing: Sequence[float] | float,
    new_spacing: Sequence[float] | float,
    mode: str,
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Validate :func:`resample`'s arguments; return both spacings as floats."""
    if not isinstance(volume, Tensor):
        raise TypeError(f"volume: expected a torch.Tensor, got {type(volume).__name__}")
    spacing = _spacing(spacing, "spacing")
    dims = len(spacing)
    new_spacing = _spacing(new_spacing, "new_spacing", dims)
    if volume.ndim not in (dims + 1, dims + 2):
        axes = (
            "(C, D, H, W) or (N, C, D, H, W)"
            if dims == 3
            else "(C, H, W) or (N, C, H, W)"
        )
        raise ValueError(
            f"volume: a {dims}-value spacing needs {axes}, got shape {tuple(volume.shape)}"
        )
    if mode not in _MODES:
        raise ValueError(f"mode: expected one of {_MODES}, got {mode!r}")
    floating = volume.is_floating_point()
    if mode == "linear" and not floating:
        raise ValueError(
            f"mode: 'linear' would blend the labels of a label map (dtype {volume.dtype});"
            " use mode='label' or mode='nearest'"
        )
    if mode == "label" and floating and not torch.equal(volume, volume.round()):
        raise ValueError(
            "volume: mode='label' needs whole-number labels, got fractions"
        )
    if min(volume.shape[-dims:]) < 1:
        raise ValueError(f"volume: empty spatial axis in shape {tuple(volume.shape)}")
    return spacing, new_spacing


def resample(
    volume: Tensor,
    spacing: Sequence[float],
    new_spacing: Sequence[float] | float,
    *,
    mode: str = "linear",
) -> tuple[Tensor, tuple[float, ...]]:
    """Resample a volume (or a 2D image) to a new spacing, keeping its centre.

    The output has exactly ``new_spacing`` and ``round(s / s' * n)`` voxels per
    axis (nnU-Net's rule; see :func:`resampled_shape` for TorchIO's floor and
    MONAI's centre-to-centre ``(n - 1) * s``), and the centre of its voxel grid
    is the centre of the input's. Along an axis whose spacing does not change,
    the voxels are copied. Values equal TorchIO 1.2.1 ``Resample`` (linear for
    a ``ScalarImage``, nearest for a ``LabelMap``) wherever the two shapes
    agree: TorchIO centres its grid the same way and ITK's interpolators
    replicate the edge within half a voxel, where every new centre falls.

    ``mode="label"`` resamples a label map without inventing labels: each label
    becomes a one-hot map, is resampled linearly, and every voxel takes the
    label of the largest map (argmax; ties go to the lower label). Boundaries
    come out smoother than with ``"nearest"``, but a structure smaller than
    about half a new voxel is lost by both, by ``"label"`` sooner (a lone voxel
    needs more than half the interpolation weight); ``"nearest"`` is the plain
    way, the label of the closest input voxel (ties round up, as ITK).

    The number of spatial axes is ``len(spacing)``: 3 for ``(C, D, H, W)`` or
    ``(N, C, D, H, W)``, 2 for a 2D image ``(C, H, W)`` or ``(N, C, H, W)``.

    Args:
        volume: ``(C, D, H, W)`` or ``(N, C, D, H, W)`` (2D: ``(C, H, W)`` or
            ``(N, C, H, W)``); floating point for ``"linear"``, integer labels
            (any dtype holding whole numbers) for ``"label"``.
        spacing: input spacing in mm, ``(z, y, x)`` (2D: ``(y, x)``).
        new_spacing: output spacing in mm, same order, or one number for
            isotropic.
        mode: ``"linear"``, ``"nearest"`` or ``"label"``. Defaults to "linear".

    Returns:
        ``(resampled, new_spacing)``: the volume with the same leading axes,
        the new spatial shape and the input's dtype and device, and the
        spacing as a tuple of floats.

    Raises:
        TypeError: if ``volume`` is not a tensor or a spacing is not numeric.
        ValueError: for a spacing of the wrong length or not positive, a
            volume of the wrong rank, an unknown mode, an integer (label) map
            with ``mode="linear"``, or non-integer values with ``mode="label"``.

    Example:
        >>> x = torch.zeros(1, 4, 10, 10)  # 5 mm slices, 0.8 mm in plane
        >>> y, spacing = resample(x, (5.0, 0.8, 0.8), 1.0)
        >>> tuple(y.shape), spacing
        ((1, 20, 8, 8), (1.0, 1.0, 1.0))
    """
    spacing, new_spacing = _check_resample(volume, spacing, new_spacing, mode)
    dims = len(spacing)
    shape = resampled_shape(tuple(volume.shape[-dims:]), spacing, new_spacing)
    if mode == "label":
        out = _label_resample(volume, spacing, new_spacing, shape)
    else:
        axis_fn = _linear_axis if mode == "linear" else _nearest_axis
        out = _separable(volume, spacing, new_spacing, shape, axis_fn)
    return out, new_spacing
