"""nbgrader configuration for the medlearn course.

Run nbgrader from the repository root. Instructors author assignments in
``solutions/`` (nbgrader's *source* step) and release them to ``exercises/``
(the *release* step, committed); ``submitted/``, ``autograded/``,
``feedback/`` and ``gradebook.db`` are local and ignored by git.
"""

import os

c = get_config()  # noqa: F821 (injected by traitlets)

c.CourseDirectory.course_id = "medlearn"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# What a student sees in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Several graders may share the gradebook (tools/grade.py runs autograde in
# parallel shards): wait for the lock instead of failing.
c.CourseDirectory.db_url = "sqlite:///" + os.path.abspath("gradebook.db") + "?timeout=300"

# A cell that runs longer than this is interrupted and the rest still runs,
# so an infinite loop costs one cell, not the whole batch.
c.ExecutePreprocessor.timeout = int(os.environ.get("MEDLEARN_CELL_TIMEOUT", "120"))
c.Execute.timeout = int(os.environ.get("MEDLEARN_CELL_TIMEOUT", "120"))
c.Execute.interrupt_on_timeout = True
# Every grading kernel is hardened before the first cell: a memory cap, a
# whole-notebook time limit (MEDLEARN_NOTEBOOK_TIMEOUT), a scratch working
# directory, and a snapshot of the functions the tests rely on
# (medlearn.grading.guard_kernel).
c.Execute.extra_arguments = [
    "--HistoryManager.hist_file=:memory:",
    "--IPKernelApp.exec_lines=['import medlearn.grading as _medlearn_grading; _medlearn_grading.guard_kernel()']",
]

# A student who deletes a test cell gets it back (from the gradebook) before
# grading; the note is a Python comment so the restored code cell still runs.
c.OverwriteCells.add_missing_cells = True
c.OverwriteCells.missing_cell_notification = (
    "# This cell ({cell_id}) was missing from the submission; nbgrader restored it.\n"
)

# Feedback must not show hidden tests: strip them from the feedback HTML.
# (Their failure output is a message only; see medlearn.grading.)
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "nbgrader.preprocessors.ClearHiddenTests",
]
