# replaces: kernel_sizes
# feedback: wrong axis order
"""reads the spacing as (x, y, z): the kernels come out for the mirrored axes."""


def kernel_sizes(spacing, n_stages):
    spacing = list(spacing)[::-1]
    kernels = []
    for _ in range(n_stages):
        finest = min(spacing)
        fine = [s / finest < 2 for s in spacing]
        kernels.append(tuple(3 if f else 1 for f in fine))
        spacing = [s * 2 if f else s for s, f in zip(spacing, fine)]
    return kernels
