"""Serve an ASGI application with uvicorn for the length of a ``with`` block.

:func:`serve_asgi` binds a socket on a loopback address (127.0.0.1 unless told; any other
address is refused), at a free port the system picks, runs uvicorn on it in a background
thread, waits until the application answers an HTTP request, and yields the base URL
(``http://127.0.0.1:PORT``). Leaving the block shuts the server down (lifespan shutdown
included) and joins the thread.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import uvicorn

if TYPE_CHECKING:
    from uvicorn._types import ASGIApplication

__all__ = ["LOOPBACK", "serve_asgi"]

LOOPBACK = "127.0.0.1"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 30.0
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy


def _loopback_socket(host: str) -> socket.socket:
    """A socket bound to ``host`` (a loopback address) at a free port."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"{host!r} is not an IP address: the server binds 127.0.0.1") from None
    if not address.is_loopback:
        raise ValueError(
            f"{host} is not a loopback address: the test server is reachable from this "
            "machine only (127.0.0.1)"
        )
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    return sock


def _answers(base_url: str) -> bool:
    """Whether an HTTP request to ``base_url`` gets a response (any status)."""
    try:
        with _DIRECT.open(base_url + "/", timeout=5):
            return True
    except urllib.error.HTTPError as exc:  # a response: 404 and 500 count
        exc.close()
        return True
    except OSError:
        return False


@contextmanager
def serve_asgi(app: ASGIApplication, *, host: str = LOOPBACK) -> Iterator[str]:
    """Serve ``app`` on ``host`` (loopback only) at a free port; yield the base URL.

    Raises
    ------
    ValueError
        When ``host`` is not a loopback IP address.
    RuntimeError
        When the server does not start (or stop) within 30 s.
    """
    sock = _loopback_socket(host)
    port = int(sock.getsockname()[1])
    shown_host = f"[{host}]" if sock.family == socket.AF_INET6 else host
    base_url = f"http://{shown_host}:{port}"
    config = uvicorn.Config(
        app,
        log_config=None,  # leave the logging configuration of the test run alone
        log_level="warning",
        access_log=False,
        ws="none",  # no websockets library needed
        lifespan="auto",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn {base_url}", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not (server.started and _answers(base_url)):
            if not thread.is_alive():
                raise RuntimeError(f"the server for {base_url} stopped while starting")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server for {base_url} did not answer within 30 s")
            time.sleep(0.02)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(STOP_TIMEOUT_S)
        sock.close()
        if thread.is_alive():
            raise RuntimeError(f"the server for {base_url} did not stop within 30 s")
