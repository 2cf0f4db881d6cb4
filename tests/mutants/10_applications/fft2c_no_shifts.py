# replaces: fft2c
# feedback: without ifftshift before and fftshift after
"""the orthonormal FFT without the shifts: the zero frequency at index 0."""


def fft2c(x):
    return torch.fft.fft2(x, norm="ortho")


def ifft2c(k):
    return torch.fft.ifft2(k, norm="ortho")
