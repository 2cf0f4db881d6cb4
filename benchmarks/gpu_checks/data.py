"""Device checks of medlearn.data: synthetic data are drawn on the CPU."""

from __future__ import annotations

import torch

from gpu_checks import Check
from medlearn import data

_CPU = "synthetic data are generated on the CPU, then moved with .to(device)"
_FILES = "loads a sample that an installed package ships (CPU)"

DEVICE_FREE: dict[object, str] = {
    **{
        fn: _CPU
        for fn in (
            data.physical_grid,
            data.normalised_grid,
            data.LabelMap,
            data.Anatomy,
            data.boxes_from_masks,
            data.sample_anatomy,
            data.Cohort,
            data.sample_cohort,
            data.Site,
            data.Acquisition,
            data.resolve_site,
            data.bias_field,
            data.sample_acquisition,
            data.render,
            data.Phantom,
            data.phantom_2d,
            data.phantom_3d,
            data.PhantomDataset,
            data.make_dataset,
            data.batch,
            data.thick_slices,
            data.tubes_and_spheres,
        )
    },
    **{
        fn: _FILES
        for fn in (
            data.load_retina,
            data.load_microaneurysms,
            data.load_ihc,
            data.load_shepp_logan,
            data.load_mri_slice,
        )
    },
}


def checks(g: torch.Generator) -> list[Check]:
    volume = torch.rand(6, 12, 10, generator=g)
    return [Check(data.gaussian_blur, (volume, 1.2))]
