"""Encoders and the early, intermediate and late fusion models.

See chapter 10 (applications).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from medlearn.fusion.combine import (
    _check_inputs,
    _check_sizes,
    _fill_missing,
    early_fuse,
    late_fuse,
)

__all__ = [
    "ImageEncoder",
    "TabularEncoder",
    "EarlyFusion",
    "IntermediateFusion",
    "LateFusion",
]


class ImageEncoder(nn.Module):
    """A small CNN: (conv-ReLU-max-pool) per stage, global average, linear.

    Args:
        in_channels: image channels.
        features: output feature size. Defaults to 16.
        channels: channels of each stage. Defaults to (8, 16).

    Raises:
        ValueError: if a size is below 1.

    Example:
        >>> tuple(ImageEncoder(1, 16)(torch.randn(2, 1, 32, 32)).shape)
        (2, 16)

    See chapter 10 (applications).
    """

    def __init__(
        self,
        in_channels: int,
        features: int = 16,
        channels: Sequence[int] = (8, 16),
    ) -> None:
        super().__init__()
        _check_sizes(in_channels=in_channels, features=features)
        if not channels or min(channels) < 1:
            raise ValueError(f"channels must be positive ints, got {channels!r}")
        layers: list[nn.Module] = []
        width = in_channels
        for c in channels:
            layers += [nn.Conv2d(width, c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            width = c
        self.conv = nn.Sequential(*layers)
        self.proj = nn.Sequential(nn.Linear(width, features), nn.ReLU())

    def forward(self, image: Tensor) -> Tensor:
        """Map ``(N, C, H, W)`` to features ``(N, features)``."""
        return self.proj(self.conv(image).mean((-2, -1)))  # (N, C') -> (N, features)


class TabularEncoder(nn.Module):
    """A two-layer perceptron for a feature vector.

    Args:
        in_features: input features ``F``.
        features: output feature size. Defaults to 16.
        hidden: hidden units. Defaults to 32.

    Raises:
        ValueError: if a size is below 1.

    Example:
        >>> tuple(TabularEncoder(10)(torch.randn(4, 10)).shape)
        (4, 16)

    See chapter 10 (applications).
    """

    def __init__(self, in_features: int, features: int = 16, hidden: int = 32) -> None:
        super().__init__()
        _check_sizes(in_features=in_features, features=features, hidden=hidden)
        self.mlp = nn.Sequential(
            nn.Linear(in_features, hidden),
            nn.ReLU(),
            nn.Linear(hidden, features),
            nn.ReLU(),
        )

    def forward(self, tabular: Tensor) -> Tensor:
        """Map ``(N, F)`` to features ``(N, features)``."""
        return self.mlp(tabular)


# ---------------------------------------------------------------- fusion models


class EarlyFusion(nn.Module):
    """One CNN on the image with the features tiled as channels (:func:`early_fuse`).

    A missing modality is filled with zeros (mean imputation of standardised
    inputs) before fusion.

    Args:
        image_channels: image channels ``C``.
        tabular_features: features ``F``.
        num_classes: classes ``K``. Defaults to 2.
        features: encoder feature size. Defaults to 16.

    Raises:
        ValueError: if a size is below 1.

    Example:
        >>> net = EarlyFusion(1, 5)
        >>> tuple(net(torch.randn(2, 1, 16, 16), torch.randn(2, 5)).shape)
        (2, 2)

    See chapter 10 (applications).
    """

    def __init__(
        self,
        image_channels: int,
        tabular_features: int,
        num_classes: int = 2,
        features: int = 16,
    ) -> None:
        super().__init__()
        _check_sizes(num_classes=num_classes)
        self.encoder = ImageEncoder(image_channels + tabular_features, features)
        self.head = nn.Linear(features, num_classes)

    def forward(
        self, image: Tensor, tabular: Tensor, missing: Tensor | None = None
    ) -> Tensor:
        """Logits ``(N, K)`` from ``(N, C, H, W)`` and ``(N, F)``."""
        _check_inputs(image, tabular, missing)
        if missing is not None:
            image = _fill_missing(image, missing[:, 0])
            tabular = _fill_missing(tabular, missing[:, 1])
        return self.head(self.encoder(early_fuse(image, tabular)))


class IntermediateFusion(nn.Module):
    """Encode each modality, concatenate the features, classify with an MLP head.

    A missing modality's feature vector is set to zero (masked), as modality
    dropout does during training.

    Args:
        image_channels: image channels ``C``.
        tabular_features: features ``F``.
        num_classes: classes ``K``. Defaults to 2.
        features: feature size of each encoder. Defaults to 16.

    Raises:
        ValueError: if a size is below 1.

    Example:
        >>> net = IntermediateFusion(1, 5)
        >>> tuple(net(torch.randn(2, 1, 16, 16), torch.randn(2, 5)).shape)
        (2, 2)

    See chapter 10 (applications).
    """

    def __init__(
        self,
        image_channels: int,
        tabular_features: int,
        num_classes: int = 2,
        features: int = 16,
    ) -> None:
        super().__init__()
        _check_sizes(num_classes=num_classes)
        self.image_encoder = ImageEncoder(image_channels, features)
        self.tabular_encoder = TabularEncoder(tabular_features, features)
        self.head = nn.Sequential(
            nn.Linear(2 * features, features),
            nn.ReLU(),
            nn.Linear(features, num_classes),
        )

    def forward(
        self, image: Tensor, tabular: Tensor, missing: Tensor | None = None
    ) -> Tensor:
        """Logits ``(N, K)`` from ``(N, C, H, W)`` and ``(N, F)``."""
        _check_inputs(image, tabular, missing)
        f_img = self.image_encoder(image)  # (N, features)
        f_tab = self.tabular_encoder(tabular)  # (N, features)
        if missing is not None:
            f_img = _fill_missing(f_img, missing[:, 0])
            f_tab = _fill_missing(f_tab, missing[:, 1])
        return self.head(torch.cat([f_img, f_tab], dim=1))  # (N, 2 features) -> (N, K)


class LateFusion(nn.Module):
    """An image model and a tabular model whose probabilities are averaged.

    The submodels ``image_model`` and ``tabular_model`` are full classifiers
    (each a modality-alone baseline); :func:`late_fuse` combines their softmax
    probabilities, over the modalities present. The output is the log of the
    fused probability, so ``softmax(output)`` is the fused probability and
    ``F.cross_entropy`` on it is the fused likelihood.

    Args:
        image_channels: image channels ``C``.
        tabular_features: features ``F``.
        num_classes: classes ``K``. Defaults to 2.
        features: encoder feature size. Defaults to 16.
        weights: weights of the image and tabular models. Defaults to (0.5, 0.5).

    A missing modality's prediction gets weight zero, so at inference its input
    may hold any placeholder, even NaN; in training pass a finite one (zeros),
    since a NaN input makes its model's weight gradients NaN.

    Raises:
        ValueError: if a size is below 1.

    Example:
        >>> net = LateFusion(1, 5)
        >>> out = net(torch.randn(2, 1, 16, 16), torch.randn(2, 5))
        >>> torch.allclose(out.exp().sum(1), torch.ones(2))
        True

    See chapter 10 (applications).
    """

    def __init__(
        self,
        image_channels: int,
        tabular_features: int,
        num_classes: int = 2,
        features: int = 16,
        weights: tuple[float, float] = (0.5, 0.5),
    ) -> None:
        super().__init__()
        _check_sizes(num_classes=num_classes)
        self.image_model = nn.Sequential(
            ImageEncoder(image_channels, features), nn.Linear(features, num_classes)
        )
        self.tabular_model = nn.Sequential(
            TabularEncoder(tabular_features, features), nn.Linear(features, num_classes)
        )
        self.weights = tuple(weights)

    def forward(
        self, image: Tensor, tabular: Tensor, missing: Tensor | None = None
    ) -> Tensor:
        """Log fused probabilities ``(N, K)`` from ``(N, C, H, W)`` and ``(N, F)``."""
        _check_inputs(image, tabular, missing)
        p_img = self.image_model(image).softmax(1)  # (N, K)
        p_tab = self.tabular_model(tabular).softmax(1)  # (N, K)
        fused = late_fuse([p_img, p_tab], self.weights, missing)  # (N, K)
        return fused.clamp_min(torch.finfo(fused.dtype).tiny).log()
