# replaces: physical_receptive_field
# feedback: should raise ValueError
"""zips mismatched axes silently instead of raising ValueError."""


def physical_receptive_field(size, spacing):
    return tuple(float(r) * float(s) for r, s in zip(size, spacing))
