# replaces: fft2c
# must pass: the centred DFT as a matrix, F_H @ x @ F_W.T
"""Correct: the teaching path, explicit centred DFT matrices (computed in float64)."""


def _dft(n, dtype):
    c = n // 2
    k = torch.arange(n, dtype=torch.float64) - c
    phase = -2 * math.pi * torch.outer(k, k) / n
    return (torch.polar(torch.ones_like(phase), phase) / math.sqrt(n)).to(dtype)


def fft2c(x):
    H, W = x.shape[-2:]
    return _dft(H, x.dtype) @ x @ _dft(W, x.dtype).T


def ifft2c(k):
    H, W = k.shape[-2:]
    return _dft(H, k.dtype).conj() @ k @ _dft(W, k.dtype).conj().T
