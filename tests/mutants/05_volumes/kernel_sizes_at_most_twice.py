# replaces: kernel_sizes
# feedback: exactly twice as coarse
"""uses <= 2: an axis exactly twice as coarse as the finest gets a kernel of 3."""


def kernel_sizes(spacing, n_stages):
    spacing = list(spacing)
    kernels = []
    for _ in range(n_stages):
        finest = min(spacing)
        fine = [s / finest <= 2 for s in spacing]
        kernels.append(tuple(3 if f else 1 for f in fine))
        spacing = [s * 2 if f else s for s, f in zip(spacing, fine)]
    return kernels
