"""Per-group rates with bootstrap intervals, 100,000 predictions x 8 groups: medlearn vs fairlearn.

Both sides take the same labels, predictions and groups and compute, per group,
the selection rate, TPR, FPR and PPV with 95 % percentile intervals from B
bootstrap replicates, plus differences and ratios between groups:

* fairlearn 0.15: ``MetricFrame(metrics={...}, n_boot=B, ci_quantiles=[0.025,
  0.975])`` (rows resampled over the whole cohort, one pandas groupby and
  scikit-learn call per metric and replicate);
* medlearn: ``bootstrap_fairness(..., n_boot=B)`` (stratified by group),
  ``impl="multinomial"`` (each group's counts drawn as binomials, O(B G)) and
  ``impl="resample"`` (rows resampled and counted, vectorised in chunks, O(B N)).

fairlearn's replicates cost seconds each at this size, so B = 1,000 would take
over an hour on a shared 2-core machine. It is therefore timed at two small
``n_boot`` (K1, K2), which gives its cost per replicate; its time at B is
extrapolated linearly (its replicates are independent iterations of one loop)
and marked as such. The ratio at ``n_boot = K2``, where both sides are
measured, is printed too. ``--fairlearn-boot B B`` times fairlearn at B for
real. Timings alternate between the sides (ABCD ABCD ...) after a warm-up on
small inputs; the table shows medians. Target (issue 18): fairlearn /
medlearn >= 10 at B = 1,000.

On a busy shared machine torch's intra-op threads can wait on each other
(a 100,000-element ``torch.unique`` measured 17 ms on one thread, 0.9 s on two
under a load average of 30); ``--threads 1`` keeps medlearn on one thread, like
pandas and scikit-learn on fairlearn's side.

    python benchmarks/bench_fairness.py [--quick] [--repeats N] [--threads N]
                                        [--fairlearn-boot K1 K2] [--device cpu|cuda]
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import torch
from fairlearn.metrics import (
    MetricFrame,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from results import record
from sklearn.metrics import precision_score

from medlearn.fairness import bootstrap_fairness
from medlearn.timing import compare

TARGET = 10.0
METRICS = {
    "selection_rate": selection_rate,
    "tpr": true_positive_rate,
    "fpr": false_positive_rate,
    "ppv": precision_score,
}


def cohort(n: int, n_groups: int, seed: int = 0):
    """Labels, predictions and groups whose base and error rates differ by group."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n_groups, n)
    y = (rng.random(n) < 0.2 + 0.4 * a / n_groups).astype(np.int64)
    p = (rng.random(n) < np.where(y == 1, 0.7, 0.1) + 0.02 * a).astype(np.int64)
    return y, p, a


def fairlearn_side(y, p, a, n_boot: int):
    return lambda: MetricFrame(
        metrics=METRICS,
        y_true=y,
        y_pred=p,
        sensitive_features=a,
        n_boot=n_boot,
        ci_quantiles=[0.025, 0.975],
        random_state=0,
    )


def medlearn_side(y, p, a, n_boot: int, impl: str, device: torch.device):
    y, p, a = (torch.from_numpy(v).to(device) for v in (y, p, a))
    gen = torch.Generator(device).manual_seed(0)
    return lambda: bootstrap_fairness(y, p, a, n_boot, generator=gen, impl=impl)


def sides(y, p, a, n_boot, k1, k2, device) -> dict:
    return {
        f"medlearn multinomial B={n_boot}": medlearn_side(
            y, p, a, n_boot, "multinomial", device
        ),
        f"medlearn resample B={n_boot}": medlearn_side(
            y, p, a, n_boot, "resample", device
        ),
        f"medlearn multinomial B={k2}": medlearn_side(
            y, p, a, k2, "multinomial", device
        ),
        f"medlearn resample B={k2}": medlearn_side(y, p, a, k2, "resample", device),
        f"fairlearn B={k1}": fairlearn_side(y, p, a, k1),
        f"fairlearn B={k2}": fairlearn_side(y, p, a, k2),
    }


def agreement(y, p, a) -> float:
    """max |medlearn - fairlearn| over the per-group point estimates."""
    ref = fairlearn_side(y, p, a, 1)().by_group
    ours = bootstrap_fairness(y, p, a, 1).rates
    return max(
        float(np.abs(ours[k].estimate.numpy() - ref[k].to_numpy()).max())
        for k in METRICS
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, seconds")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument(
        "--fairlearn-boot", type=int, nargs=2, metavar=("K1", "K2"), default=None
    )
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    n, n_groups, n_boot = (2_000, 4, 50) if args.quick else (100_000, 8, 1_000)
    k1, k2 = args.fairlearn_boot or ((2, 6) if args.quick else (3, 9))
    repeats = args.repeats or 1
    warnings.filterwarnings("ignore")  # scikit-learn's zero-division notes
    y, p, a = cohort(n, n_groups)
    for fn in sides(*cohort(500, n_groups, 1), 5, 1, 2, device).values():
        fn()  # warm-up on small inputs (imports, kernels)
    timings = compare(
        sides(y, p, a, n_boot, k1, k2, device), repeats=repeats, warmup=0, device=device
    )
    med = {name: t.median for name, t in timings.items()}
    fl1, fl2 = med[f"fairlearn B={k1}"], med[f"fairlearn B={k2}"]
    per_replicate = (fl2 - fl1) / (k2 - k1) if k2 > k1 else float("nan")
    measured = k2 == n_boot
    fl_at_b = fl2 if measured else fl1 + (n_boot - k1) * per_replicate
    print(
        f"fairness bootstrap, {n:,} predictions x {n_groups} groups, {device.type}, "
        f"{torch.get_num_threads()} threads, median of {repeats}; "
        f"estimates agree with fairlearn to {agreement(y, p, a):.1e}"
    )
    for name, t in med.items():
        print(f"  {name:32s} {t:10.3f} s")
    how = "measured" if measured else f"extrapolated from B={k1}, {k2}"
    print(
        f"  fairlearn per replicate {per_replicate:.3f} s; "
        f"at B={n_boot} {fl_at_b:.1f} s ({how})"
    )
    print(f"{'comparison':44s} {'ratio fl/medlearn':>18s} {'target':>7s}")
    for impl in ("multinomial", "resample"):
        record(  # the ratio both sides measured, medlearn / fairlearn
            f"fairness_bootstrap_{impl}",
            "fairlearn MetricFrame",
            med[f"medlearn {impl} B={k2}"] / fl2,
            sizes=f"{n} predictions, {n_groups} groups, B={k2}",
            device=device.type,
        )
        rows = [
            (f"B={k2}, both measured, {impl}", fl2 / med[f"medlearn {impl} B={k2}"]),
            (
                f"B={n_boot}, fairlearn {how.split()[0]}, {impl}",
                fl_at_b / med[f"medlearn {impl} B={n_boot}"],
            ),
        ]
        for label, ratio in rows:
            verdict = "ok" if ratio >= TARGET else "MISSED"
            print(f"{label:44s} {ratio:17.1f}x {'>=' + str(TARGET):>7s} {verdict}")


if __name__ == "__main__":
    main()
