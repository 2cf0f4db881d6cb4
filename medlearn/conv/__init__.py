"""Convolution and pooling written out: a sliding window, im2col, and torch.

A convolution slides a small weight tensor over the image and, at every output
position, multiplies the window it covers by the weights and sums: a pattern
matcher that answers "how much does this window look like the kernel?". The
same sum has three implementations side by side, one file per idea,
re-exported here (``from medlearn import conv; conv.conv2d(...)``):

* ``im2col``: the windows: output sizes, padding, a strided view of every
  window (:func:`sliding_windows`) and :func:`im2col`.
* ``functional``: :func:`conv_loops` (the definition: one Python loop over
  output positions; slow, for tiny inputs), :func:`conv_unfold` (im2col, then
  one matrix product for a block of output rows at a time) and the checked
  entry points :func:`conv2d` / :func:`conv3d` with ``impl="loops"``,
  ``"unfold"`` or ``"torch"`` (``torch.nn.functional.conv2d``/``conv3d``).
* ``pooling``: max and average pooling, which reuse the same windows.
* ``modules``: ``Conv2d`` / ``Conv3d``, torch's modules with a chosen ``impl``.

Inputs are channel-first, ``(N, C, H, W)`` in 2D and ``(N, C, D, H, W)`` in
3D. See chapter 02 (convolution).
"""

from __future__ import annotations

from medlearn.conv.functional import IMPLS, conv2d, conv3d, conv_loops, conv_unfold
from medlearn.conv.im2col import Padding, conv_output_size, im2col, sliding_windows
from medlearn.conv.modules import Conv2d, Conv3d
from medlearn.conv.pooling import avg_pool2d, avg_pool3d, max_pool2d, max_pool3d

__all__ = [
    "IMPLS",
    "Padding",
    "conv_output_size",
    "sliding_windows",
    "im2col",
    "conv_loops",
    "conv_unfold",
    "conv2d",
    "conv3d",
    "max_pool2d",
    "max_pool3d",
    "avg_pool2d",
    "avg_pool3d",
    "Conv2d",
    "Conv3d",
]
