"""`make bench`: the production configuration under gunicorn, measured with wrk.

Starts gunicorn (2 workers) on 127.0.0.1 with DEBUG off, whitenoise and the shipped
content, then measures in one run a topic page, the home page, a search and a static
CSS file served by whitenoise from the same server. Prints a table and appends it,
with the date and the machine, to bench/RESULTS.md.

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
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# BENCH_PORT: another port when 8041 is taken (several checkouts on one machine).
PORT = int(os.environ.get("BENCH_PORT", "8041"))
TARGETS = {"topic page": 0.7, "home page": 0.7, "search": 0.3}
P99_LIMIT_MS = 50.0


def run(*args: str, env: dict) -> None:
    subprocess.run(args, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def wrk(url: str, duration: int, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {p: _ms(v) for p, v in re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": latency["50"], "p99": latency["99"], "non2xx": int(errors.group(1)) if errors else 0}


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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--topics", type=int, default=0, help="generated topics to add (four personas each)")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    options = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed (Debian package `wrk`).", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="insr-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_LOG_LEVEL="WARNING",
        WEB_CONCURRENCY="2",
        PORT=str(PORT),
    )
    env.setdefault("DATABASE_URL", f"sqlite:///{work / 'bench.sqlite3'}")
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
        results = {name: wrk(base + path, options.duration, options.connections) for name, path in urls.items()}
        timing = json.loads(
            subprocess.run(
                [PYTHON, "bench/uncached_timing.py"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
            ).stdout
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)

    static_rps = results["static CSS (whitenoise)"]["rps"]
    lines = [
        f"## {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {machine()}. gunicorn, 2 workers; wrk, 2 threads, {options.connections} connections, "
        f"{options.duration} s per URL; database {env['DATABASE_URL'].split(':')[0]}; "
        f"cache {'Redis' if env.get('REDIS_URL') else 'per-process memory'}; "
        f"{'shipped content' + (f' plus {options.topics} generated topics' if options.topics else '')}.",
        "",
        "| URL | requests/s | p50 ms | p99 ms | ratio to static | target | result |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    failed = False
    for name, r in results.items():
        ratio = r["rps"] / static_rps
        target = TARGETS.get(name)
        ok = (target is None or ratio >= target) and r["p99"] < P99_LIMIT_MS and r["non2xx"] == 0
        failed |= not ok
        lines.append(
            f"| {name} `{urls[name]}` | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {ratio:.2f} | "
            f"{'≥ ' + str(target) if target else '—'} | {'ok' if ok else 'MISSED'} |"
        )
    search_ok = timing["database"] != "postgresql" or timing["median_ms"] < 50
    failed |= not search_ok
    verdict = f" (target under 50 ms: {'ok' if search_ok else 'MISSED'})" if timing["database"] == "postgresql" else ""
    median = f"median {timing['median_ms']:.1f} ms over {timing['runs']} queries"
    lines += ["", f"Uncached search through topics.search on {timing['database']}: {median}{verdict}."]
    renders = ", ".join(f"`{path}` {ms:.1f} ms" for path, ms in timing["renders"].items())
    group = f" (the generated page sits in a group of {timing['generated']})" if timing["generated"] else ""
    lines += [f"Uncached topic page, whole request, median of 40: {renders}{group}.", ""]
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
