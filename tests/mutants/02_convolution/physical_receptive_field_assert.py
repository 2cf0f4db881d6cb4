# replaces: physical_receptive_field
# feedback: raise ValueError instead
"""checks the axes with assert instead of raising ValueError."""


def physical_receptive_field(size, spacing):
    assert len(size) == len(spacing), "one spacing per axis"
    return tuple(float(r) * float(s) for r, s in zip(size, spacing))
