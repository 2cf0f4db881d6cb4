# replaces: fft2c
# feedback: transform only the last two axes
"""fftn and the shifts without dim=: the batch axes are transformed too."""


def fft2c(x):
    return torch.fft.fftshift(torch.fft.fftn(torch.fft.ifftshift(x), norm="ortho"))


def ifft2c(k):
    return torch.fft.fftshift(torch.fft.ifftn(torch.fft.ifftshift(k), norm="ortho"))
