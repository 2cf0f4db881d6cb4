"""What the tamper policy allows and forbids: the lists, in one place.

See :mod:`medgrade.policy`.
"""

from __future__ import annotations

__all__ = [
    "ALLOWED_IMPORTS",
    "ALLOWED_SUBMODULES",
    "LIBRARY_INFRASTRUCTURE",
]

ALLOWED_IMPORTS = frozenset(
    "__future__ abc bisect cmath collections copy dataclasses datetime decimal enum "
    "fractions functools heapq ipywidgets itertools json math matplotlib medlearn "
    "nibabel numbers numpy pandas pprint random re scipy skimage sklearn statistics "
    "string textwrap time tqdm torch typing typing_extensions warnings".split()
)
ALLOWED_SUBMODULES = frozenset({"IPython.display"})
# Library modules any answer may use: data, devices, files, plots, timers.
LIBRARY_INFRASTRUCTURE = ("medlearn.data", "medlearn.device", "medlearn.io")
LIBRARY_INFRASTRUCTURE += ("medlearn.viz", "medlearn.timing")
_FORBIDDEN_CALLS = {
    "eval": "runs code from a string (eval)",
    "exec": "runs code from a string (exec)",
    "compile": "compiles code from a string",
    "__import__": "imports by name (__import__)",
    "globals": "reads the namespace (globals())",
    "locals": "reads the namespace (locals())",
    "vars": "reads an object's namespace (vars())",
    "setattr": "sets attributes by name (setattr)",
    "delattr": "deletes attributes by name (delattr)",
    "open": "opens files",
    "get_ipython": "uses IPython's internals (get_ipython)",
}
_FRAME_ATTRS = frozenset(
    "f_globals f_locals f_back f_builtins f_code tb_frame tb_next gi_frame gi_code "
    "cr_frame cr_code ag_frame ag_code co_code co_consts co_names func_globals "
    "mro".split()
)
# Attribute names that unpickle, compile C++, reach private op registries or
# spawn processes, on any chain rooted at an imported module.
_DANGEROUS_MODULE_ATTRS = frozenset(
    "load loads load_inline cpp_extension ops hub package multiprocessing "
    "distributed serialization library classes ctypeslib f2py".split()
)
_ALLOWED_DUNDERS = frozenset(
    "__init__ __call__ __name__ __qualname__ __doc__ __len__ __getitem__ __setitem__ "
    "__contains__ __iter__ __next__ __enter__ __exit__ __repr__ __str__ __post_init__ "
    "__version__ __main__ __future__".split()
)
_ALLOWED_MAGICS = {
    "matplotlib": False,
    "time": True,
    "timeit": True,
}  # name -> has code
_SUBCLASS_BANNED = ("torch.Tensor", "torch.nn.Parameter", "builtins.type")
