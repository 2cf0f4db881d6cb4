# replaces: physical_receptive_field
# feedback: your answer uses
"""delegates to medlearn's own implementation (the library holds the solutions)."""

from medlearn.receptive_field import physical_receptive_field as _mm


def physical_receptive_field(size, spacing):
    return _mm(tuple(size), tuple(spacing))
