"""Tests for medlearn.volumes (chapter 05) against TorchIO, MONAI, torch and nnU-Net's rule."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from medlearn.io import load_nifti, nibabel_sample_path
from medlearn.volumes import (
    SliceWise,
    anisotropy,
    from_slices,
    importance_map,
    plan_kernels,
    resample,
    resampled_shape,
    slicewise,
    sliding_window_inference,
    stack_adjacent,
    to_slices,
    unstack_adjacent,
    window_starts,
)

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# ---------------------------------------------------------------- references


def torchio_resample(x: torch.Tensor, spacing, new_spacing, label: bool = False):
    """TorchIO 1.2.1 ``Resample`` on a medlearn ``(C, D, H, W)`` volume.

    TorchIO holds ``(C, W, H, D)`` = ``(C, x, y, z)`` tensors with a RAS affine
    and takes the target spacing in (x, y, z) order: flip the axes both ways.
    """
    import torchio as tio

    kind = tio.LabelMap if label else tio.ScalarImage
    affine = np.diag([spacing[2], spacing[1], spacing[0], 1.0])
    image = kind(tensor=x.permute(0, 3, 2, 1), affine=affine)
    out = tio.Resample(tuple(new_spacing[::-1]))(image)
    np.testing.assert_allclose(np.diag(out.affine)[:3], new_spacing[::-1], rtol=1e-9)
    return out.data.permute(0, 3, 2, 1)


def monai_spacing(x: torch.Tensor, spacing, new_spacing, mode="bilinear"):
    """MONAI 1.6.1 ``Spacing`` on a ``(C, D, H, W)`` volume, axes in our order."""
    from monai.data import MetaTensor
    from monai.transforms import Spacing

    affine = torch.diag(torch.tensor([*spacing, 1.0], dtype=torch.float64))
    out = Spacing(pixdim=tuple(new_spacing), mode=mode)(MetaTensor(x, affine=affine))
    return out.as_tensor()


def agreeing_case(seed: int):
    """Shape and spacings where round(n s / s') == floor(n s / s'): TorchIO's shape."""
    rng = np.random.default_rng(seed)
    shape = tuple(int(n) for n in rng.integers(4, 13, size=3))
    spacing = tuple(float(s) for s in rng.uniform(0.5, 3.0, size=3))
    new = []
    for n, s in zip(shape, spacing):
        m = int(rng.integers(max(2, n // 3), 3 * n))  # up- or downsampling
        new.append(n * s / (m + rng.uniform(0.05, 0.45)))  # fraction < 0.5
    if rng.random() < 0.4:  # one axis keeps its spacing (a dyadic one: see below)
        axis = int(rng.integers(3))
        spacing = spacing[:axis] + (1.25,) + spacing[axis + 1 :]
        new[axis] = 1.25
    return shape, spacing, tuple(new)


# ---------------------------------------------------------------- resampled shape


def test_resampled_shape_by_hand():
    # 64 slices of 5 mm -> 1 mm: 320 mm of extent (nnU-Net, TorchIO) or 63 * 5 = 315
    # mm centre to centre plus one voxel (MONAI); 128 x 0.8 mm = 102.4 -> 102 or
    # 127 * 0.8 = 101.6 -> 102 + 1; 7 x 2.5 mm = 17.5 -> 18 (to even), 17, 15 + 1
    shape, spacing = (64, 128, 7), (5.0, 0.8, 2.5)
    assert resampled_shape(shape, spacing, 1.0) == (320, 102, 18)
    assert resampled_shape(shape, spacing, 1.0, "torchio") == (320, 102, 17)
    assert resampled_shape(shape, spacing, 1.0, "monai") == (316, 103, 16)
    # one voxel stays one voxel for TorchIO; nnU-Net and MONAI may grow it
    assert resampled_shape((1, 4), (3.0, 1.0), 1.0, "torchio") == (1, 4)
    assert resampled_shape((1, 4), (3.0, 1.0), 1.0) == (3, 4)
    assert resampled_shape((1, 4), (3.0, 1.0), 1.0, "monai") == (1, 4)
    assert resampled_shape((3,), (1.0,), 10.0) == (1,)  # at least one voxel


@pytest.mark.parametrize("seed", range(6))
def test_resampled_shape_conventions_match_torchio_and_monai(seed):
    rng = np.random.default_rng(seed)
    shape = tuple(int(n) for n in rng.integers(2, 12, size=3))
    spacing = tuple(float(s) for s in rng.uniform(0.5, 4.0, size=3))
    new = tuple(float(s) for s in rng.uniform(0.5, 2.0, size=3))
    x = torch.zeros(1, *shape)
    got = tuple(torchio_resample(x, spacing, new).shape[1:])
    assert resampled_shape(shape, spacing, new, "torchio") == got
    got = tuple(monai_spacing(x, spacing, new).shape[1:])
    assert resampled_shape(shape, spacing, new, "monai") == got


def test_torchio_floor_can_drop_a_voxel_at_unchanged_spacing():
    # 7 * s / s is 6.999999999999999 in floating point for this s: TorchIO floors it
    # to 6 voxels although the spacing does not change; round keeps all 7
    s = 2.911105736507706
    x = torch.zeros(1, 7, 4, 4)
    assert torchio_resample(x, (s, 1.0, 1.0), (s, 1.0, 1.0)).shape[1] == 6
    assert resampled_shape((7, 4, 4), (s, 1.0, 1.0), (s, 1.0, 1.0), "torchio")[0] == 6
    assert resample(x, (s, 1.0, 1.0), (s, 1.0, 1.0))[0].shape == x.shape


def test_resampled_shape_rejects_bad_input():
    with pytest.raises(ValueError, match="convention"):
        resampled_shape((4, 4), (1.0, 1.0), 2.0, "scipy")
    with pytest.raises(ValueError, match="shape"):
        resampled_shape((4, 0), (1.0, 1.0), 2.0)
    with pytest.raises(ValueError, match="new_spacing"):
        resampled_shape((4, 4), (1.0, 1.0), (2.0, 2.0, 2.0))


# ---------------------------------------------------------------- resample: values


@pytest.mark.parametrize("seed", range(8))
def test_linear_equals_torchio(seed):
    shape, spacing, new = agreeing_case(seed)
    x = torch.randn(2, *shape, generator=gen(seed), dtype=torch.float64)  # (C, D, H, W)
    expected = torchio_resample(x, spacing, new)
    got, got_spacing = resample(x, spacing, new)
    assert got_spacing == new
    assert got.shape == expected.shape and got.dtype == x.dtype
    torch.testing.assert_close(got, expected, atol=1e-10, rtol=1e-10)


@pytest.mark.parametrize("seed", range(8))
def test_nearest_equals_torchio_label_map(seed):
    shape, spacing, new = agreeing_case(seed + 100)
    labels = torch.randint(0, 5, (1, *shape), generator=gen(seed))
    expected = torchio_resample(labels, spacing, new, label=True)
    got, _ = resample(labels, spacing, new, mode="nearest")
    assert got.dtype == labels.dtype
    torch.testing.assert_close(got, expected.to(labels.dtype), atol=0, rtol=0)


def test_benchmark_case_equals_torchio():
    # the benchmark's volume: 128 x 128 x 64 at 0.8 x 0.8 x 5 mm -> 1 mm (shapes agree)
    x = torch.rand(1, 64, 128, 128, generator=gen(0))
    expected = torchio_resample(x, (5.0, 0.8, 0.8), (1.0, 1.0, 1.0))
    got, _ = resample(x, (5.0, 0.8, 0.8), 1.0)
    assert got.shape == (1, 320, 102, 102)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)


def test_linear_equals_monai_where_the_grids_coincide():
    # (n - 1) s / s' whole and round(n s / s') = (n - 1) s / s' + 1: MONAI's grid
    # (first voxel kept) and ours (centre kept) are the same points
    shape, spacing, new = (6, 5, 11), (0.8, 1.25, 0.5), (1.0, 1.0, 1.0)
    assert resampled_shape(shape, spacing, new) == resampled_shape(
        shape, spacing, new, "monai"
    )
    x = torch.randn(1, *shape, generator=gen(1), dtype=torch.float64)
    got, _ = resample(x, spacing, new)
    torch.testing.assert_close(got.float(), monai_spacing(x, spacing, new))


def test_monai_keeps_the_first_voxel_we_keep_the_centre():
    # 12 voxels of 1 mm -> 1.5 mm: both give 8 voxels, placed differently. On a
    # ramp (value = voxel index) MONAI's grid starts at the first voxel centre
    # (0, 1.5, ..., 10.5); ours is centred on 5.5 (0.25, 1.75, ..., 10.75)
    ramp = torch.arange(12, dtype=torch.float64).view(1, 12, 1, 1).expand(1, 12, 2, 2)
    spacing, new = (1.0, 1.0, 1.0), (1.5, 1.0, 1.0)
    ours, _ = resample(ramp.contiguous(), spacing, new)
    theirs = monai_spacing(ramp.contiguous(), spacing, new)
    assert ours.shape == theirs.shape == (1, 8, 2, 2)
    torch.testing.assert_close(
        theirs[0, :, 0, 0].double(), torch.arange(8.0).double() * 1.5
    )
    torch.testing.assert_close(
        ours[0, :, 0, 0], 0.25 + torch.arange(8.0).double() * 1.5
    )


def test_linear_equals_grid_sample():
    # torch's trilinear sampler at the same centred grid: the separable 1D passes
    # compute the same trilinear interpolation
    x = torch.randn(2, 3, 7, 9, 6, generator=gen(2), dtype=torch.float64)
    spacing, new = (3.0, 0.7, 1.1), (1.3, 1.0, 0.45)
    got, _ = resample(x, spacing, new)
    axes = []
    for n, s, t, m in zip(x.shape[2:], spacing, new, got.shape[2:]):
        centre = (n - 1) / 2 + (
            torch.arange(m, dtype=torch.float64) - (m - 1) / 2
        ) * t / s
        axes.append((centre + 0.5) * 2 / n - 1)  # align_corners=False coordinates
    gz, gy, gx = torch.meshgrid(*axes, indexing="ij")
    grid = torch.stack([gx, gy, gz], dim=-1).expand(2, -1, -1, -1, -1)
    expected = F.grid_sample(x, grid, "bilinear", "border", align_corners=False)
    torch.testing.assert_close(got, expected)


def test_physical_coordinates_survive_resampling():
    # a volume whose value is the z coordinate in mm from the volume's centre:
    # after resampling, interior voxels hold their own new coordinate (same centre,
    # exactly the new spacing)
    n, s, t = 13, 2.5, 0.9
    z = (torch.arange(n, dtype=torch.float64) - (n - 1) / 2) * s
    x = z.view(1, n, 1, 1).expand(1, n, 3, 3).clone()
    got, spacing = resample(x, (s, 1.0, 1.0), (t, 1.0, 1.0))
    m = got.shape[1]
    expected = (torch.arange(m, dtype=torch.float64) - (m - 1) / 2) * t
    inside = expected.abs() <= z.max()
    torch.testing.assert_close(got[0, inside, 1, 1], expected[inside])
    assert spacing == (t, 1.0, 1.0) and m == round(n * s / t)


def test_batched_and_2d_agree_with_single_3d():
    x = torch.randn(2, 3, 5, 8, 9, generator=gen(3))
    spacing, new = (4.0, 0.8, 0.9), (1.5, 1.2, 0.6)
    batched, _ = resample(x, spacing, new)
    for i in range(2):
        torch.testing.assert_close(batched[i], resample(x[i], spacing, new)[0])
    # a 2D image (C, H, W) at (y, x) spacing is a one-slice volume
    image = x[0, :, 0]  # (C, H, W)
    flat, sp = resample(image, spacing[1:], new[1:])
    expected, _ = resample(image[:, None], (1.0, *spacing[1:]), (1.0, *new[1:]))
    assert sp == new[1:]
    torch.testing.assert_close(flat, expected[:, 0])


def test_unchanged_spacing_is_an_exact_copy():
    x = torch.randn(1, 4, 5, 6, generator=gen(4))
    got, _ = resample(x, (2.0, 1.0, 1.0), (2.0, 1.0, 1.0))
    assert torch.equal(got, x)
    labels = torch.randint(0, 3, (1, 4, 5, 6), generator=gen(4))
    assert torch.equal(
        resample(labels, (2.0, 1.0, 1.0), (2.0, 1.0, 1.0), mode="label")[0], labels
    )


# ---------------------------------------------------------------- resample: labels


@pytest.mark.parametrize("seed", range(4))
def test_label_mode_is_one_hot_linear_argmax(seed):
    # oracle: TorchIO's linear resampling of each one-hot channel, then argmax
    shape, spacing, new = agreeing_case(seed + 200)
    values = torch.tensor([0, 3, 7, 12])
    labels = values[torch.randint(0, 4, (1, *shape), generator=gen(seed))]
    one_hot = (labels == values.view(4, 1, 1, 1)).double()  # (4, D, H, W)
    expected = values[torchio_resample(one_hot, spacing, new).argmax(0, keepdim=True)]
    got, _ = resample(labels, spacing, new, mode="label")
    assert torch.equal(got, expected)


def test_label_mode_never_invents_labels():
    # labels 0 and 2 side by side: linear blending gives 1 on the border, a label
    # that was never there; "label" keeps {0, 2}
    labels = torch.zeros(1, 4, 4, 8, dtype=torch.long)
    labels[..., 4:] = 2
    blended, _ = resample(labels.double(), (1.0, 1.0, 1.0), (1.0, 1.0, 0.3))
    assert ((blended > 0.5) & (blended < 1.5)).any()
    got, _ = resample(labels, (1.0, 1.0, 1.0), (1.0, 1.0, 0.3), mode="label")
    assert set(got.unique().tolist()) == {0, 2}


def ball(shape, spacing, centre, radius):
    """Label map of a ball in mm, sampled at voxel centres (centred grid)."""
    axes = [
        (torch.arange(n, dtype=torch.float64) - (n - 1) / 2) * s
        for n, s in zip(shape, spacing)
    ]
    zz, yy, xx = torch.meshgrid(*axes, indexing="ij")
    d2 = (zz - centre[0]) ** 2 + (yy - centre[1]) ** 2 + (xx - centre[2]) ** 2
    return (d2 <= radius**2).long()[None]


def dice(a, b):
    return 2 * (a & b).sum().item() / (a.sum() + b.sum()).item()


@pytest.mark.parametrize("spacing", [(4.0, 4.0, 4.0), (5.0, 2.0, 2.0)])
def test_label_mode_gives_smoother_boundaries_than_nearest(spacing):
    # an 8 mm ball acquired at coarse voxels, brought to 1 mm, against the ball
    # drawn directly at 1 mm: the one-hot interpolation follows the curved
    # boundary better than the staircase of nearest neighbours
    shape = tuple(round(40 / s) for s in spacing)
    centre = (0.7, -1.3, 0.4)
    coarse = ball(shape, spacing, centre, 8.0)
    nearest, _ = resample(coarse, spacing, 1.0, mode="nearest")
    label, _ = resample(coarse, spacing, 1.0, mode="label")
    truth = ball(nearest.shape[1:], (1.0, 1.0, 1.0), centre, 8.0)
    d_nearest, d_label = (
        dice(nearest.bool(), truth.bool()),
        dice(label.bool(), truth.bool()),
    )
    assert d_label > d_nearest + 0.02, (d_label, d_nearest)


def test_tiny_lesion_needs_half_the_weight_in_label_mode():
    # one lesion voxel, 1 mm -> 0.6 mm in plane: the new centres closest to it sit
    # 0.3 input voxels off along y and x (centres at 2 + (i - 3.5) * 0.6). Nearest
    # keeps it (as 2 x 2 voxels); "label" gives it 0.7 * 0.7 = 0.49 of the weight
    # there, against 0.51 for the background, and loses it everywhere
    labels = torch.zeros(1, 1, 5, 5, dtype=torch.long)
    labels[0, 0, 2, 2] = 1
    spacing, new = (1.0, 1.0, 1.0), (1.0, 0.6, 0.6)
    assert resampled_shape((1, 5, 5), spacing, new) == (1, 8, 8)
    nearest, _ = resample(labels, spacing, new, mode="nearest")
    label, _ = resample(labels, spacing, new, mode="label")
    assert nearest.sum() == 4 and label.sum() == 0
    # at 0.4 mm the closest centres are 0.2 off: weight 0.8 * 0.8 = 0.64, kept
    label, _ = resample(labels, spacing, (1.0, 0.4, 0.4), mode="label")
    assert label.sum() == 4


def test_small_lesions_are_lost_by_label_mode_at_least_as_often():
    # 60 random lesions of about 1 voxel radius, 1 mm -> 1.5 mm: count those that
    # leave any voxel (measured to guard the docstring's claim, not assumed)
    rng = np.random.default_rng(0)
    kept = {"nearest": 0, "label": 0}
    for _ in range(60):
        labels = ball((12, 12, 12), (1.0, 1.0, 1.0), rng.uniform(-1, 1, 3), 1.0)
        for mode in kept:
            kept[mode] += int(resample(labels, (1.0,) * 3, 1.5, mode=mode)[0].any())
    assert kept["label"] < kept["nearest"], kept


# ---------------------------------------------------------------- resample: errors


@pytest.mark.parametrize(
    "spacing, new, error, match",
    [
        ((1.0, 1.0), 1.0, ValueError, "2-value spacing"),
        ((1.0, 1.0, 1.0, 1.0), 1.0, ValueError, "spacing: expected 2 or 3"),
        ((1.0, 0.0, 1.0), 1.0, ValueError, "positive"),
        ((1.0, -2.0, 1.0), 1.0, ValueError, "positive"),
        ((1.0, float("nan"), 1.0), 1.0, ValueError, "finite"),
        ((1.0, 1.0, 1.0), (1.0, 1.0), ValueError, "new_spacing: expected 3"),
        ((1.0, 1.0, 1.0), 0.0, ValueError, "new_spacing"),
        ((1.0, True, 1.0), 1.0, TypeError, "numbers"),
        ("1mm", 1.0, TypeError, "sequence"),
    ],
)
def test_resample_rejects_bad_spacing(spacing, new, error, match):
    with pytest.raises(error, match=match):
        resample(torch.zeros(1, 1, 4, 4, 4), spacing, new)


def test_resample_rejects_linear_labels_and_bad_modes():
    labels = torch.zeros(1, 4, 4, 4, dtype=torch.long)
    with pytest.raises(ValueError, match="label map"):
        resample(labels, (1.0, 1.0, 1.0), 2.0)  # mode="linear" by default
    with pytest.raises(ValueError, match="whole-number"):
        resample(torch.full((1, 4, 4, 4), 0.5), (1.0, 1.0, 1.0), 2.0, mode="label")
    with pytest.raises(ValueError, match="mode"):
        resample(torch.zeros(1, 4, 4, 4), (1.0, 1.0, 1.0), 2.0, mode="cubic")
    with pytest.raises(TypeError, match="volume"):
        resample(np.zeros((1, 4, 4, 4)), (1.0, 1.0, 1.0), 2.0)
    with pytest.raises(ValueError, match="volume"):
        resample(torch.zeros(4, 4, 4), (1.0, 1.0, 1.0), 2.0)  # no channel axis
    with pytest.raises(ValueError, match="empty"):
        resample(torch.zeros(1, 0, 4, 4), (1.0, 1.0, 1.0), 2.0)
    # float labels that are whole numbers are fine, and so are boolean masks
    got, _ = resample(torch.ones(1, 4, 4, 4), (1.0, 1.0, 1.0), 2.0, mode="label")
    assert torch.equal(got, torch.ones(1, 2, 2, 2))
    mask = torch.zeros(1, 4, 4, 4, dtype=torch.bool)
    mask[:, :2] = True
    for mode in ("label", "nearest"):
        got, _ = resample(mask, (1.0, 1.0, 1.0), (2.0, 1.0, 1.0), mode=mode)
        assert got.dtype == torch.bool and got[:, 0].all() and not got[:, 1].any()


@cuda
@pytest.mark.cuda
@pytest.mark.parametrize("mode", ["linear", "nearest", "label"])
def test_resample_on_cuda_equals_cpu(mode):
    x = torch.randn(1, 1, 9, 20, 20, generator=gen(5))
    if mode != "linear":
        x = (x > 0.5).long()
    expected, _ = resample(x, (5.0, 0.8, 0.8), 1.0, mode=mode)
    got, _ = resample(x.cuda(), (5.0, 0.8, 0.8), 1.0, mode=mode)
    assert got.device.type == "cuda"
    torch.testing.assert_close(got.cpu(), expected)


# ---------------------------------------------------------------- slices and 2.5D


volumes = st.tuples(
    st.integers(1, 2),
    st.integers(1, 3),
    st.integers(1, 6),
    st.integers(1, 4),
    st.integers(1, 4),
)


@settings(max_examples=40, deadline=None)
@given(shape=volumes, k=st.integers(0, 3))
def test_slices_and_stacks_invert_exactly(shape, k):
    v = torch.randn(shape, generator=gen(sum(shape)))
    N, C, D, H, W = shape
    s = to_slices(v)
    assert s.shape == (N * D, C, H, W)
    assert torch.equal(s[N * D - 1], v[N - 1, :, D - 1])  # slice n * D + z
    assert torch.equal(from_slices(s, D), v)
    assert torch.equal(to_slices(from_slices(s, D)), s)
    assert torch.equal(unstack_adjacent(stack_adjacent(v, k), k), v)
    assert torch.equal(to_slices(v[0]), to_slices(v[:1]))  # (C, D, H, W) too


@settings(max_examples=40, deadline=None)
@given(shape=volumes, k=st.integers(0, 3))
def test_stack_adjacent_by_definition(shape, k):
    # channel c * (2k + 1) + j at slice z is channel c at slice clamp(z + j - k)
    v = torch.randn(shape, generator=gen(7))
    N, C, D, H, W = shape
    got = stack_adjacent(v, k)
    assert got.shape == (N, C * (2 * k + 1), D, H, W)
    for c in range(C):
        for j in range(2 * k + 1):
            source = (torch.arange(D) + j - k).clamp(0, D - 1)
            assert torch.equal(got[:, c * (2 * k + 1) + j], v[:, c, source])


def test_stack_adjacent_repeats_edges_never_wraps():
    v = torch.arange(5.0).view(1, 5, 1, 1)  # slices 0..4 of one channel
    got = stack_adjacent(v, 2)[:, :, 0, 0].T  # (D, 2k + 1)
    assert got[0].tolist() == [0, 0, 0, 1, 2]
    assert got[4].tolist() == [2, 3, 4, 4, 4]
    assert stack_adjacent(v, 2).shape == (5, 5, 1, 1)  # 4-D in, 4-D out


def test_slicewise_equals_a_loop_over_slices():
    g = gen(8)
    v = torch.randn(2, 2, 6, 7, 5, generator=g)
    net2d = nn.Conv2d(2, 3, 3, padding=1).eval()
    expected = torch.stack([net2d(v[:, :, z]) for z in range(6)], dim=2)
    torch.testing.assert_close(SliceWise(net2d)(v), expected)
    # 2.5D, k = 1: slice z with z - 1 and z + 1 as channels; inner slices only
    net25 = nn.Conv2d(6, 3, 3, padding=1).eval()
    expected = torch.stack(
        [
            net25(torch.cat([v[:, c, z - 1 : z + 2] for c in range(2)], 1))
            for z in range(1, 5)
        ],
        dim=2,
    )
    torch.testing.assert_close(slicewise(net25, v, context=1), expected)


def test_slices_reject_bad_input():
    with pytest.raises(ValueError, match="volume"):
        to_slices(torch.zeros(3, 4, 4))
    with pytest.raises(ValueError, match="multiple of depth"):
        from_slices(torch.zeros(7, 1, 4, 4), depth=3)
    with pytest.raises(ValueError, match="k"):
        stack_adjacent(torch.zeros(1, 4, 4, 4), -1)
    with pytest.raises(ValueError, match="multiple of 2k"):
        unstack_adjacent(torch.zeros(1, 4, 4, 4, 4), 1)
    with pytest.raises(ValueError, match="context"):
        slicewise(nn.Identity(), torch.zeros(1, 1, 2, 4, 4), context=1)
    with pytest.raises(TypeError, match="volume"):
        to_slices(np.zeros((1, 1, 4, 4, 4)))


# ---------------------------------------------------------------- sliding windows


def monai_swi(model, x, roi, overlap, mode, sw_batch_size=4, sigma_scale=0.125):
    from monai.inferers import sliding_window_inference as reference

    with torch.no_grad():
        return reference(x, roi, sw_batch_size, model, overlap, mode, sigma_scale)


def net3d(c_in: int, c_out: int, seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv3d(c_in, 4, 3, padding=1), nn.ReLU(), nn.Conv3d(4, c_out, 1)
    ).eval()


@pytest.mark.parametrize(
    "shape, roi, overlap, mode, batch",
    [
        ((2, 1, 20, 24, 17), (8, 12, 10), 0.25, "constant", 4),
        ((1, 2, 20, 24, 17), (8, 12, 10), 0.5, "gaussian", 3),
        ((1, 1, 13, 9, 30), (5, 9, 7), (0.6, 0.0, 0.3), "gaussian", 1),
        ((2, 1, 6, 16, 16), (8, 10, 20), 0.25, "gaussian", 5),  # windows larger: padded
        ((1, 1, 11, 12, 13), (11, -1, None), 0.25, "constant", 2),  # whole axes
    ],
)
def test_sliding_window_3d_equals_monai(shape, roi, overlap, mode, batch):
    x = torch.randn(shape, generator=gen(9))
    model = net3d(shape[1], 3, seed=0)
    expected = monai_swi(model, x, roi, overlap, mode, batch)
    got = sliding_window_inference(model, x, roi, overlap, mode, sw_batch_size=batch)
    assert got.shape == (shape[0], 3, *shape[2:])
    torch.testing.assert_close(got, expected)


def test_sliding_window_sigma_scale_and_2d_images_equal_monai():
    x = torch.randn(2, 3, 37, 29, generator=gen(10))  # (N, C, H, W) images
    torch.manual_seed(1)
    model = nn.Conv2d(3, 2, 3, padding=1).eval()
    for sigma in (0.125, (0.3, 0.05)):
        expected = monai_swi(model, x, (16, 12), 0.4, "gaussian", 2, sigma)
        got = sliding_window_inference(
            model, x, (16, 12), 0.4, "gaussian", sw_batch_size=2, sigma_scale=sigma
        )
        torch.testing.assert_close(got, expected)
    unbatched = sliding_window_inference(model, x[0], (16, 12), 0.4)
    torch.testing.assert_close(
        unbatched, sliding_window_inference(model, x, (16, 12), 0.4)[0]
    )


@pytest.mark.parametrize("roi", [(1, 12, 12), (3, 16, 9)])
def test_sliding_window_2d_per_slice_equals_monai(roi):
    x = torch.randn(1, 2, 7, 20, 18, generator=gen(11))
    torch.manual_seed(2)
    model = SliceWise(nn.Conv2d(2, 3, 3, padding=1)).eval()
    expected = monai_swi(model, x, roi, 0.5, "gaussian")
    got = sliding_window_inference(model, x, roi, 0.5, "gaussian")
    torch.testing.assert_close(got, expected)


@pytest.mark.parametrize("k, roi", [(1, (1, 12, 12)), (2, (3, 10, 14))])
def test_sliding_window_2_5d_context_equals_monai_on_stacked_volume(k, roi):
    # context=k hands each window k more slices per side (edges repeated):
    # the same as MONAI on the volume stacked with its neighbours as channels
    x = torch.randn(2, 1, 9, 20, 18, generator=gen(12))
    torch.manual_seed(3)
    net = nn.Conv2d(2 * k + 1, 2, 3, padding=1).eval()
    expected = monai_swi(SliceWise(net), stack_adjacent(x, k), roi, 0.25, "gaussian")
    got = sliding_window_inference(
        SliceWise(net, k), x, roi, 0.25, "gaussian", context=k
    )
    torch.testing.assert_close(got, expected)


@settings(max_examples=60, deadline=None)
@given(size=st.integers(1, 80), roi=st.integers(1, 80), overlap=st.floats(0, 0.95))
def test_window_starts_equal_monai(size, roi, overlap):
    from monai.data.utils import dense_patch_slices
    from monai.inferers.utils import _get_scan_interval

    roi = min(roi, size)
    interval = _get_scan_interval((size,), (roi,), 1, (overlap,))
    expected = [s[0].start for s in dense_patch_slices((size,), (roi,), interval)]
    assert window_starts(size, roi, overlap) == expected


@pytest.mark.parametrize("roi", [(5,), (16, 16), (7, 12, 3), (1, 10, 10)])
@pytest.mark.parametrize("mode", ["constant", "gaussian"])
def test_importance_map_equals_monai(roi, mode):
    from monai.data.utils import compute_importance_map

    for sigma in (0.125, 0.3):
        expected = compute_importance_map(roi, mode, sigma, "cpu", torch.float32)
        assert torch.equal(importance_map(roi, mode, sigma), expected)


class _LargestTensors(TorchDispatchMode):
    """Records the storages of every tensor that an op returns."""

    def __init__(self):
        super().__init__()
        self.storages = {}

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in out if isinstance(out, (tuple, list)) else [out]:
            if isinstance(t, torch.Tensor):
                storage = t.untyped_storage()
                self.storages[storage.data_ptr()] = storage.nbytes()
        return out


def test_sliding_window_builds_no_volume_sized_weight_map():
    # the only new volume-sized tensor is the output: MONAI also builds a count
    # map of the volume's size; here the weights are summed per band of slices
    # windows, activations and bands stay under a quarter of one channel here
    x = torch.randn(1, 1, 40, 40, 40, generator=gen(13))
    model = net3d(1, 1, seed=4)
    one_channel = x.numel() * x.element_size()
    counts = {}
    for fn in (sliding_window_inference, monai_swi):
        with _LargestTensors() as seen:
            fn(model, x, (8, 8, 8), 0.5, "gaussian")
        seen.storages.pop(x.untyped_storage().data_ptr(), None)  # views of the input
        counts[fn] = sum(n >= one_channel // 4 for n in seen.storages.values())
    assert counts[sliding_window_inference] == 1  # the output alone
    assert counts[monai_swi] >= 2  # the control: MONAI's output and its count map


def test_sliding_window_rejects_bad_input():
    x = torch.zeros(1, 1, 8, 8, 8)
    model = net3d(1, 1, seed=0)
    with pytest.raises(ValueError, match="overlap"):
        sliding_window_inference(model, x, (4, 4, 4), 1.0)
    with pytest.raises(ValueError, match="mode"):
        sliding_window_inference(model, x, (4, 4, 4), 0.25, "median")
    with pytest.raises(ValueError, match="roi_size"):
        sliding_window_inference(model, x, (4, 4), 0.25)
    with pytest.raises(ValueError, match="sw_batch_size"):
        sliding_window_inference(model, x, 4, sw_batch_size=0)
    with pytest.raises(ValueError, match="context"):
        sliding_window_inference(model, x, 4, context=-1)
    with pytest.raises(TypeError, match="floating"):
        sliding_window_inference(model, x.long(), 4)
    with pytest.raises(ValueError, match="model"):  # a model that shrinks its input
        sliding_window_inference(nn.Conv3d(1, 1, 3).eval(), x, 4)


@cuda
@pytest.mark.cuda
def test_sliding_window_on_cuda_equals_cpu():
    x = torch.randn(1, 1, 20, 24, 17, generator=gen(14))
    model = net3d(1, 2, seed=5)
    expected = sliding_window_inference(model, x, (8, 12, 10), 0.5, "gaussian")
    got = sliding_window_inference(model.cuda(), x.cuda(), (8, 12, 10), 0.5, "gaussian")
    torch.testing.assert_close(got.cpu(), expected, atol=1e-5, rtol=1e-4)


# ---------------------------------------------------------------- kernels for a spacing


@pytest.mark.parametrize(
    "spacing, expected",
    [
        ((5.0, 0.8, 0.8), 6.25),
        ((2.0, 2.0, 2.0), 1.0),
        ((8.0, 4.0, 4.0), 2.0),
        ((0.5, 2.0), 4.0),
    ],
)
def test_anisotropy(spacing, expected):
    assert anisotropy(spacing) == pytest.approx(expected)


# Expected plans worked out by hand from nnU-Net's rule (min_size 4: an axis needs
# 8 voxels to be pooled, one axis alone 12); they also match nnU-Net v2's
# get_pool_and_conv_props wherever that function runs (it raises IndexError on
# functional.nii's 3-slice patch, see plan_kernels' docstring).
NIBABEL_PLANS = {
    # 2 mm isotropic, 25 x 41 x 33: pool everything twice, then z (7 < 8) stops
    "anatomical.nii": ((2, 3, 3), [(3, 3, 3)] * 4),
    # 2.2 x 2 x 2 mm is within a factor 2: isotropic treatment; x pooled a 4th
    # time needs 12 voxels alone and has 8, so the plan stops
    "example4d.nii.gz": ((2, 4, 4), [(3, 3, 3)] * 5),
    # 8 x 4 x 4 mm: z exactly twice as coarse, kernel 1 and no pooling until the
    # in-plane pooling brings y and x to 8 mm; the 3 slices are never pooled
    "functional.nii": ((0, 2, 2), [(1, 3, 3), (3, 3, 3), (3, 3, 3)]),
}


@pytest.mark.parametrize("name", sorted(NIBABEL_PLANS))
def test_plan_kernels_for_nibabel_volumes(name):
    volume, spacing, _ = load_nifti(
        nibabel_sample_path(name)
    )  # spacing from the affine
    plan = plan_kernels(spacing, volume.shape[1:])  # the whole volume as the patch
    pools, kernels = NIBABEL_PLANS[name]
    assert plan.pools_per_axis == pools
    assert list(plan.kernel_sizes) == kernels
    assert plan.spacings[0] == pytest.approx(spacing)
    assert plan.sizes[-1] == tuple(
        math.ceil(n / 2**p) for n, p in zip(volume.shape[1:], pools)
    )


def test_plan_kernels_anisotropic_by_hand():
    # 0.8 x 0.8 x 5 mm, 16 x 64 x 64 crop: in-plane only while z is > 2x coarser
    # (5 / 0.8, 5 / 1.6), kernel 1 along z; at 3.2 mm in plane, 5 / 3.2 < 2: 3D
    plan = plan_kernels((5.0, 0.8, 0.8), (16, 64, 64))
    assert plan.kernel_sizes == ((1, 3, 3), (1, 3, 3), (3, 3, 3), (3, 3, 3), (3, 3, 3))
    assert plan.pool_sizes == ((1, 1, 1), (1, 2, 2), (1, 2, 2), (2, 2, 2), (2, 2, 2))
    assert plan.spacings[2] == pytest.approx((5.0, 3.2, 3.2))
    assert plan.sizes[-1] == (4, 4, 4)
    # a prostate-MRI-like 3.6 x 0.625 x 0.625 mm at 20 x 320 x 256
    plan = plan_kernels((3.6, 0.625, 0.625), (20, 320, 256))
    assert plan.pools_per_axis == (2, 6, 6)
    assert plan.kernel_sizes[:3] == ((1, 3, 3), (1, 3, 3), (3, 3, 3))
    # a cap on poolings per axis ends the plan earlier; 2D works the same way
    assert plan_kernels((1.0, 1.0, 1.0), (64, 64, 64), max_pools=2).pools_per_axis == (
        2,
        2,
        2,
    )
    assert plan_kernels((0.5, 1.5), (64, 64)).kernel_sizes[0] == (3, 1)


def test_plan_kernels_rejects_bad_input():
    with pytest.raises(ValueError, match="patch_size"):
        plan_kernels((1.0, 1.0, 1.0), (32, 32))
    with pytest.raises(ValueError, match="spacing"):
        plan_kernels((1.0, -1.0, 1.0), (32, 32, 32))
    with pytest.raises(ValueError, match="min_size"):
        plan_kernels((1.0, 1.0, 1.0), (32, 32, 32), min_size=0)
