"""Pictures: images with masks and boxes, slice grids, a slice viewer, reliability.

Every function draws with matplotlib and returns what it drew on, so a chapter
can add titles; nothing calls ``plt.show()``. :func:`slice_viewer` is an
ipywidgets viewer for volumes in JupyterLab. Plotting lives here, not in the
topic modules (which stay free of matplotlib). See chapter 01 (tasks) and
chapter 08 (uncertainty) for the reliability diagram.
"""

from __future__ import annotations

import inspect
import io
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.patches import Rectangle

from medlearn.metrics.calibration import ReliabilityDiagram

if TYPE_CHECKING:
    from IPython.display import Code
    from ipywidgets import VBox

__all__ = [
    "show_source",
    "trace_unet",
    "draw_unet",
    "to_numpy_image",
    "show_overlay",
    "show_boxes",
    "show_slices",
    "render_slice",
    "slice_viewer",
    "plot_reliability_diagram",
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


def slice_viewer(
    volume: torch.Tensor,
    mask: torch.Tensor | None = None,
    *,
    axis: int = 0,
    spacing: tuple[float, float, float] | None = None,
) -> VBox:
    """An interactive slice viewer (ipywidgets): a slider and the slice.

    Args:
        volume: ``(D, H, W)`` or ``(1, D, H, W)``.
        mask: ``(D, H, W)`` label map overlay. Defaults to None.
        axis: slicing axis. Defaults to 0 (axial).
        spacing: ``(sz, sy, sx)`` mm for the true aspect ratio. Defaults to None.

    Returns:
        An ``ipywidgets.VBox`` with attributes ``slider`` (``IntSlider``) and
        ``image`` (``ipywidgets.Image`` whose PNG value changes with the slider).

    Raises:
        ValueError: for a volume that is not 3D after dropping a channel axis.
    """
    import ipywidgets as widgets

    v = volume[0] if volume.dim() == 4 else volume
    if v.dim() != 3:
        raise ValueError(
            f"volume: expected (D, H, W) or (1, D, H, W), got {tuple(volume.shape)}"
        )
    n = v.shape[axis]
    slider = widgets.IntSlider(
        value=n // 2,
        min=0,
        max=n - 1,
        description=f"slice ({'zyx'[axis]})",
        continuous_update=False,
    )
    image = widgets.Image(
        format="png",
        value=render_slice(v, n // 2, mask=mask, axis=axis, spacing=spacing),
        layout=widgets.Layout(width="320px"),  # not stretched to the notebook's width
    )

    def _update(change: dict) -> None:
        image.value = render_slice(
            v, int(change["new"]), mask=mask, axis=axis, spacing=spacing
        )

    slider.observe(_update, names="value")
    box = widgets.VBox([slider, image])
    box.slider, box.image = slider, image
    return box


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


def show_source(obj: object) -> Code:
    """The source of a library function or class, as a highlighted code block.

    Chapters show the code they teach this way, so the page cannot drift from
    the library.

    Args:
        obj: a function, class or method of :mod:`medlearn`.

    Returns:
        An ``IPython.display.Code`` object (rendered by Jupyter and the book).
    """
    from IPython.display import Code

    return Code(inspect.getsource(obj), language="python")


def trace_unet(model, input_shape: tuple[int, ...]) -> list[dict]:
    """The feature maps of a ``medlearn.unet.UNet``, traced by running it.

    Forward hooks on every encoder and decoder block record the output shapes of
    one forward pass on zeros; nothing is computed from the constructor's
    arguments, so the diagram shows what the model does.

    Args:
        model: a :class:`medlearn.unet.UNet` (2D or 3D).
        input_shape: ``(N, C, H, W)`` or ``(N, C, D, H, W)``.

    Returns:
        One dict per block, encoder first: ``{"name", "channels", "size",
        "skip"}``, ``size`` the spatial shape and ``skip`` (decoder blocks) whether
        the block concatenates an encoder map.

    Example:
        >>> from medlearn.unet import UNet
        >>> [b["size"] for b in trace_unet(UNet(1, 2, channels=(4, 8)), (1, 1, 16, 16))]
        [(16, 16), (8, 8), (16, 16)]
    """
    blocks = [(f"encoder.{i}", b, None) for i, b in enumerate(model.encoder)]
    blocks += [
        (f"decoder.{i}", up.block, up.skip) for i, up in enumerate(model.decoder)
    ]
    traced: list[dict] = []
    hooks = [
        block.register_forward_hook(
            lambda mod, inp, out, name=name, skip=skip: traced.append(
                {
                    "name": name,
                    "channels": out.shape[1],
                    "size": tuple(out.shape[2:]),
                    "skip": skip,
                }
            )
        )
        for name, block, skip in blocks
    ]
    try:
        param = next(model.parameters())
        with torch.no_grad():
            model(torch.zeros(input_shape, dtype=param.dtype, device=param.device))
    finally:
        for h in hooks:
            h.remove()
    return traced


def draw_unet(model, input_shape: tuple[int, ...], ax: plt.Axes | None = None):
    """Draw a U-Net from the model itself: one box per block, arrows between.

    Boxes are drawn from :func:`trace_unet`: height grows with the grid size,
    width with the channels (both on a log scale); the label is ``C x size``.
    Red arrows go down (2x2 max pooling), green ones up (up-convolution), grey
    dashed ones across (skip connections, only where the model has them).

    Args:
        model: a :class:`medlearn.unet.UNet`.
        input_shape: ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        ax: axes to draw on. Defaults to None (a new figure).

    Returns:
        ``(ax, traced)``: the axes and :func:`trace_unet`'s list.
    """
    traced = trace_unet(model, input_shape)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    depth = len(model.encoder)
    centres = {}
    for i, b in enumerate(traced):
        level = i if i < depth else 2 * depth - 2 - i
        x = i if i < depth else i + 0.0
        height = 0.25 + 0.12 * np.log2(max(b["size"][-1], 1))
        width = 0.2 + 0.08 * np.log2(b["channels"])
        y = -level
        ax.add_patch(
            Rectangle(
                (x - width / 2, y - height / 2),
                width,
                height,
                fc="C0" if i < depth else "C2",
                alpha=0.5,
                ec="k",
            )
        )
        size = " x ".join(str(n) for n in b["size"])
        ax.text(
            x,
            y - height / 2 - 0.08,
            f"{b['channels']} x {size}",
            ha="center",
            va="top",
            fontsize=7,
        )
        centres[i] = (x, y)
    for i in range(1, len(traced)):
        (x0, y0), (x1, y1) = centres[i - 1], centres[i]
        colour = "C3" if i < depth else "C2"
        ax.annotate(
            "", (x1, y1), (x0, y0), arrowprops=dict(arrowstyle="->", color=colour)
        )
        if i >= depth and traced[i]["skip"]:
            xs, ys = centres[2 * depth - 2 - i]
            ax.annotate(
                "",
                (x1, y1),
                (xs, ys),
                arrowprops=dict(arrowstyle="->", color="0.5", ls="--"),
            )
    ax.set_xlim(-0.8, len(traced) - 0.2)
    ax.set_ylim(-depth + 0.3, 0.8)
    ax.set_axis_off()
    return ax, traced
