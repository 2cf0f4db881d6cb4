"""medlearn.io: NIfTI round trips are exact; bad files raise clear errors."""

from __future__ import annotations

import gzip

import nibabel as nib
import numpy as np
import pytest
import torch

from medlearn.io import (
    NiftiError,
    load_nifti,
    nibabel_sample_path,
    save_nifti,
    spacing_from_affine,
)


@pytest.mark.parametrize(
    "name, shape, spacing",
    [
        ("anatomical.nii", (1, 25, 41, 33), (2.0, 2.0, 2.0)),
        ("example4d.nii.gz", (2, 24, 96, 128), (2.2, 2.0, 2.0)),
        ("functional.nii", (20, 3, 21, 17), (8.0, 4.0, 4.0)),
    ],
)
def test_load_the_volumes_nibabel_ships(name, shape, spacing):
    x, sp, affine = load_nifti(nibabel_sample_path(name))
    assert tuple(x.shape) == shape
    assert sp == pytest.approx(spacing, abs=1e-5)
    ref = nib.load(str(nibabel_sample_path(name)))
    # medlearn's (c, z, y, x) is nibabel's (x, y, z[, c]) transposed
    arr = np.asanyarray(ref.dataobj)
    arr = arr[..., None] if arr.ndim == 3 else arr
    np.testing.assert_array_equal(x.numpy(), arr.transpose(3, 2, 1, 0))
    np.testing.assert_array_equal(affine, ref.affine)


@pytest.mark.parametrize(
    "dtype", [torch.float32, torch.int16, torch.uint8, torch.float64]
)
@pytest.mark.parametrize("suffix", [".nii", ".nii.gz"])
def test_round_trip_is_exact(tmp_path, dtype, suffix):
    x = (torch.rand(2, 5, 6, 7) * 100).to(dtype)
    affine = np.array(
        [[0.75, 0, 0, -10.0], [0, 0.75, 0, 4.5], [0, 0, 5.0, 2.0], [0, 0, 0, 1]]
    )
    path = save_nifti(tmp_path / f"x{suffix}", x, affine=affine)
    y, spacing, affine2 = load_nifti(path)
    assert y.dtype == dtype and torch.equal(x, y)
    np.testing.assert_array_equal(affine, affine2)
    assert spacing == (5.0, 0.75, 0.75)


def test_spacing_from_a_rotated_affine():
    theta = np.pi / 6
    rot = np.array(
        [
            [np.cos(theta), -np.sin(theta), 0],
            [np.sin(theta), np.cos(theta), 0],
            [0, 0, 1],
        ]
    )
    affine = np.eye(4)
    affine[:3, :3] = rot @ np.diag([0.8, 0.9, 3.0])
    assert spacing_from_affine(affine) == pytest.approx((3.0, 0.9, 0.8))


def test_missing_truncated_and_foreign_files(tmp_path):
    with pytest.raises(NiftiError, match="no such file"):
        load_nifti(tmp_path / "nope.nii")
    good = save_nifti(tmp_path / "good.nii", torch.rand(1, 8, 8, 8))
    truncated = tmp_path / "truncated.nii"
    truncated.write_bytes(good.read_bytes()[:600])
    with pytest.raises(NiftiError, match="truncated|not a readable"):
        load_nifti(truncated)
    gz = tmp_path / "truncated.nii.gz"
    gz.write_bytes(gzip.compress(good.read_bytes())[:300])
    with pytest.raises(NiftiError):
        load_nifti(gz)
    text = tmp_path / "notes.nii"
    text.write_text("this is not an image")
    with pytest.raises(NiftiError):
        load_nifti(text)


def test_save_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError, match=".nii"):
        save_nifti(tmp_path / "x.png", torch.zeros(2, 2, 2))
    with pytest.raises(ValueError, match=r"\(C, D, H, W\)"):
        save_nifti(tmp_path / "x.nii", torch.zeros(2, 2))
    with pytest.raises(ValueError, match="disagrees"):
        save_nifti(
            tmp_path / "x.nii",
            torch.zeros(2, 2, 2),
            affine=np.eye(4),
            spacing=(2.0, 1.0, 1.0),
        )
