"""Write an nbgrader source notebook from a light percent-format script.

An authoring aid: the committed source of truth is the ``.ipynb`` under
``solutions/``; this turns a draft into it with correct nbgrader metadata.

Cell headers (one per cell, each on its own line):

    # %% [markdown]                       a text cell (lines start with "# ")
    # %%                                  an ordinary code cell
    # %% answer id=softmax                graded answer (code, with solution markers)
    # %% tests id=test_softmax points=2   autograded tests (locked)
    # %% [markdown] manual id=reflection points=2   manually graded answer
    # %% [markdown] locked id=intro        a read-only text cell

Usage: python tools/nbauthor.py draft.py solutions/NN_stem/NN_stem.ipynb
"""

from __future__ import annotations

import re
import sys

import nbformat


def _meta(kind: str, grade_id: str, points: int) -> dict:
    base = {"schema_version": 3, "grade_id": grade_id, "task": False}
    if kind == "answer":
        return {**base, "grade": False, "solution": True, "locked": False}
    if kind == "tests":
        return {
            **base,
            "grade": True,
            "solution": False,
            "locked": True,
            "points": points,
        }
    if kind == "manual":
        return {
            **base,
            "grade": True,
            "solution": True,
            "locked": False,
            "points": points,
        }
    return {**base, "grade": False, "solution": False, "locked": True}


def convert(text: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {
            "display_name": "Python 3",
            "language": "python",
            "name": "python3",
        },
        "language_info": {"name": "python"},
    }
    header = re.compile(r"^# %%(?: \[(markdown)\])?(?: (\w+))?(.*)$")
    cells, current = [], None
    for line in text.splitlines():
        m = header.match(line)
        if m:
            current = {
                "md": bool(m.group(1)),
                "kind": m.group(2),
                "args": m.group(3),
                "lines": [],
            }
            cells.append(current)
        elif current is not None:
            current["lines"].append(line)
    for i, c in enumerate(cells):
        body = "\n".join(c["lines"]).strip("\n")
        if c["md"]:
            body = "\n".join(
                ln[2:] if ln.startswith("# ") else ln.lstrip("#")
                for ln in body.splitlines()
            )
            cell = nbformat.v4.new_markdown_cell(body)
        else:
            cell = nbformat.v4.new_code_cell(body)
        cell.id = f"cell-{i:02d}"
        if c["kind"]:
            args = dict(a.split("=", 1) for a in c["args"].split())
            grade_id = args.get("id", f"cell-{i:02d}")
            cell.metadata["nbgrader"] = _meta(
                c["kind"], grade_id, int(args.get("points", 0))
            )
        nb.cells.append(cell)
    return nb


if __name__ == "__main__":
    src, dst = sys.argv[1], sys.argv[2]
    with open(src) as f:
        nb = convert(f.read())
    nbformat.validate(nb)
    nbformat.write(nb, dst)
