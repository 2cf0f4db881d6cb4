"""Image enhancement: denoising, slice-axis super-resolution, and how to score them.

A network can make an image look better without making it more true: a
denoiser can smooth a small lesion away, a super-resolution network can draw
detail that was never measured. This module keeps each method beside its
classical baseline, and the two standard scores, one module per concept:

* :mod:`~medlearn.enhance.filters`: noise models and a Gaussian filter (the
  baseline denoiser);
* :mod:`~medlearn.enhance.denoise`: :class:`DnCNN`, a residual CNN that
  predicts the noise (Zhang et al., 2017);
* :mod:`~medlearn.enhance.superres`: thick slices, trilinear upsampling (the
  baseline) and :class:`SliceSuperResolution` along the slice axis ``z``;
* :mod:`~medlearn.enhance.quality`: :func:`psnr` and :func:`ssim`, equal to
  scikit-image 0.26's ``peak_signal_noise_ratio`` and ``structural_similarity``.

Images are channel-first: ``(N, C, H, W)`` and ``(N, C, D, H, W)``, axes
``(z, y, x)``. The scores take ``(..., H, W)`` and score each 2D image.

See chapter 10 (applications).
"""

from __future__ import annotations

from medlearn.enhance.denoise import DnCNN
from medlearn.enhance.filters import (
    add_gaussian_noise,
    add_poisson_noise,
    gaussian_filter,
)
from medlearn.enhance.quality import (
    psnr,
    ssim,
)
from medlearn.enhance.superres import (
    SliceSuperResolution,
    thick_slices,
    trilinear_upsample,
)

__all__ = [
    "add_gaussian_noise",
    "add_poisson_noise",
    "gaussian_filter",
    "DnCNN",
    "thick_slices",
    "trilinear_upsample",
    "SliceSuperResolution",
    "psnr",
    "ssim",
]
