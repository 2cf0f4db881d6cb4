"""Device checks of medlearn.physics, medlearn.enhance and medlearn.fusion."""

from __future__ import annotations

import torch

from gpu_checks import ON_DEVICE, Check
from medlearn import enhance, fusion, physics

DEVICE_FREE: dict[object, str] = {}


def _on(device: torch.device) -> torch.Generator:
    return torch.Generator(device).manual_seed(0)  # the device's own stream


def checks(g: torch.Generator) -> list[Check]:
    k = torch.randn(4, 1, 32, 32, dtype=torch.complex64, generator=g)
    k3 = torch.randn(1, 8, 16, 16, dtype=torch.complex64, generator=g)
    mask = physics.undersampling_mask(
        32, 4, 0.08, "random", torch.Generator().manual_seed(0)
    )
    image = physics.ifft2c(k)
    torch.manual_seed(0)
    unrolled = physics.UnrolledReconstruction(
        num_iterations=2, channels=8, num_layers=3
    ).eval()
    a, b = torch.rand(2, 4, 1, 24, 24, generator=g)
    volume = torch.rand(1, 1, 4, 12, 12, generator=g)
    dncnn = enhance.DnCNN(channels=8, num_layers=3).eval()
    sr = enhance.SliceSuperResolution(2, channels=4, num_layers=2).eval()
    tab = torch.randn(4, 5, generator=g)
    models = {
        fusion.ImageEncoder: (fusion.ImageEncoder(1, 8), (a,)),
        fusion.TabularEncoder: (fusion.TabularEncoder(5, 8), (tab,)),
        fusion.EarlyFusion: (fusion.EarlyFusion(1, 5), (a, tab)),
        fusion.IntermediateFusion: (fusion.IntermediateFusion(1, 5), (a, tab)),
        fusion.LateFusion: (fusion.LateFusion(1, 5), (a, tab)),
    }
    probs = [torch.softmax(torch.randn(4, 3, generator=g), 1) for _ in range(2)]
    missing = torch.tensor(
        [[False, True], [False, False], [True, False], [False, False]]
    )
    random_shape = {"values": False, "label": "(the device's own stream)"}
    return [
        Check(physics.fft2c, (k,)),
        Check(physics.ifft2c, (k,)),
        Check(physics.fft3c, (k3,)),
        Check(physics.ifft3c, (k3,)),
        Check(
            lambda d: physics.centred_dft_matrix(8, device=d),
            (ON_DEVICE,),
            covers=(physics.centred_dft_matrix,),
        ),
        Check(
            lambda d: physics.undersampling_mask(
                32, 4, 0.08, "equispaced", _on(d), offset=1
            ),
            (ON_DEVICE,),
            covers=(physics.undersampling_mask,),
            rtol=0.0,
            atol=0.0,
        ),
        Check(physics.apply_mask, (k, mask)),
        Check(physics.undersample, (image, mask)),
        Check(physics.zero_filled, (k, mask)),
        Check(physics.data_consistency, (image * 0.5, k, mask)),
        Check(physics.complex_to_channels, (image,), rtol=0.0, atol=0.0),
        Check(
            physics.channels_to_complex,
            (physics.complex_to_channels(image),),
            rtol=0.0,
            atol=0.0,
        ),
        Check(
            lambda m, y, mk: m(y, mk),
            (unrolled, k[:2], mask),
            covers=(physics.UnrolledReconstruction,),
            rtol=1e-3,
        ),
        Check(
            lambda x, d: enhance.add_gaussian_noise(x, 0.1, _on(d)),
            (a, ON_DEVICE),
            covers=(enhance.add_gaussian_noise,),
            **random_shape,
        ),
        Check(
            lambda x, d: enhance.add_poisson_noise(x, 50.0, _on(d)),
            (a, ON_DEVICE),
            covers=(enhance.add_poisson_noise,),
            **random_shape,
        ),
        Check(
            lambda x: enhance.gaussian_filter(x, 1.5),
            (a,),
            covers=(enhance.gaussian_filter,),
        ),
        Check(lambda x, r: enhance.psnr(x, r, 1.0), (a, b), covers=(enhance.psnr,)),
        Check(lambda x, r: enhance.ssim(x, r, 1.0), (a, b), covers=(enhance.ssim,)),
        Check(lambda m, x: m(x), (dncnn, a), covers=(enhance.DnCNN,)),
        Check(
            lambda x: enhance.thick_slices(x, 2),
            (volume,),
            covers=(enhance.thick_slices,),
        ),
        Check(
            lambda x: enhance.trilinear_upsample(x, 2),
            (volume,),
            covers=(enhance.trilinear_upsample,),
        ),
        Check(lambda m, x: m(x), (sr, volume), covers=(enhance.SliceSuperResolution,)),
        Check(fusion.early_fuse, (a, tab), rtol=0.0, atol=0.0),
        Check(
            lambda p, m: fusion.late_fuse(p, (0.7, 0.3), m),
            (probs, missing),
            covers=(fusion.late_fuse,),
        ),
        Check(
            lambda d: fusion.sample_missing(50, 0.3, generator=_on(d)),
            (ON_DEVICE,),
            covers=(fusion.sample_missing,),
            **random_shape,
        ),
        *[
            Check(lambda m, *x: m.eval()(*x), (model, *inputs), covers=(cls,))
            for cls, (model, inputs) in models.items()
        ],
    ]
