"""A study a hospital could trust: patient-level splits, leak checks, intervals (chapter 11).

The capstone's workflow on top of every chapter's library. One module per
step, read in this order:

* :mod:`~medlearn.study.splits`: splitting by patient, stratified by site and
  group; k-fold cross-validation by patient; the leaky image-level split as a
  control;
* :mod:`~medlearn.study.leakage`: patients and near-duplicate images shared
  between splits;
* :mod:`~medlearn.study.intervals`: bootstrap confidence intervals that
  resample patients, a results table per site and group, in Markdown;
* :mod:`~medlearn.study.gaps`: the gap between two groups with its interval,
  and Spearman's rank correlation;
* :mod:`~medlearn.study.referral`: the referral curve (how many scans a
  radiologist must review for a target error);
* :mod:`~medlearn.study.record`, :mod:`~medlearn.study.checklist`,
  :mod:`~medlearn.study.figures`, :mod:`~medlearn.study.report`: what a run
  recorded, the CLAIM / TRIPOD+AI checklist filled from it, and the one-page
  report in Markdown and HTML.

Rows are scans: ``patient_ids`` gives each row's patient, and every other
per-row input (labels, metric values, images) has the same length ``N``.

See chapter 11 (capstone).
"""

from __future__ import annotations

from medlearn.study.checklist import ChecklistItem, fill_checklist
from medlearn.study.figures import report_figure
from medlearn.study.gaps import group_gap, spearman
from medlearn.study.intervals import Interval, bootstrap_ci, results_table, to_markdown
from medlearn.study.leakage import Leak, LeakReport, find_leaks, thumbnails
from medlearn.study.record import StudyRecord
from medlearn.study.referral import ReferralCurve, referral_curve, review_fraction
from medlearn.study.report import StudyReport, study_report
from medlearn.study.splits import (
    allocate,
    encode_ids,
    kfold_by_patient,
    split_by_image,
    split_by_patient,
)

__all__ = [
    "encode_ids",
    "allocate",
    "split_by_patient",
    "split_by_image",
    "kfold_by_patient",
    "Leak",
    "LeakReport",
    "thumbnails",
    "find_leaks",
    "Interval",
    "bootstrap_ci",
    "results_table",
    "to_markdown",
    "group_gap",
    "spearman",
    "ReferralCurve",
    "referral_curve",
    "review_fraction",
    "StudyRecord",
    "ChecklistItem",
    "fill_checklist",
    "report_figure",
    "StudyReport",
    "study_report",
]
