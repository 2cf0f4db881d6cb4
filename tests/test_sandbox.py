"""The grading sandbox itself: a real kernel started by medgrade's kernel manager.

A kernel started the way ``nbgrader autograde`` starts one (through
:class:`medgrade.sandbox.SandboxedKernelManager`) tries what a hostile
submission would: read the course (``solutions/``, the gradebook, this test
file), write the gradebook and the library, open sockets, fork past the
process limit, exhaust memory, leave a startup file for the next kernel. Every
attempt must be denied, and the audit log must record the attempts.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import textwrap
from pathlib import Path

import pytest

from medgrade.kernelboot import MARK
from medgrade.sandbox import SandboxedKernelManager

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="needs bubblewrap (make test installs it)"
)

PROBE = textwrap.dedent(
    f"""
    import json, os, socket, resource
    results = {{}}
    def attempt(name, fn):
        try:
            fn()
            results[name] = "allowed"
        except BaseException as err:
            results[name] = "denied: " + type(err).__name__
    attempt("read_solutions", lambda: open({str(ROOT / "solutions")!r} + "/01_tasks/01_tasks.ipynb").read())
    attempt("read_tests", lambda: open({str(Path(__file__).resolve())!r}).read())
    attempt("list_course", lambda: os.listdir({str(ROOT)!r} + "/tests"))
    attempt("write_gradebook", lambda: open({str(ROOT / "gradebook.db")!r}, "a").write("x"))
    attempt("write_library", lambda: open({str(ROOT / "medlearn" / "HACKED.py")!r}, "w").write("x"))
    attempt("read_root_home", lambda: open("/root/.bashrc").read())
    results["root_listing"] = sorted(os.listdir("/root")) if os.path.isdir("/root") else []
    attempt("tcp_localhost", lambda: socket.create_connection(("127.0.0.1", 22), timeout=1))
    attempt("dns", lambda: socket.getaddrinfo("example.org", 80))
    attempt("memory_16g", lambda: bytearray(16 * 2**30))
    pids = []
    def bomb():
        for _ in range(2000):
            pid = os.fork()
            if pid == 0:
                import time; time.sleep(20); os._exit(0)
            pids.append(pid)
    attempt("fork_2000", bomb)
    results["forked_before_denial"] = len(pids)
    results["uid"] = os.getuid()
    results["cwd"] = os.getcwd()
    results["home"] = os.environ.get("HOME")
    results["env_keys"] = sorted(os.environ)
    os.makedirs(os.path.expanduser("~/.ipython/profile_default/startup"), exist_ok=True)
    open(os.path.expanduser("~/.ipython/profile_default/startup/00-evil.py"), "w").write("EVIL = 1")
    open("/tmp/left-behind", "w").write("x")
    print(json.dumps(results))
    """
)


async def _run(code: str, timeout: float = 120) -> tuple[str, str]:
    km = SandboxedKernelManager(kernel_name="python3")
    await km.start_kernel()
    kc = km.client()
    kc.start_channels()
    out: list[str] = []
    try:
        await kc.wait_for_ready(timeout=60)

        def hook(msg: dict) -> None:
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])

        await kc.execute_interactive(code, timeout=timeout, output_hook=hook)
    finally:
        kc.stop_channels()
        await km.shutdown_kernel(now=True)
        log = Path(km.audit_log).read_text(errors="replace")
        os.remove(km.audit_log)
    return "".join(out), log


@pytest.fixture(scope="module")
def probe():
    text, log = asyncio.run(_run(PROBE))
    return json.loads(text.strip().splitlines()[-1]), log


def test_the_course_and_the_instructor_home_are_not_readable(probe):
    results, _ = probe
    for name in ("read_solutions", "read_tests", "list_course", "read_root_home"):
        assert results[name].startswith("denied"), (name, results[name])
    # at most the directories that lead to the Python installation are visible
    assert set(results["root_listing"]) <= {".pyenv", ".local"}, results["root_listing"]


def test_nothing_outside_the_sandbox_is_writable(probe):
    results, _ = probe
    assert results["write_gradebook"].startswith("denied")
    assert results["write_library"].startswith("denied")
    assert not (ROOT / "medlearn" / "HACKED.py").exists()


def test_no_network(probe):
    results, _ = probe
    assert results["tcp_localhost"].startswith("denied") and results["dns"].startswith(
        "denied"
    )


def test_limits_on_memory_and_processes(probe):
    results, _ = probe
    assert results["memory_16g"] == "denied: MemoryError"
    assert results["fork_2000"] == "denied: BlockingIOError", results["fork_2000"]
    assert results["forked_before_denial"] < 300


def test_an_unprivileged_identity_and_a_clean_environment(probe):
    results, _ = probe
    if os.geteuid() == 0:
        assert results["uid"] >= 100_000
    assert results["home"] == "/home/student" and results["cwd"] == "/home/student/work"
    leaked = [
        k for k in results["env_keys"] if k not in os.environ or k in ("PATH", "HOME")
    ]
    assert "PYTHONPATH" not in results["env_keys"] and not any(
        "TOKEN" in k for k in results["env_keys"]
    ), leaked


def test_the_attempts_are_recorded_as_evidence(probe):
    _, log = probe
    lines = [ln for ln in log.splitlines() if ln.startswith(MARK)]
    for event in ("open", "os.listdir", "socket.connect", "os.fork"):
        assert any(f"{MARK} {event} " in ln for ln in lines), (event, lines[:20])
    assert any("solutions" in ln for ln in lines)


def test_nothing_persists_into_the_next_kernel(probe):
    text, _ = asyncio.run(
        _run(
            "import os\nprint(os.path.exists(os.path.expanduser('~/.ipython/profile_default/startup/00-evil.py')),"
            " os.path.exists('/tmp/left-behind'), 'EVIL' in globals())"
        )
    )
    assert text.strip() == "False False False"
