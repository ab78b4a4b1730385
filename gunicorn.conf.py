"""gunicorn settings read from the PaaS environment (PORT, WEB_CONCURRENCY, GUNICORN_THREADS)."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads, not sync workers: a sync worker serves one connection at a time, so twenty
# clients that send their headers slowly held both workers and the whole site (even
# /healthz) waited for them. gthread moves a connection that has sent nothing for five
# seconds to its poller, and a thread that waits for a slow client's next header line
# holds only itself.
# Many threads, because a request waits for a free thread in arrival order: with 24, fifty
# slow uncached searches filled every thread and a cached page queued behind them (median
# 217 ms). With 64, a cached page finds a thread at once and is served in about 2 ms while
# topics.caching lets only a few uncached renders run per worker (the rest sleep, holding
# no CPU). Idle threads cost almost nothing.
# Threads do not hold database connections: on PostgreSQL each worker has a pool of
# DATABASE_POOL_SIZE (settings.py). Keep WEB_CONCURRENCY x DATABASE_POOL_SIZE under the
# database plan's connection limit.
worker_class = "gthread"
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
