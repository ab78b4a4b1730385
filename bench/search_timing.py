"""Median time of uncached searches, straight through topics.search (no page cache).

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

from topics.models import Persona  # noqa: E402
from topics.search import search  # noqa: E402

QUERIES = [
    "HHF5", "CD220", "insulin", "insulin receptor", "acanthosis", "acanthosys", "PCOS", "dark patches on my neck",
    "Donohue", "metformn", "pioglitazone", "prediabetes", "type 2 diabetes", "generated topic 1234", "zebra",
]  # fmt: skip


def main() -> None:
    persona = Persona.objects.get(slug="patient")
    search("warm up", persona)
    timings = []
    for _ in range(5):
        for query in QUERIES:
            start = time.perf_counter()
            search(query, persona)
            timings.append((time.perf_counter() - start) * 1000)
    print(json.dumps({"database": connection.vendor, "median_ms": statistics.median(timings), "runs": len(timings)}))


if __name__ == "__main__":
    main()
