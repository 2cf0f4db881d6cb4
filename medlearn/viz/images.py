"""Images with masks and boxes, and grids of slices.

See :mod:`medlearn.viz`.
"""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.patches import Rectangle

__all__ = [
    "to_numpy_image",
    "show_overlay",
    "show_boxes",
    "show_slices",
    "render_slice",
]


def to_numpy_image(image: torch.Tensor | np.ndarray) -> np.ndarray:
    """``(C, H, W)`` / ``(H, W)`` tensor to an ``(H, W)`` or ``(H, W, 3)`` array.

    Args:
        image: one channel or three (RGB); values are shown as they are.

    Returns:
        An array matplotlib's ``imshow`` accepts.

    Raises:
        ValueError: for a shape that is not ``(H, W)``, ``(1, H, W)`` or ``(3, H, W)``.
    """
    a = (
        image.detach().cpu().float().numpy()
        if isinstance(image, torch.Tensor)
        else np.asarray(image)
    )
    if a.ndim == 3 and a.shape[0] in (1, 3):
        a = a[0] if a.shape[0] == 1 else np.clip(a.transpose(1, 2, 0), 0, 1)
    if a.ndim not in (2, 3):
        raise ValueError(
            f"image: expected (H, W), (1, H, W) or (3, H, W), got {a.shape}"
        )
    return a


def show_overlay(
    image: torch.Tensor,
    mask: torch.Tensor | None = None,
    pred: torch.Tensor | None = None,
    *,
    ax: plt.Axes | None = None,
    title: str | None = None,
    alpha: float = 0.35,
) -> plt.Axes:
    """An image with the ground-truth mask filled and a prediction outlined.

    Args:
        image: ``(1, H, W)``, ``(3, H, W)`` or ``(H, W)``.
        mask: ``(H, W)`` label map or boolean mask, filled in colour.
            Defaults to None.
        pred: ``(H, W)`` boolean prediction, drawn as a yellow contour.
            Defaults to None.
        ax: axes to draw on. Defaults to None (a new figure).
        title: axes title. Defaults to None.
        alpha: opacity of the filled mask. Defaults to 0.35.

    Returns:
        The axes.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(3.2, 3.2))
    ax.imshow(to_numpy_image(image), cmap="gray")
    if mask is not None:
        m = np.asarray(mask.cpu() if isinstance(mask, torch.Tensor) else mask).astype(
            float
        )
        ax.imshow(
            np.ma.masked_where(m == 0, m),
            cmap="autumn",
            alpha=alpha,
            vmin=0,
            vmax=max(m.max(), 1),
        )
    if pred is not None:
        p = np.asarray(pred.cpu() if isinstance(pred, torch.Tensor) else pred).astype(
            float
        )
        if p.any() and not p.all():
            ax.contour(p, levels=[0.5], colors="yellow", linewidths=1.0)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def show_boxes(
    image: torch.Tensor,
    boxes: torch.Tensor,
    scores: torch.Tensor | None = None,
    *,
    ax: plt.Axes | None = None,
    color: str = "lime",
    title: str | None = None,
) -> plt.Axes:
    """An image with ``(K, 4)`` xyxy boxes and optional scores.

    Args:
        image: ``(C, H, W)`` or ``(H, W)``.
        boxes: ``(K, 4)`` as ``(x0, y0, x1, y1)`` in pixels.
        scores: ``(K,)`` printed beside each box. Defaults to None.
        ax: axes to draw on. Defaults to None (a new figure).
        color: box colour. Defaults to "lime".
        title: axes title. Defaults to None.

    Returns:
        The axes.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(3.2, 3.2))
    ax.imshow(to_numpy_image(image), cmap="gray")
    for k, (x0, y0, x1, y1) in enumerate(torch.as_tensor(boxes).tolist()):
        ax.add_patch(
            Rectangle(
                (x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False, color=color, lw=1.2
            )
        )
        if scores is not None:
            ax.text(x0, y0 - 1, f"{float(scores[k]):.2f}", color=color, fontsize=7)
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=9)
    return ax


def show_slices(
    volume: torch.Tensor,
    mask: torch.Tensor | None = None,
    *,
    n: int = 6,
    axis: int = 0,
    spacing: tuple[float, float, float] | None = None,
) -> plt.Figure:
    """A row of evenly spaced slices through a ``(D, H, W)`` or ``(1, D, H, W)`` volume.

    Args:
        volume: the volume.
        mask: ``(D, H, W)`` label map overlaid on each slice. Defaults to None.
        n: number of slices. Defaults to 6.
        axis: 0 (axial, z), 1 (coronal, y) or 2 (sagittal, x). Defaults to 0.
        spacing: ``(sz, sy, sx)`` mm, used to draw pixels with their true
            aspect ratio. Defaults to None (square pixels).

    Returns:
        The figure.

    Raises:
        ValueError: for a volume that is not 3D after dropping a channel axis,
            or a mask of another shape.
    """
    v = volume[0] if volume.dim() == 4 else volume
    if v.dim() != 3:
        raise ValueError(
            f"volume: expected (D, H, W) or (1, D, H, W), got {tuple(volume.shape)}"
        )
    if mask is not None and tuple(mask.shape) != tuple(v.shape):
        raise ValueError(
            f"mask: expected shape {tuple(v.shape)}, got {tuple(mask.shape)}"
        )
    idx = np.linspace(0, v.shape[axis] - 1, n + 2)[1:-1].round().astype(int)
    fig, axes = plt.subplots(1, n, figsize=(1.8 * n, 2.0))
    rest = [a for a in range(3) if a != axis]
    aspect = 1.0 if spacing is None else spacing[rest[0]] / spacing[rest[1]]
    for ax, i in zip(np.atleast_1d(axes), idx):
        sl = v.select(axis, int(i))
        show_overlay(
            sl[None],
            None if mask is None else mask.select(axis, int(i)),
            ax=ax,
            title=f"{'zyx'[axis]}={i}",
        )
        ax.set_aspect(aspect)
    fig.tight_layout()
    return fig


def render_slice(
    volume: torch.Tensor,
    index: int,
    *,
    mask: torch.Tensor | None = None,
    axis: int = 0,
    spacing: tuple[float, float, float] | None = None,
) -> bytes:
    """One slice rendered to PNG bytes (what :func:`slice_viewer` displays).

    Args:
        volume: ``(D, H, W)`` or ``(1, D, H, W)``.
        index: slice index along ``axis``.
        mask: ``(D, H, W)`` label map overlay. Defaults to None.
        axis: slicing axis (0 = z). Defaults to 0.
        spacing: ``(sz, sy, sx)`` mm for the true aspect ratio. Defaults to None.

    Returns:
        PNG-encoded bytes.
    """
    v = volume[0] if volume.dim() == 4 else volume
    fig, ax = plt.subplots(figsize=(3.4, 3.4))
    show_overlay(
        v.select(axis, index)[None],
        None if mask is None else mask.select(axis, index),
        ax=ax,
        title=f"{'zyx'[axis]} = {index}",
    )
    if spacing is not None:
        rest = [a for a in range(3) if a != axis]
        ax.set_aspect(spacing[rest[0]] / spacing[rest[1]])
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()
