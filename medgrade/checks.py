"""Checks with messages that say what is wrong, for the exercise test cells.

The same functions run in two places: in a student's own kernel (visible tests,
while they work) and in the grader's checker process (visible and hidden tests,
while grading; see :mod:`medgrade.checker`). They only look at plain values:
in the checker a student's results arrive as data, never as objects with
behaviour.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch

__all__ = ["GradingError", "check", "check_close", "hidden_checks", "plain"]

RED, GREEN, RESET = "\x1b[31m", "\x1b[32m", "\x1b[0m"
_REAL_DTYPES = (
    torch.bool,
    torch.int64,
    torch.int32,
    torch.int16,
    torch.int8,
    torch.uint8,
)


class GradingError(AssertionError):
    """A failed check. In a notebook it renders as its message alone."""

    def _render_traceback_(self) -> list[str]:  # IPython's hook for custom tracebacks
        return render(str(self))


def render(message: str) -> list[str]:
    """The lines a failed check shows: a red cross, then the message."""
    lines = message.splitlines() or [""]
    return [f"{RED}✗ {lines[0]}{RESET}", *(f"  {ln}" for ln in lines[1:])]


def plain(x: Any, what: str) -> Any:
    """A student's result as a plain value that cannot fake comparisons.

    Tensors (and subclasses) become detached plain CPU tensors; Python and
    NumPy numbers become ``float``/``int``/``bool``; lists and tuples are
    converted element-wise. Anything else fails with a message.

    Args:
        x: the value returned by the student's function.
        what: what it is, for the message.

    Returns:
        The plain value.

    Raises:
        GradingError: for other types (e.g. an object with a custom ``__eq__``).

    Example:
        >>> plain([1, 2.5], "a list")
        [1, 2.5]
    """
    if isinstance(x, torch.Tensor):
        return x.detach().as_subclass(torch.Tensor).cpu().clone()
    if type(x) in (bool, int, float):
        return x
    if isinstance(x, np.generic) and type(x).__module__ == "numpy":
        return x.item()
    if type(x) in (list, tuple):
        return type(x)(plain(v, what) for v in x)
    raise GradingError(f"{what}: expected a tensor or a number, got {type(x).__name__}")


def check(condition: Any, message: str) -> None:
    """Fail with ``message`` unless ``condition`` is truthy.

    Args:
        condition: anything; a tensor must be a single element (``bool(t)``).
        message: what is wrong, in words a student can act on.

    Raises:
        GradingError: if the condition is false.

    Example:
        >>> check(1 + 1 == 2, "arithmetic is broken")
    """
    if isinstance(condition, torch.Tensor):
        if condition.numel() != 1:
            raise GradingError(
                f"{message} (a tensor of {condition.numel()} values came where one "
                "yes/no was expected)"
            )
        condition = bool(condition.item())
    if not condition:
        raise GradingError(message)


def _as_tensor(x: Any, what: str) -> torch.Tensor:
    if isinstance(x, torch.Tensor):  # a subclass may fake comparisons: take its data
        return x.as_subclass(torch.Tensor)
    if type(x) in (int, float, bool):
        return torch.tensor(x)
    if isinstance(x, np.generic | np.ndarray) and x.dtype != object:
        return torch.as_tensor(np.asarray(x))
    raise GradingError(f"{what}: expected a torch.Tensor, got {type(x).__name__}")


def _worst(diff: torch.Tensor, a: torch.Tensor, e: torch.Tensor, what: str) -> str:
    worst = int(diff.reshape(-1).argmax())
    idx = (
        tuple(int(i) for i in torch.unravel_index(torch.tensor(worst), a.shape))
        if a.dim()
        else ()
    )
    return (
        f"{what}: values differ; largest difference {diff.reshape(-1)[worst].item():.3g} "
        f"at index {idx}: yours {a.reshape(-1)[worst].item():.6g}, "
        f"expected {e.reshape(-1)[worst].item():.6g}."
    )


def check_close(
    actual: Any,
    expected: Any,
    what: str,
    *,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    hint: str | None = None,
) -> None:
    """Fail unless ``actual`` has ``expected``'s shape and values (within tolerance).

    The message names ``what`` was checked and how it differs: the shape, a
    NaN or inf, or the largest deviation and where it is.

    Args:
        actual: the student's result (tensor or number).
        expected: the reference result.
        what: a short description of the case, e.g. "softmax of a (4, 5) input".
        atol: absolute tolerance. Defaults to 1e-5.
        rtol: relative tolerance. Defaults to 1e-4.
        hint: a sentence added to the message, e.g. the likely mistake.
            Defaults to None.

    Raises:
        GradingError: if shapes or values differ.

    Example:
        >>> check_close(torch.ones(2), torch.ones(2), "ones")
    """
    a = _as_tensor(actual, what)
    e = _as_tensor(expected, "expected")
    suffix = f"\nHint: {hint}" if hint else ""
    if tuple(a.shape) != tuple(e.shape):
        raise GradingError(
            f"{what}: expected shape {tuple(e.shape)}, got {tuple(a.shape)}.{suffix}"
        )
    if a.is_complex() or not (a.is_floating_point() or a.dtype in _REAL_DTYPES):
        raise GradingError(
            f"{what}: expected a real-valued tensor, got dtype {a.dtype}.{suffix}"
        )
    a64, e64 = a.detach().cpu().double(), e.detach().cpu().double()
    nan_a, nan_e = torch.isnan(a64), torch.isnan(e64)
    if (nan_a & ~nan_e).any():
        raise GradingError(
            f"{what}: your result has NaN at {int((nan_a & ~nan_e).sum())} position(s) "
            f"where a number is expected.{suffix}"
        )
    if (torch.isinf(a64) & ~torch.isinf(e64)).any():
        raise GradingError(
            f"{what}: your result is infinite at "
            f"{int((torch.isinf(a64) & ~torch.isinf(e64)).sum())} position(s) "
            f"(overflow?).{suffix}"
        )
    if (nan_e & ~nan_a).any():
        raise GradingError(
            f"{what}: expected NaN (an undefined value) where you return a number.{suffix}"
        )
    same_special = (nan_a & nan_e) | (torch.isinf(a64) & (a64 == e64))
    zero = torch.zeros_like(a64)
    diff = torch.where(same_special, zero, (a64 - e64).abs())
    tol = atol + rtol * torch.where(same_special, zero, e64.abs())
    if (diff > tol).any():
        raise GradingError(_worst(diff, a64, e64, what) + suffix)


@contextmanager
def hidden_checks(part: str) -> Iterator[None]:
    """Wrap a hidden test cell: any failure becomes a message-only GradingError.

    Args:
        part: the graded function's name, used in the message.

    Raises:
        GradingError: when a check fails or the student's code raises.

    Example:
        >>> with hidden_checks("softmax"):
        ...     check(True, "never shown")
    """
    try:
        yield
    except GradingError as err:
        raise GradingError(f"{part} (hidden test): {err}") from None
    except NotImplementedError:
        raise GradingError(f"{part}: not implemented yet") from None
    except KeyboardInterrupt:  # a cell past its time limit was interrupted
        raise GradingError(
            f"{part} (hidden test): stopped after the time limit; does your function "
            "finish (no infinite loop) and run in well under a second on small inputs?"
        ) from None
    except BaseException as err:  # noqa: BLE001 - the student's code crashed
        # a traceback would print the hidden test's source: report the error only
        raise GradingError(
            f"{part} (hidden test) raised {type(err).__name__}: {err}"
        ) from None
