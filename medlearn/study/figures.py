"""The report's figure: the six panels a reviewer asks for, as one PNG.

Learning curves; per-site Dice and HD95 (mm) with their intervals; the
reliability diagram; uncertainty against error; the Dice of each group with
the gap's interval (or the referral curve when no groups are scored). Drawn
with matplotlib's Agg canvas (no display needed) and returned as PNG bytes,
so the Markdown and HTML reports can embed them.

See chapter 11 (capstone).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from medlearn.study.intervals import Interval
from medlearn.study.record import StudyRecord

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["report_figure"]


def _curves(ax: Axes, history: Mapping[str, Sequence[float]]) -> None:
    steps = len(history.get("loss", [])) or max(
        (len(v) for v in history.values()), default=1
    )
    for name, values in history.items():
        n = len(values)
        x = [(i + 1) * steps / n for i in range(n)]
        ax.plot(x, list(values), label=name)
    ax.set(xlabel="training step", title="learning curves")
    if history:
        ax.legend(fontsize=7)


def _intervals(
    ax: Axes, rows: Sequence[Mapping[str, object]], metric: str, unit: str
) -> None:
    picked = [
        r
        for r in rows
        if r["metric"] == metric and str(r["subset"]).startswith("site=")
    ]
    for i, r in enumerate(picked):
        est, low, high = float(r["estimate"]), float(r["low"]), float(r["high"])
        ax.errorbar(i, est, yerr=[[est - low], [high - est]], fmt="o", capsize=4)
    ax.set_xticks(range(len(picked)), [str(r["subset"]) for r in picked], fontsize=7)
    ax.set(ylabel=unit, title=f"{metric} per site, CI over patients")


def _calibration(ax: Axes, record: StudyRecord) -> None:
    ax.plot([0, 1], [0, 1], "k:", lw=1)
    if record.calibration is not None:
        c = record.calibration
        keep = c.count > 0
        ax.plot(c.confidence[keep].tolist(), c.accuracy[keep].tolist(), "o-")
    ax.set(xlabel="confidence", ylabel="accuracy", title="calibration (voxels)")


def _uncertainty(ax: Axes, record: StudyRecord) -> None:
    if record.uncertainty is not None:
        ax.scatter(record.uncertainty.tolist(), (1 - record.dice).tolist(), s=10)
    ax.set(xlabel="uncertainty", ylabel="1 - Dice", title="uncertainty vs error")


def _groups(
    ax: Axes, rows: Sequence[Mapping[str, object]], gap: Interval | None
) -> None:
    picked = [
        r
        for r in rows
        if r["metric"] == "dice" and str(r["subset"]).startswith("group=")
    ]
    for i, r in enumerate(picked):
        est, low, high = float(r["estimate"]), float(r["low"]), float(r["high"])
        ax.errorbar(i, est, yerr=[[est - low], [high - est]], fmt="s", capsize=4)
    ax.set_xticks(range(len(picked)), [str(r["subset"]) for r in picked], fontsize=7)
    title = "Dice per group"
    if gap is not None:
        title += f"\ngap {gap.estimate:+.3f} [{gap.low:+.3f}, {gap.high:+.3f}]"
    ax.set(ylabel="Dice", title=title)


def report_figure(
    record: StudyRecord,
    rows: Sequence[Mapping[str, object]],
    gap: Interval | None = None,
    dpi: int = 80,
) -> bytes:
    """The report's six panels as one PNG image.

    Args:
        record: the run's record.
        rows: its results table (as :func:`~medlearn.study.results_table`
            returns, with metrics ``dice`` and ``hd95_mm``).
        gap: the Dice gap between groups. Defaults to None.
        dpi: resolution. Defaults to 80.

    Returns:
        The PNG file's bytes (about 12 x 6.5 inches).
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 6.5), dpi=dpi)
    axes = fig.subplots(2, 3).flatten()
    _curves(axes[0], record.history)
    _intervals(axes[1], rows, "dice", "Dice")
    _intervals(axes[2], rows, "hd95_mm", "HD95 (mm)")
    _calibration(axes[3], record)
    _uncertainty(axes[4], record)
    _groups(axes[5], rows, gap)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
