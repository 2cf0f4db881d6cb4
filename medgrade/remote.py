"""Proxies in the checker for what lives in the student's sandboxed kernel.

A test cell run by the checker sees the student's functions as
:class:`RemoteFunction`: calling one sends the arguments to the kernel
(``torch.save``), runs the student's code there, and returns the result as
plain data (:mod:`medgrade.wire`). What the call did to its arguments (an
in-place change of a tensor, a gradient, a module's state and modes) is copied
back onto the checker's own arguments, so a test reads them as if the call had
been local. Objects that are not data come back as :class:`RemoteObject`.
"""

from __future__ import annotations

import builtins
import contextvars
from collections.abc import Iterator
from typing import Any, Protocol

import torch

__all__ = [
    "RemoteFunction",
    "RemoteObject",
    "KernelUnavailable",
    "Session",
    "session",
    "student_exception",
]

_ACTIVE: contextvars.ContextVar[Session | None] = contextvars.ContextVar(
    "medgrade_session", default=None
)
# Exceptions a student's code may raise, re-raised under their own type so that
# messages read naturally; anything else becomes a RuntimeError.
_PASSTHROUGH = {
    name: getattr(builtins, name)
    for name in (
        "ValueError TypeError IndexError KeyError RuntimeError NotImplementedError "
        "ZeroDivisionError AttributeError NameError AssertionError ArithmeticError "
        "OverflowError RecursionError MemoryError UnboundLocalError LookupError "
        "KeyboardInterrupt StopIteration"
    ).split()
}


class KernelUnavailable(RuntimeError):
    """The student's kernel died or stopped answering: nothing more can be asked."""


class Session(Protocol):
    """What the checker needs from a running kernel (see :mod:`medgrade.checker`)."""

    def request(
        self, op: str, target: tuple[str, Any], **fields: Any
    ) -> tuple[Any, Any]: ...

    def forbid(self, fn: RemoteFunction, forbidden: list[Any], **kw: Any) -> None: ...

    def value_and_grad(self, fn: RemoteFunction, args: tuple, kwargs: dict) -> Any: ...


def session() -> Session | None:
    """The kernel session of the test being checked, or None outside the checker."""
    return _ACTIVE.get()


def activate(s: Session | None) -> contextvars.Token:
    return _ACTIVE.set(s)


def student_exception(kind: str, message: str) -> BaseException:
    """An exception of the student's type (for builtin types) carrying their message."""
    cls = _PASSTHROUGH.get(kind)
    if cls is None:
        return RuntimeError(f"{kind}: {message}")
    return cls(message)


def _apply_after(args: tuple, kwargs: dict, after: list[dict[str, Any]]) -> None:
    """Copy the kernel-side effects of a call onto the checker's arguments."""
    for entry in after or []:
        key = entry.get("key")
        arg = (
            kwargs.get(key)
            if isinstance(key, str)
            else (args[key] if isinstance(key, int) and 0 <= key < len(args) else None)
        )
        if isinstance(arg, torch.Tensor):
            new = entry.get("value")
            if isinstance(new, torch.Tensor) and new.shape == arg.shape:
                with torch.no_grad():
                    arg.copy_(new.to(arg.dtype))
            elif new is not None:
                arg.data = new
            if isinstance(entry.get("grad"), torch.Tensor):
                arg.grad = entry["grad"].to(arg.dtype)
        elif isinstance(arg, torch.nn.Module):
            state = entry.get("state")
            if isinstance(state, dict):
                arg.load_state_dict(state, strict=False)
            modes = entry.get("modes") or []
            for m, flag in zip(arg.modules(), modes):
                if isinstance(flag, bool):
                    m.training = flag
            params = dict(arg.named_parameters())
            for name, g in (entry.get("grads") or {}).items():
                if name in params and isinstance(g, torch.Tensor):
                    params[name].grad = g


class _Remote:
    def __init__(
        self, owner: Session, target: tuple[str, Any], attr: str | None, label: str
    ) -> None:
        self._owner, self._target, self._attr, self._label = owner, target, attr, label

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        value, after = self._owner.request(
            "call", self._target, attr=self._attr, args=args, kwargs=kwargs
        )
        _apply_after(args, kwargs, after)
        return value

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        target = self._target
        attr = f"{self._attr}.{name}" if self._attr else name
        if "." in attr:  # nested attributes: fetch the first as its own handle
            return getattr(getattr(self, attr.split(".")[0]), name)
        value, _ = self._owner.request("getattr", target, attr=attr)
        if isinstance(value, RemoteObject):
            return value
        return value

    def __iter__(self) -> Iterator[Any]:
        value, _ = self._owner.request("iter", self._target, attr=self._attr)
        return iter(value)

    def __repr__(self) -> str:
        return f"<{self._label} in the student's kernel>"


class RemoteFunction(_Remote):
    """A function defined by the submission, called in its kernel.

    ``name`` is the notebook name it is bound to, which the static policy
    uses to find its source.
    """

    def __init__(self, owner: Session, name: str) -> None:
        super().__init__(owner, ("name", name), None, f"function {name}")
        self.name = name


class RemoteObject(_Remote):
    """An object returned by the submission's code that is not plain data."""

    def __init__(self, owner: Session, handle: int, type_name: str) -> None:
        super().__init__(owner, ("handle", handle), None, f"{type_name} object")
        self.type_name = type_name

    def method(self, name: str) -> _Remote:
        """The bound method ``name`` (called in the kernel)."""
        return _Remote(self._owner, self._target, name, f"{self.type_name}.{name}")
