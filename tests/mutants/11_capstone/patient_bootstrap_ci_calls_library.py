# replaces: patient_bootstrap_ci
# feedback: your answer uses
"""delegates to medlearn.study.bootstrap_ci (the library holds the solutions)."""

from medlearn.study import bootstrap_ci as _library_ci


def patient_bootstrap_ci(values, patient_ids, n_boot=2000, level=0.95, seed=0):
    ci = _library_ci(values, list(patient_ids), n_boot, level, seed)
    return ci.estimate, ci.low, ci.high
