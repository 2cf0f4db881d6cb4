"""Jupyter server configuration of each course's formgrader service (the hub starts it).

JupyterHub's single-user extension forbids every page of a hub-started server
from being framed (``Content-Security-Policy: frame-ancestors 'none'``, set only
where no policy is configured). nbgrader's Formgrader panel in JupyterLab *is* a
frame of the same server's formgrader pages, so under a recent hub the panel is
blank ("127.0.0.1 refused to connect" in Chromium): nbgrader's known blank-panel
problem. The fix allows framing by the same origin only (Jupyter Server's own
default), which keeps other sites from framing the formgrader.
``tests/test_hub.py`` opens the panel in headless Chromium and fails without it.
"""

c = get_config()  # noqa: F821 (injected by traitlets)

c.ServerApp.tornado_settings = {
    "headers": {"Content-Security-Policy": "frame-ancestors 'self'"}
}
