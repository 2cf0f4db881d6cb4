"""MRI acquisition as a forward model: k-space, undersampling, data consistency.

An MR scanner measures the Fourier transform of the image (k-space), one
phase-encoding line at a time. Measuring fewer lines is faster; the zero-filled
inverse transform then aliases. A reconstruction network that keeps the lines
that were measured (data consistency) can only add what is missing, never
overwrite what the scanner saw. One module per concept, read in this order:

* :mod:`~medlearn.physics.fourier`: the centred FFT and its matrix form;
* :mod:`~medlearn.physics.masks`: Cartesian undersampling masks;
* :mod:`~medlearn.physics.reconstruction`: the forward model, zero filling,
  data consistency, and an unrolled network that alternates a CNN with data
  consistency (Schlemper et al., 2017).

Conventions follow fastMRI (Zbontar et al., 2018): the centred orthonormal FFT
``fftshift(fft(ifftshift(x), norm="ortho"))`` on the last two (or three) axes,
so the zero frequency sits at index ``n // 2`` and Parseval holds. Unlike
fastMRI, which stores complex data as a trailing real/imaginary axis of size 2,
tensors here are complex (``torch.view_as_complex`` converts). Masks select
columns, the last axis ``W`` (phase encoding), as fastMRI's masks select
``shape[-2]`` of its ``(..., H, W, 2)`` layout. Images are ``(N, C, H, W)``
complex, ``C`` coils (1 for single-coil data).

See chapter 10 (applications).
"""

from __future__ import annotations

from medlearn.physics.fourier import (
    centred_dft_matrix,
    fft2c,
    fft3c,
    ifft2c,
    ifft3c,
)
from medlearn.physics.masks import undersampling_mask
from medlearn.physics.reconstruction import (
    UnrolledReconstruction,
    apply_mask,
    channels_to_complex,
    complex_to_channels,
    data_consistency,
    undersample,
    zero_filled,
)

__all__ = [
    "fft2c",
    "ifft2c",
    "fft3c",
    "ifft3c",
    "centred_dft_matrix",
    "undersampling_mask",
    "apply_mask",
    "undersample",
    "zero_filled",
    "data_consistency",
    "complex_to_channels",
    "channels_to_complex",
    "UnrolledReconstruction",
]
