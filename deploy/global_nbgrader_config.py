"""nbgrader configuration for every account of the hub: students, instructors, graders.

Install as ``/etc/jupyter/nbgrader_config.py`` (``deploy/setup_course.py --etc``
does it). Students have only this file: they name the course on the command
line (``nbgrader fetch_assignment 01_tasks --course medlearn``) or pick it in
the Assignments tab, so one hub can serve several courses.

- The exchange is one directory for all courses, world-writable with the
  sticky bit (``chmod 1777``): everyone may create entries, nobody may delete
  another's. Inside it nbgrader makes ``<course>/outbound`` (0755, released
  assignments), ``<course>/inbound`` (2733: students can write a submission but
  not list or read the others') and ``<course>/feedback`` (0711: a student can
  open only the feedback file whose name is a secret of their own submission).
- ``Exchange.path_includes_course``: a student's copy lives in
  ``~/<course>/<assignment>``, so two courses may both have an ``01_tasks``.
- Under JupyterHub (``JUPYTERHUB_API_TOKEN`` is set in every single-user server
  and service) nbgrader asks the hub which courses a user belongs to: groups
  ``nbgrader-<course>`` (students) and ``formgrade-<course>`` (instructors and
  graders), see ``deploy/jupyterhub_config.py``. Outside a hub (a shell, the
  tests) every user may use every course, nbgrader's default.
"""

import os

c = get_config()  # noqa: F821 (injected by traitlets)

c.Exchange.root = os.environ.get("MEDLEARN_EXCHANGE", "/srv/nbgrader/exchange")
c.Exchange.path_includes_course = True

if os.environ.get("JUPYTERHUB_API_TOKEN"):
    c.Authenticator.plugin_class = "nbgrader.auth.JupyterHubAuthPlugin"
