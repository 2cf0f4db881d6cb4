"""A reporting checklist in the spirit of CLAIM and TRIPOD+AI, filled from a run.

CLAIM (the checklist for AI in medical imaging, Mongan et al. 2020) and
TRIPOD+AI (prediction models that use AI, Collins et al. 2024) list what a
reader needs to judge a study: the data and its partitions, the reference
standard, the model and its training, performance with its uncertainty and
per subgroup, and what was not done. Each item here is answered by code from
the :class:`~medlearn.study.StudyRecord` (splits checked for leaks, intervals
counted, sites compared), so the answer cannot drift from the run. Status:
``"yes"`` (recorded and satisfied), ``"no"`` (recorded and not satisfied, e.g.
a leak) or ``"not recorded"`` (the run has no record of it: a gap the report
shows instead of hiding). The topics follow the guidelines' themes; they are
not their numbered items.

See chapter 11 (capstone).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

import medlearn
from medlearn.study.gaps import group_gap, spearman
from medlearn.study.leakage import find_leaks
from medlearn.study.record import StudyRecord

__all__ = ["ChecklistItem", "fill_checklist"]

NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class ChecklistItem:
    """One answered item.

    Attributes:
        topic: what the item asks about.
        guideline: the guidelines' theme it follows (CLAIM / TRIPOD+AI).
        answer: the answer, computed from the record.
        status: ``"yes"``, ``"no"`` or ``"not recorded"``.
    """

    topic: str
    guideline: str
    answer: str
    status: str


def _split_counts(record: StudyRecord) -> str:
    parts = []
    for name, rows in record.splits.items():
        ids = {record.patient_ids[i] for i in rows.tolist()}
        sites = sorted({record.site[i] for i in rows.tolist()})
        parts.append(f"{name}: {len(ids)} patients, {len(rows)} scans, sites {sites}")
    return "; ".join(parts)


def _leaks(record: StudyRecord) -> tuple[str, str]:
    report = find_leaks(list(record.splits.values()), record.patient_ids, record.images)
    checked = (
        "patient ids and image thumbnails"
        if record.images is not None
        else ("patient ids only")
    )
    return f"{report.summary()} (checked: {checked})", "no" if report else "yes"


def _external(record: StudyRecord) -> tuple[str, str]:
    trained = {record.site[i] for i in record.splits["train"].tolist()}
    new = sorted(set(record.rows(record.site)) - trained)
    if not new:
        return "every scored site was also in training (internal validation only)", "no"
    return f"scored on site(s) {new}, never seen in training", "yes"


def _model(record: StudyRecord) -> tuple[str, str]:
    if record.model is None:
        return NOT_RECORDED, NOT_RECORDED
    n = sum(p.numel() for p in record.model.parameters())
    return f"{type(record.model).__name__}, {n:,} parameters", "yes"


def _training(record: StudyRecord) -> tuple[str, str]:
    keys = ("steps", "batch_size", "augmentation", "seed")
    if not record.training_setup:
        return NOT_RECORDED, NOT_RECORDED
    answer = ", ".join(
        f"{k} = {record.training_setup.get(k, NOT_RECORDED)}" for k in keys
    )
    complete = all(k in record.training_setup for k in keys)
    return answer, "yes" if complete else NOT_RECORDED


def _failures(record: StudyRecord) -> tuple[str, str]:
    bad = int((~record.hd95_mm.isfinite()).sum())
    return (
        f"{bad} of {len(record.hd95_mm)} scored scans without a finite HD95 "
        "(an empty mask), reported and left out of HD95",
        "yes",
    )


def _fairness(record: StudyRecord) -> tuple[str, str]:
    groups = record.rows(record.group)
    if len(set(groups)) != 2:
        return f"{len(set(groups))} group(s) among the scored scans", NOT_RECORDED
    units = record.rows(record.patient_ids)
    gap = group_gap(
        record.dice, units, groups, n_boot=record.n_boot, level=record.level
    )
    pair = list(dict.fromkeys(groups))
    return (
        f"Dice gap (group {pair[1]} - group {pair[0]}) {gap.estimate:+.3f} "
        f"[{gap.low:+.3f}, {gap.high:+.3f}], {gap.level:.0%} CI over patients",
        "yes",
    )


def _calibration(record: StudyRecord) -> tuple[str, str]:
    if record.calibration is None:
        return NOT_RECORDED, NOT_RECORDED
    n = int(record.calibration.count.sum())
    return f"voxel ECE {float(record.calibration.ece()):.3f} over {n:,} voxels", "yes"


def _uncertainty(record: StudyRecord) -> tuple[str, str]:
    if record.uncertainty is None:
        return NOT_RECORDED, NOT_RECORDED
    rho = spearman(record.uncertainty, 1 - record.dice)
    answer = f"Spearman rho(uncertainty, 1 - Dice) = {rho:.2f} over scans"
    if record.referral is not None and record.target_error is not None:
        from medlearn.study.referral import review_fraction

        share = review_fraction(record.referral, record.target_error)
        answer += f"; refer {share:.0%} of scans to reach error {record.target_error}"
    return answer, "yes"


def _shift(record: StudyRecord) -> tuple[str, str]:
    if record.shift is None:
        return NOT_RECORDED, NOT_RECORDED
    s = record.shift
    return (
        f"{s.get('test', 'test')} {s.get('between', '')}: statistic "
        f"{float(s['statistic']):.3g}, p = {float(s['p_value']):.3g}",
        "yes",
    )


def fill_checklist(record: StudyRecord) -> list[ChecklistItem]:
    """Answer every checklist item from what the run recorded.

    Args:
        record: the run's :class:`~medlearn.study.StudyRecord`.

    Returns:
        The items, in the order a paper reports them.

    Example:
        >>> import torch
        >>> r = StudyRecord("q", ["a", "b"], ["A", "A"], [0, 1], (1.0, 1.0),
        ...     {"train": torch.tensor([0]), "test": torch.tensor([1])},
        ...     torch.tensor([1]), torch.tensor([0.8]), torch.tensor([2.0]))
        >>> [i.status for i in fill_checklist(r)][:4]
        ['yes', 'not recorded', 'yes', 'yes']
    """
    question = record.question.strip()
    answers = [
        (
            "Question and intended use",
            "CLAIM: introduction; TRIPOD+AI: objectives",
            (question, "yes" if question else NOT_RECORDED),
        ),
        (
            "Data source",
            "CLAIM: data; TRIPOD+AI: source of data",
            (
                record.data_source,
                "yes" if record.data_source != NOT_RECORDED else NOT_RECORDED,
            ),
        ),
        (
            "Participants per partition",
            "CLAIM: data partitions; TRIPOD+AI: participants",
            (_split_counts(record), "yes"),
        ),
        (
            "No patient or image in two partitions",
            "CLAIM: data partitions",
            _leaks(record),
        ),
        (
            "External validation (a site not used in training)",
            "CLAIM: validation; TRIPOD+AI: evaluation",
            _external(record),
        ),
        ("Model", "CLAIM: model; TRIPOD+AI: model specification", _model(record)),
        (
            "Training (steps, batch, augmentation, seed)",
            "CLAIM: training",
            _training(record),
        ),
        (
            "Metrics with confidence intervals over patients",
            "CLAIM: evaluation; TRIPOD+AI: performance measures",
            (
                f"Dice and HD95 (mm), percentile bootstrap over {len(set(record.rows(record.patient_ids)))}"
                f" scored patients, {record.n_boot} replicates, {record.level:.0%} level",
                "yes",
            ),
        ),
        (
            "Performance per site and group",
            "TRIPOD+AI: subgroups; CLAIM: results",
            (
                f"sites {sorted(set(record.rows(record.site)))}, groups "
                f"{sorted(set(record.rows(record.group)))}",
                "yes",
            ),
        ),
        ("Fairness gap with interval", "TRIPOD+AI: fairness", _fairness(record)),
        ("Calibration", "TRIPOD+AI: calibration", _calibration(record)),
        ("Uncertainty and referral", "CLAIM: results", _uncertainty(record)),
        ("Dataset shift test", "CLAIM: validation", _shift(record)),
        ("Failure cases", "CLAIM: failure analysis", _failures(record)),
        (
            "Reproducibility (code, versions)",
            "CLAIM: code; TRIPOD+AI: open science",
            (f"medlearn {medlearn.__version__}, torch {torch.__version__}", "yes"),
        ),
        (
            "Sample size justification",
            "TRIPOD+AI: sample size",
            (NOT_RECORDED, NOT_RECORDED),
        ),
        (
            "Reference standard by clinicians, readers' agreement",
            "CLAIM: ground truth",
            (NOT_RECORDED, NOT_RECORDED),
        ),
        (
            "Prospective or clinical-workflow evaluation",
            "CLAIM: discussion; TRIPOD+AI: implications",
            (NOT_RECORDED, NOT_RECORDED),
        ),
    ]
    return [
        ChecklistItem(topic, guide, ans, status)
        for topic, guide, (ans, status) in answers
    ]
