"""What a study run recorded: the one input of the report and its checklist.

A :class:`StudyRecord` holds what the run produced (the cohort's rows, the
splits, per-scan metrics, the training history, the uncertainty, the
calibration bins, a shift test), never a conclusion typed by hand: the report
(:func:`~medlearn.study.study_report`) computes every number and every
checklist answer from it, so an item the run did not record says so.

Rows index the whole cohort (``N`` scans); the scored rows ``evaluated`` are
``M`` of them, with ``dice``, ``hd95_mm`` and ``uncertainty`` in that order.

See chapter 11 (capstone).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from medlearn.metrics import ReliabilityDiagram
from medlearn.study.referral import ReferralCurve

__all__ = ["StudyRecord"]


@dataclass
class StudyRecord:
    """The record of one study run.

    Attributes:
        question: the clinical question the model answers.
        patient_ids: ``N`` the patient of each row (scan) of the cohort.
        site: ``N`` the site of each row.
        group: ``N`` the fairness group of each row.
        spacing: voxel size in mm, ``(z, y, x)``.
        splits: ``{name: (N_j,) row indices}``; must hold ``"train"``.
        evaluated: ``(M,)`` the rows that were scored.
        dice: ``(M,)`` Dice of each scored row.
        hd95_mm: ``(M,)`` HD95 in mm of each scored row (inf or NaN where a
            mask was empty: counted as failures and left out of HD95).
        history: ``{name: values}`` learning curves; ``"loss"`` per training
            step (``fit``'s history), others spread evenly over those steps.
            Defaults to {}.
        training_setup: what the run did, e.g. ``{"steps": 200, "batch_size": 4,
            "augmentation": "...", "seed": 0}``. Defaults to {}.
        model: the trained network (its class and parameter count are
            reported). Defaults to None.
        images: ``(N, C, *spatial)`` the scans, for the near-duplicate check.
            Defaults to None (not checked).
        uncertainty: ``(M,)`` one uncertainty per scored row. Defaults to None.
        calibration: voxel reliability bins of the scored rows. Defaults to
            None.
        shift: a shift test, e.g. ``{"test": "MMD", "between": "A+B vs C",
            "statistic": 0.1, "p_value": 0.001}``. Defaults to None.
        referral: the referral curve of the scored rows. Defaults to None.
        target_error: the error a referral must reach. Defaults to None.
        data_source: where the scans come from. Defaults to "not recorded".
        title: the report's title. Defaults to "Study report".
        n_boot: bootstrap replicates per interval. Defaults to 1000.
        level: the confidence level. Defaults to 0.95.
    """

    question: str
    patient_ids: Sequence[str]
    site: Sequence[str]
    group: Tensor | Sequence[object]
    spacing: tuple[float, ...]
    splits: Mapping[str, Tensor]
    evaluated: Tensor
    dice: Tensor
    hd95_mm: Tensor
    history: Mapping[str, Sequence[float]] = field(default_factory=dict)
    training_setup: Mapping[str, object] = field(default_factory=dict)
    model: nn.Module | None = None
    images: Tensor | None = None
    uncertainty: Tensor | None = None
    calibration: ReliabilityDiagram | None = None
    shift: Mapping[str, object] | None = None
    referral: ReferralCurve | None = None
    target_error: float | None = None
    data_source: str = "not recorded"
    title: str = "Study report"
    n_boot: int = 1000
    level: float = 0.95

    def __post_init__(self) -> None:
        n = len(self.patient_ids)
        if len(self.site) != n or len(self.group) != n:
            raise ValueError(
                f"site and group: expected {n} rows (one per patient id), "
                f"got {len(self.site)} and {len(self.group)}"
            )
        if "train" not in self.splits:
            raise ValueError(
                f"splits: expected a 'train' split, got {list(self.splits)}"
            )
        self.evaluated = torch.as_tensor(self.evaluated, dtype=torch.long).cpu()
        m = len(self.evaluated)
        if m == 0 or int(self.evaluated.max()) >= n or int(self.evaluated.min()) < 0:
            raise ValueError(
                f"evaluated: expected row indices in [0, {n}), got {m} rows"
            )
        self.dice = torch.as_tensor(self.dice, dtype=torch.float64).cpu()
        self.hd95_mm = torch.as_tensor(self.hd95_mm, dtype=torch.float64).cpu()
        per_row = {"dice": self.dice, "hd95_mm": self.hd95_mm}
        if self.uncertainty is not None:
            self.uncertainty = torch.as_tensor(self.uncertainty, dtype=torch.float64)
            per_row["uncertainty"] = self.uncertainty.cpu()
        for name, values in per_row.items():
            if values.shape != (m,):
                raise ValueError(
                    f"{name}: expected shape ({m},) (one per evaluated row), "
                    f"got {tuple(values.shape)}"
                )

    def rows(self, column: Sequence[object] | Tensor) -> list[object]:
        """A cohort column (``N`` values) at the evaluated rows, as a list."""
        values = column.tolist() if isinstance(column, Tensor) else list(column)
        return [values[i] for i in self.evaluated.tolist()]
