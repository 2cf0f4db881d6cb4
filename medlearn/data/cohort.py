"""A multi-site study cohort: patients, follow-up scans, sites, lesions of two kinds.

The capstone's data (chapter 11). Each patient is one anatomy
(:func:`~medlearn.data.sample_anatomy`, with their age, sex and group), seen at
one site, scanned ``1..max_scans`` times; a follow-up is the same body imaged
again at the same site with a new acquisition (bias field and noise), so it
looks almost like the first scan: exactly what leaks when scans, not
patients, are split. Lesions are compact blobs or thin vessels, one kind per
patient.

Rows are scans, in patient order; every per-row field has length ``N``.

See chapter 11 (capstone).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from medlearn._helpers import check_positive_int
from medlearn.data.acquisition import Site, render, resolve_site, sample_acquisition
from medlearn.data.anatomy import sample_anatomy

__all__ = ["Cohort", "sample_cohort"]


@dataclass(frozen=True, eq=False)
class Cohort:
    """Scans of a study, one row each, with their patient's covariates.

    Attributes:
        images: ``(N, 1, D, H, W)`` float32 scans.
        masks: ``(N, D, H, W)`` int64 labels: 0 background, 1 organ, 2 lesion.
        spacing: voxel size in mm, ``(z, y, x)``.
        patient_ids: ``N`` patient ids (``"P000"``, ...), several rows per
            patient for follow-ups.
        visit: ``(N,)`` int64 scan number of the patient, 0 for the first.
        site: ``N`` site names (keys of :data:`~medlearn.data.SITES`).
        age: ``(N,)`` int64 years.
        sex: ``N`` of ``"F"`` / ``"M"``.
        group: ``(N,)`` int64 group (0 or 1), the fairness attribute.
        lesion_kind: ``N`` of ``"blobs"`` / ``"vessels"``.
    """

    images: Tensor
    masks: Tensor
    spacing: tuple[float, ...]
    patient_ids: list[str]
    visit: Tensor
    site: list[str]
    age: Tensor
    sex: list[str]
    group: Tensor
    lesion_kind: list[str]

    def __len__(self) -> int:
        return len(self.patient_ids)

    @property
    def n_patients(self) -> int:
        """The number of distinct patients."""
        return len(set(self.patient_ids))

    def subset(self, rows: Tensor | Sequence[int]) -> Cohort:
        """The cohort of the given rows (e.g. one split), in that order.

        Args:
            rows: ``(M,)`` row indices.

        Returns:
            A :class:`Cohort` of ``M`` rows.
        """
        idx = torch.as_tensor(rows, dtype=torch.long)
        pick = idx.tolist()
        return Cohort(
            images=self.images[idx],
            masks=self.masks[idx],
            spacing=self.spacing,
            patient_ids=[self.patient_ids[i] for i in pick],
            visit=self.visit[idx],
            site=[self.site[i] for i in pick],
            age=self.age[idx],
            sex=[self.sex[i] for i in pick],
            group=self.group[idx],
            lesion_kind=[self.lesion_kind[i] for i in pick],
        )


def sample_cohort(
    n_patients: int = 40,
    sites: Sequence[str | Site] = ("A", "B", "C"),
    size: tuple[int, int, int] = (8, 32, 32),
    spacing: tuple[float, float, float] = (3.0, 1.0, 1.0),
    max_scans: int = 3,
    seed: int = 0,
) -> Cohort:
    """Draw a multi-site cohort of 3D scans with follow-ups.

    Each patient draws, in order: a site (uniform over ``sites``), a lesion
    kind (blobs or vessels, even odds), the anatomy, a number of scans
    (uniform in ``1..max_scans``) and one acquisition per scan. A patient's
    draws come from their own generator (seeded from ``seed`` and their
    number), so patient ``k`` is the same in a larger cohort.

    Args:
        n_patients: the number of patients. Defaults to 40.
        sites: sites, keys of :data:`~medlearn.data.SITES` or
            :class:`~medlearn.data.Site` objects. Defaults to ("A", "B", "C").
        size: ``(D, H, W)`` voxels per scan. Defaults to (8, 32, 32).
        spacing: ``(z, y, x)`` voxel size in mm. Defaults to (3.0, 1.0, 1.0).
        max_scans: the most scans per patient. Defaults to 3.
        seed: the cohort's seed. Defaults to 0.

    Returns:
        A :class:`Cohort` with one row per scan.

    Raises:
        ValueError: for ``n_patients`` or ``max_scans`` below 1, no site, an
            unknown site, or a size or spacing that is not 3D.

    Example:
        >>> c = sample_cohort(4, size=(4, 8, 8), seed=1)
        >>> c.images.shape[1:], c.n_patients, len(c) >= 4
        (torch.Size([1, 4, 8, 8]), 4, True)
    """
    check_positive_int("n_patients", n_patients)
    check_positive_int("max_scans", max_scans)
    if not sites:
        raise ValueError("sites: expected at least one site")
    resolved = [resolve_site(s) for s in sites]
    if len(size) != 3 or len(spacing) != 3:
        raise ValueError(
            f"size and spacing: expected 3 axes (z, y, x), got {size} and {spacing}"
        )
    rows: dict[str, list] = {k: [] for k in ("image", "mask", "id", "visit", "site")}
    covariates: dict[str, list] = {k: [] for k in ("age", "sex", "group", "kind")}
    for k in range(n_patients):
        g = torch.Generator().manual_seed(seed * 1_000_003 + k)
        site = resolved[int(torch.randint(len(resolved), (), generator=g))]
        kind = ("blobs", "vessels")[int(torch.randint(2, (), generator=g))]
        anatomy = sample_anatomy(size, spacing, g, lesions=kind)
        n_scans = 1 + int(torch.randint(max_scans, (), generator=g))
        for visit in range(n_scans):
            acquisition = sample_acquisition(site, g, anatomy.shape)
            rows["image"].append(render(anatomy, acquisition))
            rows["mask"].append(anatomy.mask)
            rows["id"].append(f"P{k:03d}")
            rows["visit"].append(visit)
            rows["site"].append(site.name)
            covariates["age"].append(int(anatomy.patient["age"]))
            covariates["sex"].append(str(anatomy.patient["sex"]))
            covariates["group"].append(int(anatomy.patient["group"]))
            covariates["kind"].append(kind)
    return Cohort(
        images=torch.stack(rows["image"]),
        masks=torch.stack(rows["mask"]),
        spacing=tuple(float(s) for s in spacing),
        patient_ids=rows["id"],
        visit=torch.tensor(rows["visit"]),
        site=rows["site"],
        age=torch.tensor(covariates["age"]),
        sex=covariates["sex"],
        group=torch.tensor(covariates["group"]),
        lesion_kind=covariates["kind"],
    )
