"""Device checks of medlearn.sampling and medlearn.unet."""

from __future__ import annotations

import torch
from torch import nn

from gpu_checks import ON_DEVICE, Check
from medlearn import sampling, unet

DEVICE_FREE: dict[object, str] = {
    sampling.zone_plate: "draws a CPU test image from a formula (no tensor input)",
    unet.encoder_sizes: "integer arithmetic on sizes",
    unet.decoder_sizes: "integer arithmetic on sizes",
    unet.valid_output_size: "integer arithmetic on sizes",
    unet.nearest_valid_input_size: "integer arithmetic on sizes",
}


def checks(g: torch.Generator) -> list[Check]:
    x = torch.rand(2, 3, 17, 16, generator=g)
    x3 = torch.rand(1, 2, 8, 9, 8, generator=g)
    kernel = sampling.binomial_kernel(4, 2, dtype=torch.float64)
    torch.manual_seed(0)
    pool = sampling.BlurPool(2, kernel_size=5)
    dense = nn.Conv2d(3, 4, 3, padding=1, padding_mode="circular")
    net2 = unet.UNet(2, 1, 3, channels=(4, 8, 16), norm="batch").eval()
    net3 = unet.UNet(
        3, 1, 2, channels=(2, 4), padding="valid", upsample="interp"
    ).eval()
    block = unet.ConvBlock(2, 3, 4, padding="same", norm="instance")
    up = unet.UpBlock(2, 8, 4, padding="same").eval()
    low, skip = (
        torch.rand(2, 8, 6, 6, generator=g),
        torch.rand(2, 4, 14, 14, generator=g),
    )
    exact = {"rtol": 0.0, "atol": 0.0}
    return [
        Check(
            lambda d: sampling.binomial_kernel(5, 3, device=d),
            (ON_DEVICE,),
            covers=(sampling.binomial_kernel,),
        ),
        Check(
            lambda x, k: sampling.depthwise_filter(x, k, 2, "zeros"),
            (x, kernel),
            covers=(sampling.depthwise_filter,),
        ),
        Check(
            lambda x: sampling.blur(x, 5, "replicate"), (x3,), covers=(sampling.blur,)
        ),
        Check(sampling.subsample, (x,), **exact),
        Check(sampling.max_pool, (x3,), **exact),
        Check(sampling.avg_pool, (x,)),
        Check(sampling.blur_pool, (x,)),
        Check(sampling.max_blur_pool, (x3,)),
        Check(
            lambda x: sampling.downsample(x, "maxblur"),
            (x,),
            covers=(sampling.downsample,),
        ),
        Check(lambda m, x: m(x), (pool, x), covers=(sampling.BlurPool,)),
        Check(
            lambda x: sampling.spectrum(x, 2, log=True),
            (x,),
            covers=(sampling.spectrum,),
        ),
        Check(sampling.shift_consistency, (dense, x), **exact),
        Check(
            lambda x: unet.center_crop(x, (9, 8)),
            (x,),
            covers=(unet.center_crop,),
            **exact,
        ),
        Check(
            unet.crop_and_concat, (skip, torch.rand(2, 3, 10, 10, generator=g)), **exact
        ),
        Check(lambda m, x: m(x), (block, x[..., :16, :]), covers=(unet.ConvBlock,)),
        Check(
            lambda m, a, b: m(a, b[..., 1:13, 1:13]),
            (up, low, skip),
            covers=(unet.UpBlock,),
        ),
        Check(
            lambda m, x: m(x),
            (net2, torch.rand(2, 1, 16, 16, generator=g)),
            covers=(unet.UNet,),
            label="2D same",
        ),
        Check(
            lambda m, x: m(x),
            (net3, torch.rand(1, 1, 20, 20, 20, generator=g)),
            covers=(unet.UNet,),
            label="3D valid",
        ),
    ]
