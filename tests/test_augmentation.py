"""Tests of medlearn.augment against TorchIO 1.2.1, SimpleITK, MONAI 1.6.1, scipy, closed forms.

TorchIO stores volumes as ``(C, W, H, D)`` with a RAS affine; medlearn as
``(C, D, H, W)``. ``to_tio`` and ``from_tio`` reverse the spatial axes and use
the affine ``diag(sx, sy, sz)``, so both libraries see the same physical image.
"""

from __future__ import annotations

import json
import math
import pickle
import warnings

import numpy as np
import pytest
import scipy.stats
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from medlearn import augment as A

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
SETTINGS = settings(max_examples=20, deadline=None)


@pytest.fixture(scope="module")
def tio():
    import torchio

    return torchio


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def to_tio(tio, x: torch.Tensor, spacing, label: bool = False):
    """medlearn ``(C, *spatial)`` -> TorchIO image of ``(C, W, H, D)``."""
    if x.ndim == 3:  # 2D: TorchIO's (C, W, H, 1)
        t, aff = x.permute(0, 2, 1)[..., None], np.diag([spacing[1], spacing[0], 1, 1])
    else:
        t, aff = x.permute(0, 3, 2, 1), np.diag([*spacing[::-1], 1.0])
    kind = tio.LabelMap if label else tio.ScalarImage
    return kind(tensor=t.clone(), affine=aff.astype(float))


def from_tio(t: torch.Tensor, dims: int) -> torch.Tensor:
    return t[..., 0].permute(0, 2, 1) if dims == 2 else t.permute(0, 3, 2, 1)


def smooth_image(shape) -> torch.Tensor:
    """``(1, *shape)`` low-frequency test image in [1, 3] (interpolation error small)."""
    u = torch.meshgrid(*[torch.linspace(-1, 1, n) for n in shape], indexing="ij")
    z = u[0] if len(shape) == 3 else 0.0
    return (torch.sin(3 * u[-1] + 1) * torch.cos(2 * u[-2]) + 0.5 * z)[None] + 2


def blob_labels(shape, labels=(0, 1, 2), seed=0) -> torch.Tensor:
    """``(*shape)`` int64 map of nested ellipsoids carrying ``labels``."""
    g = gen(seed)
    u = torch.meshgrid(*[torch.linspace(-1, 1, n) for n in shape], indexing="ij")
    c = [0.3 * (torch.rand((), generator=g) - 0.5) for _ in shape]
    r = sum(
        ((x - ci) / (0.5 + 0.3 * k / len(shape))) ** 2
        for k, (x, ci) in enumerate(zip(u, c))
    )
    out = torch.full(shape, labels[0], dtype=torch.long)
    for i, lab in enumerate(labels[1:]):
        out[r < 1.0 - 0.5 * i / len(labels)] = lab
    return out


def with_parts(p: A.AffineElasticParams, affine=True, elastic=True):
    """The record with only its affine or only its elastic part."""
    return A.AffineElasticParams(
        p.spatial_shape,
        p.spacing,
        p.degrees if affine else torch.zeros_like(p.degrees),
        p.scales if affine else torch.ones_like(p.scales),
        p.shear if affine else torch.zeros_like(p.shear),
        p.translation if affine else torch.zeros_like(p.translation),
        p.control_points if elastic else torch.zeros_like(p.control_points),
    )


def inside(p: A.AffineElasticParams, margin: float = 1.0) -> torch.Tensor:
    """Output voxels whose sample point lies ``margin`` voxels inside the input.

    Near the border ITK and grid_sample treat points outside the voxel centres
    differently (fill vs blend with the fill); the comparisons skip them.
    """
    g = A.sampling_grid(p, dtype=torch.float64)
    ok = torch.ones(g.shape[:-1], dtype=torch.bool)
    for k, n in enumerate(reversed(p.spatial_shape)):  # grid is (x, y, z)
        idx = (g[..., k] + 1) / 2 * (n - 1)
        ok &= (idx >= margin) & (idx <= n - 1 - margin)
    return ok


# --------------------------------------------------------------- bias field
def _tio_bias(tio, shape, coefficients, order):
    ones = torch.ones(1, *shape)
    out = tio.BiasField(list(coefficients), order)(
        to_tio(tio, ones, (1.0,) * len(shape))
    )
    return from_tio(out.data, len(shape))[0]


@pytest.mark.parametrize("order", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("shape", [(5, 7, 9), (6, 4, 11), (1, 8, 5), (8, 10), (7, 3)])
def test_bias_field_equals_torchio(tio, shape, order):
    k = len(A.bias_terms(order))
    c = torch.rand(k, generator=gen(order)) - 0.5  # (K,) TorchIO's count, 2D too
    ours = A.bias_field(shape, c, order)
    ref = _tio_bias(tio, shape, c.tolist(), order)  # (*shape)
    assert ours.shape == shape
    # float32 precision: TorchIO casts a float64 field, medlearn's last step is float32
    torch.testing.assert_close(ours, ref, rtol=2e-6, atol=0)


def test_random_bias_field_draws_torchios_count_and_range(tio):
    ref = tio.RandomBiasField(coefficients=0.3, order=3)
    p = A.RandomBiasField(coefficients=0.3).sample((8, 8, 8), gen(), batch_size=500)
    assert p.coefficients.shape == (500, len(ref.get_params(3, (-0.3, 0.3))))
    assert p.coefficients.abs().max() <= 0.3 and p.coefficients.abs().max() > 0.29


@pytest.mark.parametrize(
    "term, axis", [((1, 0, 0), -1), ((0, 1, 0), -2), ((0, 0, 1), -3)]
)
def test_bias_coordinates_x_last_axis_z_first(term, axis):
    """x runs along medlearn's last axis, z along the first; centre 0, ends +-1."""
    c = torch.zeros(20, dtype=torch.float64)
    c[A.bias_terms(3).index(term)] = 1.0
    log = A.bias_field((5, 7, 9), c, dtype=torch.float64).log()  # (5, 7, 9)
    line = log.movedim(axis, 0).reshape(log.shape[axis], -1)
    assert torch.allclose(line, line[:, :1].expand_as(line))  # varies along axis only
    assert torch.allclose(
        line[[0, -1], 0], torch.tensor([-1.0, 1.0], dtype=torch.float64)
    )


@SETTINGS
@given(
    order=st.integers(0, 4),
    shape=st.lists(st.integers(6, 12), min_size=2, max_size=3).map(tuple),
    seed=st.integers(0, 10_000),
)
def test_bias_field_positive_smooth_polynomial(order, shape, seed):
    k = len(A.bias_terms(order))
    c = torch.rand(k, generator=gen(seed), dtype=torch.float64) - 0.5
    field = A.bias_field(shape, c, order, dtype=torch.float64)
    assert bool((field > 0).all())
    log = field.log()
    for axis in range(len(shape)):  # a polynomial of degree <= order along each axis
        diff = torch.diff(log, n=order + 1, dim=axis)
        assert diff.abs().max() < 1e-9
        # and its curvature is bounded by the coefficients: |d2/du2| <= sum |c| a(a-1)
        step = 2 / (shape[axis] - 1)
        power = [t[len(shape) - 1 - axis] for t in A.bias_terms(order)]  # (x, y, z)
        bound = sum(abs(ci) * p * (p - 1) for ci, p in zip(c.tolist(), power))
        second = torch.diff(log, n=2, dim=axis).abs().max() if shape[axis] > 2 else 0
        assert second <= bound * step**2 + 1e-9


def test_apply_bias_field_batch_is_per_sample():
    x = torch.rand(3, 2, 6, 7, 5, generator=gen())  # (N, C, D, H, W)
    c = torch.rand(3, 20, generator=gen(1)) - 0.5
    out = A.apply_bias_field(x, c)
    for i in range(3):
        torch.testing.assert_close(out[i], A.apply_bias_field(x[i], c[i]))
    torch.testing.assert_close(out[1, 0] / x[1, 0], A.bias_field((6, 7, 5), c[1]))


# ------------------------------------------------------ gamma, noise, contrast
@pytest.mark.parametrize("low", [0.0, -1.0])
@pytest.mark.parametrize("gamma", [0.6, 1.0, 1.7])
def test_gamma_equals_torchio(tio, gamma, low):
    x = low + torch.rand(1, 6, 5, 4, generator=gen())  # negative values when low < 0
    ref = from_tio(tio.Gamma(gamma)(to_tio(tio, x, (1.0,) * 3)).data, 3)
    torch.testing.assert_close(A.adjust_gamma(x, gamma), ref)


def test_random_gamma_is_exp_of_uniform():
    p = A.RandomGamma(log_gamma=(-0.3, 0.5)).sample((4, 4), gen(), batch_size=4000)
    beta = p.gamma.log().numpy()
    assert scipy.stats.kstest(beta, scipy.stats.uniform(-0.3, 0.8).cdf).pvalue > 1e-3


@pytest.mark.parametrize("mean, std, seed", [(0.0, 0.1, 3), (0.5, 0.25, 42)])
def test_gaussian_noise_equals_torchio_noise(tio, mean, std, seed):
    x = torch.rand(2, 5, 6, 7, generator=gen())  # (C, D, H, W)
    ours = A.add_gaussian_noise(x, std, mean, seed) - x
    image = to_tio(tio, x, (1.0,) * 3)
    ref = tio.Noise(mean=mean, std=std, seed=seed)(image).data - image.data
    # the same stream, filled in (C, D, H, W) here and (C, W, H, D) in TorchIO
    torch.testing.assert_close(ours.flatten(), ref.flatten(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("signal, std", [(0.0, 1.0), (1.0, 0.5), (3.0, 1.0)])
def test_rician_noise_is_rice_distributed(signal, std):
    x = torch.full((1, 64, 64), signal, dtype=torch.float64)
    y = A.add_rician_noise(x, std, seed=1).flatten().numpy()
    rice = scipy.stats.rice(b=signal / std, scale=std)
    assert scipy.stats.kstest(y, rice.cdf).pvalue > 1e-3


def test_rician_noise_matches_monai_distribution():
    from monai.transforms import RandRicianNoise

    x = torch.full((1, 64, 64), 0.8)
    ref = RandRicianNoise(prob=1.0, std=0.3, sample_std=False).set_random_state(0)(x)
    ours = A.add_rician_noise(x, 0.3, seed=0)
    test = scipy.stats.ks_2samp(ours.flatten().numpy(), np.asarray(ref).flatten())
    assert test.pvalue > 1e-3


@pytest.mark.parametrize("contrast, brightness", [(1.3, 0.0), (0.7, -0.2), (1.0, 0.5)])
def test_contrast_brightness_equals_monai(contrast, brightness):
    from monai.transforms import ScaleIntensityFixedMean, ShiftIntensity

    x = torch.rand(2, 6, 7, generator=gen()) * torch.tensor([1.0, 5.0])[:, None, None]
    scale = ScaleIntensityFixedMean(
        factor=contrast - 1, fixed_mean=True, channel_wise=True
    )
    ref = ShiftIntensity(brightness)(scale(x))
    ours = A.adjust_contrast_brightness(x, contrast, brightness)
    torch.testing.assert_close(ours, torch.as_tensor(ref), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "transform",
    [
        A.RandomBiasField(),
        A.RandomGamma(),
        A.RandomGaussianNoise(),
        A.RandomRicianNoise(),
        A.RandomContrastBrightness(),
    ],
    ids=lambda t: type(t).__name__,
)
def test_intensity_replay_batch_and_mask(transform):
    x = torch.rand(3, 2, 8, 9, generator=gen()) + 0.1  # (N, C, H, W)
    mask = torch.randint(0, 3, (3, 8, 9), generator=gen(1))
    p = transform.sample((8, 9), gen(5), batch_size=3)
    out, m = transform.apply(p, x, mask)
    again, _ = transform.apply(transform.sample((8, 9), gen(5), batch_size=3), x)
    assert torch.equal(out, again) and m is mask  # replay; the mask is untouched
    assert not torch.equal(out, x)
    for i in range(3):  # one call on the batch = one call per sample
        one, _ = transform.apply(p.select(i), x[i])
        torch.testing.assert_close(out[i], one)
    loaded = type(p).from_dict(json.loads(json.dumps(p.to_dict())))
    assert torch.equal(transform.apply(loaded, x)[0], out)


# ------------------------------------------------- geometry against TorchIO
CASES = [
    ((12, 17, 15), (3.0, 1.0, 1.5)),
    ((21, 18), (1.5, 0.8)),
    ((10, 9, 11), (1.0,) * 3),
]


def _tio_affine_kwargs(p: A.AffineElasticParams) -> dict:
    """Our record as TorchIO's Affine arguments: (x, y, z) order; TorchIO
    translates before scaling, so its translation is ours divided by the scale."""
    scales, degrees = p.scales.flip(-1).tolist(), p.degrees.flip(-1).tolist()
    translation = (p.translation.flip(-1) / p.scales.flip(-1)).tolist()
    if p.spatial_dims == 2:  # TorchIO's 2D: no z scaling, rotation about z only
        scales, degrees, translation = (
            scales + [1.0],
            [0.0, 0.0] + degrees,
            translation + [0.0],
        )
    return {"scales": scales, "degrees": degrees, "translation": translation}


def _tio_control_points(p: A.AffineElasticParams) -> np.ndarray:
    """Our control points as ITK's: indexed and directed along physical LPS axes.

    With TorchIO's positive diagonal affine, LPS x and y run against voxel axes
    0 and 1: reverse those grid axes and negate those components. A 2D grid is
    repeated along a z axis of 4 points (a constant there, as a sum of B-splines).
    """
    cp = p.control_points
    if p.spatial_dims == 3:
        out = cp.permute(2, 1, 0, 3).flip(-1).flip(0, 1) * torch.tensor(
            [-1.0, -1.0, 1.0]
        )
    else:
        out = cp.permute(1, 0, 2).flip(-1).flip(0, 1) * torch.tensor([-1.0, -1.0])
        out = torch.cat([out, torch.zeros(*out.shape[:-1], 1)], -1)[:, :, None]
        out = out.expand(-1, -1, 4, -1)
    return out.numpy().copy()


def _sample(shape, spacing, seed=1, **kwargs) -> A.AffineElasticParams:
    defaults = dict(degrees=20, scales=0.2, translation=5.0, max_displacement=1.5)
    defaults.update(kwargs)
    aug = A.RandomAffineElastic(num_control_points=6, check_folding=False, **defaults)
    return aug.sample(shape, spacing, gen(seed))


@pytest.mark.parametrize("shape, spacing", CASES)
def test_affine_equals_torchio(tio, shape, spacing):
    p = with_parts(_sample(shape, spacing), elastic=False)
    x = smooth_image(shape)
    ours, _ = A.affine_elastic(p, x, image_padding=0.0)
    tio_affine = tio.Affine(**_tio_affine_kwargs(p), default_pad_value=0.0)
    ref = from_tio(tio_affine(to_tio(tio, x, spacing)).data, len(shape))
    m = inside(p)
    assert m.float().mean() > 0.2  # the comparison covers much of the image
    torch.testing.assert_close(ours[0][m], ref[0][m], rtol=0, atol=1e-5)


@pytest.mark.parametrize("shape, spacing", CASES)
def test_elastic_equals_torchio(tio, shape, spacing):
    p = with_parts(_sample(shape, spacing), affine=False)
    x = smooth_image(shape)
    ours, _ = A.affine_elastic(p, x, image_padding=0.0)
    with warnings.catch_warnings():  # TorchIO warns about its static folding bound
        warnings.simplefilter("ignore", RuntimeWarning)
        elastic = tio.ElasticDeformation(_tio_control_points(p), (1.5,) * 3)
        ref = from_tio(elastic(to_tio(tio, x, spacing)).data, len(shape))
    m = inside(p)
    assert m.float().mean() > 0.2
    torch.testing.assert_close(ours[0][m], ref[0][m], rtol=0, atol=1e-5)


@pytest.mark.parametrize("shape, spacing", CASES)
def test_affine_elastic_equals_torchio_single_resampling(tio, shape, spacing):
    from torchio.transforms.augmentation.spatial.random_affine_elastic_deformation import (
        AffineElasticDeformation,
    )

    p = _sample(shape, spacing)
    x = smooth_image(shape)
    ours, _ = A.affine_elastic(p, x, image_padding=0.0)
    affine = dict(_tio_affine_kwargs(p), default_pad_value=0.0)
    elastic = dict(control_points=_tio_control_points(p), max_displacement=(1.5,) * 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ref = AffineElasticDeformation(True, affine, elastic)(to_tio(tio, x, spacing))
    ref = from_tio(ref.data, len(shape))
    m = inside(p)
    assert m.float().mean() > 0.2
    torch.testing.assert_close(ours[0][m], ref[0][m], rtol=0, atol=1e-5)


def test_labels_nearest_agree_with_torchio(tio):
    shape, spacing = (14, 16, 13), (2.0, 1.0, 1.2)
    p = _sample(shape, spacing, seed=3)
    mask = blob_labels(shape)
    _, ours = A.affine_elastic(p, torch.zeros(1, *shape), mask)
    from torchio.transforms.augmentation.spatial.random_affine_elastic_deformation import (
        AffineElasticDeformation,
    )

    elastic = dict(control_points=_tio_control_points(p), max_displacement=(1.5,) * 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        t = AffineElasticDeformation(True, dict(_tio_affine_kwargs(p)), elastic)
        ref = from_tio(t(to_tio(tio, mask[None].float(), spacing, label=True)).data, 3)[
            0
        ]
    m = inside(p)
    # nearest neighbour can break ties between two voxels differently: allow 0.5 %
    assert (ours[m] != ref[m].long()).float().mean() < 0.005


def test_elastic_field_equals_itk_bspline_transform():
    import SimpleITK as sitk  # a dependency of TorchIO

    size, spacing, grid = (12, 9, 7), (1.5, 2.0, 3.0), (7, 6, 5)  # ITK order (x, y, z)
    img = sitk.Image(list(size), sitk.sitkFloat64)
    img.SetSpacing(spacing)
    transform = sitk.BSplineTransformInitializer(img, [n - 3 for n in grid])
    cp = torch.randn(*grid, 3, generator=gen(), dtype=torch.float64)  # ITK (x, y, z)
    transform.SetParameters(cp.numpy().flatten(order="F").tolist())
    # medlearn: grid and components in (z, y, x); ITK's identity direction here
    ours = A.elastic_field(cp.permute(2, 1, 0, 3).flip(-1), size[::-1])  # (z, y, x, 3)
    for idx in [(0, 0, 0), (5, 4, 3), (11, 8, 6), (3, 7, 1)]:
        point = img.TransformIndexToPhysicalPoint(idx)
        d = np.subtract(transform.TransformPoint(point), point)  # (x, y, z)
        torch.testing.assert_close(
            ours[idx[::-1]].flip(-1), torch.tensor(d), atol=1e-12, rtol=0
        )


def test_defaults_are_torchios(tio):
    ours = A.RandomAffineElastic()
    affine, elastic = tio.RandomAffine(), tio.RandomElasticDeformation()
    assert ours.degrees == tuple(affine.degrees[:2])
    assert ours.scales == tuple(affine.scales[:2])
    assert ours.translation == tuple(affine.translation[:2])
    assert (ours.num_control_points,) * 3 == elastic.num_control_points
    assert (ours.max_displacement,) * 3 == elastic.max_displacement
    assert ours.locked_borders == elastic.num_locked_borders
    assert (ours.image_padding, ours.label_interpolation) == ("minimum", "nearest")


# ------------------------------------------------------- geometry in mm
@pytest.mark.parametrize("spacing", [(1.0, 1.0), (0.5, 2.0)])
@pytest.mark.parametrize("axis, voxels", [(0, 2), (1, -3)])
def test_translation_in_mm_respects_spacing(spacing, axis, voxels):
    x = torch.rand(1, 12, 14, generator=gen())
    t = torch.zeros(2, dtype=torch.float64)
    t[axis] = voxels * spacing[axis]  # mm
    p = A.AffineElasticParams((12, 14), spacing, torch.zeros(1), torch.ones(2),
                              torch.zeros(1), t, torch.zeros(5, 5, 2))  # fmt: skip
    out, _ = A.affine_elastic(p, x)
    shifted = torch.roll(x, voxels, dims=axis + 1)  # content moves by +t
    keep = (slice(None), slice(4, -4), slice(4, -4))
    torch.testing.assert_close(out[keep], shifted[keep], atol=1e-5, rtol=0)


def test_rotation_by_90_degrees_is_rot90():
    """+90 degrees about z turns +x towards +y: (y, x) = (0, 1) -> (1, 0)."""
    x = torch.rand(1, 9, 9, generator=gen())
    p = A.AffineElasticParams((9, 9), (1.0, 1.0), torch.tensor([90.0]), torch.ones(2),
                              torch.zeros(1), torch.zeros(2), torch.zeros(5, 5, 2))  # fmt: skip
    out, _ = A.affine_elastic(p, x)
    torch.testing.assert_close(
        out, torch.rot90(x, k=1, dims=(-1, -2)), atol=1e-5, rtol=0
    )


def test_min_jacobian_matches_finite_differences():
    """Against central differences of the grid itself, on a field that is
    smooth at the voxel scale (spline spans of ~7 voxels)."""
    shape, spacing = (30, 34, 28), (2.0, 1.0, 1.5)
    aug = A.RandomAffineElastic(
        max_displacement=6.0, shear=0.1, num_control_points=7, locked_borders=1
    )
    p = aug.sample(shape, spacing, gen(2))
    grid = A.sampling_grid(p, dtype=torch.float64)  # (D, H, W, 3) normalised (x, y, z)
    half = torch.tensor(
        [(n - 1) / 2 * s for n, s in zip(shape, spacing)], dtype=torch.float64
    )
    mm = grid.flip(-1) * half  # sample positions, mm, (z, y, x)
    jac = torch.stack(
        torch.gradient(mm, spacing=spacing, dim=(0, 1, 2), edge_order=2), -1
    )
    fd = torch.linalg.det(jac).min()  # (D, H, W, 3 components, 3 axes), per mm
    assert fd < 0.9  # the field is far from a rigid motion
    assert abs(A.min_jacobian_determinant(p).item() - fd.item()) < 0.01
    scale = with_parts(p, elastic=False)
    assert math.isclose(
        A.min_jacobian_determinant(scale).item(),
        1 / p.scales.prod().item(),
        rel_tol=1e-9,
    )


def test_bspline_derivative_is_autograds():
    t = torch.linspace(-2.5, 2.5, 101, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(A.bspline_kernel(t).sum(), t)
    torch.testing.assert_close(A.bspline_kernel(t.detach(), derivative=True), grad)
    w = A.bspline_weights(9, 6)  # (9 voxels, 6 control points): a partition of unity
    torch.testing.assert_close(w.sum(1), torch.ones(9, dtype=torch.float64))


def test_folding_warns_with_the_measured_jacobian():
    aug = A.RandomAffineElastic(max_displacement=20.0)  # on a 24 mm field of view
    p = aug.sample((24, 24), (1.0, 1.0), gen())
    det = A.min_jacobian_determinant(p).item()
    assert det < 0
    with pytest.warns(RuntimeWarning, match=f"Jacobian determinant {det:.3g}"):
        aug.apply(p, torch.rand(1, 24, 24))
    fine = A.RandomAffineElastic()  # TorchIO's defaults on a 192 mm field of view
    p = fine.sample((24, 24), (8.0, 8.0), gen())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fine.apply(p, torch.rand(1, 24, 24))


def test_affine_matrix_of_the_inverse_is_the_inverse():
    p = _sample((9, 10, 11), (1.0, 2.0, 3.0), shear=0.2)
    forward, back = A.affine_matrix(p), A.affine_matrix(A.invert(p))
    torch.testing.assert_close(back @ forward, torch.eye(4, dtype=torch.float64))


# ---------------------------------------------------------------- properties
shapes_2d = st.tuples(st.integers(10, 20), st.integers(10, 20))
shapes_3d = st.tuples(st.integers(6, 10), st.integers(6, 10), st.integers(6, 10))
shapes = st.one_of(shapes_2d, shapes_3d)
spacings = st.floats(0.5, 3.0)


@SETTINGS
@given(
    shape=shapes,
    seed=st.integers(0, 10_000),
    mode=st.sampled_from(A.LABEL_INTERPOLATIONS),
    batch=st.sampled_from([None, 2]),
)
def test_identity_leaves_inputs_exactly_unchanged(shape, seed, mode, batch):
    aug = A.RandomAffineElastic(degrees=0, scales=0, max_displacement=0.0,
                                label_interpolation=mode)  # fmt: skip
    p = aug.sample(shape, (1.3,) * len(shape), gen(seed), batch_size=batch)
    lead = () if batch is None else (batch,)
    x = torch.randn(*lead, 2, *shape, generator=gen(seed))
    mask = torch.randint(0, 4, (*lead, *shape), generator=gen(seed))
    out, m = aug.apply(p, x, mask)
    assert torch.equal(out, x) and torch.equal(m, mask)


@SETTINGS
@given(
    shape=shapes,
    seed=st.integers(0, 10_000),
    s=st.lists(spacings, min_size=3, max_size=3),
)
def test_mask_stays_aligned_with_the_image(shape, seed, s):
    """The mask itself as the image: its linear warp, thresholded, is the warped
    mask except where the sample point falls between the two labels."""
    spacing = tuple(s[: len(shape)])
    extent = min(n * v for n, v in zip(shape, spacing))
    aug = A.RandomAffineElastic(max_displacement=extent / 12, image_padding="zeros",
                                check_folding=False)  # fmt: skip
    p = aug.sample(shape, spacing, gen(seed))
    mask = blob_labels(shape, (0, 1), seed) == 1  # bool
    image, warped = aug.apply(p, mask[None].float(), mask)
    soft = image[0]
    disagree = (soft > 0.5) != warped
    assert not bool((disagree & ((soft == 0) | (soft == 1))).any())
    safe = A.RandomAffineElastic(max_displacement=extent / 12, image_padding="zeros",
                                 label_interpolation="onehot", check_folding=False)  # fmt: skip
    image, warped = safe.apply(p, mask[None].float(), mask)
    clear = (image[0] - 0.5).abs() > 1e-5
    assert torch.equal(warped[clear], (image[0] > 0.5)[clear])


def test_alignment_check_catches_a_mask_warped_with_another_draw():
    """The control for the property above: the mistake it exists to catch."""
    shape, spacing = (40, 40), (1.0, 1.0)
    aug = A.RandomAffineElastic(max_displacement=3.0, image_padding="zeros")
    mask = blob_labels(shape, (0, 1)) == 1
    image, _ = aug.apply(aug.sample(shape, spacing, gen(0)), mask[None].float(), mask)
    _, other = aug.apply(aug.sample(shape, spacing, gen(1)), mask[None].float(), mask)
    soft = image[0]
    disagree = (soft > 0.5) != other
    assert bool((disagree & ((soft == 0) | (soft == 1))).any())


@SETTINGS
@given(
    shape=shapes,
    seed=st.integers(0, 10_000),
    labels=st.lists(st.integers(1, 200), min_size=1, max_size=4, unique=True),
    mode=st.sampled_from(A.LABEL_INTERPOLATIONS),
    background=st.sampled_from([0, 255]),
)
def test_label_maps_keep_only_their_labels(shape, seed, labels, mode, background):
    aug = A.RandomAffineElastic(degrees=30, translation=3.0, label_interpolation=mode,
                                check_folding=False)  # fmt: skip
    p = aug.sample(shape, (1.0,) * len(shape), gen(seed))
    mask = blob_labels(shape, (background, *labels), seed).to(torch.int16)
    _, out = aug.apply(p, torch.zeros(1, *shape), mask)
    assert out.dtype == torch.int16 and out.shape == mask.shape
    allowed = set(mask.unique().tolist()) | {0}  # 0 outside the field of view
    assert set(out.unique().tolist()) <= allowed


@SETTINGS
@given(
    shape=st.one_of(
        st.tuples(st.integers(18, 28), st.integers(18, 28)),
        st.tuples(st.integers(12, 16), st.integers(12, 16), st.integers(12, 16)),
    ),
    seed=st.integers(0, 10_000),
)
def test_affine_then_inverse_returns_the_input(shape, seed):
    spacing = (1.0, 1.5, 0.8)[: len(shape)]
    p = _sample(shape, spacing, seed, degrees=(10, 15), scales=0.1, translation=1.0)
    p = with_parts(p, elastic=False)
    x = smooth_image(shape)
    out, _ = A.affine_elastic(p, x)
    back, _ = A.affine_elastic(A.invert(p), out)
    # where both passes sampled inside the image, only interpolation error remains
    keep = inside(p, 1.0) & inside(A.invert(p), 1.0)
    assert keep.float().mean() > 0.1
    err = (back - x)[0][keep].abs()
    assert err.max() < 0.1  # smooth image in [1, 3]
    assert err.mean() < 0.25 * (out - x)[0][keep].abs().mean()  # control: no inverse


def test_elastic_inverse_is_first_order():
    """Forward then the negated-displacement inverse lands closer to the input
    than the forward warp alone (the control), in the interior."""
    shape, spacing = (12, 40, 40), (2.0, 1.0, 1.0)
    p = _sample(
        shape, spacing, 4, degrees=0, scales=0, translation=0.0, max_displacement=3.0
    )
    x = smooth_image(shape)
    out, _ = A.affine_elastic(p, x)
    back, _ = A.affine_elastic(A.invert(p), out)
    core = (slice(None), slice(3, -3), slice(8, -8), slice(8, -8))
    before, after = (out - x)[core].abs().mean(), (back - x)[core].abs().mean()
    assert after < 0.25 * before


@pytest.mark.parametrize("batch", [None, 3])
def test_same_seed_same_output_different_seed_different(batch):
    aug = A.RandomAffineElastic(label_interpolation="onehot")
    shape, spacing = (10, 12, 11), (4.0, 4.0, 4.0)
    lead = () if batch is None else (batch,)
    x, mask = torch.rand(*lead, 1, *shape, generator=gen()), blob_labels(shape)
    mask = mask.expand(*lead, *shape)
    a = aug.apply(aug.sample(shape, spacing, gen(7), batch), x, mask)
    b = aug.apply(aug.sample(shape, spacing, 7, batch), x, mask)  # an int seed
    c = aug.apply(aug.sample(shape, spacing, gen(8), batch), x, mask)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], c[0])


def test_batch_is_per_sample_in_one_grid_sample_call(monkeypatch):
    aug = A.RandomAffineElastic(label_interpolation="onehot")
    shape, spacing = (9, 10, 11), (4.0, 4.0, 4.0)
    x = torch.rand(3, 2, *shape, generator=gen())  # (N, C, D, H, W)
    mask = torch.stack([blob_labels(shape, seed=i) for i in range(3)])  # (N, D, H, W)
    p = aug.sample(shape, spacing, gen(), batch_size=3)
    calls = []
    real = F.grid_sample
    monkeypatch.setattr(
        F, "grid_sample", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    out, m = aug.apply(p, x, mask)
    assert len(calls) == 1  # image and one-hot labels together, all samples at once
    monkeypatch.setattr(F, "grid_sample", real)
    for i in range(3):
        one, one_m = aug.apply(p.select(i), x[i], mask[i])
        torch.testing.assert_close(out[i], one)
        assert (m[i] != one_m).float().mean() < 1e-3  # argmax ties may round apart


def test_params_print_save_and_replay(tmp_path):
    aug = A.RandomAffineElastic()
    p = aug.sample((8, 9, 10), (8.0, 8.0, 8.0), gen(), batch_size=2)
    text = repr(p)
    assert (
        "control_points=tensor(shape=(2, 7, 7, 7, 3)" in text and "degrees=[[" in text
    )
    x = torch.rand(2, 1, 8, 9, 10, generator=gen())
    want = aug.apply(p, x)[0]
    path = tmp_path / "params.json"
    path.write_text(json.dumps(p.to_dict()))
    loaded = A.AffineElasticParams.from_dict(json.loads(path.read_text()))
    assert torch.equal(aug.apply(loaded, x)[0], want)
    assert torch.equal(aug.apply(pickle.loads(pickle.dumps(p)), x)[0], want)


def test_sampled_ranges_and_locked_borders_on_every_axis():
    aug = A.RandomAffineElastic(degrees=(5, 15), scales=(0.8, 0.9), translation=2.0,
                                max_displacement=(1.0, 2.0, 3.0))  # fmt: skip
    p = aug.sample((10, 10, 10), (1.0, 1.0, 1.0), gen(), batch_size=200)
    assert p.degrees.min() >= 5 and p.degrees.max() <= 15
    assert p.scales.min() >= 0.8 and p.scales.max() <= 0.9
    assert p.translation.abs().max() <= 2
    cp = p.control_points  # (N, 7, 7, 7, 3)
    assert torch.allclose(cp.abs().amax(dim=(0, 1, 2, 3)), torch.tensor([1.0, 2.0, 3.0],
                          dtype=torch.float64), atol=0.05)  # fmt: skip
    for axis in (1, 2, 3):  # TorchIO 1.2.1 forgets the third axis; not here
        for i in (0, 1, -1, -2):
            assert cp.select(axis, i).abs().max() == 0
    assert cp[:, 2:5, 2:5, 2:5].abs().min() > 0


# -------------------------------------------------------------------- errors
def test_clear_errors():
    aug = A.RandomAffineElastic()
    p = aug.sample((8, 8), (1.0, 1.0), gen())
    x = torch.rand(1, 8, 8)
    with pytest.raises(ValueError, match=r"mask: expected shape \(8, 8\)"):
        aug.apply(p, x, torch.zeros(8, 7, dtype=torch.long))
    with pytest.raises(TypeError, match="label map"):
        aug.apply(p, torch.zeros(1, 8, 8, dtype=torch.long))
    with pytest.raises(TypeError, match="mask: expected an integer or bool"):
        aug.apply(p, x, torch.zeros(8, 8))
    with pytest.raises(ValueError, match=r"spacing: expected 3 positive"):
        aug.sample((8, 8, 8), (1.0, 1.0), gen())
    with pytest.raises(ValueError, match="spacing: expected 2 values"):
        A.AffineElasticParams((8, 8), (1.0,), torch.zeros(1), torch.ones(2),
                              torch.zeros(1), torch.zeros(2), torch.zeros(5, 5, 2))  # fmt: skip
    with pytest.raises(ValueError, match="batch_size=None"):
        aug.apply(p, torch.rand(2, 1, 8, 8))
    with pytest.raises(ValueError, match=r"sampled for spatial shape \(8, 8\)"):
        aug.apply(p, torch.rand(1, 8, 9))
    with pytest.raises(ValueError, match="coefficients: expected \\(20,\\)"):
        A.bias_field((8, 8), torch.zeros(10))
    with pytest.raises(ValueError, match="label_interpolation"):
        A.RandomAffineElastic(label_interpolation="linear")
    with pytest.raises(ValueError, match="num_control_points"):
        A.RandomAffineElastic(num_control_points=4)
    with pytest.raises(TypeError, match="generator"):
        aug.sample((8, 8), (1.0, 1.0), None)
    with pytest.raises(ValueError, match="gamma: expected values > 0"):
        A.adjust_gamma(x, -1.0)


# ---------------------------------------------------------------------- CUDA
@cuda
@pytest.mark.cuda
def test_cuda_reproduces_and_matches_cpu():
    aug = A.RandomAffineElastic(label_interpolation="onehot")
    shape, spacing = (16, 20, 18), (4.0, 4.0, 4.0)
    x = torch.rand(2, 1, *shape, generator=gen())
    mask = torch.stack([blob_labels(shape, seed=i) for i in range(2)])
    cpu = aug.apply(aug.sample(shape, spacing, gen(3), 2), x, mask)
    dev = torch.device("cuda")
    one = aug.apply(aug.sample(shape, spacing, gen(3), 2), x.to(dev), mask.to(dev))
    two = aug.apply(aug.sample(shape, spacing, gen(3), 2), x.to(dev), mask.to(dev))
    assert torch.equal(one[0], two[0]) and torch.equal(one[1], two[1])
    torch.testing.assert_close(one[0].cpu(), cpu[0], atol=1e-4, rtol=0)
    assert (one[1].cpu() != cpu[1]).float().mean() < 1e-3
    noise = A.add_gaussian_noise(x.to(dev)[0], 0.1, seed=5)
    torch.testing.assert_close(noise.cpu(), A.add_gaussian_noise(x[0], 0.1, seed=5))
