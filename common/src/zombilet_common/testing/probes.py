"""Protocol-level checks that a server answers, and which process it is.

Each check is one short exchange over a fresh socket and returns None while nothing usable
answers. Knowing the answering process matters: a server that failed to bind its port must not
pass for ready because another server already listens there.
"""

import json
import socket
import struct

import bson

TIMEOUT = 0.5
_OP_MSG = 2013


def nats_server_name(port: int, host: str = "127.0.0.1") -> str | None:
    """The server's name, when it greets with INFO announcing JetStream and answers PING.

    A standalone nats-server enables JetStream (recovering its streams) before it accepts
    clients, so a greeting that announces it means streams are usable.
    """
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
            greeting = _recv_line(sock)
            if not greeting.startswith(b"INFO "):
                return None
            info = json.loads(greeting[5:])
            if not info.get("jetstream", False):
                return None
            sock.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n')
            if _recv_line(sock) != b"PONG\r\n":
                return None
    except (OSError, ValueError):
        return None
    name = info.get("server_name")
    return name if isinstance(name, str) else None


def redis_process_id(port: int, host: str = "127.0.0.1") -> int | None:
    """The server's pid, once PING answers +PONG (not -LOADING while the AOF is replayed)."""
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
            sock.sendall(b"PING\r\nINFO server\r\n")
            if _recv_line(sock) != b"+PONG\r\n":
                return None
            header = _recv_line(sock)
            if not header.startswith(b"$"):
                return None
            info = _recv_exactly(sock, int(header[1:]) + 2).decode()
    except (OSError, ValueError):
        return None
    for line in info.splitlines():
        key, _, value = line.partition(":")
        if key == "process_id":
            return int(value)
    return None


def mongo_process_id(port: int, host: str = "127.0.0.1") -> int | None:
    """The server's pid, from a `serverStatus` command answered with ok: 1 over OP_MSG."""
    body = bson.encode({"serverStatus": 1, "$db": "admin"})
    sections = struct.pack("<I", 0) + b"\x00" + body
    message = struct.pack("<iiii", 16 + len(sections), 1, 0, _OP_MSG) + sections
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
            sock.sendall(message)
            length, _, _, opcode = struct.unpack("<iiii", _recv_exactly(sock, 16))
            reply = _recv_exactly(sock, length - 16)
        if opcode != _OP_MSG or len(reply) < 5 or reply[4] != 0:
            return None
        answer = bson.decode(reply[5:])
    except (OSError, ValueError, bson.errors.BSONError):
        return None
    pid = answer.get("pid")
    return int(pid) if answer.get("ok") == 1 and isinstance(pid, int) else None


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("connection closed mid-reply")
        data += chunk
    return bytes(data)


def _recv_line(sock: socket.socket, limit: int = 65536) -> bytes:
    line = bytearray()
    while not line.endswith(b"\r\n"):
        chunk = sock.recv(1)
        if not chunk or len(line) > limit:
            raise ConnectionError("connection closed mid-line")
        line += chunk
    return bytes(line)
