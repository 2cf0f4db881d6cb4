"""Pictures: images with masks and boxes, slice grids, a slice viewer, reliability.

Every function draws with matplotlib and returns what it drew on, so a chapter
can add titles; nothing calls ``plt.show()``. :func:`slice_viewer` is an
ipywidgets viewer for volumes in JupyterLab. Plotting lives here, not in the
topic modules (which stay free of matplotlib). See chapter 01 (tasks) and
chapter 08 (uncertainty) for the reliability diagram.
"""

from __future__ import annotations

from medlearn.viz.diagrams import draw_unet, trace_unet
from medlearn.viz.images import (
    render_slice,
    show_boxes,
    show_overlay,
    show_slices,
    to_numpy_image,
)
from medlearn.viz.reliability import plot_reliability_diagram
from medlearn.viz.source import show_source
from medlearn.viz.viewer import slice_viewer

__all__ = [
    "to_numpy_image",
    "show_overlay",
    "show_boxes",
    "show_slices",
    "render_slice",
    "slice_viewer",
    "plot_reliability_diagram",
    "show_source",
    "trace_unet",
    "draw_unet",
]
