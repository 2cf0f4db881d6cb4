"""A U-Net drawn from the model itself (traced by running it).

See :mod:`medlearn.viz` and chapter 03.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.patches import Rectangle

if TYPE_CHECKING:
    from medlearn.unet import UNet

__all__ = ["trace_unet", "draw_unet"]


def trace_unet(model: UNet, input_shape: tuple[int, ...]) -> list[dict]:
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
        >>> [b["size"] for b in trace_unet(UNet(2, 1, 2, channels=(4, 8)), (1, 1, 16, 16))]
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


def draw_unet(
    model: UNet, input_shape: tuple[int, ...], ax: plt.Axes | None = None
) -> tuple[plt.Axes, list[dict]]:
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
