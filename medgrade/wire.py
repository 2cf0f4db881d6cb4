"""Plain data across the grader's process boundary.

The sandboxed student kernel answers the checker with :func:`encode`d values:
JSON of numbers, strings, lists, tuples, dicts, records (dataclasses) and
tensors/arrays as raw bytes with a dtype and a shape. The checker reads them
with :func:`decode`, which builds fresh objects of a few trusted types and
nothing else, so no value a submission returns can carry behaviour (a custom
``__eq__``, a tensor subclass, a pickle) into the process that decides the grade.
Objects that are not data (a model, a generator) stay in the kernel and travel
as handles.

The other direction (checker to kernel: arguments) uses ``torch.save``: the
kernel may unpickle what the checker sends, never the reverse.
"""

from __future__ import annotations

import base64
import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

__all__ = ["encode", "decode", "Record", "HandleRef", "WireError", "MIME"]

MIME = "application/vnd.medgrade.reply+json"
MAX_DEPTH = 32
MAX_ITEMS = 1_000_000
MAX_BYTES = 64 * 2**20
TORCH_DTYPES = {
    str(d).removeprefix("torch."): d
    for d in (
        torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.complex64,
        torch.complex128, torch.uint8, torch.int8, torch.int16, torch.int32,
        torch.int64, torch.bool,
    )
}  # fmt: skip
NUMPY_DTYPES = frozenset(
    "bool int8 int16 int32 int64 uint8 uint16 uint32 uint64 float16 float32 float64 "
    "complex64 complex128".split()
)


class WireError(ValueError):
    """A reply that is not plain data of the supported kinds."""


@dataclasses.dataclass(frozen=True)
class HandleRef:
    """An object that stays in the kernel, named by its handle number."""

    id: int
    type_name: str = ""


class Record:
    """A dataclass instance from the kernel, as read-only fields.

    Example:
        >>> r = Record("Params", {"order": 3})
        >>> r.order, r
        (3, Params(order=3))
    """

    def __init__(self, type_name: str, fields: dict[str, Any]) -> None:
        object.__setattr__(self, "_type", type_name)
        object.__setattr__(self, "_fields", dict(fields))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._fields[name]
        except KeyError:
            raise AttributeError(f"{self._type} has no field {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("records are read-only")

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._fields.items())
        return f"{self._type}({inner})"


class _Budget:
    def __init__(self) -> None:
        self.items = 0
        self.bytes = 0

    def spend(self, items: int = 1, nbytes: int = 0) -> None:
        self.items += items
        self.bytes += nbytes
        if self.items > MAX_ITEMS or self.bytes > MAX_BYTES:
            raise WireError(
                f"value too large to send (more than {MAX_ITEMS:,} items or "
                f"{MAX_BYTES // 2**20} MiB)"
            )


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _tensor(t: torch.Tensor) -> dict[str, Any]:
    t = t.detach().as_subclass(torch.Tensor)
    if t.layout != torch.strided or t.is_quantized or t.device.type == "meta":
        raise WireError(f"unsupported tensor (layout {t.layout}, device {t.device})")
    name = str(t.dtype).removeprefix("torch.")
    if name not in TORCH_DTYPES:
        raise WireError(f"unsupported tensor dtype {t.dtype}")
    flat = t.cpu().contiguous().reshape(-1)
    raw = flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b""
    return {"$": "tensor", "dtype": name, "shape": list(t.shape), "data": _b64(raw)}


def encode(
    x: Any,
    handle: Callable[[Any], HandleRef],
    depth: int = 0,
    _budget: _Budget | None = None,
) -> Any:
    """``x`` as JSON-able plain data; objects that are not data become handles.

    Args:
        x: a value in the student's kernel.
        handle: registers an object that stays in the kernel and returns its ref.
        depth: nesting depth (internal). Defaults to 0.

    Returns:
        A JSON-able structure.

    Raises:
        WireError: for values too large or nested too deeply to send.
    """
    budget = _budget or _Budget()
    budget.spend(1, x.numel() * x.element_size() if isinstance(x, torch.Tensor) else 0)
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")

    def sub(v: Any) -> Any:
        return encode(v, handle, depth + 1, budget)

    if x is None or type(x) in (bool, int, str):
        return x
    if type(x) is float:
        return x if math.isfinite(x) else {"$": "float", "v": repr(x)}
    if type(x) is complex:
        return {"$": "complex", "v": [repr(x.real), repr(x.imag)]}
    if isinstance(x, torch.Tensor):
        return _tensor(x)
    if isinstance(x, np.ndarray) and x.dtype.name in NUMPY_DTYPES:
        a = np.ascontiguousarray(x)
        return {
            "$": "ndarray",
            "dtype": a.dtype.name,
            "shape": list(a.shape),
            "data": _b64(a.tobytes()),
        }
    if isinstance(x, np.generic) and x.dtype.name in NUMPY_DTYPES:
        return {
            "$": "npscalar",
            "dtype": x.dtype.name,
            "data": _b64(np.asarray(x).tobytes()),
        }
    if isinstance(x, torch.dtype):
        return {"$": "dtype", "v": str(x).removeprefix("torch.")}
    if isinstance(x, torch.device):
        return {"$": "device", "v": str(x)}
    if isinstance(x, list):
        return [sub(v) for v in x]
    if isinstance(x, tuple):  # also namedtuples and torch.Size
        return {"$": "tuple", "v": [sub(v) for v in x]}
    if isinstance(x, set | frozenset):
        return {"$": "set", "v": [sub(v) for v in x]}
    if isinstance(x, dict):
        return {"$": "dict", "items": [[sub(k), sub(v)] for k, v in x.items()]}
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        fields = {f.name: sub(getattr(x, f.name)) for f in dataclasses.fields(x)}
        return {"$": "record", "type": type(x).__name__, "fields": fields}
    ref = handle(x)
    return {"$": "handle", "id": ref.id, "type": ref.type_name}


def _raw(obj: dict[str, Any], budget: _Budget) -> bytes:
    data = obj.get("data")
    if not isinstance(data, str):
        raise WireError("missing data")
    raw = base64.b64decode(data, validate=True)
    budget.spend(0, len(raw))
    return raw


def _shape(obj: dict[str, Any]) -> tuple[int, ...]:
    shape = obj.get("shape")
    if not isinstance(shape, list) or not all(type(n) is int and n >= 0 for n in shape):
        raise WireError("bad shape")
    return tuple(shape)


def _decode_tensor(obj: dict[str, Any], budget: _Budget) -> torch.Tensor:
    dtype = TORCH_DTYPES.get(obj.get("dtype"))
    if dtype is None:
        raise WireError(f"unsupported dtype {obj.get('dtype')!r}")
    shape, raw = _shape(obj), _raw(obj, budget)
    n = math.prod(shape)
    if len(raw) != n * dtype.itemsize:
        raise WireError("tensor data does not match its shape")
    if n == 0:
        return torch.empty(shape, dtype=dtype)
    return (
        torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(dtype).reshape(shape)
    )


def _decode_array(obj: dict[str, Any], budget: _Budget, scalar: bool) -> Any:
    name = obj.get("dtype")
    if name not in NUMPY_DTYPES:
        raise WireError(f"unsupported dtype {name!r}")
    raw = _raw(obj, budget)
    dtype = np.dtype(name)
    shape = () if scalar else _shape(obj)
    if len(raw) != math.prod(shape) * dtype.itemsize:
        raise WireError("array data does not match its shape")
    a = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    return a[()] if scalar else a


def _float(s: Any) -> float:
    if s not in ("nan", "inf", "-inf"):
        raise WireError("bad float")
    return float(s)


def decode(
    obj: Any,
    make_handle: Callable[[HandleRef], Any],
    _budget: _Budget | None = None,
    _depth: int = 0,
) -> Any:
    """Build plain Python/torch/numpy values from :func:`encode`'s output.

    Args:
        obj: parsed JSON.
        make_handle: turns a :class:`HandleRef` into the checker's proxy.

    Returns:
        The value, made only of trusted types.

    Raises:
        WireError: for anything else.

    Example:
        >>> decode(encode((1, torch.ones(2)), handle=None), make_handle=None)
        (1, tensor([1., 1.]))
    """
    budget = _budget or _Budget()
    budget.spend()
    if _depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    if obj is None or type(obj) in (bool, int, float, str):
        return obj

    def sub(v: Any) -> Any:
        return decode(v, make_handle, budget, _depth + 1)

    if type(obj) is list:
        return [sub(v) for v in obj]
    if type(obj) is not dict:
        raise WireError(f"unexpected {type(obj).__name__}")
    kind = obj.get("$")
    if kind == "tensor":
        return _decode_tensor(obj, budget)
    if kind in ("ndarray", "npscalar"):
        return _decode_array(obj, budget, scalar=kind == "npscalar")
    if kind == "float":
        return _float(obj.get("v"))
    if kind == "complex":
        parts = _list(obj)
        if len(parts) != 2 or not all(
            isinstance(p, str) and len(p) < 40 for p in parts
        ):
            raise WireError("bad complex")
        return complex(float(parts[0]), float(parts[1]))
    if kind == "tuple":
        return tuple(sub(v) for v in _list(obj))
    if kind == "set":
        return {sub(v) for v in _list(obj)}
    if kind == "dict":
        return {sub(k): sub(v) for k, v in (_pair(p) for p in _list(obj, "items"))}
    if kind == "dtype":
        if obj.get("v") not in TORCH_DTYPES:
            raise WireError("bad dtype")
        return TORCH_DTYPES[obj["v"]]
    if kind == "device":
        return torch.device(str(obj.get("v")))
    if kind == "record":
        fields = obj.get("fields")
        if type(fields) is not dict:
            raise WireError("bad record")
        return Record(
            str(obj.get("type", "record"))[:80],
            {str(k): sub(v) for k, v in fields.items()},
        )
    if kind == "handle" and type(obj.get("id")) is int:
        return make_handle(HandleRef(obj["id"], str(obj.get("type", ""))[:80]))
    raise WireError(f"unknown value kind {kind!r}")


def _list(obj: dict[str, Any], key: str = "v") -> list[Any]:
    v = obj.get(key)
    if type(v) is not list:
        raise WireError("bad sequence")
    return v


def _pair(p: Any) -> tuple[Any, Any]:
    if type(p) is not list or len(p) != 2:
        raise WireError("bad dict item")
    return p[0], p[1]
