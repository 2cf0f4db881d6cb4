# replaces: resample_labels
# feedback: your answer uses
"""delegates to the library's resample(mode="label")."""
from medlearn.volumes import resample as _resample


def resample_labels(labels, spacing, new_spacing):
    return _resample(labels[None], spacing, new_spacing, mode="label")[0][0].long()
