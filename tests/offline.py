"""Tests never reach the internet: a connection to anything but this machine is refused.

Installed for the whole session by ``tests/conftest.py``. The fakes, the real
PostgreSQL, the reference Bluesky PDS and Chromium all listen on loopback
addresses; a test (or the code under test) that tries to open a connection
anywhere else gets an :class:`OSError` naming the address, at once, instead of
quietly depending on the network (or waiting for a timeout where there is
none, as in CI). Subprocesses started by tests are not covered; they are given
the fakes' URLs explicitly.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class InternetRefused(OSError):
    """A test tried to reach another machine."""


def is_local(host: object) -> bool:
    """Whether ``host`` (a name or an address) is this machine."""
    if not isinstance(host, str):
        return True  # Unix sockets and the like
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _guard(connect: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(self: socket.socket, address: Any, *args: Any, **kwargs: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not is_local(address[0]):
            raise InternetRefused(f"tests never reach the internet: refused {address[0]!r}")
        return connect(self, address, *args, **kwargs)

    return guarded


def refuse_the_internet() -> Callable[[], None]:
    """Refuse every connection to another machine; returns the function that undoes it."""
    originals = (socket.socket.connect, socket.socket.connect_ex)
    socket.socket.connect = _guard(originals[0])  # type: ignore[method-assign]
    socket.socket.connect_ex = _guard(originals[1])  # type: ignore[method-assign]

    def undo() -> None:
        socket.socket.connect, socket.socket.connect_ex = originals  # type: ignore[method-assign]

    return undo
