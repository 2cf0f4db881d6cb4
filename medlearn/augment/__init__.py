"""Intensity and geometric augmentation, applied to image and mask alike (chapter 06).

Every random transform is two things, as in TorchIO: a ``Random...`` object
that *samples* parameters from an explicit ``torch.Generator``
(``sample(spatial_shape, ..., generator, batch_size=None)``, a printable,
saveable record) and a *deterministic* function that applies given parameters
(``apply(params, image, mask=None) -> (image, mask)``). The same seed gives the
same record and the same output; a record can be logged, saved
(``to_dict``/``from_dict``) and replayed, and a geometric one inverted.

One module per concept, read in this order:

* :mod:`~medlearn.augment.bias`: the MRI bias field, equal to TorchIO's;
* :mod:`~medlearn.augment.intensity`: gamma, contrast and brightness;
* :mod:`~medlearn.augment.noise`: Gaussian and Rician noise;
* :mod:`~medlearn.augment.bspline`: the elastic displacement field, a cubic
  B-spline of control points (ITK's grid);
* :mod:`~medlearn.augment.geometry`: affine matrices in mm, one sampling grid
  for the affine and the elastic part, folding (Jacobian);
* :mod:`~medlearn.augment.warp`: image linear, mask nearest or label-safe,
  with the same grid, a batch in one ``grid_sample`` call;
* :mod:`~medlearn.augment.spatial`: :class:`RandomAffineElastic`.

Images are ``(C, *spatial)`` or batches ``(N, C, *spatial)``, 2D or 3D,
spatial axes ``(z, y, x)``, spacing in mm in the same order; label maps
``(*spatial)`` or ``(N, *spatial)``, integer or bool.

See chapter 06 (augmentation).
"""

from __future__ import annotations

from medlearn.augment._common import Params
from medlearn.augment.bias import (
    BiasFieldParams,
    RandomBiasField,
    apply_bias_field,
    bias_field,
    bias_terms,
)
from medlearn.augment.bspline import (
    bspline_kernel,
    bspline_weights,
    control_point_positions,
    elastic_field,
)
from medlearn.augment.geometry import (
    AffineElasticParams,
    affine_matrix,
    min_jacobian_determinant,
    sampling_grid,
)
from medlearn.augment.intensity import (
    ContrastBrightnessParams,
    GammaParams,
    RandomContrastBrightness,
    RandomGamma,
    adjust_contrast_brightness,
    adjust_gamma,
)
from medlearn.augment.noise import (
    NoiseParams,
    RandomGaussianNoise,
    RandomRicianNoise,
    add_gaussian_noise,
    add_rician_noise,
)
from medlearn.augment.spatial import RandomAffineElastic
from medlearn.augment.warp import (
    IMAGE_PADDINGS,
    LABEL_INTERPOLATIONS,
    affine_elastic,
    invert,
    warp_image,
    warp_labels,
)

__all__ = [
    "Params",
    "bias_terms",
    "bias_field",
    "apply_bias_field",
    "BiasFieldParams",
    "RandomBiasField",
    "adjust_gamma",
    "add_gaussian_noise",
    "add_rician_noise",
    "adjust_contrast_brightness",
    "GammaParams",
    "NoiseParams",
    "ContrastBrightnessParams",
    "RandomGamma",
    "RandomGaussianNoise",
    "RandomRicianNoise",
    "RandomContrastBrightness",
    "AffineElasticParams",
    "affine_matrix",
    "bspline_kernel",
    "bspline_weights",
    "control_point_positions",
    "elastic_field",
    "sampling_grid",
    "min_jacobian_determinant",
    "LABEL_INTERPOLATIONS",
    "IMAGE_PADDINGS",
    "invert",
    "warp_image",
    "warp_labels",
    "affine_elastic",
    "RandomAffineElastic",
]
