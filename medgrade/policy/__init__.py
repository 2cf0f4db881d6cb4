"""The one tamper policy: what a submission's code may do, judged from its source.

The grader never trusts what a student's kernel says about itself; it reads the
submission's code instead (this module) and asks the kernel only for values
(:mod:`medgrade.checker`). Two questions are answered here, statically:

1. **Findings** — constructs an honest answer never needs and that could reach
   around the rules: dynamic code (``exec``, ``eval``, ``compile``,
   ``__import__``, ``importlib``, ``getattr`` with a computed name, ``globals()``,
   ``vars()``), dunder and frame attributes (``__dict__``, ``__globals__``,
   ``f_globals``), IPython internals (``get_ipython``), imports outside an
   allowlist (``os``, ``sys``, ``pickle``, ``ctypes``, ``threading``, ``socket``,
   ``subprocess`` …), unpickling (``torch.load``), ``open``, tensor subclasses,
   special methods that change comparisons (``__eq__``, ``__torch_function__``),
   and assignments to attributes of modules (monkeypatching).
2. **Delegation** — whether a graded function (with everything it reaches:
   helpers, aliases, default arguments, module-level bindings) refers to a
   forbidden function (``torch.softmax``, ``x.softmax``, ``nn.Softmax``) or to the
   course library's topic modules, which hold the reference solutions.

A finding in code that runs at the top level of the notebook taints every
part; a finding inside a function taints the parts whose graded function
reaches it. Names are resolved with Python's scoping rules, so a parameter
``x`` is never confused with a top-level ``x``.
"""

from __future__ import annotations

from medgrade.policy.analyser import bound_names
from medgrade.policy.model import Cell, Finding, Reference
from medgrade.policy.rules import ALLOWED_IMPORTS, LIBRARY_INFRASTRUCTURE
from medgrade.policy.submission import Submission

__all__ = [
    "ALLOWED_IMPORTS",
    "LIBRARY_INFRASTRUCTURE",
    "Cell",
    "Finding",
    "Reference",
    "Submission",
    "bound_names",
]
