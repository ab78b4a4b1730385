"""`make bench`: the production configuration under gunicorn, measured with wrk.

Starts gunicorn (2 workers, gunicorn.conf.py) on 127.0.0.1 with DEBUG off, whitenoise
and the shipped content, then measures in one run a topic page, the home page, a search
and a static CSS file served by whitenoise from the same server, all asked for gzipped
as browsers do. Then two stress checks:

- slow clients: 20 connections send their headers one byte every half second, while
  /healthz and a cached page are timed (each must answer within a second);
- busy workers: wrk keeps 50 uncached searches (a new query each time) in flight,
  while a cached page is timed (its median must stay under 100 ms).

Prints a table and appends it, with the date and the machine, to bench/RESULTS.md.

    python bench/run.py [--topics 2000] [--duration 10] [--connections 16]

--topics N adds N generated topics in four personas first, to show that pages stay
as cheap with a large site. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import secrets
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

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PORT = int(os.environ.get("BENCH_PORT", "8041"))  # another free port on a shared machine
# Ratios to the static file. A cached page is answered before Django's request handling
# (topics.caching.EarlyHits), the static file only inside it, by WhiteNoise: on the embedded
# default (SQLite, memory cache) at least 0.9, and with PostgreSQL and Redis at least 1.0.
TARGETS = {"topic page": 0.9, "home page": 0.9, "search": 0.3}
SERVICES_TARGETS = {"topic page": 1.0, "home page": 1.0, "search": 0.3}
BARE = "bare WSGI, same page bytes"
# Our cached topic page against a WSGI callable that only sends its bytes.
BARE_TARGET = 0.6
P99_LIMIT_MS = 50.0
SLOW_CLIENTS = 20
SLOW_LIMIT_MS = 1000.0
BUSY_SEARCHES = 50
BUSY_MEDIAN_LIMIT_MS = 100.0
GZIP = ["-H", "Accept-Encoding: gzip"]  # as every browser asks
# Each request a search nobody made before: none is answered from the cache.
UNCACHED_SEARCHES_LUA = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/search/?persona=patient&q=insulin+" .. counter .. "+" .. math.random(1e9))
end
"""


def run(*args: str, env: dict) -> None:
    subprocess.run(args, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def wrk(url: str, duration: int, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", *GZIP, url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return _wrk_result(out)


def measure(bases: dict[str, str], urls: dict[str, str], options) -> dict[str, dict]:
    """Each URL in turn, several rounds: on a shared machine the load changes from minute to
    minute, and the ratio to the static file is only fair if both met the same load."""
    seconds = max(2, options.duration // options.rounds)
    rounds = [
        {name: wrk(bases[name] + path, seconds, options.connections) for name, path in urls.items()}
        for _ in range(options.rounds)
    ]
    return {
        name: {
            "rps": statistics.mean(r[name]["rps"] for r in rounds),
            "p50": statistics.median(r[name]["p50"] for r in rounds),
            "p99": max(r[name]["p99"] for r in rounds),
            "non2xx": sum(r[name]["non2xx"] for r in rounds),
        }
        for name in urls
    }


def _wrk_result(out: str) -> dict:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {p: _ms(v) for p, v in re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": latency["50"], "p99": latency["99"], "non2xx": int(errors.group(1)) if errors else 0}


def timed_get(url: str) -> float:
    """Milliseconds for one whole response to a new connection (a slow answer counts in full)."""
    start = time.perf_counter()
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
    return (time.perf_counter() - start) * 1000


def slow_clients(base: str, port: int, paths: list[str]) -> dict:
    """20 connections trickle their headers while /healthz and a cached page are timed."""
    stop = threading.Event()
    sockets = []
    for _ in range(SLOW_CLIENTS):
        conn = socket.create_connection(("127.0.0.1", port), timeout=5)
        sockets.append(conn)

    def trickle() -> None:
        header = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 1000
        for byte in header:
            for conn in sockets:
                try:
                    conn.send(bytes([byte]))
                except OSError:
                    pass
            if stop.wait(0.5):
                return

    sender = threading.Thread(target=trickle, daemon=True)
    sender.start()
    time.sleep(1.0)  # every slow client has started sending
    times = {path: [] for path in paths}
    try:
        for _ in range(20):
            for path in paths:
                times[path].append(timed_get(base + path))
            time.sleep(0.1)
    finally:
        stop.set()
        sender.join(timeout=5)
        for conn in sockets:
            conn.close()
    return {path: {"max": max(t), "median": statistics.median(t)} for path, t in times.items()}


def busy_workers(base: str, path: str, duration: int) -> dict:
    """A cached page's latency while wrk keeps 50 uncached searches in flight."""
    script = Path(tempfile.mkdtemp(prefix="insr-bench-lua-")) / "searches.lua"
    script.write_text(UNCACHED_SEARCHES_LUA)
    load = subprocess.Popen(
        ["wrk", "-t2", f"-c{BUSY_SEARCHES}", f"-d{duration}s", "--latency", "-s", str(script), *GZIP, base + "/"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    time.sleep(1.0)  # the searches are under way
    times = []
    while load.poll() is None and len(times) < 400:
        times.append(timed_get(base + path))
        time.sleep(0.02)
    searches = _wrk_result(load.communicate()[0])
    shutil.rmtree(script.parent, ignore_errors=True)
    return {"median": statistics.median(times), "p90": statistics.quantiles(times, n=10)[-1], "n": len(times),
            "searches": searches}  # fmt: skip


def start_bare(url: str, work: Path, env: dict) -> subprocess.Popen:
    """bench/bare_app.py on PORT + 1, under gunicorn.conf.py, sending `url`'s gzipped bytes."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=5) as response:
        stored = {"body": response.read().hex(), "headers": list(response.headers.items())}
    page = work / "bare-page.json"
    page.write_text(json.dumps(stored))
    bare = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "bare_app:application", "--config", "gunicorn.conf.py",
         "--pythonpath", "bench", "--bind", f"127.0.0.1:{PORT + 1}", "--access-logfile", "/dev/null"],
        cwd=ROOT, env=env | {"BENCH_BARE_PAGE": str(page)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    for _ in range(50):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT + 1}/", timeout=1).read()
            break
        except OSError:
            time.sleep(0.2)
    return bare


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def server_env(work: Path, port: int) -> dict[str, str]:
    """The production settings on 127.0.0.1:port, with a new SQLite database in work unless DATABASE_URL is set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_LOG_LEVEL="WARNING",
        DJANGO_SITE_URL=f"http://127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        PORT=str(port),
    )
    env.setdefault("DATABASE_URL", f"sqlite:///{work / 'bench.sqlite3'}")
    return env


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--topics", type=int, default=0, help="generated topics to add (four personas each)")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3, help="the URLs take turns, duration split between rounds")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed (Debian package `wrk`).", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="insr-bench-"))
    env = server_env(work, PORT)
    run(PYTHON, "manage.py", "collectstatic", "--no-input", "-v0", env=env)
    run(PYTHON, "manage.py", "migrate", "--no-input", "-v0", env=env)
    run(PYTHON, "manage.py", "import_content", env=env)
    if options.topics:
        run(PYTHON, "bench/generate_topics.py", str(options.topics), env=env)

    manifest = json.loads((ROOT / "staticfiles" / "staticfiles.json").read_text())
    css = "/static/" + manifest["paths"]["css/site.css"]
    urls = {
        "static CSS (whitenoise)": css,
        "topic page": "/topics/insr-gene/patient/",
        "home page": "/",
        "search": "/search/?q=insulin",
    }
    server = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "insr_site.wsgi", "--config", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{PORT}", "--access-logfile", "/dev/null"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    bare = None
    try:
        base = f"http://127.0.0.1:{PORT}"
        for _ in range(50):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        for path in urls.values():  # warm every worker's cache
            for _ in range(4):
                urllib.request.urlopen(base + path, timeout=5).read()
        bare = start_bare(base + urls["topic page"], work, env)
        bases = {name: base for name in urls} | {BARE: f"http://127.0.0.1:{PORT + 1}"}
        urls[BARE] = urls["topic page"]
        results = measure(bases, urls, options)
        slow = slow_clients(base, PORT, ["/healthz", urls["topic page"]])
        busy = busy_workers(base, urls["topic page"], options.duration)
        timing = json.loads(
            subprocess.run(
                [PYTHON, "bench/uncached_timing.py"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
            ).stdout
        )
    finally:
        for process in (server, bare):
            if process is not None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)

    static_rps = results["static CSS (whitenoise)"]["rps"]
    bare_rps = results[BARE]["rps"]
    lines = [
        f"## {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {machine()}. gunicorn, 2 workers (gunicorn.conf.py); wrk, 2 threads, "
        f"{options.connections} connections, {options.duration} s per URL in {options.rounds} rounds, gzip accepted; "
        f"database {env['DATABASE_URL'].split(':')[0]}; "
        f"cache {'Redis' if env.get('REDIS_URL') else 'per-process memory'}; "
        f"{'shipped content' + (f' plus {options.topics} generated topics' if options.topics else '')}.",
        "",
        "| URL | requests/s | p50 ms | p99 ms | ratio to static | target | result |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    failed = False
    services = env["DATABASE_URL"].startswith("postgres") and bool(env.get("REDIS_URL"))
    targets = SERVICES_TARGETS if services else TARGETS
    for name, r in results.items():
        ratio = r["rps"] / static_rps
        target = targets.get(name)
        ok = (target is None or ratio >= target) and r["p99"] < P99_LIMIT_MS and r["non2xx"] == 0
        failed |= not ok
        lines.append(
            f"| {name} `{urls[name]}` | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {ratio:.2f} | "
            f"{'≥ ' + str(target) if target else '—'} | {'ok' if ok else 'MISSED'} |"
        )
    bare_ratio = results["topic page"]["rps"] / bare_rps
    home_ratio = results["home page"]["rps"] / bare_rps
    bare_ok = bare_ratio >= BARE_TARGET  # the yardstick sends the topic page's bytes; home is shown beside it
    failed |= not bare_ok
    lines += [
        "",
        f"Cached topic page against a bare WSGI callable sending the same bytes under the same gunicorn settings "
        f"({bare_rps:.0f} requests/s): {bare_ratio:.2f} (home page {home_ratio:.2f}; "
        f"target ≥ {BARE_TARGET}: {'ok' if bare_ok else 'MISSED'}).",
    ]
    search_ok = timing["database"] != "postgresql" or timing["median_ms"] < 50
    failed |= not search_ok
    verdict = f" (target under 50 ms: {'ok' if search_ok else 'MISSED'})" if timing["database"] == "postgresql" else ""
    median = f"median {timing['median_ms']:.1f} ms over {timing['runs']} queries"
    lines += ["", f"Uncached search through topics.search on {timing['database']}: {median}{verdict}."]
    renders = ", ".join(
        f"`{path}` {ms:.1f} ms, {timing['queries'][path]} queries" for path, ms in timing["renders"].items()
    )
    group = f" (the generated page sits in a group of {timing['generated']})" if timing["generated"] else ""
    lines += [f"Uncached topic page, whole request, median of 40: {renders}{group}."]
    queries_ok = all(n <= 4 for n in timing["queries"].values())
    failed |= not queries_ok
    lines += [f"Uncached topic page at most 4 queries: {'ok' if queries_ok else 'MISSED'}."]
    slow_ok = all(t["max"] < SLOW_LIMIT_MS for t in slow.values())
    failed |= not slow_ok
    waits = ", ".join(f"`{path}` max {t['max']:.0f} ms (median {t['median']:.0f} ms)" for path, t in slow.items())
    lines += [
        f"{SLOW_CLIENTS} slow clients sending headers a byte every 0.5 s: {waits} "
        f"(target under {SLOW_LIMIT_MS:.0f} ms: {'ok' if slow_ok else 'MISSED'})."
    ]
    busy_ok = busy["median"] < BUSY_MEDIAN_LIMIT_MS
    failed |= not busy_ok
    lines += [
        f"{BUSY_SEARCHES} uncached searches in flight ({busy['searches']['rps']:.0f} searches/s, "
        f"p50 {busy['searches']['p50']:.0f} ms): cached topic page median {busy['median']:.1f} ms, "
        f"p90 {busy['p90']:.1f} ms over {busy['n']} requests "
        f"(target median under {BUSY_MEDIAN_LIMIT_MS:.0f} ms: {'ok' if busy_ok else 'MISSED'}).",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    results_file = ROOT / "bench" / "RESULTS.md"
    if not results_file.exists():
        results_file.write_text("# Benchmark results\n\nWritten by `make bench` (bench/run.py). Newest last.\n\n")
    with results_file.open("a") as f:
        f.write(report + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
