"""Device checks of medlearn.study."""

from __future__ import annotations

import torch

from gpu_checks import Check
from medlearn import study

DEVICE_FREE: dict[object, str] = {
    study.encode_ids: "codes for patient ids (Python values, CPU by design)",
    study.allocate: "integer labels from fractions",
    study.split_by_patient: "row indices from patient ids (CPU by design)",
    study.split_by_image: "row indices from a count",
    study.kfold_by_patient: "row indices from patient ids (CPU by design)",
    study.Leak: "a record (built by find_leaks)",
    study.LeakReport: "a record of leaks (built by find_leaks)",
    study.Interval: "a record of floats (built by bootstrap_ci)",
    study.to_markdown: "formats a table of floats",
    study.ReferralCurve: "a record of two tensors (built by referral_curve)",
    study.review_fraction: "reads a float off a referral curve",
    study.StudyRecord: "a record of a run (moves its tensors to the CPU)",
    study.ChecklistItem: "a record of strings (built by fill_checklist)",
    study.fill_checklist: "answers from a record, on the CPU by design",
    study.report_figure: "draws a PNG with matplotlib (CPU by design)",
    study.StudyReport: "a record of strings (built by study_report)",
    study.study_report: "renders Markdown and HTML from a record (CPU by design)",
}


def checks(g: torch.Generator) -> list[Check]:
    images = torch.rand(12, 1, 24, 24, generator=g)  # (N, C, H, W)
    images[11] = 3 * images[2] + 1  # a rescaled copy in the other split
    splits = [torch.arange(0, 8), torch.arange(8, 12)]
    patients = [i // 2 for i in range(12)]
    values = torch.rand(12, generator=g, dtype=torch.float64)
    return [
        Check(lambda x: study.thumbnails(x, 8), (images,), covers=(study.thumbnails,)),
        Check(
            lambda x: study.find_leaks(splits, patients, x),
            (images,),
            covers=(study.find_leaks,),
        ),
        Check(
            lambda v: study.bootstrap_ci(v, patients, n_boot=200),
            (values,),
            covers=(study.bootstrap_ci,),
        ),
        Check(
            lambda v: study.results_table({"dice": v}, patients, n_boot=100),
            (values,),
            covers=(study.results_table,),
        ),
        Check(
            lambda v: study.group_gap(
                v, patients, [p % 2 for p in patients], n_boot=200
            ),
            (values,),
            covers=(study.group_gap,),
        ),
        Check(
            lambda v: study.spearman(v, v.flip(0)), (values,), covers=(study.spearman,)
        ),
        Check(
            lambda v: study.referral_curve(v, 1 - v).error,
            (values,),
            covers=(study.referral_curve,),
        ),
    ]
