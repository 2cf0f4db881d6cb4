"""Data, all offline: synthetic phantoms with exact ground truth, and real samples.

One file per idea, re-exported here (``from medlearn.data import phantom_2d``):

* ``grid``: the physical grid in millimetres and its Gaussian blur.
* ``anatomy``: the body before any scanner: organ, surroundings, lesions
  (compact blobs or thin vessels), patient covariates and exact ground truth
  (:func:`sample_anatomy`); boxes list the last spatial axis first in 2D and
  3D alike (:func:`boxes_from_masks`).
* ``acquisition``: a scanner site's physics (intensity curve, blur, bias
  field, noise) as drawn parameters (:func:`sample_acquisition`) and a
  deterministic :func:`render`, so one anatomy can be imaged at several sites.
* ``phantoms``: both in one call (:func:`phantom_2d`, :func:`phantom_3d`) and
  data sets of them.
* ``cohort``: a multi-site study of 3D scans with follow-ups
  (:func:`sample_cohort`, chapter 11).
* ``thick``: a thick-slice acquisition with its partial-volume effect
  (:func:`thick_slices`), and tubes and spheres that only neighbouring slices
  tell apart (:func:`tubes_and_spheres`, chapter 05).
* ``samples``: images that scikit-image and matplotlib ship.

Travelling subjects, the same body at every site::

    g = torch.Generator().manual_seed(0)
    anatomy = sample_anatomy((64, 64), (1.0, 1.0), g)
    images = {s: render(anatomy, sample_acquisition(s, g, anatomy.shape))
              for s in SITES}

See chapter 01 (tasks) for the three tasks on these data.
"""

from __future__ import annotations

from medlearn.data.acquisition import (
    SITES,
    Acquisition,
    Site,
    bias_field,
    render,
    resolve_site,
    sample_acquisition,
)
from medlearn.data.anatomy import (
    LESION_KINDS,
    Anatomy,
    LabelMap,
    boxes_from_masks,
    sample_anatomy,
)
from medlearn.data.cohort import Cohort, sample_cohort
from medlearn.data.grid import gaussian_blur, normalised_grid, physical_grid
from medlearn.data.phantoms import (
    Phantom,
    PhantomDataset,
    batch,
    make_dataset,
    phantom_2d,
    phantom_3d,
)
from medlearn.data.samples import (
    load_ihc,
    load_microaneurysms,
    load_mri_slice,
    load_retina,
    load_shepp_logan,
)
from medlearn.data.thick import thick_slices, tubes_and_spheres

__all__ = [
    "physical_grid",
    "normalised_grid",
    "gaussian_blur",
    "LESION_KINDS",
    "LabelMap",
    "Anatomy",
    "boxes_from_masks",
    "sample_anatomy",
    "Site",
    "SITES",
    "Acquisition",
    "resolve_site",
    "bias_field",
    "sample_acquisition",
    "render",
    "Cohort",
    "sample_cohort",
    "Phantom",
    "phantom_2d",
    "phantom_3d",
    "PhantomDataset",
    "make_dataset",
    "batch",
    "thick_slices",
    "tubes_and_spheres",
    "load_retina",
    "load_microaneurysms",
    "load_ihc",
    "load_shepp_logan",
    "load_mri_slice",
]
