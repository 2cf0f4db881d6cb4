# replaces: fft2c
# feedback: use norm="ortho"
"""the default norm ("backward"): no 1/sqrt(H W) on the forward transform."""


def fft2c(x):
    x = torch.fft.ifftshift(x, dim=(-2, -1))
    return torch.fft.fftshift(torch.fft.fft2(x), dim=(-2, -1))


def ifft2c(k):
    k = torch.fft.ifftshift(k, dim=(-2, -1))
    return torch.fft.fftshift(torch.fft.ifft2(k), dim=(-2, -1))
