# replaces: fft2c
# feedback: ifftshift before the transform, fftshift after
"""fftshift on both sides: equal for even sizes, wrong for odd ones."""


def fft2c(x):
    x = torch.fft.fftshift(x, dim=(-2, -1))
    return torch.fft.fftshift(torch.fft.fft2(x, norm="ortho"), dim=(-2, -1))


def ifft2c(k):
    k = torch.fft.fftshift(k, dim=(-2, -1))
    return torch.fft.fftshift(torch.fft.ifft2(k, norm="ortho"), dim=(-2, -1))
