# replaces: attention_growth
# feedback: partition the grid into windows
"""times the 'windowed' attention on the whole sequence: it forgot to partition."""
import statistics
import time

import numpy as np

from medlearn.timing import peak_memory


def attention_growth(sides=(16, 32, 64), window_size=16, dim=16, repeats=5):
    def median_seconds(call):
        call()
        times = []
        for _ in range(repeats):
            start = time.thread_time()
            call()
            times.append(time.thread_time() - start)
        return statistics.median(times)

    g = torch.Generator().manual_seed(0)
    result = {key: [] for key in ("tokens", "time_global", "time_windowed",
                                  "memory_global", "memory_windowed")}
    for side in sides:
        x = torch.randn(1, side, side, dim, generator=g)
        seq = x.reshape(1, side * side, dim)
        win = x.reshape(-1, side * side, dim)  # forgot the windows
        calls = {
            "global": lambda: scaled_dot_product_attention(seq, seq, seq),
            "windowed": lambda: scaled_dot_product_attention(win, win, win),
        }
        result["tokens"].append(side * side)
        for name, call in calls.items():
            result[f"time_{name}"].append(median_seconds(call))
            result[f"memory_{name}"].append(peak_memory(call))
    log_n = np.log(result["tokens"])
    for kind in ("time", "memory"):
        for name in ("global", "windowed"):
            slope = np.polyfit(log_n, np.log(result[f"{kind}_{name}"]), 1)[0]
            result[f"exponent_{kind}_{name}"] = float(slope)
    return result
