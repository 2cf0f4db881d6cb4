"""DnCNN: a residual CNN that predicts the noise (Zhang et al., 2017).

See chapter 10 (applications).
"""

from __future__ import annotations

from torch import Tensor, nn

__all__ = ["DnCNN"]


class DnCNN(nn.Module):
    """A residual denoiser that predicts the noise (Zhang et al., 2017).

    ``conv-ReLU``, then ``num_layers - 2`` times ``conv-BN-ReLU``, then a conv
    back to ``in_channels``: the body estimates the noise ``n`` of ``y = x + n``,
    and the output is ``y - n``. Train on ``||forward(y) - x||^2``, which equals
    the paper's residual loss ``||predict_noise(y) - (y - x)||^2``.

    Args:
        in_channels: image channels. Defaults to 1.
        channels: feature channels. Defaults to 32.
        num_layers: convolutions (>= 2). Defaults to 8.
        batch_norm: batch norm in the middle layers. Defaults to True.

    Raises:
        ValueError: if a size is out of range.

    Example:
        >>> import torch
        >>> net = DnCNN(channels=8, num_layers=3).eval()
        >>> y = torch.randn(2, 1, 16, 16)
        >>> torch.allclose(net(y), y - net.predict_noise(y))
        True

    See chapter 10 (applications).
    """

    def __init__(
        self,
        in_channels: int = 1,
        channels: int = 32,
        num_layers: int = 8,
        *,
        batch_norm: bool = True,
    ) -> None:
        super().__init__()
        if min(in_channels, channels) < 1 or num_layers < 2:
            raise ValueError(
                "in_channels and channels must be >= 1 and num_layers >= 2, got "
                f"{in_channels}, {channels} and {num_layers}"
            )
        layers: list[nn.Module] = [nn.Conv2d(in_channels, channels, 3, padding=1)]
        layers.append(nn.ReLU())
        for _ in range(num_layers - 2):
            layers.append(
                nn.Conv2d(channels, channels, 3, padding=1, bias=not batch_norm)
            )
            layers += [nn.BatchNorm2d(channels)] if batch_norm else []
            layers.append(nn.ReLU())
        layers.append(nn.Conv2d(channels, in_channels, 3, padding=1))
        self.body = nn.Sequential(*layers)
        self.in_channels = in_channels

    def predict_noise(self, y: Tensor) -> Tensor:
        """The estimated noise ``(N, C, H, W)`` of a noisy image of that shape."""
        if y.dim() != 4 or y.shape[1] != self.in_channels:
            raise ValueError(
                f"y must have shape (N, {self.in_channels}, H, W), got {tuple(y.shape)}"
            )
        return self.body(y)

    def forward(self, y: Tensor) -> Tensor:
        """The denoised image ``y - predict_noise(y)``, shape ``(N, C, H, W)``."""
        return y - self.predict_noise(y)
