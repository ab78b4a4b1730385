"""Median times of work the page cache hides: searches and topic page renders.

Searches go straight through topics.search; topic pages through Django's whole
request handling with the page cache emptied before each request. When the benchmark
added generated topics, one in the middle of that large group is timed beside a
shipped page, to show that a page costs the same whatever the size of the site.
Run by bench/run.py against its throwaway database: prints one JSON line.
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insr_site.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from topics import caching  # noqa: E402
from topics.models import Persona, Topic  # noqa: E402
from topics.search import search  # noqa: E402

QUERIES = [
    "HHF5", "CD220", "insulin", "insulin receptor", "acanthosis", "acanthosys", "PCOS", "dark patches on my neck",
    "Donohue", "metformn", "pioglitazone", "prediabetes", "type 2 diabetes", "generated topic 1234", "zebra",
]  # fmt: skip


def timed_ms(action) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    persona = Persona.objects.get(slug="patient")
    search("warm up", persona)
    timings = [timed_ms(lambda query=query: search(query, persona)) for _ in range(5) for query in QUERIES]

    client = Client(HTTP_HOST="127.0.0.1")
    pages = ["/topics/insr-gene/patient/"]
    generated = Topic.objects.filter(slug__startswith="generated-").count()
    if generated:
        pages.append(f"/topics/generated-{generated // 2}/patient/")

    def forget_pages() -> None:
        # Pages only: personas and disclaimers stay read for this content version, as
        # they are in a running site between two content changes.
        caching.recent_pages.clear()
        caching.cache.clear()

    def render(path: str) -> None:
        forget_pages()
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    renders = {path: statistics.median(timed_ms(lambda path=path: render(path)) for _ in range(40)) for path in pages}
    queries = {}
    for path in pages:
        forget_pages()
        with CaptureQueriesContext(connection) as captured:
            render(path)
        queries[path] = len(captured.captured_queries)
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "median_ms": statistics.median(timings),
                "runs": len(timings),
                "renders": renders,
                "queries": queries,
                "generated": generated,
            }
        )
    )


if __name__ == "__main__":
    main()
