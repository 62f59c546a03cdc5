"""Free TCP ports on the loopback interface."""

import socket


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listened on a moment ago.

    The port is released before returning, so another process could take it first; callers
    that spawn a server on it retry with a new port when the bind fails.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
