"""Leaks between splits: shared patients and near-duplicate images.

A test score means something only when the test set is new to the model. Two
leaks are common in medical imaging: the same patient in two splits (often
through a follow-up scan), and the same image twice (a re-export, a copy
under another name). :func:`find_leaks` looks for both: patients by id, and
images by the Pearson correlation of small thumbnails (each image averaged
down to ``thumbnail`` voxels per axis), which survives re-scaling of the
intensities and small noise but not a different anatomy.

See chapter 11 (capstone).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor

from medlearn.study.splits import IdsLike, encode_ids

__all__ = ["Leak", "LeakReport", "thumbnails", "find_leaks"]


@dataclass(frozen=True)
class Leak:
    """One leak: two rows in two splits that should not share what they share.

    Attributes:
        kind: ``"patient"`` (the same patient id) or ``"near_duplicate"``.
        splits: the two split numbers, in order.
        rows: one row of each split (row indices of the whole cohort).
        score: 1.0 for a patient; the thumbnails' correlation for an image.
    """

    kind: str
    splits: tuple[int, int]
    rows: tuple[int, int]
    score: float


@dataclass
class LeakReport:
    """Every leak found; falsy when there is none.

    Attributes:
        leaks: the leaks, patients first, then images by decreasing score.
    """

    leaks: list[Leak] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.leaks)

    def count(self, kind: str) -> int:
        """How many leaks of one kind (``"patient"`` or ``"near_duplicate"``)."""
        return sum(leak.kind == kind for leak in self.leaks)

    def summary(self) -> str:
        """One line, e.g. ``"3 patient(s) and 1 near-duplicate image pair(s)..."``."""
        if not self:
            return "no leak between splits"
        return (
            f"{self.count('patient')} patient(s) and {self.count('near_duplicate')} "
            "near-duplicate image pair(s) shared between splits"
        )


def _check_splits(splits: Sequence[Tensor], n: int | None) -> list[Tensor]:
    out = []
    for j, rows in enumerate(splits):
        rows = torch.as_tensor(rows)
        if rows.dim() != 1 or rows.is_floating_point():
            raise ValueError(
                f"splits[{j}]: expected a 1-D tensor of row indices, got "
                f"{rows.dtype} of shape {tuple(rows.shape)}"
            )
        if (
            n is not None
            and len(rows)
            and not (0 <= int(rows.min()) <= int(rows.max()) < n)
        ):
            raise ValueError(f"splits[{j}]: row indices outside 0..{n - 1}")
        out.append(rows.long())
    if len(out) < 2:
        raise ValueError(f"splits: expected two or more splits, got {len(out)}")
    return out


def thumbnails(images: Tensor, size: int = 16) -> Tensor:
    """Each image averaged down to ``size`` voxels per axis, then standardised.

    Args:
        images: ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        size: voxels per spatial axis of a thumbnail. Defaults to 16.

    Returns:
        ``(N, C * size**d)`` float64 rows of mean 0 and norm 1 (a constant
        image gives a row of zeros).

    Raises:
        ValueError: for another number of dims, or NaN values.

    Example:
        >>> t = thumbnails(torch.rand(3, 1, 32, 32), size=4)
        >>> t.shape, bool(torch.allclose(t.norm(dim=1), torch.ones(3, dtype=t.dtype)))
        (torch.Size([3, 16]), True)
    """
    if images.dim() not in (4, 5):
        raise ValueError(
            f"images: expected (N, C, H, W) or (N, C, D, H, W), got shape "
            f"{tuple(images.shape)}"
        )
    if bool(images.isnan().any()):
        raise ValueError("images: contains NaN")
    pool = F.adaptive_avg_pool2d if images.dim() == 4 else F.adaptive_avg_pool3d
    rows = pool(images.double(), size).flatten(1)  # (N, C * size**d)
    rows = rows - rows.mean(1, keepdim=True)
    norm = rows.norm(dim=1, keepdim=True)
    return torch.where(norm > 0, rows / norm.clamp_min(1e-300), 0.0)


def _patient_leaks(patients: Tensor, splits: list[Tensor]) -> list[Leak]:
    leaks = []
    first_row = {}  # patient -> (split, row) where it was first seen
    for j, rows in enumerate(splits):
        seen_here = set()
        for row in rows.tolist():
            p = int(patients[row])
            if p in first_row and first_row[p][0] != j and p not in seen_here:
                leaks.append(
                    Leak("patient", (first_row[p][0], j), (first_row[p][1], row), 1.0)
                )
                seen_here.add(p)
            first_row.setdefault(p, (j, row))
    return leaks


def _residuals(rows: Tensor, splits: list[Tensor]) -> Tensor:
    """Thumbnails less the mean of those in the splits, renormalised."""
    used = torch.cat(splits).unique()
    if len(used) < 3:  # the mean of two images is half of each: keep them raw
        return rows
    centred = rows - rows[used].mean(0, keepdim=True)
    norm = centred.norm(dim=1, keepdim=True)
    return torch.where(norm > 0, centred / norm.clamp_min(1e-300), 0.0)


def _image_leaks(rows_of: Tensor, splits: list[Tensor], threshold: float) -> list[Leak]:
    leaks = []
    for a in range(len(splits)):
        for b in range(a + 1, len(splits)):
            r = rows_of[splits[a]] @ rows_of[splits[b]].T  # (N_a, N_b) correlations
            for i, k in (r >= threshold).nonzero().tolist():
                pair = (int(splits[a][i]), int(splits[b][k]))
                leaks.append(Leak("near_duplicate", (a, b), pair, float(r[i, k])))
    return sorted(leaks, key=lambda leak: -leak.score)


def find_leaks(
    splits: Sequence[Tensor],
    patient_ids: IdsLike | None = None,
    images: Tensor | None = None,
    threshold: float = 0.98,
    thumbnail: int = 16,
) -> LeakReport:
    """Patients and near-duplicate images that two splits share.

    Args:
        splits: S ``(N_j,)`` row-index tensors (as :func:`split_by_patient`
            returns).
        patient_ids: ``(N,)`` the patient of each row. Defaults to None (no
            patient check).
        images: ``(N, C, *spatial)`` the images, one per row. Defaults to None
            (no image check).
        threshold: the correlation of two thumbnails (less the cohort's mean)
            from which two images count as one, in (0, 1]. Defaults to 0.98.
        thumbnail: voxels per axis of a thumbnail. Defaults to 16.

    Returns:
        A :class:`LeakReport` (falsy when nothing leaks). A patient shared by
        two splits is one leak per pair of splits.

    Raises:
        ValueError: for fewer than two splits, indices outside the rows,
            ids or images of another length, or a threshold outside (0, 1].

    Example:
        >>> report = find_leaks([torch.tensor([0, 1]), torch.tensor([2])], ["a", "b", "a"])
        >>> report.summary()
        '1 patient(s) and 0 near-duplicate image pair(s) shared between splits'
    """
    if not 0 < threshold <= 1:
        raise ValueError(
            f"threshold: expected a correlation in (0, 1], got {threshold!r}"
        )
    n = None
    patients = None if patient_ids is None else encode_ids(patient_ids)
    if patients is not None:
        n = len(patients)
    if images is not None:
        if n is not None and len(images) != n:
            raise ValueError(
                f"images: expected {n} images (one per patient id), got {len(images)}"
            )
        n = len(images)
    checked = _check_splits(splits, n)
    leaks = [] if patients is None else _patient_leaks(patients, checked)
    if images is not None:
        rows = _residuals(thumbnails(images, thumbnail), checked)
        leaks += _image_leaks(rows, checked, threshold)
    return LeakReport(leaks)
