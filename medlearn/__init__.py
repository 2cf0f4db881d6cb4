"""medlearn: deep learning for medical imaging, taught from first principles.

Import the topic modules directly (``from medlearn import metrics``); each one
matches a chapter of the book with the same name stem (see the chapter map in
the README).
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
