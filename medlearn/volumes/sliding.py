"""Sliding-window inference: a model trained on crops, run on a whole volume.

Windows of ``roi_size`` voxels step by ``int(roi_size * (1 - overlap))`` along
each axis, the last one moved back to end at the volume's edge; each window's
prediction is weighted (all ones, or a Gaussian that trusts window centres
more than their borders) and every voxel gets the weighted mean of the windows
covering it. This is MONAI 1.6.1's ``sliding_window_inference``: the same
window placement, the same weights (``sigma = 0.125 * roi_size``, clamped at
``1e-3``), the same padding of a volume smaller than a window. See chapter 05
(volumes).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from medlearn._helpers import check_positive_int, per_axis

__all__ = ["importance_map", "window_starts", "sliding_window_inference"]

_BLEND = ("constant", "gaussian")


def importance_map(
    roi_size: Sequence[int],
    mode: str = "constant",
    sigma_scale: Sequence[float] | float = 0.125,
    *,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> Tensor:
    """Weight of each voxel of a window when windows are blended.

    ``"constant"``: all ones. ``"gaussian"``: the product over axes of
    ``exp(-x^2 / (2 sigma^2))``, ``x`` the distance to the window centre in
    voxels and ``sigma = sigma_scale * roi_size``, then clamped below at
    ``max(min, 1e-3)`` so that no voxel gets zero weight (MONAI's
    ``compute_importance_map``, computed in float32 like it).

    Args:
        roi_size: window size per spatial axis.
        mode: ``"constant"`` or ``"gaussian"``. Defaults to "constant".
        sigma_scale: Gaussian width as a fraction of the window, one value or
            one per axis. Defaults to 0.125 (MONAI's default).
        dtype: dtype of the result. Defaults to torch.float32.
        device: device of the result. Defaults to None (CPU).

    Returns:
        Tensor of shape ``roi_size``.

    Raises:
        ValueError: for an unknown mode or a non-positive ``sigma_scale``.

    Example:
        >>> w = importance_map((16, 16), "gaussian")  # sigma = 2 voxels
        >>> round(w.min().item(), 6), round(w.max().item(), 4)  # corner, centre
        (0.001, 0.9394)
    """
    roi_size = tuple(int(r) for r in roi_size)
    if mode not in _BLEND:
        raise ValueError(f"mode: expected one of {_BLEND}, got {mode!r}")
    if mode == "constant":
        weight = torch.ones(roi_size, dtype=torch.float32, device=device)
    else:
        scales = per_axis(sigma_scale, len(roi_size), "sigma_scale")
        if not all(s > 0 for s in scales):
            raise ValueError(
                f"sigma_scale: expected positive values, got {sigma_scale!r}"
            )
        weight = None
        for n, scale in zip(roi_size, scales):
            sigma = n * scale
            x = torch.arange(n, dtype=torch.float32, device=device) - (n - 1) / 2.0
            g = torch.exp(x**2 / (-2 * sigma**2))  # one axis' Gaussian
            weight = g if weight is None else weight.unsqueeze(-1) * g
    floor = max(weight.min().item(), 1e-3)
    return weight.clamp(min=floor).to(dtype)


def window_starts(size: int, roi_size: int, overlap: float) -> list[int]:
    """First voxel of each window along one axis, MONAI's placement.

    Windows step by ``int(roi_size * (1 - overlap))`` (at least 1; a window as
    large as the axis is the only one), until one reaches the end; that last
    one is moved back to end exactly at the edge, so the final step is
    usually shorter.

    Args:
        size: voxels along the axis (``>= roi_size``).
        roi_size: window size.
        overlap: fraction of a window shared with the next, in ``[0, 1)``.

    Returns:
        The start indices, increasing.

    Raises:
        ValueError: if ``roi_size`` is not in ``[1, size]`` or ``overlap`` is
            not in ``[0, 1)``.

    Example:
        >>> window_starts(10, 4, 0.5)
        [0, 2, 4, 6]
        >>> window_starts(11, 4, 0.5)
        [0, 2, 4, 6, 7]
    """
    if not 1 <= roi_size <= size:
        raise ValueError(f"roi_size: expected 1 to {size}, got {roi_size}")
    if not 0 <= overlap < 1:
        raise ValueError(f"overlap: expected a value in [0, 1), got {overlap!r}")
    step = roi_size if roi_size == size else max(int(roi_size * (1 - overlap)), 1)
    starts = []
    for d in range(math.ceil(size / step)):
        starts.append(min(d * step, size - roi_size))
        if d * step + roi_size >= size:
            break
    return starts


def _window(
    x: Tensor, n: int, start: tuple[int, ...], roi: tuple[int, ...], context: int
) -> Tensor:
    """Window ``n`` at ``start``, with ``context`` extra edge-replicated slices."""
    index = (slice(n, n + 1), slice(None))
    index += tuple(slice(s, s + r) for s, r in zip(start[1:], roi[1:]))
    if not context:
        return x[index[:2] + (slice(start[0], start[0] + roi[0]),) + index[2:]]
    z = torch.arange(start[0] - context, start[0] + roi[0] + context, device=x.device)
    z = z.clamp(0, x.shape[2] - 1)  # beyond the volume: repeat its edge slice
    return x[index[:2] + (slice(None),) + index[2:]].index_select(2, z)


def _normaliser(
    r0: int,
    r1: int,
    starts: list[list[int]],
    roi: tuple[int, ...],
    weight: Tensor,
    size: tuple[int, ...],
) -> Tensor:
    """Summed window weights for rows ``[r0, r1)`` of the first spatial axis."""
    total = weight.new_zeros((r1 - r0, *size[1:]))
    for s in starts[0]:
        lo, hi = max(r0, s), min(r1, s + roi[0])
        if lo >= hi:
            continue
        for rest in itertools.product(*starts[1:]):
            cells = tuple(slice(t, t + r) for t, r in zip(rest, roi[1:]))
            total[(slice(lo - r0, hi - r0), *cells)] += weight[lo - s : hi - s]
    return total


def _pad_to(x: Tensor, roi: tuple[int, ...], cval: float) -> tuple[Tensor, list[int]]:
    """Pad axes shorter than the window, half before and half after (MONAI)."""
    size = x.shape[2:]
    before = [max(r - n, 0) // 2 for r, n in zip(roi, size)]
    if any(r > n for r, n in zip(roi, size)):
        pads = [(b, max(r - n, 0) - b) for b, r, n in zip(before, roi, size)]
        x = F.pad(x, [p for pair in reversed(pads) for p in pair], value=cval)
    return x, before


def _predict(
    model: Callable[[Tensor], Tensor],
    x: Tensor,
    batch: list[tuple[int, tuple[int, ...]]],
    roi: tuple[int, ...],
    context: int,
) -> Tensor:
    """The model's output for a batch of windows, checked to be ``(B, K, *roi)``."""
    pred = model(torch.cat([_window(x, n, s, roi, context) for n, s in batch]))
    if (
        not isinstance(pred, Tensor)
        or pred.ndim != len(roi) + 2
        or (pred.shape[0] != len(batch) or tuple(pred.shape[2:]) != roi)
    ):
        got = tuple(pred.shape) if isinstance(pred, Tensor) else type(pred).__name__
        raise ValueError(f"model: expected output ({len(batch)}, K, *{roi}), got {got}")
    return pred.to(x.dtype)


def _check_inputs(
    volume: Tensor,
    roi_size: Sequence[int | None] | int,
    overlap: Sequence[float] | float,
    sw_batch_size: int,
    context: int,
) -> tuple[int, tuple[int | None, ...], tuple[float, ...]]:
    if not isinstance(volume, Tensor) or not volume.is_floating_point():
        got = volume.dtype if isinstance(volume, Tensor) else type(volume).__name__
        raise TypeError(f"volume: expected a floating-point tensor, got {got}")
    dims = len(roi_size) if isinstance(roi_size, Sequence) else volume.ndim - 2
    if dims not in (1, 2, 3) or volume.ndim not in (dims + 1, dims + 2):
        raise ValueError(
            f"volume: a {dims}-axis roi_size needs (N, C, *spatial) or (C, *spatial),"
            f" got shape {tuple(volume.shape)}"
        )
    roi = per_axis(roi_size, dims, "roi_size")
    if not all(
        r is None or (isinstance(r, int) and not isinstance(r, bool)) for r in roi
    ):
        raise ValueError(f"roi_size: expected ints (or None), got {roi_size!r}")
    overlap = tuple(float(o) for o in per_axis(overlap, dims, "overlap"))
    if not all(0 <= o < 1 for o in overlap):
        raise ValueError(f"overlap: expected values in [0, 1), got {overlap}")
    check_positive_int("sw_batch_size", sw_batch_size)
    if isinstance(context, bool) or not isinstance(context, int) or context < 0:
        raise ValueError(f"context: expected an int >= 0, got {context!r}")
    return dims, roi, overlap


def sliding_window_inference(
    model: Callable[[Tensor], Tensor],
    volume: Tensor,
    roi_size: Sequence[int | None] | int,
    overlap: Sequence[float] | float = 0.25,
    mode: str = "constant",
    *,
    sw_batch_size: int = 4,
    sigma_scale: Sequence[float] | float = 0.125,
    context: int = 0,
    cval: float = 0.0,
) -> Tensor:
    """Predict a whole volume with a model that takes windows of ``roi_size``.

    Equal to MONAI 1.6.1 ``sliding_window_inference(volume, roi_size,
    sw_batch_size, model, overlap, mode, sigma_scale)``: same windows (see
    :func:`window_starts`), same weights (:func:`importance_map`), a volume
    smaller than a window padded with ``cval`` (half before, half after) and
    the result cropped back. A 3D model takes ``(B, C, d, h, w)`` windows; a
    2D model runs slice by slice through :class:`~medlearn.volumes.SliceWise`
    with ``roi_size = (d, h, w)``; a 2.5D model also takes ``context = k``:
    each window then comes with ``k`` more slices at each end (the volume's
    edge slices repeated), which ``SliceWise(model, k)`` turns into channels.

    Memory: the output, one batch of windows and their predictions, the
    weights of one window, and the summed weights of the slices between two
    window starts: a voxel's weighted mean is completed (and divided) as soon
    as no later window covers it, so no volume-sized weight map is built.
    Windows go through ``model`` without gradients; call ``model.eval()`` first.

    Args:
        model: maps ``(B, C, *window)`` to ``(B, K, *roi_size)``, where
            ``window`` is ``roi_size`` with ``2 * context`` more slices.
        volume: ``(N, C, *spatial)`` or ``(C, *spatial)`` with 1-3 spatial
            axes (as many as ``roi_size``), floating point.
        roi_size: window size per axis, or one int for all; ``None`` or a
            value ``<= 0`` takes the whole axis.
        overlap: fraction of a window shared with the next, per axis or one
            value, in ``[0, 1)``. Defaults to 0.25.
        mode: ``"constant"`` or ``"gaussian"`` blending. Defaults to "constant".
        sw_batch_size: windows per model call. Defaults to 4.
        sigma_scale: Gaussian width as a fraction of the window. Defaults to
            0.125.
        context: extra slices along the first spatial axis given to the model
            on each side of a window. Defaults to 0.
        cval: padding value for a volume smaller than a window. Defaults to 0.0.

    Returns:
        ``(N, K, *spatial)`` (``(K, *spatial)`` for an unbatched volume) in the
        volume's dtype and on its device.

    Raises:
        TypeError: if ``volume`` is not a floating-point tensor.
        ValueError: for a bad ``roi_size``, ``overlap``, ``mode``,
            ``sw_batch_size`` or ``context``, or a model output whose shape is
            not ``(B, K, *roi_size)``.

    Example:
        >>> net = torch.nn.Conv3d(1, 2, 3, padding=1).eval()
        >>> x = torch.randn(1, 1, 20, 24, 24)
        >>> sliding_window_inference(net, x, (8, 16, 16), 0.5, "gaussian").shape
        torch.Size([1, 2, 20, 24, 24])
    """
    dims, roi, overlap = _check_inputs(
        volume, roi_size, overlap, sw_batch_size, context
    )
    x = volume if volume.ndim == dims + 2 else volume[None]
    size = tuple(x.shape[2:])
    roi = tuple(r if r is not None and r > 0 else n for r, n in zip(roi, size))
    x, before = _pad_to(x, roi, cval)
    full = tuple(x.shape[2:])
    starts = [window_starts(n, r, o) for n, r, o in zip(full, roi, overlap)]
    weight = importance_map(roi, mode, sigma_scale, dtype=x.dtype, device=x.device)
    rest, out = list(itertools.product(*starts[1:])), None
    with torch.no_grad():
        for i, s0 in enumerate(starts[0]):  # one band of windows after another
            jobs = [(n, (s0, *r)) for n in range(x.shape[0]) for r in rest]
            for b in range(0, len(jobs), sw_batch_size):
                batch = jobs[b : b + sw_batch_size]
                pred = _predict(model, x, batch, roi, context) * weight
                if out is None:
                    out = x.new_zeros((x.shape[0], pred.shape[1], *full))
                for (n, s), p in zip(batch, pred):
                    cells = (slice(a, a + r) for a, r in zip(s, roi))
                    out[(n, slice(None), *cells)] += p
            # no later window reaches the rows before the next start: finish them
            stop = starts[0][i + 1] if i + 1 < len(starts[0]) else full[0]
            out[:, :, s0:stop] /= _normaliser(s0, stop, starts, roi, weight, full)
    out = out[(..., *(slice(b, b + n) for b, n in zip(before, size)))]
    return out if volume.ndim == dims + 2 else out[0]
