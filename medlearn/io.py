"""NIfTI in and out through nibabel, keeping the affine and the spacing.

Medical volumes are stored x-fastest on disk with an affine that maps voxel
indices to millimetres. medlearn works channel-first in ``(z, y, x)`` order, so
loading transposes the array and reverses the spacing; saving undoes exactly
that, so a round trip returns the same data, dtype and affine.

See chapter 05 (volumes) and the test volumes that nibabel ships
(:func:`nibabel_sample_path`).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

__all__ = [
    "NiftiError",
    "load_nifti",
    "save_nifti",
    "spacing_from_affine",
    "nibabel_sample_path",
]


class NiftiError(ValueError):
    """A file is missing, truncated or not a NIfTI image."""


def spacing_from_affine(affine: np.ndarray) -> tuple[float, ...]:
    """Voxel size in mm, in ``(z, y, x)`` order, from a 4×4 affine.

    The spacing along voxel axis ``i`` is the length of column ``i`` of the
    affine's 3×3 part (valid for rotated and sheared grids too).

    Args:
        affine: ``(4, 4)`` voxel-to-world matrix.

    Returns:
        ``(sz, sy, sx)`` in millimetres, rounded to 5 decimals (NIfTI stores
        the affine in float32).

    Raises:
        ValueError: if ``affine`` is not 4×4 or has a zero-length column.

    Example:
        >>> spacing_from_affine(np.diag([0.8, 0.8, 5.0, 1.0]))
        (5.0, 0.8, 0.8)
    """
    affine = np.asarray(affine, dtype=np.float64)
    if affine.shape != (4, 4):
        raise ValueError(f"affine: expected shape (4, 4), got {affine.shape}")
    xyz = np.linalg.norm(affine[:3, :3], axis=0)
    if np.any(xyz <= 0) or not np.all(np.isfinite(xyz)):
        raise ValueError(f"affine: voxel sizes must be positive and finite, got {xyz}")
    # NIfTI stores the affine in float32: round away its representation error
    return tuple(round(float(s), 5) for s in xyz[::-1])


def load_nifti(
    path: str | os.PathLike,
) -> tuple[torch.Tensor, tuple[float, ...], np.ndarray]:
    """Load a NIfTI-1/2 file as a channel-first tensor.

    Args:
        path: a ``.nii`` or ``.nii.gz`` file.

    Returns:
        ``(tensor, spacing, affine)``: ``tensor`` is ``(C, D, H, W)`` with the
        stored dtype (a 3D file gives ``C = 1``; a 4D file puts its fourth axis,
        e.g. time, in ``C``); ``spacing`` is ``(sz, sy, sx)`` in mm; ``affine``
        is the ``(4, 4)`` float64 voxel-to-world matrix.

    Raises:
        NiftiError: if the file does not exist, is not NIfTI, or is truncated.

    Example:
        >>> x, spacing, affine = load_nifti(nibabel_sample_path("anatomical.nii"))
        >>> x.shape, spacing
        (torch.Size([1, 25, 41, 33]), (2.0, 2.0, 2.0))
    """
    import nibabel as nib

    path = Path(path)
    if not path.is_file():
        raise NiftiError(f"path: no such file: {path}")
    try:
        img = nib.load(str(path))
    except Exception as err:  # nibabel raises several types for foreign files
        raise NiftiError(f"path: {path} is not a readable NIfTI file ({err})") from err
    if not isinstance(img, (nib.Nifti1Image, nib.Nifti2Image)):
        raise NiftiError(f"path: {path} is a {type(img).__name__}, not NIfTI")
    try:
        array = np.asanyarray(img.dataobj)
    except Exception as err:  # truncated data: EOFError, ValueError, zlib.error
        raise NiftiError(f"path: {path} is truncated or corrupt ({err})") from err
    if array.ndim not in (3, 4):
        raise NiftiError(
            f"path: expected a 3D or 4D image, got {array.ndim}D in {path}"
        )
    if array.ndim == 3:
        array = array[..., None]
    if not array.dtype.isnative:  # big-endian files: same values, native order
        array = array.astype(array.dtype.newbyteorder("="))
    # disk order (x, y, z, c) -> medlearn order (c, z, y, x)
    array = np.ascontiguousarray(array.transpose(3, 2, 1, 0))
    affine = np.asarray(img.affine, dtype=np.float64)
    return torch.from_numpy(array), spacing_from_affine(affine), affine


def save_nifti(
    path: str | os.PathLike,
    tensor: torch.Tensor,
    affine: np.ndarray | None = None,
    spacing: tuple[float, float, float] | None = None,
) -> Path:
    """Save a channel-first tensor as NIfTI, the inverse of :func:`load_nifti`.

    Args:
        path: output path ending in ``.nii`` or ``.nii.gz``.
        tensor: ``(C, D, H, W)`` or ``(D, H, W)``; its dtype is kept.
        affine: ``(4, 4)`` voxel-to-world matrix. Defaults to None, meaning a
            diagonal affine built from ``spacing``.
        spacing: ``(sz, sy, sx)`` in mm, used when ``affine`` is None; if both
            are given they must agree. Defaults to None (1 mm isotropic).

    Returns:
        The path written.

    Raises:
        ValueError: for a wrong rank, a bad suffix, or an affine whose spacing
            disagrees with ``spacing``.

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "x.nii.gz"
        >>> _ = save_nifti(p, torch.zeros(1, 4, 5, 6), spacing=(5.0, 0.8, 0.8))
        >>> load_nifti(p)[1]
        (5.0, 0.8, 0.8)
    """
    import nibabel as nib

    path = Path(path)
    if not (path.name.endswith(".nii") or path.name.endswith(".nii.gz")):
        raise ValueError(f"path: expected a .nii or .nii.gz name, got {path.name}")
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"tensor: expected a torch.Tensor, got {type(tensor).__name__}")
    if tensor.dim() == 3:
        tensor = tensor[None]
    if tensor.dim() != 4:
        raise ValueError(
            f"tensor: expected (C, D, H, W) or (D, H, W), got {tuple(tensor.shape)}"
        )
    if affine is None:
        sz, sy, sx = spacing if spacing is not None else (1.0, 1.0, 1.0)
        affine = np.diag([sx, sy, sz, 1.0])
    affine = np.asarray(affine, dtype=np.float64)
    if spacing is not None and not np.allclose(spacing_from_affine(affine), spacing):
        raise ValueError(
            f"spacing: {tuple(spacing)} disagrees with the affine's "
            f"{spacing_from_affine(affine)}"
        )
    array = tensor.detach().cpu().numpy().transpose(3, 2, 1, 0)  # (x, y, z, c)
    if array.shape[-1] == 1:
        array = array[..., 0]
    img = nib.Nifti1Image(np.ascontiguousarray(array), affine)
    img.header.set_data_dtype(array.dtype)
    nib.save(img, str(path))
    return path


def nibabel_sample_path(name: str) -> Path:
    """Path of a test volume that nibabel ships, e.g. ``"anatomical.nii"``.

    Args:
        name: one of ``"anatomical.nii"`` (2 mm isotropic),
            ``"example4d.nii.gz"`` (2×2×2.2 mm, 4D) or ``"functional.nii"``.

    Returns:
        The file's path inside the installed nibabel package.

    Raises:
        FileNotFoundError: if this nibabel installation lacks the file.
    """
    from nibabel.testing import data_path

    path = Path(data_path) / name
    if not path.is_file():
        raise FileNotFoundError(f"name: nibabel ships no test file {name!r} here")
    return path
