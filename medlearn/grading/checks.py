"""Checks with messages that say what is wrong, for the exercise test cells.

See :mod:`medlearn.grading` for the overview.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch

from medlearn.grading.guard import tampered

__all__ = [
    "GradingError",
    "check",
    "check_close",
    "hidden_checks",
    "forbid_calls",
    "plain",
]

_RED, _GREEN, _RESET = "\x1b[31m", "\x1b[32m", "\x1b[0m"


class GradingError(AssertionError):
    """A failed check. In a notebook it renders as its message alone."""

    def _render_traceback_(self) -> list[str]:  # IPython's hook for custom tracebacks
        return [
            f"{_RED}✗ {line}{_RESET}" if i == 0 else f"  {line}"
            for i, line in enumerate(str(self).splitlines())
        ]


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
                f"{message} (a tensor of {condition.numel()} values came where one yes/no was expected)"
            )
        condition = bool(condition.item())
    if not condition:
        raise GradingError(message)


def _as_tensor(x: Any, what: str) -> torch.Tensor:
    if type(x) is torch.Tensor or isinstance(x, torch.nn.Parameter):
        return x
    if isinstance(x, torch.Tensor):  # a subclass may fake comparisons: take its data
        return x.as_subclass(torch.Tensor)
    if isinstance(x, (int, float, bool)) and type(x) in (int, float, bool):
        return torch.tensor(x)
    raise GradingError(f"{what}: expected a torch.Tensor, got {type(x).__name__}")


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
    e = (
        _as_tensor(expected, "expected").to(a.device)
        if isinstance(expected, torch.Tensor)
        else torch.tensor(expected)
    )
    suffix = f"\nHint: {hint}" if hint else ""
    if tuple(a.shape) != tuple(e.shape):
        raise GradingError(
            f"{what}: expected shape {tuple(e.shape)}, got {tuple(a.shape)}.{suffix}"
        )
    if a.is_complex() or not (
        a.is_floating_point()
        or a.dtype
        in (torch.bool, torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8)
    ):
        raise GradingError(
            f"{what}: expected a real-valued tensor, got dtype {a.dtype}.{suffix}"
        )
    a64, e64 = a.detach().cpu().double(), e.detach().cpu().double()
    bad_nan = torch.isnan(a64) & ~torch.isnan(e64)
    if bad_nan.any():
        raise GradingError(
            f"{what}: your result has NaN at {bad_nan.sum().item()} position(s) where a number is expected.{suffix}"
        )
    bad_inf = torch.isinf(a64) & ~torch.isinf(e64)
    if bad_inf.any():
        raise GradingError(
            f"{what}: your result is infinite at {bad_inf.sum().item()} position(s) (overflow?).{suffix}"
        )
    if (torch.isnan(e64) & ~torch.isnan(a64)).any():
        raise GradingError(
            f"{what}: expected NaN (an undefined value) where you return a number.{suffix}"
        )
    same_special = (torch.isnan(a64) & torch.isnan(e64)) | (
        torch.isinf(a64) & (a64 == e64)
    )
    diff = torch.where(same_special, torch.zeros_like(a64), (a64 - e64).abs())
    tol = atol + rtol * torch.where(same_special, torch.zeros_like(e64), e64.abs())
    if (diff > tol).any():
        worst = int(diff.reshape(-1).argmax())
        idx = (
            tuple(int(i) for i in torch.unravel_index(torch.tensor(worst), a64.shape))
            if a64.dim()
            else ()
        )
        raise GradingError(
            f"{what}: values differ; largest difference {diff.reshape(-1)[worst].item():.3g} "
            f"at index {idx}: yours {a64.reshape(-1)[worst].item():.6g}, "
            f"expected {e64.reshape(-1)[worst].item():.6g}.{suffix}"
        )


@contextmanager
def hidden_checks(part: str):
    """Wrap a hidden test cell: any failure becomes a message-only GradingError.

    Args:
        part: the graded function's name, used in the message.

    Raises:
        GradingError: when a check fails or the student's code raises.

    Example:
        >>> with hidden_checks("softmax"):
        ...     check(True, "never shown")
    """
    changed = tampered()
    if changed:
        raise GradingError(
            f"{part}: your code replaced {', '.join(changed[:4])}, which the tests rely on; "
            "hidden tests cannot be trusted, so this part scores zero"
        )
    try:
        yield
    except GradingError as err:
        raise GradingError(f"{part} (hidden test): {err}") from None
    except NotImplementedError:
        raise GradingError(f"{part}: not implemented yet") from None
    except KeyboardInterrupt:  # the grader interrupted a cell past its time limit
        raise GradingError(
            f"{part} (hidden test): stopped after the time limit; does your function "
            "finish (no infinite loop) and run in well under a second on small inputs?"
        ) from None
    except BaseException as err:  # the student's code crashed or called sys.exit()
        # a bare traceback would print the hidden test's source: report the error only
        raise GradingError(
            f"{part} (hidden test) raised {type(err).__name__}: {err}"
        ) from None


def forbid_calls(
    fn: Callable[..., Any],
    *args: Any,
    forbidden: Iterable[Callable[..., Any]] = (),
    reason: str = "write it yourself from the definition",
    **kwargs: Any,
) -> Any:
    """Call ``fn(*args, **kwargs)`` and fail if it calls any ``forbidden`` function.

    Detects the call however the function was reached (an alias, an import
    under another name, a wrapper), by watching every call made while ``fn``
    runs (``sys.setprofile``).

    Args:
        fn: the student's function.
        *args: its positional arguments.
        forbidden: functions that the answer must not call (Python functions
            are matched by code object, built-ins by identity).
        reason: the advice appended to the message. Defaults to "write it
            yourself from the definition".
        **kwargs: its keyword arguments.

    Returns:
        ``fn``'s result.

    Raises:
        GradingError: if a forbidden function was called.

    Example:
        >>> forbid_calls(lambda x: x + 1, 1, forbidden=[torch.softmax])
        2
    """
    codes: dict[Any, Any] = {}
    builtin_names: dict[str, Any] = {}
    for f in forbidden:
        code = getattr(f, "__code__", None)
        if code is not None:
            codes[code] = f
        else:  # a C function or method: bound methods are new objects, match by name
            builtin_names[getattr(f, "__name__", repr(f))] = f
    hit: list[Any] = []

    def profiler(frame, event, arg):  # noqa: ANN001
        if event == "call" and frame.f_code in codes:
            hit.append(codes[frame.f_code])
        elif event == "c_call" and getattr(arg, "__name__", None) in builtin_names:
            owner = getattr(arg, "__self__", None)
            module = getattr(arg, "__module__", None) or getattr(owner, "__name__", "")
            if isinstance(owner, torch.Tensor) or str(module).startswith("torch"):
                hit.append(arg)

    previous = sys.getprofile()
    sys.setprofile(profiler)
    try:
        result = fn(*args, **kwargs)
    finally:
        sys.setprofile(previous)
    if hit:
        f = hit[0]
        if hasattr(f, "__code__"):
            name = f"{f.__module__}.{f.__qualname__}"
        elif isinstance(getattr(f, "__self__", None), torch.Tensor):
            name = f"Tensor.{f.__name__}"
        else:
            name = f"torch.{f.__name__}"
        raise GradingError(f"your answer calls {name}: {reason}.")
    return result
