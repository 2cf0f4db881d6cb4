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
