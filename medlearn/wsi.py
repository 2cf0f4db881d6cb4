"""Whole-slide images: stream tiles of a huge 2D array, run a model, stitch.

A scanned pathology slide can hold 100,000 x 100,000 pixels, far more than a
model (or memory) takes at once. ``apply_tiled`` reads overlapping tiles from
an array that may be a ``numpy.memmap`` on disk, runs a function (a model) on
batches of tiles, and writes the stitched result into an output array that
may be memory-mapped too, so only a few tiles are ever in memory.

Stitching blends the overlaps with per-tile weights that sum to one at every
pixel: ``"center"`` keeps, for each pixel, the tile whose centre is nearest
(a step at the middle of each overlap); ``"linear"`` ramps linearly across the
middle of each overlap and ignores the outer quarter. For an operation that is translation-equivariant
with a receptive-field radius ``r`` (a convolution), the stitched result equals
the whole-image result exactly when ``r <= overlap // 2`` ("center") or
``r <= overlap // 4`` ("linear"). Slides are channel-last, ``(H, W)`` or
``(H, W, C)``, like the arrays slide readers return.

A slide-level label (is there tumour anywhere?) is learned from tiles by
multiple-instance learning: ``AttentionMIL`` pools a bag of tile features into
one slide feature with learned attention weights. See chapter 04b (swin).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

__all__ = [
    "tile_starts",
    "tile_weights",
    "iter_tiles",
    "apply_tiled",
    "enlarge_to_memmap",
    "AttentionMIL",
]

BLENDS = ("center", "linear")


def tile_starts(length: int, tile_size: int, overlap: int) -> list[int]:
    """Start offsets of tiles covering ``[0, length)`` with at least ``overlap``.

    Tiles step by ``tile_size - overlap``; the last one is moved back to end
    exactly at ``length`` (its overlap with the previous tile is then larger).

    Args:
        length: axis length.
        tile_size: tile length along the axis.
        overlap: minimum overlap of neighbouring tiles, ``< tile_size``.

    Returns:
        Increasing start offsets; a single 0 if the axis fits in one tile.

    Raises:
        ValueError: if ``overlap`` is negative or not smaller than ``tile_size``.

    Example:
        >>> tile_starts(1000, 256, 32)
        [0, 224, 448, 672, 744]
    """
    if tile_size < 1 or not 0 <= overlap < tile_size:
        raise ValueError(
            f"need tile_size >= 1 and 0 <= overlap < tile_size, "
            f"got tile_size={tile_size}, overlap={overlap}"
        )
    if length <= tile_size:
        return [0]
    starts = list(range(0, length - tile_size, tile_size - overlap))
    return [*starts, length - tile_size]


def _raw_weights(
    starts: list[int], i: int, size: int, length: int, overlap: int, blend: str
) -> np.ndarray:
    """Unnormalised weights of tile ``i`` over its own pixels."""
    s = starts[i]
    p = s + np.arange(size) + 0.5  # pixel centres
    if blend == "center":  # keep pixels nearer to this tile's centre
        dist = np.abs(p - (s + size / 2))
        keep = np.ones(size, bool)
        if i > 0:
            keep &= dist < np.abs(p - (starts[i - 1] + size / 2))
        if i < len(starts) - 1:
            keep &= dist <= np.abs(p - (starts[i + 1] + size / 2))
        return keep.astype(float)
    # linear: 0 within overlap // 4 of an inner edge, then a ramp; slide edges
    # are not inner edges, nothing there to blend with
    left = p - s if s > 0 else np.inf
    right = s + size - p if s + size < length else np.inf
    margin = overlap // 4
    ramp = max(overlap - 2 * margin, 1)
    return np.clip((np.minimum(left, right) - margin) / ramp, 0.0, 1.0)


def tile_weights(
    starts: list[int], tile_size: int, length: int, overlap: int, blend: str = "center"
) -> list[np.ndarray]:
    """One-axis blending weights of each tile; they sum to one at every pixel.

    Args:
        starts: tile starts along the axis (from ``tile_starts``).
        tile_size: tile length.
        length: axis length.
        overlap: the overlap given to ``tile_starts``.
        blend: ``"center"`` (each pixel from the tile whose centre is
            nearest) or ``"linear"`` (zero within ``overlap // 4`` of an inner
            tile edge, then a linear ramp; normalised). Defaults to "center".

    Returns:
        One float64 array of ``min(tile_size, length)`` weights per tile.

    Raises:
        ValueError: if ``blend`` is unknown.

    Example:
        >>> [w.tolist() for w in tile_weights([0, 2], 4, 6, overlap=2)]
        [[1.0, 1.0, 1.0, 0.0], [0.0, 1.0, 1.0, 1.0]]
    """
    if blend not in BLENDS:
        raise ValueError(f"blend must be one of {BLENDS}, got {blend!r}")
    size = min(tile_size, length)
    raw = [
        _raw_weights(starts, i, size, length, overlap, blend)
        for i in range(len(starts))
    ]
    total = np.zeros(length)  # one axis only: cheap even for a huge slide
    for s, r in zip(starts, raw, strict=True):
        total[s : s + size] += r
    return [r / total[s : s + size] for s, r in zip(starts, raw, strict=True)]


def iter_tiles(
    slide: np.ndarray, tile_size: int = 512, overlap: int = 64
) -> Iterator[tuple[int, int, np.ndarray]]:
    """Yield ``(y, x, tile)`` over a slide, reading one tile at a time.

    Args:
        slide: ``(H, W)`` or ``(H, W, C)`` array, e.g. a ``numpy.memmap``.
        tile_size: tile side in pixels. Defaults to 512.
        overlap: minimum overlap of neighbouring tiles. Defaults to 64.

    Yields:
        Top-left corner and the tile ``(h, w[, C])`` as an in-memory array.

    Example:
        >>> len(list(iter_tiles(np.zeros((100, 100)), 64, 16)))
        4
    """
    H, W = slide.shape[:2]
    for y, x in itertools.product(
        tile_starts(H, tile_size, overlap), tile_starts(W, tile_size, overlap)
    ):
        yield y, x, np.asarray(slide[y : y + tile_size, x : x + tile_size])


def _run(
    fn: Callable[[Tensor], Tensor],
    tiles: list[np.ndarray],
    device: torch.device | str | None,
    dtype: torch.dtype,
) -> np.ndarray:
    batch = torch.from_numpy(np.stack(tiles)).to(device=device, dtype=dtype)
    if batch.ndim == 3:
        batch = batch.unsqueeze(-1)  # (N, h, w, 1)
    with torch.no_grad():
        out = fn(batch.permute(0, 3, 1, 2))  # (N, C, h, w) -> (N, K, h, w)
    if out.shape[0] != batch.shape[0] or out.shape[2:] != batch.shape[1:3]:
        raise ValueError(
            f"fn must map (N, C, h, w) to (N, K, h, w), got {tuple(batch.shape)} "
            f"-> {tuple(out.shape)}"
        )
    return out.permute(0, 2, 3, 1).float().cpu().numpy()  # (N, h, w, K)


def apply_tiled(
    slide: np.ndarray,
    fn: Callable[[Tensor], Tensor],
    tile_size: int = 512,
    overlap: int = 64,
    blend: str = "center",
    batch_size: int = 4,
    out: np.ndarray | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> np.ndarray:
    """Run ``fn`` over overlapping tiles of a slide and stitch the outputs.

    Args:
        slide: ``(H, W)`` or ``(H, W, C)`` array, e.g. a ``numpy.memmap``.
        fn: maps a batch ``(N, C, h, w)`` tensor to a dense ``(N, K, h, w)``
            prediction (a model's forward); called under ``torch.no_grad``.
        tile_size: tile side in pixels. Defaults to 512.
        overlap: minimum overlap of neighbouring tiles. Defaults to 64.
        blend: ``"center"`` or ``"linear"`` (see the module doc). Defaults to
            "center".
        batch_size: tiles per call of ``fn``. Defaults to 4.
        out: array ``(H, W, K)`` to accumulate into, e.g. a ``numpy.memmap``;
            it is zeroed first. Defaults to None (a new float32 array).
        device: where ``fn`` runs. Defaults to None (the CPU).
        dtype: tensor dtype given to ``fn``. Defaults to torch.float32.

    Returns:
        The stitched output ``(H, W, K)`` (``out`` if given).

    Raises:
        ValueError: for a bad slide, blend, tile geometry or ``out`` shape.

    Example:
        >>> apply_tiled(np.ones((300, 200), np.float32), lambda t: 2 * t, 128, 32).shape
        (300, 200, 1)
    """
    if not hasattr(slide, "shape") or len(slide.shape) not in (2, 3):
        raise ValueError(
            f"slide must be (H, W) or (H, W, C), got {getattr(slide, 'shape', slide)}"
        )
    H, W = slide.shape[:2]
    ys, xs = tile_starts(H, tile_size, overlap), tile_starts(W, tile_size, overlap)
    wy = dict(zip(ys, tile_weights(ys, tile_size, H, overlap, blend), strict=True))
    wx = dict(zip(xs, tile_weights(xs, tile_size, W, overlap, blend), strict=True))
    corners = list(itertools.product(ys, xs))
    for i in range(0, len(corners), batch_size):
        chunk = corners[i : i + batch_size]
        tiles = [
            np.asarray(slide[y : y + tile_size, x : x + tile_size]) for y, x in chunk
        ]
        preds = _run(fn, tiles, device, dtype)  # (N, h, w, K)
        if out is None:
            out = np.zeros((H, W, preds.shape[-1]), np.float32)
        if i == 0:
            if out.shape != (H, W, preds.shape[-1]):
                raise ValueError(
                    f"out must be {(H, W, preds.shape[-1])}, got {out.shape}"
                )
            out[...] = 0
        for (y, x), pred in zip(chunk, preds, strict=True):
            weight = (wy[y][:, None, None] * wx[x][None, :, None]).astype(np.float32)
            region = (slice(y, y + pred.shape[0]), slice(x, x + pred.shape[1]))
            out[region] += (weight * pred).astype(out.dtype)
    return out


def enlarge_to_memmap(
    image: np.ndarray, path: str | Path, factor: int = 8, mode: str = "mirror"
) -> np.memmap:
    """Write a "gigapixel-like" slide from a small image into a memory map.

    The big array is written a band of rows at a time, so it never sits in
    memory whole.

    Args:
        image: ``(h, w)`` or ``(h, w, C)`` array.
        path: file to create (overwritten).
        factor: the slide is ``factor`` times larger along each axis.
            Defaults to 8.
        mode: ``"mirror"`` tiles the image with alternating flips, keeping the
            native resolution and making the seams continuous; ``"nearest"``
            upsamples each pixel to a ``factor x factor`` block.
            Defaults to "mirror".

    Returns:
        A read-only ``numpy.memmap`` ``(h * factor, w * factor[, C])``.

    Raises:
        ValueError: for a bad image, factor or mode.

    Example:
        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "slide.dat")
        >>> enlarge_to_memmap(np.zeros((4, 5, 3), np.uint8), p, factor=3).shape
        (12, 15, 3)
    """
    image = np.asarray(image)
    if image.ndim not in (2, 3) or factor < 1 or mode not in ("mirror", "nearest"):
        raise ValueError(
            f"need an (h, w[, C]) image, factor >= 1 and mode 'mirror' or "
            f"'nearest', got shape {image.shape}, factor {factor}, mode {mode!r}"
        )
    h, w = image.shape[:2]
    shape = (h * factor, w * factor, *image.shape[2:])
    big = np.memmap(path, dtype=image.dtype, mode="w+", shape=shape)
    if mode == "nearest":
        band = np.repeat(image, factor, axis=1)  # (h, w * factor[, C])
        for row in range(h):
            big[row * factor : (row + 1) * factor] = band[row]
    else:
        flipped = image[:, ::-1]
        band = np.concatenate(
            [image if j % 2 == 0 else flipped for j in range(factor)], 1
        )
        for i in range(factor):
            big[i * h : (i + 1) * h] = band if i % 2 == 0 else band[::-1]
    big.flush()
    return np.memmap(path, dtype=image.dtype, mode="r", shape=shape)


class AttentionMIL(nn.Module):
    """Attention-based multiple-instance pooling: a bag of tile features -> logits.

    Ilse et al. (2018): per instance ``h_k``, a score ``w^T tanh(V h_k)``; the
    weights ``a = softmax_k(score)`` pool the bag, ``z = sum_k a_k h_k``, and a
    linear layer gives the logits. With the same weights it equals MONAI's
    ``MILModel(mil_mode="att").calc_head`` (whose hidden width is 2048).
    ``pooling="mean"`` or ``"max"`` replaces the attention by a plain mean or
    maximum over the instances (the usual controls).

    Args:
        in_features: features per instance ``F``.
        num_classes: logits per bag. Defaults to 2.
        hidden: width of the attention network ``V``. Defaults to 128.
        pooling: "attention", "mean" or "max". Defaults to "attention".

    Raises:
        ValueError: for an unknown ``pooling``, or (in ``forward``) input that is
            not ``(N, K, F)`` with ``K >= 1``.

    Example:
        >>> mil = AttentionMIL(6, num_classes=2, hidden=8)
        >>> mil(torch.randn(3, 16, 6)).shape, mil.weights(torch.randn(3, 16, 6)).shape
        (torch.Size([3, 2]), torch.Size([3, 16]))

    See chapter 04b (swin).
    """

    def __init__(
        self,
        in_features: int,
        num_classes: int = 2,
        hidden: int = 128,
        pooling: str = "attention",
    ) -> None:
        super().__init__()
        if pooling not in ("attention", "mean", "max"):
            raise ValueError(f"pooling must be attention, mean or max, got {pooling!r}")
        self.in_features, self.pooling = in_features, pooling
        self.attention = nn.Sequential(
            nn.Linear(in_features, hidden), nn.Tanh(), nn.Linear(hidden, 1)
        )
        self.classifier = nn.Linear(in_features, num_classes)

    def _check(self, x: Tensor) -> None:
        if x.ndim != 3 or x.shape[1] < 1 or x.shape[2] != self.in_features:
            raise ValueError(
                f"x must be (N, K, {self.in_features}) bags of instances, "
                f"got {tuple(x.shape)}"
            )

    def weights(self, x: Tensor) -> Tensor:
        """Attention weights ``(N, K)`` of the instances, summing to 1 per bag."""
        self._check(x)
        return self.attention(x)[..., 0].softmax(dim=1)  # (N, K)

    def forward(self, x: Tensor) -> Tensor:
        """Logits ``(N, num_classes)`` for bags ``(N, K, F)``."""
        self._check(x)
        if self.pooling == "mean":
            z = x.mean(dim=1)
        elif self.pooling == "max":
            z = x.amax(dim=1)
        else:
            z = (self.weights(x)[..., None] * x).sum(dim=1)  # (N, F)
        return self.classifier(z)
