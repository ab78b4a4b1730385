"""`make bench`'s yardstick: a bare WSGI callable that sends one stored page's bytes.

bench/run.py fetches a cached topic page from the site (gzipped, with every header the
site sends) and starts this under the same gunicorn settings, so the ratio of our cached
page to it is what Django and the page cache cost on top of the server itself.
"""

import json
import os

with open(os.environ["BENCH_BARE_PAGE"], "rb") as f:
    _stored = json.loads(f.read())
BODY = bytes.fromhex(_stored["body"])
HEADERS = [(name, value) for name, value in _stored["headers"] if name.lower() not in {"connection", "date", "server"}]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
