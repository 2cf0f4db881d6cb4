"""A Jupyter kernel inside a sandbox: one submission, nothing else in reach.

:class:`SandboxedKernelManager` launches each grading kernel with Debian's
``bubblewrap`` (``bwrap``): new mount, PID, network, IPC and UTS namespaces; a
file system made only of read-only system and Python directories, the course
library's source, a scratch ``/tmp`` and home (size-limited tmpfs, gone when the
kernel ends) and a working directory with the assignment's own data files;
no network at all (the kernel talks to the grader over ``ipc://`` sockets in
a private directory); an unprivileged user id of its own when the grader runs
as root; and resource limits (address space, processes, file size, CPU time,
open files, no core dumps). The course directory, ``solutions/``, the
gradebook, the configuration, other submissions and the instructor's home are
not mounted, so they cannot be read or written.

With ``sandbox = "off"`` (``MEDGRADE_SANDBOX=off``) the kernel runs with the
limits only; every report then says so. Use that only for trusted notebooks.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Float, Integer, List, Unicode, default

__all__ = ["SandboxedKernelManager", "SandboxUnavailable", "sandbox_roots"]

HOME = "/home/student"
WORK = f"{HOME}/work"
_ENV_PASS = (
    "OMP_NUM_THREADS MKL_NUM_THREADS OPENBLAS_NUM_THREADS TQDM_DISABLE "
    "CUDA_VISIBLE_DEVICES LANG LC_ALL TZ"
).split()


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot start: grading refuses rather than run unprotected."""


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def sandbox_roots() -> list[Path]:
    """Read-only trees a grading kernel needs: Python, the venv, the course packages."""
    roots = [Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()]
    for pkg in ("medlearn", "medgrade"):
        d = _package_dir(pkg)
        if d is not None and not any(d.is_relative_to(r) for r in roots):
            roots.append(d)
    return roots


def _parents(path: Path) -> list[str]:
    return [str(p) for p in reversed(path.parents) if str(p) != "/"]


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels run sandboxed (see the module docstring)."""

    sandbox = Unicode(help="'bwrap' (default) or 'off'").tag(config=True)
    memory_gb = Float(8.0, help="address-space limit of the kernel (GiB)").tag(
        config=True
    )
    max_processes = Integer(256, help="processes and threads of the kernel's user").tag(
        config=True
    )
    max_file_mb = Integer(64, help="largest file the kernel may write (MiB)").tag(
        config=True
    )
    tmp_mb = Integer(512, help="size of the kernel's /tmp and home (MiB each)").tag(
        config=True
    )
    cpu_seconds = Integer(1800, help="CPU time limit of each kernel process (s)").tag(
        config=True
    )
    gpu = Bool(False, help="bind NVIDIA devices into the sandbox").tag(config=True)
    extra_ro_paths = List(Unicode(), help="more read-only paths to mount").tag(
        config=True
    )
    work_files = List(
        Unicode(), help="files mounted read-only in the working directory"
    )

    @default("sandbox")
    def _sandbox_default(self) -> str:
        return os.environ.get("MEDGRADE_SANDBOX", "bwrap")

    # ------------------------------------------------------------ lifecycle
    async def _async_pre_start_kernel(self, **kw):  # noqa: ANN003, ANN202 - jupyter_client's signature
        if self.sandbox not in ("bwrap", "off"):
            raise SandboxUnavailable(
                f"unknown sandbox {self.sandbox!r}: use 'bwrap' or 'off'"
            )
        if self.sandbox == "bwrap" and shutil.which("bwrap") is None:
            raise SandboxUnavailable(
                "bubblewrap (bwrap) is not installed: `apt-get install bubblewrap`, "
                "or set MEDGRADE_SANDBOX=off for trusted notebooks only"
            )
        self._rundir = Path(tempfile.mkdtemp(prefix="medgrade-"))
        # a user id of its own per kernel: its process limit is its alone
        self._uid = 100_000 + secrets.randbelow(2**30) if os.geteuid() == 0 else None
        self.transport = "ipc"
        self.ip = str(self._rundir / "k")
        self.connection_file = str(self._rundir / "kernel.json")
        kw.pop("cwd", None)
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        if self._uid is not None:
            for p in (self._rundir, self.connection_file):
                os.chown(p, self._uid, self._uid)
        os.chmod(self._rundir, 0o700)
        self.kernel_spec.interrupt_mode = "message"  # signals cannot cross the sandbox
        fd, self.audit_log = tempfile.mkstemp(prefix="medgrade-kernel-", suffix=".log")
        self._log = os.fdopen(fd, "wb")
        kw.update(
            env=self._environment(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
            cwd=str(self._rundir),
        )
        return cmd, kw

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if getattr(self, "_log", None) is not None:
            self._log.close()
        shutil.rmtree(getattr(self, "_rundir", ""), ignore_errors=True)

    cleanup_resources = _async_cleanup_resources

    # ------------------------------------------------------------ command
    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        cmd = ["medgrade.kernelboot" if c == "ipykernel_launcher" else c for c in cmd]
        limits = [
            "prlimit",
            f"--as={int(self.memory_gb * 2**30)}",
            f"--nproc={self.max_processes}",
            f"--fsize={self.max_file_mb * 2**20}",
            f"--cpu={self.cpu_seconds}",
            "--nofile=1024",
            "--core=0",
            "--",
        ]
        if self.sandbox == "off":
            return limits + cmd
        return self._bwrap() + limits + cmd

    def _bwrap(self) -> list[str]:
        args = [
            "bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session",
            "--hostname", "grading",
        ]  # fmt: skip
        if self._uid is None:  # not root: an unprivileged user namespace instead
            args.append("--unshare-user")
        args += ["--ro-bind", "/usr", "/usr"]
        for d in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            p = Path("/") / d
            if p.is_symlink():
                args += ["--symlink", os.readlink(p), str(p)]
            elif p.is_dir():
                args += ["--ro-bind", str(p), str(p)]
        for f in (
            "ld.so.cache",
            "ld.so.conf",
            "ld.so.conf.d",
            "fonts",
            "localtime",
            "nsswitch.conf",
        ):
            if (Path("/etc") / f).exists():
                args += ["--ro-bind", f"/etc/{f}", f"/etc/{f}"]
        args += ["--proc", "/proc", "--dev", "/dev"]
        if self.gpu:
            for dev in sorted(Path("/dev").glob("nvidia*")):
                args += ["--dev-bind", str(dev), str(dev)]
        size = str(self.tmp_mb * 2**20)
        args += ["--perms", "01777", "--size", size, "--tmpfs", "/tmp"]
        args += ["--size", size, "--tmpfs", HOME]
        args += ["--dir", WORK]
        made: set[str] = set()
        for root in [*sandbox_roots(), *map(Path, self.extra_ro_paths), self._rundir]:
            for parent in _parents(root):
                # a checkout under /tmp lives on the sandbox's fresh tmpfs: its
                # parents must be made traversable too (bwrap makes them 0700)
                if (
                    parent not in made
                    and not parent.startswith("/usr")
                    and parent != "/tmp"
                ):
                    args += ["--perms", "0755", "--dir", parent]
                    made.add(parent)
            mode = "--bind" if root == self._rundir else "--ro-bind"
            args += [mode, str(root), str(root)]
        for f in self.work_files:
            args += ["--ro-bind", f, f"{WORK}/{Path(f).name}"]
        args += ["--chmod", "0777", HOME, "--chmod", "0777", WORK, "--chdir", HOME]
        if self._uid is not None:
            args += ["--", "setpriv", f"--reuid={self._uid}", f"--regid={self._uid}"]
            args += ["--clear-groups", "--bounding-set=-all", "--no-new-privs"]
        args.append("--")
        return args

    def _environment(self) -> dict[str, str]:
        allowed = [str(r) for r in sandbox_roots()]
        allowed += [
            "/usr",
            "/etc",
            "/proc",
            "/dev",
            "/sys",
            "/tmp",
            HOME,
            str(self._rundir),
        ]
        home = HOME if self.sandbox == "bwrap" else str(self._rundir)
        tmp = "/tmp" if self.sandbox == "bwrap" else str(self._rundir)
        env = {
            "PATH": f"{Path(sys.prefix) / 'bin'}:/usr/bin:/bin",
            "HOME": home,
            "USER": "student",
            "LOGNAME": "student",
            "TMPDIR": tmp,
            "MPLCONFIGDIR": f"{tmp}/matplotlib",
            "IPYTHONDIR": f"{tmp}/ipython",
            "JUPYTER_RUNTIME_DIR": f"{tmp}/jupyter",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONNOUSERSITE": "1",
            "LANG": "C.UTF-8",
            "MEDGRADE_WORKDIR": WORK if self.sandbox == "bwrap" else str(self._rundir),
            "MEDGRADE_AUDIT_ALLOW": os.pathsep.join(allowed),
        }
        env.update({k: os.environ[k] for k in _ENV_PASS if k in os.environ})
        return env
