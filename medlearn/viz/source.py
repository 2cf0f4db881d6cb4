"""Library source shown on a page, highlighted.

See :mod:`medlearn.viz`.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from IPython.display import Code

__all__ = ["show_source"]


def show_source(obj: object) -> Code:
    """The source of a library function or class, as a highlighted code block.

    Chapters show the code they teach this way, so the page cannot drift from
    the library.

    Args:
        obj: a function, class or method of :mod:`medlearn`.

    Returns:
        An ``IPython.display.Code`` object (rendered by Jupyter and the book).
    """
    from IPython.display import Code

    return Code(inspect.getsource(obj), language="python")
