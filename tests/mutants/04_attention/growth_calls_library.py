# replaces: attention_growth
# feedback: your answer uses
"""runs the chapter's experiment from the library instead of its own functions."""
from medlearn import attention as att


def attention_growth(sides=(16, 32, 64), window_size=16, dim=16, repeats=5):
    rows = att.attention_scaling(sides=sides, dim=dim, window=window_size, repeats=repeats)
    result = {"tokens": [r["tokens"] for r in rows]}
    for kind in ("time", "memory"):
        for name in ("global", "windowed"):
            result[f"{kind}_{name}"] = [r[f"{kind}_{name}"] for r in rows]
            result[f"exponent_{kind}_{name}"] = att.growth_exponent(
                result["tokens"], result[f"{kind}_{name}"]
            )
    return result
