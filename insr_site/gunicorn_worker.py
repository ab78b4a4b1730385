"""gunicorn's threaded worker, with each request read whole by the worker's poller first.

gunicorn's gthread worker hands a connection to a thread as soon as its first bytes
arrive, and the thread then waits for the rest of the headers and body. A client that
sends a byte every half second holds a thread for minutes: 130 of them held all 128
threads of two workers and /healthz took 13 s. Here the worker's main loop (one
selector, no thread per connection) reads each request until its headers and its body
(up to the site's body limit) are in, and only then gives it to a thread, with the bytes
already in gunicorn's parser. Slow clients cost a buffer each, never a thread; a request
not complete within REQUEST_SECONDS is dropped.

Everything after that is gunicorn's gthread unchanged: the same threads run the WSGI
application, so cached pages keep gthread's speed. It relies on gthread's internals
(TConn, enqueue_req, the poller), which is why gunicorn is pinned exactly in
requirements.txt; tests/test_gunicorn_worker.py runs it against a real socket.
"""

from __future__ import annotations

import re
import selectors
import time
from collections import deque
from functools import partial

from gunicorn.workers.gthread import ThreadWorker

# A whole request (headers and body) must arrive within this; about gunicorn's `timeout`.
REQUEST_SECONDS = 30.0
# Headers larger than this are handed on as they are, for gunicorn to refuse (431/400).
MAX_HEAD_BYTES = 64 * 1024
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)[ \t]*(?=\r\n|$)")


def body_limit() -> int:
    """The site's body limit (settings.py is its one home); Django's default for other apps."""
    from django.conf import global_settings, settings

    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE if settings.configured else global_settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def request_complete(received: bytes | bytearray, limit: int) -> bool:
    """Enough of a request is here for a thread to answer it without waiting on the client.

    True once the headers and the declared body are in, or once it is clear the request
    will be refused anyway (headers too large, a body over the limit: the site answers
    413 without reading it).
    """
    end = received.find(b"\r\n\r\n")
    if end < 0:
        return len(received) > MAX_HEAD_BYTES
    head = bytes(received[:end]).lower()
    body = len(received) - end - 4
    if b"\r\ntransfer-encoding:" in head:
        # Chunked: complete at the last (empty) chunk, or once past the limit.
        return received.endswith(b"0\r\n\r\n") or body > limit
    match = _CONTENT_LENGTH.search(head)
    if match is None:
        return True  # no body (a malformed length is gunicorn's to refuse)
    length = int(match.group(1))
    return length > limit or body >= length


class BufferingThreadWorker(ThreadWorker):
    """gthread, except that a thread only ever gets a request that is already here."""

    def init_process(self):
        self.buffering: deque = deque()
        self.limit = None
        super().init_process()

    def enqueue_req(self, conn):
        if getattr(conn, "buffered", False) or self.cfg.is_ssl:
            conn.buffered = False
            return super().enqueue_req(conn)
        parser = conn.parser
        if parser is not None and parser.unreader.buf.getvalue():
            # Pipelined bytes gunicorn already read ahead: give them to a thread as before.
            return super().enqueue_req(conn)
        conn.sock.setblocking(False)
        conn.received = bytearray()
        conn.deadline = time.monotonic() + REQUEST_SECONDS
        self.buffering.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_request_bytes, conn))

    def on_request_bytes(self, conn, _client):
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client went away before finishing its request
            self._drop(conn)
            return
        conn.received += data
        if self.limit is None:
            self.limit = body_limit()
        if not request_complete(conn.received, self.limit):
            return
        self.poller.unregister(conn.sock)
        self.buffering.remove(conn)
        conn.init()  # the parser (plain HTTP/1: cheap, and reads nothing)
        conn.parser.unreader.unread(bytes(conn.received))
        conn.received = None
        conn.data_ready = True
        conn.buffered = True
        self.enqueue_req(conn)

    def _drop(self, conn):
        try:
            self.poller.unregister(conn.sock)
        except (OSError, KeyError, ValueError):
            pass
        self.buffering.remove(conn)
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self):
        super().murder_pending()
        # Oldest first: the deque is in order of arrival, so of deadline. A stopping worker
        # drops them all: none has a request a thread could answer yet.
        now = time.monotonic() if self.alive else float("inf")
        while self.buffering and self.buffering[0].deadline <= now:
            self._drop(self.buffering[0])
