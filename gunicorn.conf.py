"""gunicorn settings read from the PaaS environment (PORT, WEB_CONCURRENCY, GUNICORN_THREADS)."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# One worker per core (the platform sets WEB_CONCURRENCY): a process runs Python on one
# core at a time, so threads add waiting room, not CPU.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads, not sync workers: a sync worker serves one connection at a time, so twenty
# clients that send their headers slowly held both workers and the whole site (even
# /healthz) waited for them.
# And no thread for a slow client at all: gthread gives a connection to a thread once its
# first bytes arrive, and the thread waits for the rest, so 500 clients sending a byte
# every half second held all 128 threads (/healthz 18 s; bench/slow_clients.py). Our
# worker class is gthread whose poller first reads each request whole (headers and a body
# up to the 1 MB limit) and only then hands it to a thread (insr_site/gunicorn_worker.py):
# with 500 slow clients /healthz and a cached page answer in a few ms. The alternatives
# were worse fits: gevent/eventlet monkey-patch the threads Django's database connections
# rely on; uvicorn or an ASGI worker runs every sync Django request through a thread hop,
# costing the cached pages' speed; a buffering proxy in the same dyno doubles every hop.
# Many threads, because a request waits for a free thread in arrival order: with 24, fifty
# slow uncached searches filled every thread and a cached page queued behind them (median
# 217 ms). With 64, a cached page finds a thread at once and is served in about 2 ms while
# topics.caching lets only a few uncached renders run per worker (the rest sleep, holding
# no CPU). Idle threads cost almost nothing: measured again with cached pages answered
# before Django (topics.caching.EarlyHits), 8, 16 and 64 threads served a cached topic page
# equally fast (3,100-3,500 requests/s on 2 shared cores, within the noise), but with 50
# uncached searches in flight a cached page waited 2 s (8 threads) or 3 s at p90 (16) for a
# thread, against 32 ms median with 64. What had cost cached pages their speed on SQLite
# was not the threads but Django's request cycle and a system call per hit, each giving up
# the interpreter lock to 63 other threads; a hit now needs neither.
# Threads do not hold database connections: on PostgreSQL each worker has a pool of
# DATABASE_POOL_SIZE (settings.py). Keep WEB_CONCURRENCY x DATABASE_POOL_SIZE under the
# database plan's connection limit. On SQLite (one file on one machine) each thread that
# renders a page opens its own connection, kept 60 s (DATABASE_CONN_MAX_AGE): a file handle
# each, and only the few renders the page cache lets run at once (topics.caching) use them.
worker_class = "insr_site.gunicorn_worker.BufferingThreadWorker"
threads = int(os.environ.get("GUNICORN_THREADS", "64"))
timeout = 30
# Browsers and a CDN reuse connections; close idle ones after a few seconds.
keepalive = 5
accesslog = "-"
errorlog = "/dev/stdout"  # the PaaS reads stdout; "-" would mean stderr here
# One line per request, without the visitor's address, query string or cookies:
# none of that is needed to run the site, and all of it can be personal data.
access_log_format = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
