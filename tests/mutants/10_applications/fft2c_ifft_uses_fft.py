# replaces: fft2c
# feedback: ifft2c must use the inverse FFT
"""ifft2c applies the forward transform again (a flipped image, not the inverse)."""


def fft2c(x):
    x = torch.fft.ifftshift(x, dim=(-2, -1))
    return torch.fft.fftshift(torch.fft.fft2(x, norm="ortho"), dim=(-2, -1))


def ifft2c(k):
    k = torch.fft.ifftshift(k, dim=(-2, -1))
    return torch.fft.fftshift(torch.fft.fft2(k, norm="ortho"), dim=(-2, -1))
