"""gunicorn settings read from the PaaS environment (PORT, WEB_CONCURRENCY, GUNICORN_THREADS)."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads, not sync workers: a sync worker serves one connection at a time, so twenty
# clients that send their headers slowly held both workers and the whole site (even
# /healthz) waited for them. gthread moves a connection that has sent nothing for five
# seconds to its poller, and a thread that waits for a slow client's next header line
# holds only itself: with 24 threads a worker keeps answering while 20 slow clients
# hold threads. What it cannot do is jump its queue: when more requests are in flight
# than threads (50 slow uncached searches on one worker), a cached page waits its turn.
# Cached pages are mostly I/O (one small query, a Redis read), which threads overlap
# well; topics.caching lets only a few uncached renders run at once per worker, so
# CPU-heavy searches cannot crowd out cached pages.
# Each busy thread may hold one database connection: keep WEB_CONCURRENCY x
# GUNICORN_THREADS under the database plan's connection limit.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "24"))
timeout = 30
# Browsers and a CDN reuse connections; close idle ones after a few seconds.
keepalive = 5
accesslog = "-"
errorlog = "/dev/stdout"  # the PaaS reads stdout; "-" would mean stderr here
# One line per request, without the visitor's address, query string or cookies:
# none of that is needed to run the site, and all of it can be personal data.
access_log_format = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
