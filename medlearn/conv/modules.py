"""``nn.Conv2d`` and ``nn.Conv3d`` whose forward is medlearn's convolution.

Thin modules around :func:`conv2d` / :func:`conv3d`: torch's own classes
hold and initialise the weights (so state dicts are torch's), and ``impl``
chooses the implementation that runs. See chapter 02 (convolution).
"""

from __future__ import annotations

from torch import Tensor, nn

from medlearn.conv.functional import IMPLS, conv2d, conv3d

__all__ = ["Conv2d", "Conv3d"]


def _check_impl(module: nn.Module, impl: str) -> str:
    if module.padding_mode != "zeros" or impl not in IMPLS:
        raise ValueError(
            f"padding_mode must be 'zeros' and impl one of {IMPLS}, "
            f"got {module.padding_mode!r} and {impl!r}"
        )
    return impl


class Conv2d(nn.Conv2d):
    """``nn.Conv2d`` whose forward is :func:`conv2d` with a chosen ``impl``.

    Args:
        *args: as ``torch.nn.Conv2d`` (``in_channels``, ``out_channels``,
            ``kernel_size``, ...); weights are initialised by it, from torch's
            global generator (seed it with ``medlearn.device.seed_everything``).
        impl: "loops", "unfold" or "torch". Defaults to "torch".
        **kwargs: as ``torch.nn.Conv2d`` (zero padding only).

    Example:
        >>> import torch
        >>> Conv2d(1, 4, 3, padding=1, impl="unfold")(torch.randn(2, 1, 8, 8)).shape
        torch.Size([2, 4, 8, 8])

    See chapter 02 (convolution).
    """

    def __init__(self, *args: object, impl: str = "torch", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.impl = _check_impl(self, impl)

    def forward(self, x: Tensor) -> Tensor:
        args = (self.stride, self.padding, self.dilation, self.groups, self.impl)
        return conv2d(x, self.weight, self.bias, *args)


class Conv3d(nn.Conv3d):
    """``nn.Conv3d`` whose forward is :func:`conv3d`; arguments as :class:`Conv2d`.

    Example:
        >>> import torch
        >>> Conv3d(1, 2, 3, padding=1, impl="loops")(torch.randn(1, 1, 3, 3, 3)).shape
        torch.Size([1, 2, 3, 3, 3])
    """

    def __init__(self, *args: object, impl: str = "torch", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.impl = _check_impl(self, impl)

    def forward(self, x: Tensor) -> Tensor:
        args = (self.stride, self.padding, self.dilation, self.groups, self.impl)
        return conv3d(x, self.weight, self.bias, *args)
