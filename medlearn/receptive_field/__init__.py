"""Receptive fields: which input pixels one output unit can see.

Three ways to the same answer, from the most to the least abstract, one file
each, re-exported here (``from medlearn import receptive_field as rf``):

* ``analytic``: :func:`receptive_field` runs the recurrence over a list of
  :class:`Layer` (kernel, stride, padding, dilation) per axis, and
  :func:`physical_receptive_field` turns voxels into millimetres.
* ``networks``: :func:`receptive_field_of` reads those layers off an
  ``nn.Module``.
* ``gradients``: :func:`empirical_receptive_field` backpropagates from one
  output unit and keeps the input pixels with a non-zero gradient;
  :func:`effective_receptive_field` keeps the gradient's magnitude (Luo et
  al., 2016), a roughly Gaussian map much smaller than the theoretical field.

Axes are in ``(z, y, x)`` order, like the ``(N, C, D, H, W)`` tensors. See
chapter 02 (convolution).
"""

from __future__ import annotations

from medlearn.receptive_field.analytic import (
    Layer,
    ReceptiveField,
    physical_receptive_field,
    receptive_field,
)
from medlearn.receptive_field.gradients import (
    GradientMap,
    effective_receptive_field,
    empirical_receptive_field,
)
from medlearn.receptive_field.networks import POINTWISE, receptive_field_of

__all__ = [
    "Layer",
    "ReceptiveField",
    "GradientMap",
    "POINTWISE",
    "receptive_field",
    "receptive_field_of",
    "empirical_receptive_field",
    "effective_receptive_field",
    "physical_receptive_field",
]
