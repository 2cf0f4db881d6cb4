"""Fusing an image with tabular ("genomic") features: early, intermediate, late.

Where the two are combined decides what a model can learn. **Early** fusion
concatenates the inputs (the feature vector tiled as extra image channels) and
feeds one network; **intermediate** fusion encodes each modality on its own and
concatenates the learned features before a joint head, so it can model
interactions; **late** fusion trains one model per modality and combines their
predicted probabilities, so it cannot model interactions but copes naturally
with a missing modality.

Missing modalities at test time, the strategy used throughout: inputs are
standardised (zero mean per channel and feature), a missing one is filled with
zeros, i.e. mean-imputed (early fusion: the input; intermediate fusion: its
learned feature vector, i.e. masked), and the model is trained with modality
dropout (:func:`sample_missing`) so that it has seen that fill. Late fusion
averages the probabilities of the modalities present. Every model takes
``missing``, a bool ``(N, 2)`` tensor: column 0 the image, column 1 the
tabular vector; at least one of them must be present per sample.

Images are ``(N, C, H, W)``, tabular features ``(N, F)``; models return logits
``(N, K)`` (late fusion: log fused probabilities, valid logits whose softmax is
the fused probability). Modules: :mod:`~medlearn.fusion.combine` (the
functional core) and :mod:`~medlearn.fusion.models` (encoders and the three
fusion models).

See chapter 10 (applications).
"""

from __future__ import annotations

from medlearn.fusion.combine import (
    early_fuse,
    late_fuse,
    sample_missing,
)
from medlearn.fusion.models import (
    EarlyFusion,
    ImageEncoder,
    IntermediateFusion,
    LateFusion,
    TabularEncoder,
)

__all__ = [
    "early_fuse",
    "late_fuse",
    "sample_missing",
    "ImageEncoder",
    "TabularEncoder",
    "EarlyFusion",
    "IntermediateFusion",
    "LateFusion",
]
