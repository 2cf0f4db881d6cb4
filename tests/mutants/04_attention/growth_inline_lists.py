# replaces: attention_growth
# must pass: the timing loop written inline, a list per cost, view instead of reshape
"""Correct: thread CPU time read inline, medians, np.polyfit in a lambda."""
import statistics
import time

import numpy as np

from medlearn.timing import peak_memory


def attention_growth(sides=(16, 32, 64), window_size=16, dim=16, repeats=5):
    def seconds(fn):
        fn()
        runs = []
        for _ in range(repeats):
            t0 = time.thread_time()
            fn()
            runs.append(time.thread_time() - t0)
        return statistics.median(runs)

    tokens, tg, tw, mg, mw = [], [], [], [], []
    for side in sides:
        x = torch.randn(1, side, side, dim, dtype=torch.float32)
        seq = x.view(1, -1, dim)
        wins = window_partition(x, window_size)

        def glob():
            return scaled_dot_product_attention(seq, seq, seq)

        def local():
            return scaled_dot_product_attention(wins, wins, wins)

        tokens.append(side * side)
        tg.append(seconds(glob))
        tw.append(seconds(local))
        mg.append(peak_memory(glob))
        mw.append(peak_memory(local))
    fit = lambda ys: float(np.polyfit(np.log(tokens), np.log(ys), 1)[0])  # noqa: E731
    return {
        "tokens": tokens, "time_global": tg, "time_windowed": tw,
        "memory_global": mg, "memory_windowed": mw,
        "exponent_time_global": fit(tg), "exponent_time_windowed": fit(tw),
        "exponent_memory_global": fit(mg), "exponent_memory_windowed": fit(mw),
    }
