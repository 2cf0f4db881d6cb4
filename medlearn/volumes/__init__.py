"""2D, 2.5D and 3D; anisotropic voxels; resampling by spacing.

One file per concept, re-exported here:

* ``resample``: :func:`resample` to a new spacing with the same centre
  (``"linear"``, ``"nearest"`` and the label-safe ``"label"``), and
  :func:`resampled_shape` under nnU-Net's, TorchIO's and MONAI's conventions.
* ``slices``: a volume as 2D slices (:func:`to_slices`, :func:`from_slices`),
  2.5D stacks of adjacent slices (:func:`stack_adjacent`), and
  :class:`SliceWise` to run a 2D or 2.5D model on volumes.
* ``sliding``: :func:`sliding_window_inference`, equal to MONAI's, with the
  blending weights (:func:`importance_map`) and window placement
  (:func:`window_starts`).
* ``kernels``: :func:`anisotropy` and :func:`plan_kernels`, nnU-Net's choice
  of per-axis kernel sizes and pooling for a spacing.

Spatial axes are ``(z, y, x)`` and spacings are in mm in the same order.
Chapter 02 computes the physical receptive field of a kernel on anisotropic
voxels (:func:`medlearn.receptive_field.physical_receptive_field`). See
chapter 05 (volumes).
"""

from __future__ import annotations

from medlearn.volumes.kernels import ConvPlan, anisotropy, plan_kernels
from medlearn.volumes.resample import CONVENTIONS, resample, resampled_shape
from medlearn.volumes.slices import (
    SliceWise,
    from_slices,
    slicewise,
    stack_adjacent,
    to_slices,
    unstack_adjacent,
)
from medlearn.volumes.sliding import (
    importance_map,
    sliding_window_inference,
    window_starts,
)

__all__ = [
    "CONVENTIONS",
    "resampled_shape",
    "resample",
    "to_slices",
    "from_slices",
    "stack_adjacent",
    "unstack_adjacent",
    "slicewise",
    "SliceWise",
    "importance_map",
    "window_starts",
    "sliding_window_inference",
    "anisotropy",
    "ConvPlan",
    "plan_kernels",
]
