"""Slow clients in number: 500 connections trickle their headers, then their bodies.

Starts the production configuration (`make serve`: the Procfile's command with
gunicorn.conf.py, DEBUG off, collectstatic, the shipped content) on 127.0.0.1, opens
500 sockets that send a request a few bytes at a time, and meanwhile times /healthz and
a cached topic page from fresh connections. Each must answer within a second.

    python bench/slow_clients.py [--clients 500] [--seconds 15] [-- extra gunicorn args]

Extra arguments after `--` go to gunicorn (say `-- --worker-class gthread` to measure
another worker class under the same settings). Only 127.0.0.1 is ever contacted; every
loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from run import server_env  # the same server settings as the throughput bench

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PORT = int(os.environ.get("BENCH_SLOW_PORT", "8043"))
LIMIT_MS = 1000.0
TOPIC = "/topics/insr-gene/patient/"


def start_server(extra: list[str]) -> tuple[subprocess.Popen, Path]:
    work = Path(tempfile.mkdtemp(prefix="insr-slow-"))
    env = server_env(work, PORT)
    for command in (["collectstatic", "--no-input", "-v0"], ["migrate", "--no-input", "-v0"], ["import_content"]):
        subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "insr_site.wsgi", "--config", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{PORT}", "--access-logfile", "/dev/null", *extra],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    return server, work


def timed_get(path: str) -> float:
    """Milliseconds for one whole response on a new connection; a failure counts as 30 s."""
    start = time.perf_counter()
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", headers={"Accept-Encoding": "gzip"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
    except OSError:
        return 30_000.0
    return (time.perf_counter() - start) * 1000


def requests_for(kind: str) -> bytes:
    if kind == "headers":
        # Never finished within the run: a header of 4,000 bytes at a few bytes a second.
        return b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 4000
    # Headers sent at once, then a form body that takes far longer than the run.
    body_length = 500_000
    return (
        b"POST /search/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        + f"Content-Length: {body_length}\r\n\r\n".encode()
        + b"q=" + b"a" * 4000
    )  # fmt: skip


def trickle(kind: str, clients: int, seconds: float, stop: threading.Event, opened: list) -> None:
    """Open `clients` sockets and send each one's request a byte every half second."""
    payload = requests_for(kind)
    sockets = []
    for _ in range(clients):
        try:
            conn = socket.create_connection(("127.0.0.1", PORT), timeout=5)
        except OSError:
            break
        conn.setblocking(False)
        sockets.append(conn)
    opened.append(len(sockets))
    # Headers of a body-trickling client go at once: it is the body that is slow.
    sent = 0
    if kind == "bodies":
        sent = payload.index(b"\r\n\r\n") + 4
        for conn in sockets:
            try:
                conn.send(payload[:sent])
            except OSError:
                pass
    deadline = time.monotonic() + seconds + 10
    while sent < len(payload) and not stop.is_set() and time.monotonic() < deadline:
        for conn in sockets:
            try:
                conn.send(payload[sent : sent + 1])
            except OSError:
                pass
        sent += 1
        stop.wait(0.5)
    for conn in sockets:
        conn.close()


def measure(kind: str, clients: int, seconds: float) -> dict:
    stop = threading.Event()
    opened: list[int] = []
    sender = threading.Thread(target=trickle, args=(kind, clients, seconds, stop, opened), daemon=True)
    sender.start()
    while not opened and sender.is_alive():
        time.sleep(0.1)
    time.sleep(2.0)  # every slow client is connected and sending
    times: dict[str, list[float]] = {"/healthz": [], TOPIC: []}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for path in times:
            times[path].append(timed_get(path))
        time.sleep(0.2)
    stop.set()
    sender.join(timeout=15)
    return {
        "opened": opened[0] if opened else 0,
        **{path: {"max": max(t), "median": statistics.median(t), "n": len(t)} for path, t in times.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=15.0, help="how long each kind is measured")
    parser.add_argument("gunicorn_args", nargs="*", help="after --: extra gunicorn arguments")
    options = parser.parse_args()
    server, work = start_server(options.gunicorn_args)
    failed = False
    try:
        for _ in range(100):
            if timed_get("/healthz") < 30_000:
                break
            time.sleep(0.2)
        for _ in range(8):  # every worker's cache holds the topic page
            timed_get(TOPIC)
        print(f"Server: gunicorn.conf.py {' '.join(options.gunicorn_args)}".rstrip())
        for kind in ("headers", "bodies"):
            result = measure(kind, options.clients, options.seconds)
            for path in ("/healthz", TOPIC):
                r = result[path]
                ok = r["max"] < LIMIT_MS
                failed |= not ok
                print(
                    f"{result['opened']} clients trickling {kind}: `{path}` max {r['max']:.0f} ms, "
                    f"median {r['median']:.0f} ms over {r['n']} requests "
                    f"(target under {LIMIT_MS:.0f} ms: {'ok' if ok else 'MISSED'})"
                )
            time.sleep(2.0)  # the server lets the closed sockets go
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
