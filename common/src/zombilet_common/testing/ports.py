"""Free TCP ports on the loopback interface."""

import socket
import threading

_handed_out: set[int] = set()
_lock = threading.Lock()


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listened on a moment ago, never the same twice here.

    The kernel may offer a port it just offered again; remembering what this process handed
    out keeps two servers started side by side off one port. The port is released before
    returning, so another process could still take it first: callers that spawn a server on
    it retry with a new port when the bind fails.
    """
    with _lock:
        while True:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind(("127.0.0.1", 0))
                port: int = sock.getsockname()[1]
            if port not in _handed_out:
                _handed_out.add(port)
                return port
