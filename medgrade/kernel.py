"""The student kernel's side of grading: answer one request, as data.

While grading, the checker (outside the sandbox) sends small cells such as
``__import__("medgrade.kernel").kernel.serve(token, request)``. :func:`serve`
runs the student's function on the arguments it is given and displays the
result as plain data (:mod:`medgrade.wire`) under a MIME type the checker
reads. Nothing here decides anything: a submission that tampers with this
module can only change what its own answers look like, and its source shows it.
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import torch

from medgrade import wire

__all__ = ["serve", "answer", "local_value_and_grad"]

_HANDLES: dict[int, Any] = {}
MAX_MESSAGE = 300


def _handle(obj: Any) -> wire.HandleRef:
    key = id(obj)
    _HANDLES[key] = obj
    return wire.HandleRef(key, type(obj).__name__)


def _resolve(x: Any) -> Any:
    """Replace handle references in the checker's arguments by their objects."""
    if isinstance(x, wire.HandleRef):
        return _HANDLES[x.id]
    if isinstance(x, list):
        return [_resolve(v) for v in x]
    if isinstance(x, tuple):
        return tuple(_resolve(v) for v in x)
    if isinstance(x, dict):
        return {k: _resolve(v) for k, v in x.items()}
    return x


def _target(request: dict[str, Any], namespace: dict[str, Any]) -> Any:
    kind, key = request["target"]
    if kind == "name":
        if key not in namespace:
            raise NameError(f"name {key!r} is not defined (did its cell run?)")
        obj = namespace[key]
    else:
        obj = _HANDLES[key]
    return getattr(obj, request["attr"]) if request.get("attr") else obj


def _snapshot(args: tuple, kwargs: dict) -> list[tuple[str, Any, Any]]:
    """Mutable arguments and a copy of their state before the call."""
    out = []
    for key, v in [*enumerate(args), *kwargs.items()]:
        if isinstance(v, torch.Tensor):
            out.append((key, v, v.detach().clone()))
        elif isinstance(v, torch.nn.Module):
            out.append((key, v, None))
    return out


def _after(snapshot: list[tuple[str, Any, Any]]) -> list[dict[str, Any]]:
    """What the call did to its arguments: changed values, gradients, module state."""
    out = []
    for key, v, before in snapshot:
        if isinstance(v, torch.Tensor):
            entry: dict[str, Any] = {"key": key}
            if v.shape != before.shape or not torch.equal(v.detach(), before):
                entry["value"] = v.detach()
            if v.grad is not None:
                entry["grad"] = v.grad
            if len(entry) > 1:
                out.append(entry)
        else:
            out.append(
                {
                    "key": key,
                    "state": dict(v.state_dict()),
                    "modes": [m.training for m in v.modules()],
                    "grads": {
                        n: p.grad for n, p in v.named_parameters() if p.grad is not None
                    },
                }
            )
    return out


def local_value_and_grad(fn: Any, args: tuple, kwargs: dict) -> tuple[Any, list[Any]]:
    """Run ``fn`` and backpropagate its scalar result here (see :func:`medgrade.value_and_grad`)."""
    from medgrade.checks import GradingError

    for a in args:
        if isinstance(a, torch.Tensor) and a.requires_grad:
            a.grad = None
    value = fn(*args, **kwargs)
    if not isinstance(value, torch.Tensor) or value.numel() != 1:
        raise GradingError(
            f"expected a scalar tensor, got {getattr(value, 'shape', type(value))}"
        )
    if value.requires_grad:
        value.backward()
    grads = [
        a.grad if isinstance(a, torch.Tensor) and a.requires_grad else None
        for a in args
    ]
    return value.detach(), grads


def _run(request: dict[str, Any], namespace: dict[str, Any]) -> dict[str, Any]:
    op = request["op"]
    if op == "release":
        _HANDLES.pop(request["target"][1], None)
        return {"value": None}
    obj = _target(request, namespace)
    if op == "getattr":
        return {"value": obj}
    if op == "describe":
        return {"value": "callable" if callable(obj) else "data"}
    if op == "iter":
        return {"value": list(obj)}
    args, kwargs = (
        _resolve(request.get("args", ())),
        _resolve(request.get("kwargs", {})),
    )
    snapshot = _snapshot(args, kwargs)
    if op == "value_and_grad":
        value = list(local_value_and_grad(obj, args, kwargs))
    else:
        value = obj(*args, **kwargs)
    return {"value": value, "after": _after(snapshot)}


def answer(token: str, request: str, namespace: dict[str, Any]) -> dict[str, Any]:
    """The reply to one request (base64 of a ``torch.save`` payload), as JSON-able data."""
    try:
        req = torch.load(io.BytesIO(base64.b64decode(request)), weights_only=False)
        result = _run(req, namespace)
        reply = {"token": token, "ok": True}
        reply["value"] = wire.encode(result["value"], _handle)
        reply["after"] = wire.encode(result.get("after", []), _handle)
    except BaseException as err:  # noqa: BLE001 - everything the student raises is data
        try:
            message = (
                str(err) if not isinstance(err, KeyboardInterrupt) else "interrupted"
            )
        except BaseException:  # noqa: BLE001 - a __str__ that raises
            message = "(the error's message could not be read)"
        reply = {
            "token": token,
            "ok": False,
            "error": {
                "type": type(err).__name__[:60],
                "message": message[:MAX_MESSAGE],
            },
        }
    return json.loads(json.dumps(reply))


def serve(token: str, request: str) -> None:
    """Answer one request from the checker in the kernel, as a display of data."""
    from IPython import get_ipython
    from IPython.display import display

    display({wire.MIME: answer(token, request, get_ipython().user_ns)}, raw=True)
