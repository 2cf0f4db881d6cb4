# replaces: split_by_patient
# feedback: your answer uses
"""delegates to medlearn's own implementation (the library holds the solutions)."""

from medlearn.study import split_by_patient as _library_split


def split_by_patient(patient_ids, fractions=(0.7, 0.15, 0.15), stratify=None, seed=0):
    return _library_split(patient_ids, fractions, stratify, seed)
