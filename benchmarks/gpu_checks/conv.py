"""Device checks of medlearn.conv and medlearn.receptive_field."""

from __future__ import annotations

import torch
from torch import nn

from gpu_checks import Check
from medlearn import conv
from medlearn import receptive_field as rf

DEVICE_FREE: dict[object, str] = {
    conv.conv_output_size: "integer arithmetic on sizes",
    rf.Layer: "a record of layer sizes (ints)",
    rf.ReceptiveField: "a record of field sizes (ints)",
    rf.GradientMap: "a record around a map; checked through the gradient maps",
    rf.receptive_field: "the recurrence on ints",
    rf.receptive_field_of: "reads layer sizes off a module; no tensor math",
    rf.physical_receptive_field: "ints times millimetres",
}


def _gradient_map(fn: object) -> object:
    def run(net: nn.Module) -> tuple:
        m = fn(net, (1, 1, 20, 20), num_samples=2)
        return m.map, m.center, m.std, m.region

    return run


def checks(g: torch.Generator) -> list[Check]:
    x = torch.randn(2, 4, 14, 14, generator=g)
    w = torch.randn(6, 2, 3, 3, generator=g)
    b = torch.randn(6, generator=g)
    x3, w3 = (
        torch.randn(1, 2, 6, 7, 7, generator=g),
        torch.randn(3, 2, 3, 3, 3, generator=g),
    )
    padded = nn.functional.pad(x, (1, 1, 1, 1))
    torch.manual_seed(0)
    conv2, conv3 = conv.Conv2d(4, 6, 3, padding=1, impl="unfold"), conv.Conv3d(2, 3, 3)
    net = nn.Sequential(
        nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Conv2d(2, 1, 3)
    )
    checks = [
        Check(
            lambda x, w, b, impl=impl: conv.conv2d(x, w, b, 2, 1, 1, 2, impl),
            (x, w, b),
            covers=(conv.conv2d,),
            label=f"impl={impl}",
        )
        for impl in conv.IMPLS
    ]
    return checks + [
        Check(
            lambda x, w: conv.conv3d(x, w, padding="same", impl="unfold"),
            (x3, w3),
            covers=(conv.conv3d,),
        ),
        Check(conv.conv_loops, (padded[:1, :2, :6, :6], w[:, :2])),
        Check(conv.conv_unfold, (padded, w, 1, 1, 2)),
        Check(
            lambda x: conv.im2col(x, 3, 2, 1), (x,), covers=(conv.im2col,), **_exact()
        ),
        Check(
            lambda x: conv.sliding_windows(x, (3, 3), (1, 2), (2, 1)).contiguous(),
            (x,),
            covers=(conv.sliding_windows,),
            **_exact(),
        ),
        Check(
            lambda x: conv.max_pool2d(x, 3, 2, 1),
            (x,),
            covers=(conv.max_pool2d,),
            **_exact(),
        ),
        Check(
            lambda x: conv.max_pool3d(x, 2),
            (x3,),
            covers=(conv.max_pool3d,),
            **_exact(),
        ),
        Check(
            lambda x: conv.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
            (x,),
            covers=(conv.avg_pool2d,),
        ),
        Check(lambda x: conv.avg_pool3d(x, 2), (x3,), covers=(conv.avg_pool3d,)),
        Check(lambda m, x: m(x), (conv2, x), covers=(conv.Conv2d,)),
        Check(lambda m, x: m(x), (conv3, x3), covers=(conv.Conv3d,)),
        Check(
            _gradient_map(rf.empirical_receptive_field),
            (net,),
            covers=(rf.empirical_receptive_field,),
        ),
        Check(
            _gradient_map(rf.effective_receptive_field),
            (net,),
            covers=(rf.effective_receptive_field,),
        ),
    ]


def _exact() -> dict[str, float]:
    return {"rtol": 0.0, "atol": 0.0}
