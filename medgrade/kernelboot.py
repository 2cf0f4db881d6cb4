"""Entry point of a sandboxed grading kernel: an audit trail, then ipykernel.

Run as ``python -m medgrade.kernelboot -f CONNECTION_FILE`` by
:class:`medgrade.sandbox.SandboxedKernelManager`. Before the kernel starts it
installs a Python audit hook (PEP 578) that writes one line per attempt to
leave the sandbox's intended use — opening or listing a path outside the
allowed trees, a socket, a new process, a signal, loading a native library —
to the kernel's own log (a file descriptor kept from before ipykernel
captures the standard streams). The sandbox denies these anyway; the log is
evidence for the instructor's review, never a verdict (a submission could
write to it or close it, which only hurts itself).
"""

from __future__ import annotations

import os
import sys

__all__ = ["main"]

MARK = "medgrade-audit"
_PATH_EVENTS = {
    "open", "os.listdir", "os.scandir", "os.remove", "os.rename", "os.rmdir",
    "os.mkdir", "os.chmod", "os.chown", "os.symlink", "os.link", "os.truncate",
    "shutil.rmtree", "shutil.copyfile", "os.chdir",
}  # fmt: skip
_ALWAYS = {
    "socket.connect", "socket.bind", "socket.sendto", "subprocess.Popen", "os.system",
    "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "os.kill",
    "os.killpg", "ctypes.dlopen", "sys.addaudithook",
}  # fmt: skip
_ARMED = [
    False
]  # evidence starts with the notebook, not with the kernel's own start-up


def arm() -> None:
    """Start recording evidence (run by the kernel before the first cell)."""
    _ARMED[0] = True


def _install_audit() -> None:
    fd = os.dup(2)
    os.set_inheritable(fd, False)
    allowed = tuple(
        p.rstrip("/") + "/"
        for p in os.environ.get("MEDGRADE_AUDIT_ALLOW", "").split(os.pathsep)
        if p
    )
    budget = [2000]  # lines; a flood of attempts is one piece of evidence

    def outside(path: object) -> bool:
        if isinstance(path, bytes):
            path = path.decode(errors="replace")
        if not isinstance(path, str) or not path:
            return False
        full = os.path.normpath(os.path.join(os.getcwd(), path)) + "/"
        return not full.startswith(allowed) and not full.startswith(os.getcwd() + "/")

    def hook(event: str, args: tuple) -> None:
        if (
            not _ARMED[0]
            or budget[0] <= 0
            or not (event in _ALWAYS or event in _PATH_EVENTS)
        ):
            return
        if event in _PATH_EVENTS and not (args and outside(args[0])):
            return
        if event == "ctypes.dlopen" and args and not outside(args[0]):
            return
        if event == "os.kill" and args and args[0] == os.getpid():
            return  # ipykernel interrupting itself
        budget[0] -= 1
        detail = repr(args[:2])[:200]
        try:
            os.write(fd, f"{MARK} {event} {detail}\n".encode())
        except OSError:
            budget[0] = 0

    sys.addaudithook(hook)


def main() -> None:
    """Install the audit hook, move to the working directory, start ipykernel."""
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # never import from the submission's directory
    os.environ.pop("JPY_PARENT_PID", None)  # the sandbox's init is not a dead parent
    workdir = os.environ.get("MEDGRADE_WORKDIR")
    if workdir and os.path.isdir(workdir):
        os.chdir(workdir)
    import importlib

    # the hook must live in the importable module (this one runs as __main__), so
    # that arm() below, imported by name, switches the same flag
    importlib.import_module("medgrade.kernelboot")._install_audit()
    from ipykernel import kernelapp

    sys.argv.append(
        "--IPKernelApp.exec_lines=['__import__(\"medgrade.kernelboot\").kernelboot.arm()']"
    )
    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
