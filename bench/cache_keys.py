"""`make bench`, part three: hostile query strings cannot grow the page cache.

On a scratch SQLite copy of the shipped content, with the page cache on (DEBUG off) and
stored in Redis (a database of its own, flushed first), visits every cached page once,
counts the keys, then sends 2,000 requests that a crawler or an attacker might: junk
parameters, repeated parameters, other spellings of the same page number (01, 0001,
Arabic-Indic digits), searches padded with spaces, unknown personas, ?sent= on the share
page. Prints the key count before and after, appends it to bench/RESULTS.md, and exits
non-zero if the hostile requests added more than a handful of keys.

    python bench/cache_keys.py            # Redis at redis://127.0.0.1:6379/14
    BENCH_REDIS_URL=redis://host:6379/9 python bench/cache_keys.py
"""

from __future__ import annotations

import datetime
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOSTILE_REQUESTS = 2_000
# The hostile requests may add at most this many keys: the legitimate pages they reach
# (a search, a second sitemap page) that the warm-up did not visit.
ALLOWED_NEW_KEYS = 10

PAGES = [
    "/", "/topics/", "/topics/insr-gene/patient/", "/topics/insr-gene/caregiver/", "/glossary/",
    "/glossary/gene/", "/search/?q=insulin", "/about/", "/about/privacy/", "/topics/insr-gene/patient/share/",
    "/risk-test/", "/sitemap.xml", "/robots.txt",
]  # fmt: skip


def hostile(n: int) -> str:
    """The n-th hostile address: each kind in turn, each time with a new value."""
    arabic = "".join("٠١٢٣٤٥٦٧٨٩"[int(d)] for d in str(n % 3 + 1))
    kinds = [
        f"/topics/insr-gene/patient/?utm_source=x{n}",
        f"/?persona=junk{n}&persona=patient",
        f"/?zz={n}",
        f"/sitemap.xml?p={'0' * (n % 50 + 1)}1",
        f"/sitemap.xml?p={arabic}",
        f"/search/?q=insulin{'%20' * (n % 40 + 1)}",
        f"/search/?q=insulin&q=x{n}",
        f"/topics/insr-gene/patient/share/?sent={n}",
        f"/glossary/gene/?persona=nobody{n}",
        f"/robots.txt?{n}",
    ]
    return kinds[n % len(kinds)]


def main() -> int:
    workdir = tempfile.mkdtemp(prefix="insr-bench-cache-")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    os.environ.update(
        # The test settings: DEBUG off (the page cache on), no HTTPS redirect, static files
        # without collectstatic, the content version read per request.
        DJANGO_SETTINGS_MODULE="insr_site.test_settings",
        DATABASE_URL=f"sqlite:///{workdir}/bench.sqlite3",
        REDIS_URL=redis_url,
    )
    os.environ.pop("DJANGO_DEBUG", None)
    sys.path.insert(0, str(ROOT))
    import django
    import redis

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from topics import caching
    from topics.importing import import_content

    store = redis.Redis.from_url(redis_url)
    try:
        store.flushdb()
    except redis.ConnectionError as error:
        print(f"cache keys: Redis not reachable at {redis_url} ({error}); skipped.")
        return 0
    call_command("migrate", verbosity=0)
    import_content()
    caching.clear()
    client = Client()

    for url in PAGES:
        assert client.get(url).status_code == 200, url
    before = store.dbsize()
    statuses: dict[int, int] = {}
    for n in range(HOSTILE_REQUESTS):
        caching.recent_pages.clear()  # every request asks Redis, as another worker would
        status = client.get(hostile(n)).status_code
        statuses[status] = statuses.get(status, 0) + 1
    after = store.dbsize()
    store.flushdb()

    answers = ", ".join(f"{count} x {status}" for status, count in sorted(statuses.items()))
    ok = after - before <= ALLOWED_NEW_KEYS
    line = (
        f"Page cache keys in Redis: {before} after visiting {len(PAGES)} pages, {after} after "
        f"{HOSTILE_REQUESTS} hostile requests ({answers}); target at most {ALLOWED_NEW_KEYS} more: "
        f"{'ok' if ok else 'FAILED'}."
    )
    print(line)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    with (ROOT / "bench" / "RESULTS.md").open("a") as results:
        results.write(f"\n\n## {stamp}: cache keys\n\n{line}\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
