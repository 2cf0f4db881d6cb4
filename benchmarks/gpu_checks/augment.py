"""Device checks of medlearn.augment.

A transform's parameters are drawn from the generator's stream on the
generator's device and kept as float64 CPU tensors in the record, whatever the
image's device; the noise itself is drawn on the CPU from the record's seed.
So a record sampled from a fresh CPU generator on each side gives the same
output on the CPU and on the device (values compared), and one sampled from
the device's own generator only the same shapes (``values=False``).
"""

from __future__ import annotations

import torch

from gpu_checks import ON_DEVICE, Check
from medlearn import augment as A
from medlearn.augment import bspline, geometry, warp

DEVICE_FREE: dict[object, str] = {
    A.Params: "the base of the parameter records (float64 CPU tensors)",
    A.BiasFieldParams: "a record (built by RandomBiasField.sample)",
    A.GammaParams: "a record (built by RandomGamma.sample)",
    A.NoiseParams: "a record of values and seeds (built by the noise transforms)",
    A.ContrastBrightnessParams: "a record (built by RandomContrastBrightness)",
    geometry.AffineElasticParams: "a record, its tensors float64 on the CPU",
    A.bias_terms: "exponent triples of a polynomial (ints)",
    bspline.control_point_positions: "positions from sizes and spacings (numbers)",
    geometry.affine_matrix: "a record's float64 CPU tensors: CPU by design",
    geometry.min_jacobian_determinant: "a record's float64 CPU tensors: CPU by design",
    warp.invert: "flips a record's flag (dataclasses.replace)",
}


def _cpu() -> torch.Generator:
    return torch.Generator().manual_seed(0)  # a fresh CPU stream for each side


def _on(device: torch.device) -> torch.Generator:
    return torch.Generator(device).manual_seed(0)  # the device's own stream


def _replay(
    transform: object, x: torch.Tensor, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Sample a record for the batch ``x`` ``(N, C, *spatial)`` and apply it."""
    params = transform.sample(tuple(x.shape[2:]), generator, batch_size=x.shape[0])
    return transform.apply(params, x)


def _warp(
    aug: A.RandomAffineElastic,
    x: torch.Tensor,
    mask: torch.Tensor,
    generator: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Sample a warp for the batch ``x`` (1 mm voxels) and apply it to ``x``, ``mask``."""
    shape = tuple(x.shape[2:])
    params = aug.sample(shape, (1.0,) * len(shape), generator, batch_size=x.shape[0])
    return aug.apply(params, x, mask)


def _random_checks(cls: type, x: torch.Tensor) -> list[Check]:
    """``cls()`` on a record from a CPU stream, and on one from the device's."""
    transform = cls()
    return [
        Check(
            lambda x: _replay(transform, x, _cpu()),
            (x,),
            covers=(cls,),
            label="(CPU stream)",
        ),
        Check(
            lambda x, d: _replay(transform, x, _on(d)),
            (x, ON_DEVICE),
            covers=(cls,),
            values=False,
            label="(the device's own stream)",
        ),
    ]


def checks(g: torch.Generator) -> list[Check]:
    image = torch.rand(2, 1, 6, 10, 12, generator=g)  # (N, C, D, H, W)
    image2d = torch.rand(3, 2, 14, 16, generator=g)  # (N, C, H, W)
    labels = torch.randint(3, (2, 6, 10, 12), generator=g)  # (N, D, H, W)
    coefficients = 0.3 * torch.randn(2, 20, generator=g, dtype=torch.float64)
    warp_3d = A.RandomAffineElastic(
        degrees=15, translation=1.0, max_displacement=1.0, check_folding=False
    )
    params = warp_3d.sample((6, 10, 12), (1.0, 1.0, 1.0), _cpu(), batch_size=2)
    grid = A.sampling_grid(params)  # (N, D, H, W, 3), float32 on the CPU
    onehot = A.RandomAffineElastic(
        max_displacement=2.0, label_interpolation="onehot", check_folding=False
    )
    t = torch.linspace(-2.5, 2.5, 41, dtype=torch.float64)
    positions = torch.linspace(0, 8, 17, dtype=torch.float64)
    control = torch.randn(2, 5, 6, 7, 3, generator=g)  # (N, *grid, 3)
    # the grid is float32 on the device, its matrix products in another order;
    # tests/test_augmentation's CUDA test allows the same 1e-4 on the image
    warped = {"rtol": 1e-4, "atol": 1e-4}
    exact = {"rtol": 0.0, "atol": 0.0}
    return [
        Check(
            lambda c, d: A.bias_field((6, 10, 12), c, device=d),
            (coefficients, ON_DEVICE),
            covers=(A.bias_field,),
        ),
        Check(A.apply_bias_field, (image, coefficients)),
        Check(A.adjust_gamma, (image2d, torch.tensor([0.7, 1.0, 1.4]))),
        Check(
            A.adjust_contrast_brightness,
            (image2d, torch.tensor([0.8, 1.0, 1.2]), torch.tensor([0.1, 0.0, -0.1])),
        ),
        Check(
            lambda x: A.add_gaussian_noise(x, 0.1, 0.05, seed=3),
            (image2d[0],),
            covers=(A.add_gaussian_noise,),
        ),
        Check(
            lambda x: A.add_rician_noise(x, torch.tensor([0.1, 0.2]), seed=(1, 2)),
            (image,),
            covers=(A.add_rician_noise,),
        ),
        *_random_checks(A.RandomBiasField, image),
        *_random_checks(A.RandomGamma, image2d),
        *_random_checks(A.RandomContrastBrightness, image2d),
        *_random_checks(A.RandomGaussianNoise, image2d),
        *_random_checks(A.RandomRicianNoise, image),
        Check(A.bspline_kernel, (t,)),
        Check(
            lambda t: A.bspline_kernel(t, derivative=True),
            (t,),
            covers=(A.bspline_kernel,),
            label="derivative",
        ),
        Check(
            lambda p: A.bspline_weights(9, 6, p),
            (positions,),
            covers=(A.bspline_weights,),
        ),
        Check(
            lambda p: A.bspline_weights(9, 6, p, derivative=True),
            (positions,),
            covers=(A.bspline_weights,),
            label="derivative",
        ),
        Check(
            lambda c: bspline.separable(
                c, [A.bspline_weights(n, k) for n, k in zip((6, 10, 12), (5, 6, 7))]
            ),
            (control,),
            covers=(bspline.separable,),
        ),
        Check(
            lambda c: A.elastic_field(c, (6, 10, 12)),
            (control,),
            covers=(A.elastic_field,),
        ),
        Check(
            lambda d: A.sampling_grid(params, device=d),
            (ON_DEVICE,),
            covers=(A.sampling_grid,),
        ),
        Check(
            lambda d: A.sampling_grid(A.invert(params), device=d),
            (ON_DEVICE,),
            covers=(A.sampling_grid,),
            label="inverse",
        ),
        Check(A.warp_image, (image, grid), **warped),
        Check(
            lambda x, g: A.warp_image(x, g, "border"),
            (image, grid),
            covers=(A.warp_image,),
            label="border",
            **warped,
        ),
        Check(A.warp_labels, (labels, grid), **exact),
        Check(
            lambda m, g: A.warp_labels(m, g, "onehot"),
            (labels, grid),
            covers=(A.warp_labels,),
            label="onehot",
            **exact,
        ),
        Check(
            lambda x, m: A.affine_elastic(params, x, m, label_interpolation="onehot"),
            (image, labels),
            covers=(A.affine_elastic,),
            **warped,
        ),
        Check(
            lambda x, m: _warp(onehot, x, m, _cpu()),
            (image, labels),
            covers=(A.RandomAffineElastic,),
            label="(CPU stream)",
            **warped,
        ),
        Check(
            lambda x, m: _warp(onehot, x[:, :, 0], m[:, 0], _cpu()),
            (image, labels),
            covers=(A.RandomAffineElastic,),
            label="2D (CPU stream)",
            **warped,
        ),
        Check(
            lambda x, m, d: _warp(onehot, x, m, _on(d)),
            (image, labels, ON_DEVICE),
            covers=(A.RandomAffineElastic,),
            values=False,
            label="(the device's own stream)",
        ),
    ]
