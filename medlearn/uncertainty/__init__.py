"""Aleatoric and epistemic uncertainty (chapter 08).

One module per concept, read in this order:

* :mod:`~medlearn.uncertainty.aleatoric`: heteroscedastic heads and losses;
* :mod:`~medlearn.uncertainty.montecarlo`: MC dropout and deep ensembles;
* :mod:`~medlearn.uncertainty.decompose`: law of total variance, entropy split;
* calibration (ECE and reliability diagrams) lives with the other metrics in
  :mod:`medlearn.metrics` and is re-exported here; the diagram is drawn by
  :func:`medlearn.viz.plot_reliability_diagram`.

Samples lie along the first axis: means and variances ``(T, N, ...)``, class
probabilities ``(T, N, C, ...)``; decompositions return ``(N, ...)``.

See chapter 08 (uncertainty).
"""

from __future__ import annotations

from medlearn.metrics.calibration import (
    ReliabilityDiagram,
    expected_calibration_error,
    reliability_diagram,
)
from medlearn.uncertainty.aleatoric import (
    HeteroscedasticHead,
    heteroscedastic_loss,
    heteroscedastic_segmentation_loss,
    sample_logits,
)
from medlearn.uncertainty.decompose import (
    EntropyDecomposition,
    VarianceDecomposition,
    decompose_entropy,
    decompose_variance,
)
from medlearn.uncertainty.montecarlo import (
    DROPOUT_LAYERS,
    ensemble_predict,
    mc_dropout_loop,
    mc_dropout_mode,
    mc_dropout_predict,
)

__all__ = [
    "HeteroscedasticHead",
    "heteroscedastic_loss",
    "sample_logits",
    "heteroscedastic_segmentation_loss",
    "DROPOUT_LAYERS",
    "mc_dropout_mode",
    "mc_dropout_loop",
    "mc_dropout_predict",
    "ensemble_predict",
    "VarianceDecomposition",
    "EntropyDecomposition",
    "decompose_variance",
    "decompose_entropy",
    "ReliabilityDiagram",
    "reliability_diagram",
    "expected_calibration_error",
]
