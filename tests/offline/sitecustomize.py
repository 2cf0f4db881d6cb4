"""Offline guard for test runs: any connection beyond loopback is refused and logged.

Put this folder on PYTHONPATH (the test harness does) and every Python process
started by the tests (notebook kernels, nbgrader, jupyter-book) loads it.
Attempts are appended to the file named by MEDLEARN_NETLOG, so a test can fail
on a download attempt even if the code under test swallowed the error.
"""

import ipaddress
import os
import socket

_connect, _connect_ex, _getaddrinfo = (
    socket.socket.connect,
    socket.socket.connect_ex,
    socket.getaddrinfo,
)


def _is_local(host) -> bool:
    if host in ("localhost", "", None) or str(host).endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(what: str) -> None:
    log = os.environ.get("MEDLEARN_NETLOG")
    if log:
        with open(log, "a") as f:
            f.write(f"{os.getpid()} {what}\n")
    raise OSError(f"medlearn runs offline: refused network access to {what}")


def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
        _refuse(f"{address[0]}:{address[1]}")
    return _connect(self, address)


def connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
        _refuse(f"{address[0]}:{address[1]}")
    return _connect_ex(self, address)


def getaddrinfo(host, *args, **kwargs):
    if not _is_local(host if not isinstance(host, bytes) else host.decode()):
        _refuse(f"name lookup {host}")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
socket.getaddrinfo = getaddrinfo
