"""Device checks of medlearn.volumes."""

from __future__ import annotations

import torch
from torch import nn

from gpu_checks import ON_DEVICE, Check
from medlearn import volumes

DEVICE_FREE: dict[object, str] = {
    volumes.anisotropy: "arithmetic on a spacing",
    volumes.ConvPlan: "a record of kernel and pool sizes (ints)",
    volumes.plan_kernels: "plans sizes from a spacing (ints)",
    volumes.resampled_shape: "arithmetic on sizes",
    volumes.window_starts: "integer arithmetic on sizes",
}


def checks(g: torch.Generator) -> list[Check]:
    image = torch.rand(1, 1, 6, 20, 18, generator=g)  # (N, C, D, H, W)
    labels = torch.randint(3, (1, 6, 20, 18), generator=g)  # (C, D, H, W)
    torch.manual_seed(0)
    net2d = nn.Conv2d(3, 2, 3, padding=1).eval()  # a 2.5D model, context 1
    net3d = nn.Conv3d(1, 2, 3, padding=1).eval()
    exact = {"rtol": 0.0, "atol": 0.0}
    return [
        Check(
            lambda x: volumes.resample(x, (5.0, 0.8, 0.8), (2.5, 1.0, 1.0)),
            (image,),
            covers=(volumes.resample,),
            label="linear",
        ),
        Check(
            lambda x: volumes.resample(x, (5.0, 0.8, 0.8), 1.0, mode="label"),
            (labels,),
            covers=(volumes.resample,),
            label="label",
            **exact,
        ),
        Check(volumes.to_slices, (image,), **exact),
        Check(
            lambda s: volumes.from_slices(s, 6),
            (image[:, :, 0].expand(6, 1, 20, 18),),
            covers=(volumes.from_slices,),
            **exact,
        ),
        Check(
            lambda v: volumes.stack_adjacent(v, 1),
            (image[0],),
            covers=(volumes.stack_adjacent,),
            **exact,
        ),
        Check(
            lambda v: volumes.unstack_adjacent(volumes.stack_adjacent(v, 2), 2),
            (image[0],),
            covers=(volumes.unstack_adjacent,),
            **exact,
        ),
        Check(
            lambda m, v: volumes.slicewise(m, v, 1),
            (net2d, image.expand(1, 1, 6, 20, 18)),
            covers=(volumes.slicewise,),
        ),
        Check(
            lambda m, v: volumes.SliceWise(m, 1)(v),
            (net2d, image),
            covers=(volumes.SliceWise,),
        ),
        Check(
            lambda d: volumes.importance_map((8, 12), "gaussian", device=d),
            (ON_DEVICE,),
            covers=(volumes.importance_map,),
        ),
        Check(
            lambda m, v: volumes.sliding_window_inference(
                m, v, (4, 12, 12), 0.5, "gaussian"
            ),
            (net3d, image),
            covers=(volumes.sliding_window_inference,),
        ),
    ]
