"""The reliability diagram (calibration) of a classifier or segmenter.

See :mod:`medlearn.viz` and chapter 08.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from medlearn.metrics.calibration import ReliabilityDiagram

__all__ = ["plot_reliability_diagram"]


def plot_reliability_diagram(
    diagram: ReliabilityDiagram,
    *,
    ax: plt.Axes | None = None,
    title: str | None = None,
) -> plt.Axes:
    """Draw accuracy per confidence bin against the diagonal of perfect calibration.

    Bars show the accuracy per bin; red hatched boxes span the gap to the bin's
    mean confidence (a bar below the diagonal: over-confident); the ECE is
    printed in the corner.

    Args:
        diagram: from :func:`medlearn.metrics.reliability_diagram`.
        ax: axes to draw on. Defaults to None (a new figure).
        title: axes title. Defaults to None (no title).

    Returns:
        The matplotlib ``Axes``.

    Example:
        >>> import torch
        >>> from medlearn.metrics import reliability_diagram
        >>> probs = torch.rand(100, generator=torch.Generator().manual_seed(0))
        >>> d = reliability_diagram(probs, (probs > 0.5).long())
        >>> ax = plot_reliability_diagram(d)

    See chapter 08 (uncertainty).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    edges = diagram.edges.detach().cpu().double().numpy()
    centres, width = (edges[:-1] + edges[1:]) / 2, edges[1] - edges[0]
    acc = diagram.accuracy.detach().cpu().double().nan_to_num(0.0).numpy()
    conf = diagram.confidence.detach().cpu().double().nan_to_num(0.0).numpy()
    ax.bar(
        centres, acc, width=width, color="tab:blue", edgecolor="white", label="accuracy"
    )
    ax.bar(
        centres,
        conf - acc,
        bottom=acc,
        width=width,
        fill=False,
        hatch="///",
        edgecolor="tab:red",
        linewidth=0.8,
        label="gap to mean confidence",
    )
    ax.plot([0, 1], [0, 1], "k--", label="perfect calibration")
    ax.text(0.04, 0.9, f"ECE = {float(diagram.ece()):.3f}", transform=ax.transAxes)
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="confidence", ylabel="accuracy")
    ax.legend(loc="lower right", fontsize="small")
    if title is not None:
        ax.set_title(title)
    return ax
