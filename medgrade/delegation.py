"""Calling a student's function the way the tests need: no delegation, with gradients.

Both functions behave the same wherever the test runs. In a student's own
kernel (and when the instructor runs a solution notebook) they call the
function directly; in the grader's checker the function is a proxy for the
sandboxed kernel (:class:`medgrade.remote.RemoteFunction`), and delegation is
judged from the submission's source by :mod:`medgrade.policy`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import torch

from medgrade.checks import GradingError
from medgrade.remote import RemoteFunction, session

__all__ = ["forbid_calls", "value_and_grad", "forbidden_names"]


def forbidden_names(forbidden: Iterable[Any]) -> tuple[list[str], list[str]]:
    """Identifiers of forbidden functions, and which of them are tensor methods.

    A method of a torch class (``nn.GaussianNLLLoss.forward``) stands for its
    class; a tensor method (``torch.Tensor.softmax``) is also matched when it
    is called on any value (``x.softmax(1)``).

    Args:
        forbidden: functions, classes, methods or plain names.

    Returns:
        ``(names, value_methods)``.

    Example:
        >>> forbidden_names([torch.softmax, torch.nn.GaussianNLLLoss.forward, "dice"])
        (['softmax', 'GaussianNLLLoss', 'dice'], ['softmax'])
    """
    names: list[str] = []
    for f in forbidden:
        if isinstance(f, str):
            name = f
        else:
            qual = getattr(f, "__qualname__", "") or getattr(f, "__name__", "")
            owner = qual.split(".")[0] if "." in qual else ""
            # a method of a public class stands for the class (nn.GaussianNLLLoss.forward);
            # torch's builtins live on private classes (_VariableFunctionsClass.softmax)
            is_method = bool(owner) and not owner.startswith("_") and owner != "Tensor"
            name = owner if is_method else f.__name__
        if name not in names:
            names.append(name)
    methods = [n for n in names if hasattr(torch.Tensor, n) or hasattr(np.ndarray, n)]
    return names, methods


def _profiled_call(
    fn: Callable[..., Any], args: tuple, kwargs: dict, forbidden: Iterable[Any]
) -> tuple[Any, list[Any]]:
    """Call ``fn`` while watching for calls of ``forbidden`` (sys.setprofile)."""
    codes = {f.__code__: f for f in forbidden if hasattr(f, "__code__")}
    c_names = {
        getattr(f, "__name__", "") for f in forbidden if not hasattr(f, "__code__")
    }
    hit: list[Any] = []

    def profiler(frame: Any, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code in codes:
            hit.append(codes[frame.f_code])
        elif event == "c_call" and getattr(arg, "__name__", None) in c_names:
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
    return result, hit


def forbid_calls(
    fn: Callable[..., Any],
    *args: Any,
    forbidden: Iterable[Any] = (),
    reason: str = "write it yourself from the definition",
    allow_library: Iterable[str] = (),
    **kwargs: Any,
) -> Any:
    """Call ``fn(*args, **kwargs)``; fail if its code uses a forbidden function.

    In the grader the decision is static (the submission's source, with every
    helper and alias it reaches; see :meth:`medgrade.policy.Submission.delegation`)
    and any use of the course library's topic modules counts too, unless a
    module is listed in ``allow_library``. In a plain kernel the call is
    watched with ``sys.setprofile`` instead.

    Args:
        fn: the student's function.
        *args: its positional arguments.
        forbidden: functions, classes or names that the answer must not use.
        reason: advice appended to the message. Defaults to "write it yourself
            from the definition".
        allow_library: ``medlearn`` modules this part may use (e.g.
            ``["medlearn.train"]``). Defaults to ().
        **kwargs: its keyword arguments.

    Returns:
        ``fn``'s result.

    Raises:
        GradingError: if a forbidden function is used.

    Example:
        >>> forbid_calls(lambda x: x + 1, 1, forbidden=[torch.softmax])
        2
    """
    forbidden = list(forbidden)
    remote = session()
    if remote is not None and isinstance(fn, RemoteFunction):
        remote.forbid(fn, forbidden, reason=reason, allow_library=allow_library)
        return fn(*args, **kwargs)
    result, hit = _profiled_call(fn, args, kwargs, forbidden)
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


def value_and_grad(
    fn: Callable[..., Any], *args: Any, **kwargs: Any
) -> tuple[torch.Tensor, list[torch.Tensor | None]]:
    """``fn(*args)`` and the gradient of that scalar in every argument that requires one.

    Gradients cannot cross the grader's process boundary, so tests that need
    them ask for both at once: the backward pass runs where ``fn`` runs.

    Args:
        fn: a function returning a scalar tensor.
        *args: its arguments; tensors with ``requires_grad=True`` get gradients.
        **kwargs: its keyword arguments.

    Returns:
        ``(value, grads)``: the detached value and, per positional argument, its
        gradient (None for arguments that do not require one).

    Raises:
        GradingError: if the result is not a scalar tensor connected to the inputs.

    Example:
        >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
        >>> value_and_grad(lambda t: (t**2).sum(), x)
        (tensor(5.), [tensor([2., 4.])])
    """
    remote = session()
    if remote is not None and isinstance(fn, RemoteFunction):
        return remote.value_and_grad(fn, args, kwargs)
    from medgrade.kernel import local_value_and_grad

    return local_value_and_grad(fn, args, kwargs)
