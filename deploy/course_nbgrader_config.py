"""nbgrader configuration of one course directory, for its instructors and graders.

``deploy/setup_course.py`` copies this file to ``<courses>/<course_id>/nbgrader_config.py``
beside ``grading_config.py`` (a copy of the repository's ``nbgrader_config.py``)
and the course's ``solutions/``. The course id is the directory's name, which
must also be the name of the course's formgrader service in
``deploy/jupyterhub_config.py`` (nbgrader's rule for JupyterHub).

Grading is the repository's, unchanged: ``grading_config.py`` runs every
submission with ``medgrade.execute.SandboxedExecute`` (a bubblewrap sandbox per
kernel, tests judged outside it), strips hidden tests from feedback and sets
the time limits. This file only adds what is per course: where the course
lives, its id, and its gradebook. ``MEDLEARN_GRADEBOOK_URL`` points the
gradebook at a database server (PostgreSQL, for autograde shards on several
machines); without it the gradebook is ``gradebook.db`` (SQLite) in the course
directory.
"""

import os

c = get_config()  # noqa: F821 (injected by traitlets)

COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))  # noqa: F821 (set by traitlets)

load_subconfig("grading_config.py")  # noqa: F821 (the repository's nbgrader_config.py)

c.CourseDirectory.root = COURSE_ROOT
c.CourseDirectory.course_id = os.path.basename(COURSE_ROOT)
c.CourseDirectory.db_url = os.environ.get(
    "MEDLEARN_GRADEBOOK_URL",
    "sqlite:///" + os.path.join(COURSE_ROOT, "gradebook.db") + "?timeout=300",
)
# Reports of the sandboxed grader go to the course, whatever the working directory.
c.SandboxedExecute.report_root = COURSE_ROOT
# Lateness is recorded (nbgrader's default, penalty_method "none"): each
# submission's seconds late are in the gradebook and the CSV export, and the
# instructor decides. "zero" gives every late submission a score of zero.
c.LateSubmissionPlugin.penalty_method = os.environ.get("MEDLEARN_LATE_PENALTY", "none")
c.NbGrader.logfile = os.path.join(COURSE_ROOT, "nbgrader.log")
