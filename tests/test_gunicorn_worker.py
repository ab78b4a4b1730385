"""The gunicorn worker class reads each request whole before a thread answers it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from insr_site.gunicorn_worker import request_complete

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 1024 * 1024


@pytest.mark.parametrize(
    ("received", "complete"),
    [
        (b"GET / HTTP/1.1\r\nHost: a", False),
        (b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", True),
        (b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabc", False),
        (b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcde", True),
        (b"POST / HTTP/1.1\r\nContent-Length:5\r\n\r\nabcde", True),
        # Over the limit: answered (413) without waiting for a body nobody will read.
        (b"POST / HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % (LIMIT + 1), True),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", False),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", True),
        # Headers too large for gunicorn: handed on for gunicorn to refuse.
        (b"GET / HTTP/1.1\r\nX: " + b"a" * (70 * 1024), True),
    ],
)
def test_request_complete(received, complete):
    assert request_complete(received, LIMIT) is complete


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server():
    """gunicorn with our worker class and a single thread: any slow client would hold it."""
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "insr_site.settings", "DJANGO_DEBUG": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tests.gunicorn_app:application", "--bind", f"127.0.0.1:{port}",
         "--worker-class", "insr_site.gunicorn_worker.BufferingThreadWorker", "--threads", "1", "--workers", "1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield port
    process.terminate()  # a stopping worker drops unfinished requests at once
    process.wait(timeout=10)


def _get(port: int, path: str) -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
        return response.read()


def _answer(conn: socket.socket) -> bytes:
    received = b""
    while b"\r\n\r\n" not in received or not received[-1:].isdigit():
        received += conn.recv(4096)
    return received


def test_slow_clients_hold_no_thread(server):
    slow = []
    unfinished = (b"GET / HTTP/1.1\r\nHost: a\r\nX-Slow: aaa", b"POST /slow HTTP/1.1\r\nContent-Length: 10\r\n\r\nab")
    for payload in unfinished:
        conn = socket.create_connection(("127.0.0.1", server), timeout=5)
        conn.sendall(payload)
        slow.append(conn)
    time.sleep(0.3)
    start = time.monotonic()
    assert _get(server, "/quick") == b"/quick 0"
    assert time.monotonic() - start < 2  # the one thread was free
    # The slow body, once finished, is answered whole, on a connection that stays usable.
    slow[1].sendall(b"cdefghij")
    assert _answer(slow[1]).endswith(b"/slow 10")
    slow[1].sendall(b"POST /again HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz")
    assert _answer(slow[1]).endswith(b"/again 3")
    for conn in slow:
        conn.close()
