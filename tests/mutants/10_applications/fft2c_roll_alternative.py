# replaces: fft2c
# must pass: torch.roll by n // 2 (fftshift) and by -(n // 2) (ifftshift), any size
"""Correct: the shifts written as rolls, with the right sign for odd sizes; 1D FFTs per axis."""


def _centre(x, inverse):
    H, W = x.shape[-2:]
    x = torch.roll(x, shifts=(-(H // 2), -(W // 2)), dims=(-2, -1))  # ifftshift
    transform = torch.fft.ifft if inverse else torch.fft.fft
    x = transform(transform(x, dim=-1, norm="ortho"), dim=-2, norm="ortho")
    return torch.roll(x, shifts=(H // 2, W // 2), dims=(-2, -1))  # fftshift


def fft2c(x):
    return _centre(x, False)


def ifft2c(k):
    return _centre(k, True)
