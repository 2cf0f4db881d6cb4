"""An ipywidgets slice viewer for volumes (with a static figure beside it in the book).

See :mod:`medlearn.viz`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from medlearn.viz.images import render_slice

if TYPE_CHECKING:
    from ipywidgets import VBox

__all__ = ["slice_viewer"]


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
