"""medlearn.data: phantoms are deterministic, geometrically exact, and sites differ only in physics."""

from __future__ import annotations

import math

import pytest
import torch

from medlearn import data


def test_phantom_2d_is_deterministic_and_seed_dependent():
    a, b = data.phantom_2d(48, seed=3), data.phantom_2d(48, seed=3)
    assert torch.equal(a.image, b.image) and torch.equal(a.mask, b.mask)
    c = data.phantom_2d(48, seed=4)
    assert not torch.equal(a.image, c.image)


@pytest.mark.parametrize("lesions", ["blobs", "vessels"])
def test_ground_truth_is_consistent(lesions):
    p = data.phantom_2d(64, seed=1, lesions=lesions, n_lesions=2)
    assert p.image.shape == (1, 64, 64) and p.image.dtype == torch.float32
    assert p.mask.shape == (64, 64) and p.mask.dtype == torch.int64
    assert set(p.mask.unique().tolist()) <= {0, 1, 2}
    assert p.label == int(p.lesion_mask.any())
    # lesions lie inside the organ, and every lesion pixel is inside some box
    assert (p.lesion_mask <= p.organ_mask).all()
    inside = torch.zeros_like(p.lesion_mask)
    for x0, y0, x1, y1 in p.boxes.long().tolist():
        inside[y0:y1, x0:x1] = True
    assert (p.lesion_mask <= inside).all()
    # boxes are tight: each touches lesion pixels on all four sides
    for x0, y0, x1, y1 in p.boxes.long().tolist():
        crop = p.lesion_mask[y0:y1, x0:x1]
        assert (
            crop[0].any() and crop[-1].any() and crop[:, 0].any() and crop[:, -1].any()
        )


def test_vessels_are_thin_and_blobs_are_compact():
    from scipy import ndimage

    v = data.phantom_2d(64, seed=2, lesions="vessels", n_lesions=1).lesion_mask.numpy()
    b = data.phantom_2d(64, seed=2, lesions="blobs", n_lesions=1).lesion_mask.numpy()
    # one erosion removes almost all of a 1-2 pixel wide vessel, little of a blob
    assert ndimage.binary_erosion(v).sum() < 0.2 * v.sum()
    assert ndimage.binary_erosion(b).sum() > 0.4 * b.sum()


def test_lesions_are_round_in_millimetres_not_voxels():
    p = data.phantom_3d((24, 48, 48), seed=5, n_lesions=1, spacing=(2.0, 1.0, 1.0))
    idx = p.lesion_mask.nonzero().float()
    extent_mm = (idx.max(0).values - idx.min(0).values + 1) * torch.tensor(p.spacing)
    # a sphere (possibly clipped by the organ) is not stretched along z by the 2 mm spacing
    assert extent_mm[0] <= extent_mm[1:].max() + 2 * p.spacing[0]


def test_sites_render_the_same_anatomy_differently():
    a, b = data.phantom_2d(48, seed=9, site="A"), data.phantom_2d(48, seed=9, site="B")
    assert torch.equal(a.mask, b.mask) and a.patient == b.patient
    assert not torch.allclose(a.image, b.image, atol=0.05)


def test_3d_phantom_shapes_and_boxes():
    p = data.phantom_3d((16, 32, 32), seed=0, n_lesions=2)
    assert p.image.shape == (1, 16, 32, 32) and p.spacing == (5.0, 0.8, 0.8)
    assert p.boxes.shape[1] == 6


@pytest.mark.parametrize("dims", [2, 3])
def test_boxes_list_the_last_axis_first_in_2d_and_3d(dims):
    """One box order: (x0, y0[, z0], x1, y1[, z1]); mask[z0:z1, y0:y1, x0:x1] is tight."""
    make = data.phantom_2d if dims == 2 else data.phantom_3d
    size = 48 if dims == 2 else (20, 40, 36)
    p = make(size, seed=4, n_lesions=2, spacing=(1.0,) * dims)
    assert p.boxes.shape == (p.label * len(p.boxes), 2 * dims) and len(p.boxes) > 0
    inside = torch.zeros_like(p.lesion_mask)
    for box in p.boxes.long().tolist():
        lo, hi = box[:dims][::-1], box[dims:][::-1]  # back to (z, y, x) order
        region = tuple(slice(a, b) for a, b in zip(lo, hi))
        inside[region] = True
        crop = p.lesion_mask[region]
        for axis in range(dims):  # tight: lesion voxels on both faces of every axis
            assert crop.narrow(axis, 0, 1).any() and crop.narrow(axis, -1, 1).any()
    assert (p.lesion_mask <= inside).all()


def test_boxes_from_masks_by_hand():
    m2 = torch.zeros(5, 7, dtype=torch.bool)
    m2[1:4, 2:6] = True  # rows (y) 1..3, columns (x) 2..5
    assert data.boxes_from_masks([m2], 2).tolist() == [[2.0, 1.0, 6.0, 4.0]]
    m3 = torch.zeros(4, 5, 6, dtype=torch.bool)
    m3[1:3, 0:2, 3:6] = True  # z 1..2, y 0..1, x 3..5
    assert data.boxes_from_masks([m3], 3).tolist() == [[3.0, 0.0, 1.0, 6.0, 2.0, 3.0]]
    assert data.boxes_from_masks([torch.zeros(4, 4, 4, dtype=torch.bool)], 3).shape == (
        0,
        6,
    )


def test_phantom_is_an_anatomy_rendered_by_one_acquisition():
    p = data.phantom_2d(40, seed=11, site="B", n_lesions=1)
    g = torch.Generator().manual_seed(11)
    anatomy = data.sample_anatomy((40, 40), (1.0, 1.0), g, n_lesions=1)
    acquisition = data.sample_acquisition("B", g, anatomy.shape)
    assert torch.equal(data.render(anatomy, acquisition), p.image)
    assert torch.equal(anatomy.mask, p.mask) and torch.equal(anatomy.boxes, p.boxes)
    # the scan replays from its record, and the record prints without the noise field
    assert torch.equal(data.render(p.anatomy, p.acquisition), p.image)
    text = repr(p.acquisition)
    assert text.startswith("Acquisition(site='B', gamma=0.7") and "tensor" not in text


def test_travelling_subject_one_anatomy_at_every_site():
    g = torch.Generator().manual_seed(5)
    anatomy = data.sample_anatomy((48, 48), (1.0, 1.0), g, n_lesions=2)
    images = {
        s: data.render(anatomy, data.sample_acquisition(s, g, anatomy.shape))
        for s in data.SITES
    }
    organ, background = anatomy.organ_mask, anatomy.mask == 0
    contrast = {
        s: (im[0][organ].mean() - im[0][background].mean()) for s, im in images.items()
    }
    # same body, different physics: the images and their organ contrast differ by site
    assert not torch.allclose(images["A"], images["B"], atol=0.05)
    assert len({round(float(c), 3) for c in contrast.values()}) == 3
    # a scanner with no physics shows the clean tissue
    ideal = data.Site("ideal", blur=0.0, bias=0.0, noise=0.0)
    clean = data.render(anatomy, data.sample_acquisition(ideal, g, anatomy.shape))
    assert torch.equal(clean[0], anatomy.tissue.clamp(min=0))


def test_acquisition_parameters_follow_the_site():
    g = torch.Generator().manual_seed(0)
    flat = data.sample_acquisition(data.Site("flat", bias=0.0), g, (8, 8, 8))
    assert flat.bias_coefficients == (0.0,) * 9  # 3 linear + 6 quadratic terms
    field = data.bias_field((8, 8), (1.0, 1.0), (0.3, -0.2, 0.1, 0.0, 0.05))
    assert field.shape == (8, 8) and (field > 0).all()
    # the log field is the polynomial: linear in x along the middle row when only c_x is set
    lin = data.bias_field((9, 9), (1.0, 1.0), (0.0, 0.5, 0.0, 0.0, 0.0)).log()
    x = data.normalised_grid((9, 9), (1.0, 1.0))[1]
    torch.testing.assert_close(lin, 0.5 * x)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda g: data.sample_acquisition("Z", g, (8, 8)), "site"),
        (lambda g: data.bias_field((8, 8), (1.0, 1.0), (0.1,) * 9), "coefficients"),
        (
            lambda g: data.render(
                data.sample_anatomy((8, 8), (1.0, 1.0), g),
                data.sample_acquisition("A", g, (8, 9)),
            ),
            "acquisition",
        ),
        (lambda g: data.sample_anatomy((8, 8), (1.0,), g), "spacing"),
    ],
)
def test_acquisition_rejects_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call(torch.Generator().manual_seed(0))


def test_dataset_and_batch():
    ds = data.make_dataset(5, seed=2, size=32)
    item = ds[4]
    assert item["image"].shape == (1, 32, 32) and item["mask"].shape == (32, 32)
    x, y = data.batch(5, seed=2, size=32)
    assert torch.equal(x[4], item["image"]) and torch.equal(y[4], item["mask"])
    assert not torch.equal(data.batch(5, seed=3, size=32)[0], x)
    with pytest.raises(IndexError):
        ds.phantom(5)


def test_label_depends_on_age():
    ds = data.make_dataset(200, seed=0, size=24)
    rows = [(ds.phantom(i).patient["age"], ds.phantom(i).label) for i in range(200)]
    young = [lab for age, lab in rows if age < 45]
    old = [lab for age, lab in rows if age >= 65]
    assert sum(old) / len(old) > sum(young) / len(young)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"lesions": "tumour"}, "lesions"),
        ({"site": "Z"}, "site"),
        ({"size": 4}, "size"),
        ({"spacing": (1.0, -1.0)}, "spacing"),
        ({"spacing": (1.0, 1.0, 1.0)}, "spacing"),
        ({"n_lesions": -1}, "n_lesions"),
    ],
)
def test_phantom_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.phantom_2d(**kwargs)


@pytest.mark.parametrize(
    "loader, channels",
    [
        (data.load_retina, 3),
        (data.load_microaneurysms, 1),
        (data.load_ihc, 3),
        (data.load_shepp_logan, 1),
        (data.load_mri_slice, 1),
    ],
)
def test_real_samples_load_offline(loader, channels):
    img, spacing = loader()
    assert img.dim() == 3 and img.shape[0] == channels and img.dtype == torch.float32
    assert 0.0 <= img.min() and img.max() <= 1.0 and img.std() > 0.01
    assert len(spacing) == 2 and all(math.isfinite(s) and s > 0 for s in spacing)


def test_gaussian_blur_builds_its_kernel_on_the_input_device():
    x = torch.rand(6, 9, 8, generator=torch.Generator().manual_seed(0))
    expected = data.gaussian_blur(x, 1.5)
    with torch.device("meta"):  # a default device that holds no data
        assert torch.equal(data.gaussian_blur(x, 1.5), expected)


# --- the study cohort (chapter 11) ---


@pytest.fixture(scope="module")
def cohort():
    return data.sample_cohort(12, size=(4, 16, 16), seed=3)


def test_cohort_rows_agree_and_follow_ups_are_the_same_body(cohort):
    n = len(cohort)
    assert cohort.images.shape == (n, 1, 4, 16, 16) and cohort.masks.shape == (
        n,
        4,
        16,
        16,
    )
    for field in ("patient_ids", "site", "sex", "lesion_kind"):
        assert len(getattr(cohort, field)) == n
    assert len(cohort.visit) == len(cohort.age) == len(cohort.group) == n
    rows_of: dict[str, list[int]] = {}
    for i, p in enumerate(cohort.patient_ids):
        rows_of.setdefault(p, []).append(i)
    assert len(rows_of) == cohort.n_patients == 12 and n > 12  # some follow-ups
    for rows in rows_of.values():
        assert cohort.visit[rows].tolist() == list(range(len(rows)))
        for field in ("site", "sex", "lesion_kind"):
            assert len({getattr(cohort, field)[i] for i in rows}) == 1
        for i in rows[1:]:
            assert torch.equal(cohort.masks[i], cohort.masks[rows[0]])  # same anatomy
            assert not torch.equal(cohort.images[i], cohort.images[rows[0]])  # new scan


def test_cohort_replays_and_a_patient_does_not_depend_on_the_cohort_size(cohort):
    again = data.sample_cohort(12, size=(4, 16, 16), seed=3)
    assert torch.equal(again.images, cohort.images)
    small = data.sample_cohort(5, size=(4, 16, 16), seed=3)
    k = len(small)
    assert small.patient_ids == cohort.patient_ids[:k]
    assert torch.equal(small.images, cohort.images[:k])
    other = data.sample_cohort(5, size=(4, 16, 16), seed=4)
    assert not torch.equal(other.masks[0], small.masks[0])


def test_cohort_subset_keeps_rows_together(cohort):
    rows = torch.tensor([3, 0, 5])
    sub = cohort.subset(rows)
    assert sub.patient_ids == [cohort.patient_ids[i] for i in rows.tolist()]
    assert torch.equal(sub.images, cohort.images[rows])
    assert sub.site == [cohort.site[i] for i in rows.tolist()]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_patients": 0}, "n_patients"),
        ({"sites": ()}, "at least one site"),
        ({"sites": ("Z",)}, "site"),
        ({"size": (16, 16)}, "3 axes"),
        ({"max_scans": 0}, "max_scans"),
    ],
)
def test_cohort_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.sample_cohort(**kwargs)


# ------------------------------------------------ thick slices (chapter 05)
@pytest.mark.parametrize("shape", [(1, 8, 5, 6), (2, 3, 12, 4, 4)])
def test_thick_slices_equal_block_reduce_mean(shape):
    from skimage.measure import block_reduce

    x = torch.randn(shape, generator=torch.Generator().manual_seed(0))
    thick, spacing = data.thick_slices(x, (1.25, 0.8, 0.7), 4)
    block = (1,) * (x.ndim - 3) + (4, 1, 1)
    ref = block_reduce(x.numpy(), block, func=__import__("numpy").mean)
    assert spacing == (5.0, 0.8, 0.7)
    assert thick.shape == ref.shape
    torch.testing.assert_close(thick, torch.from_numpy(ref))


def test_thick_labels_are_the_slab_majority_like_scipy_mode():
    import numpy as np
    from scipy import stats
    from skimage.measure import block_reduce

    labels = torch.randint(
        0, 3, (1, 12, 6, 7), generator=torch.Generator().manual_seed(1)
    )
    thick, _ = data.thick_slices(labels, (1.0, 1.0, 1.0), 4, labels=True)

    def mode(a, axis):  # the most frequent value, the lowest one on ties
        return stats.mode(a, axis=axis, keepdims=False).mode

    ref = block_reduce(labels.numpy(), (1, 4, 1, 1), func=mode)
    assert thick.dtype == labels.dtype
    assert np.array_equal(thick.numpy(), ref)


def test_thick_slices_blur_a_thin_structure_partial_volume():
    x = torch.zeros(1, 8, 3, 3)
    x[0, 5] = 1.0  # one bright fine slice inside the second slab of 4
    thick, _ = data.thick_slices(x, (1.0, 1.0, 1.0), 4)
    assert thick[0, :, 1, 1].tolist() == [0.0, 0.25]  # a quarter of its contrast
    labels, _ = data.thick_slices(x.long(), (1.0, 1.0, 1.0), 4, labels=True)
    assert labels.sum() == 0  # too thin to win its slab's vote


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((torch.zeros(1, 10, 4, 4), (1.0, 1.0, 1.0), 4), {}, ValueError, "factor"),
        ((torch.zeros(1, 8, 4, 4), (1.0, 1.0, 1.0), 0), {}, ValueError, "factor"),
        ((torch.zeros(8, 4, 4), (1.0, 1.0, 1.0), 2), {}, ValueError, "volume"),
        ((torch.zeros(1, 8, 4, 4), (1.0, 1.0), 2), {}, ValueError, "spacing"),
        ((torch.zeros(1, 8, 4, 4), (1.0, -1.0, 1.0), 2), {}, ValueError, "spacing"),
        (
            (torch.zeros(1, 8, 4, 4, dtype=torch.long), (1, 1, 1), 2),
            {},
            TypeError,
            "labels",
        ),
    ],
)
def test_thick_slices_reject_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        data.thick_slices(*args, **kwargs)


def test_tubes_cross_every_slice_and_spheres_do_not():
    image, mask = data.tubes_and_spheres((48, 40, 40), seed=3, n_tubes=1, n_spheres=3)
    assert image.shape == (1, 48, 40, 40) and image.dtype == torch.float32
    slices_with = {k: int((mask == k).flatten(1).any(1).sum()) for k in (1, 2)}
    assert slices_with[1] == 48  # the tube crosses the whole volume
    assert slices_with[2] < 48 * 0.75  # spheres: a few mm, a part of the 60 mm
    again, same = data.tubes_and_spheres((48, 40, 40), seed=3, n_tubes=1, n_spheres=3)
    assert torch.equal(image, again) and torch.equal(mask, same)
    # in one axial slice, the two look alike: the same brightness range
    for k in (1, 2):
        assert 0.45 < image[0][mask == k].mean() < 1.1


def test_tubes_and_spheres_reject_bad_arguments():
    with pytest.raises(ValueError, match="radius"):
        data.tubes_and_spheres(radius=(3.0, 2.0))
    with pytest.raises(ValueError, match="size"):
        data.tubes_and_spheres(size=(8, 8))
