"""Downsampling, aliasing and anti-aliased pooling.

Halving the sampling rate halves the highest frequency an image can hold (the
Nyquist limit). Plain striding folds everything above the new limit back onto
lower frequencies (aliasing); a low-pass filter before subsampling removes it
first (BlurPool, Zhang 2019). One file per idea, re-exported here
(``from medlearn import sampling; sampling.blur_pool(...)``):

* ``filters``: the binomial low-pass kernel and :func:`depthwise_filter`, the
  per-channel convolution that applies it (:func:`blur`).
* ``downsampling``: striding, max and average pooling, :func:`blur_pool`,
  :func:`max_blur_pool`, :func:`downsample` by name and the ``BlurPool`` layer.
* ``diagnostics``: a centred log spectrum to see what each path keeps, a
  zone-plate test image, and a measure of how much a prediction changes when
  its input moves by one pixel.

Inputs are channel-first with 1, 2 or 3 spatial axes: ``(N, C, L)``,
``(N, C, H, W)`` or ``(N, C, D, H, W)``. See chapter 03 (unet).
"""

from __future__ import annotations

from medlearn.sampling.diagnostics import shift_consistency, spectrum, zone_plate
from medlearn.sampling.downsampling import (
    METHODS,
    BlurPool,
    avg_pool,
    blur_pool,
    downsample,
    max_blur_pool,
    max_pool,
    subsample,
)
from medlearn.sampling.filters import (
    PADDING_MODES,
    binomial_kernel,
    blur,
    depthwise_filter,
)

__all__ = [
    "PADDING_MODES",
    "binomial_kernel",
    "depthwise_filter",
    "blur",
    "METHODS",
    "subsample",
    "max_pool",
    "avg_pool",
    "blur_pool",
    "max_blur_pool",
    "downsample",
    "BlurPool",
    "spectrum",
    "zone_plate",
    "shift_consistency",
]
