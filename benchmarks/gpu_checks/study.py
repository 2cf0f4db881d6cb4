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
    ]
