"""nbgrader configuration for the medlearn course.

Run nbgrader from the repository root. Instructors author assignments in
``solutions/`` (nbgrader's *source* step) and release them to ``exercises/``
(the *release* step, committed); ``submitted/``, ``autograded/``,
``feedback/``, ``gradebook.db`` and ``.medgrade/`` are local and ignored by git.

Grading is done by ``medgrade`` (see the instructor guide in the book): every
submission runs in its own sandboxed kernel, and the test cells run in a
checker outside it.
"""

import os

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    IgnorePattern,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)

c = get_config()  # noqa: F821 (injected by traitlets)

c.CourseDirectory.course_id = "medlearn"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# What a student sees in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Several graders may share the gradebook (medgrade.batch runs autograde in
# parallel shards): wait for the lock instead of failing.
c.CourseDirectory.db_url = "sqlite:///" + os.path.abspath("gradebook.db") + "?timeout=300"

# Grading metadata (which cell is a test, its points) comes from the gradebook,
# never from the submitted notebook: medgrade resets it before nbgrader's steps.
c.Autograde.sanitize_preprocessors = [
    ClearOutput,
    DeduplicateIds,
    OverwriteKernelspec,
    "medgrade.sanitize.RestoreMetadata",
    OverwriteCells,
    CheckCellMetadata,
]
# Autograde executes with medgrade's sandboxed executor instead of nbgrader's
# Execute; the rest of nbgrader's autograde steps are unchanged.
c.Autograde.autograde_preprocessors = [
    "medgrade.execute.SandboxedExecute",
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]

# Time limits: a cell (and each call the checker makes into the kernel), and a
# whole notebook. A submission past either gets its own zero and a flag.
c.Execute.timeout = int(os.environ.get("MEDGRADE_CELL_TIMEOUT", "120"))
c.SandboxedExecute.timeout = c.Execute.timeout
c.SandboxedExecute.notebook_timeout = int(os.environ.get("MEDGRADE_NOTEBOOK_TIMEOUT", "600"))
c.Execute.interrupt_on_timeout = True
c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:"]

# The sandbox of every grading kernel (bubblewrap; see medgrade.sandbox).
c.SandboxedKernelManager.memory_gb = float(os.environ.get("MEDGRADE_MEMORY_GB", "8"))
c.SandboxedKernelManager.max_processes = 256
c.SandboxedKernelManager.max_file_mb = 64
c.SandboxedKernelManager.tmp_mb = 512

# A student who deletes a test cell gets it back (from the gradebook) before
# grading.
c.OverwriteCells.add_missing_cells = True
c.OverwriteCells.missing_cell_notification = (
    "# This cell ({cell_id}) was missing from the submission; nbgrader restored it.\n"
)

# Feedback must not show hidden tests: strip them from the feedback HTML.
# (The checker writes every test cell's output itself: a message, never source.)
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "nbgrader.preprocessors.ClearHiddenTests",
]
