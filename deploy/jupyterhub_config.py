"""JupyterHub for the medlearn course(s), with nbgrader's exchange and formgrader.

The test configuration: a local-process spawner (each user's server is a
process running as that Unix user, so the exchange's file permissions are what
keeps students apart) and JupyterHub's dummy authenticator with one shared
password (``MEDLEARN_HUB_PASSWORD``), for localhost only. A real course swaps
the two ``*_class`` lines for an OAuth/LTI authenticator and a container
spawner; the instructor guide ("Running the course on JupyterHub") says how.

Accounts and roles, per course ``<id>`` (nbgrader's conventions for JupyterHub):

- ``nbgrader-<id>``: the students; they may discover the course's service
  (nbgrader's Assignments tab lists only the courses of their groups).
- ``formgrade-<id>``: instructors and graders; they may open the formgrader,
  the course's service, which runs as the course's grader account
  ``grader-<id>`` in the course directory (``deploy/setup_course.py``).
- ``instructors``: may also manage users and servers from the hub's admin page.

Names come from the environment so that the test can make throwaway accounts:
``MEDLEARN_COURSES`` (comma-separated course ids), ``MEDLEARN_INSTRUCTORS`` and
``MEDLEARN_STUDENTS`` (comma-separated user names, in every course),
``MEDLEARN_COURSES_DIR`` (where the course directories are) and
``MEDLEARN_HUB_PORT``.
"""

import os
import sys

c = get_config()  # noqa: F821 (injected by traitlets)


def _names(var: str, default: str) -> list[str]:
    return [n for n in os.environ.get(var, default).split(",") if n]


COURSES = _names("MEDLEARN_COURSES", "medlearn")
INSTRUCTORS = _names("MEDLEARN_INSTRUCTORS", "instructor")
STUDENTS = _names("MEDLEARN_STUDENTS", "")
COURSES_DIR = os.environ.get("MEDLEARN_COURSES_DIR", "/srv/courses")
PORT = int(os.environ.get("MEDLEARN_HUB_PORT", "8000"))
GRADERS = [f"grader-{course}" for course in COURSES]
FORMGRADER_SERVER_CONFIG = os.environ.get(
    "MEDLEARN_FORMGRADER_CONFIG",
    os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "formgrader_server_config.py"
    ),
)

c.JupyterHub.bind_url = f"http://127.0.0.1:{PORT}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.db_url = os.environ.get("MEDLEARN_HUB_DB", "sqlite:///jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.environ.get(
    "MEDLEARN_HUB_COOKIE", "jupyterhub_cookie_secret"
)

# --- the proxy: configurable-http-proxy (npm's package; `make chp` installs it
# into build/chp, and MEDLEARN_CHP names it; production may run it on its own)
c.ConfigurableHTTPProxy.command = [
    os.environ.get("MEDLEARN_CHP", "configurable-http-proxy")
]

# --- who may log in (production: an OAuth or LTI authenticator, see the guide)
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = os.environ.get("MEDLEARN_HUB_PASSWORD", "")
c.Authenticator.allowed_users = set(INSTRUCTORS + STUDENTS + GRADERS)
c.Authenticator.admin_users = set()  # instructors get their scopes from a role

# --- where servers run (production: DockerSpawner or KubeSpawner, see the guide)
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [os.path.join(os.path.dirname(sys.executable), "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {
    "MEDLEARN_EXCHANGE": os.environ.get("MEDLEARN_EXCHANGE", "/srv/nbgrader/exchange"),
    "JUPYTER_CONFIG_PATH": os.environ.get("JUPYTER_CONFIG_PATH", "/etc/jupyter"),
}
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 120

# --- groups and roles
c.JupyterHub.load_groups = {"instructors": {"users": INSTRUCTORS}}
roles = [
    {
        "name": "instructor",
        "groups": ["instructors"],
        "scopes": ["admin:users", "admin:servers"],
    },
    # single-user servers act with their owner's permissions (the assignment
    # list asks the hub which course services its user may see)
    {"name": "server", "scopes": ["inherit"]},
]
services = []
for port, course in enumerate(COURSES, start=PORT + 100):
    grader = f"grader-{course}"
    c.JupyterHub.load_groups[f"formgrade-{course}"] = {"users": [*INSTRUCTORS, grader]}
    c.JupyterHub.load_groups[f"nbgrader-{course}"] = {"users": STUDENTS}
    roles += [
        {
            # access: open the formgrader; list/read: JupyterLab's Course List
            # asks the hub for the course's service (403 without them, found by
            # tests/test_hub.py)
            "name": f"formgrade-{course}",
            "groups": [f"formgrade-{course}"],
            "scopes": [
                f"access:services!service={course}",
                "list:services",
                f"read:services!service={course}",
            ],
        },
        {
            "name": f"nbgrader-{course}",
            "groups": [f"nbgrader-{course}"],
            "scopes": ["list:services", f"read:services!service={course}"],
        },
        {
            # nbgrader's JupyterHubAuthPlugin, in the formgrader: it reads the
            # course's groups and adds a student to nbgrader-<id> when the
            # instructor adds them to the gradebook
            "name": f"course-service-{course}",
            "services": [course],
            "scopes": [
                "list:users",
                "read:users:groups",
                "list:groups",
                f"read:groups!group=nbgrader-{course}",
                f"groups!group=nbgrader-{course}",
                f"groups!group=formgrade-{course}",
            ],
        },
    ]
    services.append(
        {
            # the formgrader: a notebook server run by the hub as the course's
            # grader account, in the course directory; its name is the course id
            "name": course,
            "url": f"http://127.0.0.1:{port}",
            "command": [
                os.path.join(os.path.dirname(sys.executable), "jupyterhub-singleuser"),
                f"--ServerApp.root_dir={os.path.join(COURSES_DIR, course)}",
                # the Formgrader panel frames the formgrader: allow same-origin frames
                f"--config={FORMGRADER_SERVER_CONFIG}",
            ],
            "user": grader,
            "cwd": os.path.join(COURSES_DIR, course),
            "environment": c.Spawner.environment | {"JUPYTERHUB_DEFAULT_URL": "/lab"},
            "oauth_no_confirm": True,
        }
    )
c.JupyterHub.load_roles = roles
c.JupyterHub.services = services
