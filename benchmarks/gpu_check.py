"""GPU check: every public function and model of medlearn on CUDA, compared with the CPU.

The checks live in ``benchmarks/gpu_checks/`` (one file per medlearn module,
see its ``__init__``): each builds its inputs once on the CPU, runs the call on
the CPU and again with every input moved to CUDA, and compares the results
with ``torch.allclose`` at the check's stated tolerance (by default
``rtol=1e-4, atol=1e-5``; 0 and 0 for indices, masks and counts), in float32
with TF32 switched off. Both sides are also timed (median of a few runs after
a warm-up, synchronised). Without CUDA it says so and exits 0;
``--allow-cpu`` runs the comparison CPU-vs-CPU to exercise the script itself
(the test suite does that).

Run: ``python benchmarks/gpu_check.py [--allow-cpu] [--only NAME]``. Prints
one line per check and a final ``N passed, M failed`` line; exits 1 if any
check failed.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import sys
import traceback

import numpy as np
import torch
from gpu_checks import ON_DEVICE, Check, collect

from medlearn.timing import measure


def to_device(x: object, device: torch.device) -> object:
    """``x`` with every tensor, module and ``ON_DEVICE`` marker moved to ``device``."""
    if x is ON_DEVICE:
        return device
    if isinstance(x, torch.Tensor):
        return x.to(device)
    if isinstance(x, torch.nn.Module):
        return copy.deepcopy(x).to(device)
    if isinstance(x, tuple) and hasattr(x, "_fields"):  # a NamedTuple
        return type(x)(*(to_device(v, device) for v in x))
    if isinstance(x, list | tuple):
        return type(x)(to_device(v, device) for v in x)
    if isinstance(x, dict):
        return {k: to_device(v, device) for k, v in x.items()}
    return x


def flatten(x: object) -> list[torch.Tensor]:
    """Every value in a result, as CPU tensors, in a fixed order."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu()
        return [torch.view_as_real(x) if x.is_complex() else x]
    if isinstance(x, np.ndarray):
        return [torch.from_numpy(np.ascontiguousarray(x))]
    if isinstance(x, bytes):
        return [torch.frombuffer(bytearray(x), dtype=torch.uint8)]
    if isinstance(x, bool | int | float):
        return [torch.tensor(float(x), dtype=torch.float64)]
    if isinstance(x, list | tuple):
        return [t for v in x for t in flatten(v)]
    if isinstance(x, dict):
        return [t for v in x.values() for t in flatten(v)]
    if dataclasses.is_dataclass(x):
        return [t for f in dataclasses.fields(x) for t in flatten(getattr(x, f.name))]
    return []


def agree(check: Check, ref: object, res: object) -> tuple[bool, float]:
    """Whether the device result matches the CPU one, and the largest difference."""
    a, b = flatten(ref), flatten(res)
    if len(a) != len(b) or any(x.shape != y.shape for x, y in zip(a, b)):
        return False, float("inf")
    if not check.values:
        return True, 0.0
    diffs, ok = [0.0], True
    for x, y in zip(a, b):
        x, y = x.double(), y.double()
        ok &= torch.allclose(y, x, rtol=check.rtol, atol=check.atol, equal_nan=True)
        finite = torch.isfinite(x) & torch.isfinite(y)
        if finite.any():
            diffs.append((x - y)[finite].abs().max().item())
    return bool(ok), max(diffs)


def run(check: Check, device: torch.device, repeats: int) -> bool:
    """Compare, time and print one check; True if it passed."""
    cpu = torch.device("cpu")
    on_cpu, on_device = to_device(check.inputs, cpu), to_device(check.inputs, device)
    ref = check.fn(*on_cpu)
    res = check.fn(*on_device)
    ok, diff = agree(check, ref, res)
    t_cpu = measure(lambda: check.fn(*on_cpu), repeats=repeats, device=cpu).median
    t_dev = measure(lambda: check.fn(*on_device), repeats=repeats, device=device).median
    tol = f"{check.rtol:.0e}/{check.atol:.0e}" if check.values else "shapes"
    verdict = "ok" if ok else "MISMATCH"
    print(
        f"{check.name:<44} {tol:>13} {diff:>10.2e} {t_cpu * 1e3:>9.2f} "
        f"{t_dev * 1e3:>9.2f} {t_cpu / max(t_dev, 1e-12):>8.1f}x {verdict}"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--allow-cpu",
        action="store_true",
        help="compare CPU with CPU when there is no GPU",
    )
    parser.add_argument("--only", default="", help="run the checks whose name has it")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per side")
    args = parser.parse_args(argv)
    if torch.cuda.is_available():
        device = torch.device("cuda")
        torch.backends.cudnn.allow_tf32 = False  # compare full float32 results
        torch.backends.cuda.matmul.allow_tf32 = False
        print(
            f"CUDA device: {torch.cuda.get_device_name(0)}; torch {torch.__version__}"
        )
    elif args.allow_cpu:
        device = torch.device("cpu")
        print("no CUDA: comparing CPU with CPU (--allow-cpu)")
    else:
        print("no CUDA device: nothing to check (run on a machine with a GPU)")
        print("0 passed, 0 failed")
        return 0
    checks, _ = collect()
    passed = failed = 0
    print(
        f"{'check':<44} {'rtol/atol':>13} {'max |diff|':>10} {'cpu ms':>9} "
        f"{'dev ms':>9} {'speed-up':>9}"
    )
    for check in checks:
        if args.only not in check.name:
            continue
        try:
            ok = run(check, device, args.repeats)
        except Exception:  # report and go on: one broken check must not hide the others
            ok = False
            print(f"{check.name:<44} ERROR")
            traceback.print_exc(limit=4)
        passed += ok
        failed += not ok
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
