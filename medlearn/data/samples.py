"""Real samples, all offline: files that installed packages ship.

scikit-image's fundus photograph, microaneurysm crop, immunohistochemistry
slide and Shepp–Logan phantom, and matplotlib's MRI slice, as channel-first
float32 tensors in [0, 1] with their (nominal) pixel spacing. Nothing is
downloaded; NIfTI volumes are in :mod:`medlearn.io`.

See chapter 01 (tasks).
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = [
    "load_retina",
    "load_microaneurysms",
    "load_ihc",
    "load_shepp_logan",
    "load_mri_slice",
]


def _to_chw(a: np.ndarray) -> torch.Tensor:
    t = torch.from_numpy(np.ascontiguousarray(a)).float()
    if a.dtype == np.uint8:
        t = t / 255.0
    return t[None] if t.dim() == 2 else t.permute(2, 0, 1).contiguous()


def load_retina() -> tuple[torch.Tensor, tuple[float, float]]:
    """The colour fundus photograph shipped with scikit-image.

    Returns:
        ``(3, H, W)`` float32 RGB in [0, 1], and the nominal pixel spacing
        ``(1.0, 1.0)`` (the photograph carries no calibration).

    Example:
        >>> img, spacing = load_retina()  # doctest: +SKIP
    """
    from skimage import data

    return _to_chw(data.retina()), (1.0, 1.0)


def load_microaneurysms() -> tuple[torch.Tensor, tuple[float, float]]:
    """A grey-level retinal crop with microaneurysms (scikit-image).

    Returns:
        ``(1, H, W)`` float32 in [0, 1] and spacing ``(1.0, 1.0)``.
    """
    from skimage import data

    return _to_chw(data.microaneurysms()), (1.0, 1.0)


def load_ihc() -> tuple[torch.Tensor, tuple[float, float]]:
    """The immunohistochemistry (pathology) sample shipped with scikit-image.

    Returns:
        ``(3, H, W)`` float32 RGB in [0, 1] and spacing ``(1.0, 1.0)``.
    """
    from skimage import data

    return _to_chw(data.immunohistochemistry()), (1.0, 1.0)


def load_shepp_logan() -> tuple[torch.Tensor, tuple[float, float]]:
    """The Shepp–Logan head phantom (scikit-image), 400×400.

    Returns:
        ``(1, 400, 400)`` float32 in [0, 1] and spacing ``(1.0, 1.0)``.
    """
    from skimage import data

    return _to_chw(data.shepp_logan_phantom()), (1.0, 1.0)


def load_mri_slice() -> tuple[torch.Tensor, tuple[float, float]]:
    """The 256×256 MRI head slice that matplotlib ships (``s1045.ima.gz``).

    Returns:
        ``(1, 256, 256)`` float32 scaled to [0, 1] and the nominal spacing
        ``(1.0, 1.0)`` (the sample carries no header).
    """
    import gzip

    from matplotlib import cbook

    with cbook.get_sample_data("s1045.ima.gz") as f:
        raw = f.read()
    if f.name.endswith(".gz") and raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    a = np.frombuffer(raw, dtype=np.uint16).reshape(256, 256).astype(np.float32)
    return torch.from_numpy(a / a.max())[None], (1.0, 1.0)
