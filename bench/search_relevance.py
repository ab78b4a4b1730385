"""`make bench`, part three: does search send a worried person to the right page?

Loads the shipped content into a fresh test database (SQLite, or the database named by
DATABASE_URL, as a test_ copy), runs every case of tests/search_relevance.py and prints,
per reader, how often the page a clinician would choose comes first and in the top 3,
then the cases that missed. Exits non-zero below the targets the tests hold search to.

    python bench/search_relevance.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST_TARGET = 0.95


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insr_site.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='insr-bench-search-')}/bench.sqlite3"
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from tests.search_relevance import CASES, position
    from topics.importing import import_content

    setup_test_environment()
    # A test_ copy, so a real database named by DATABASE_URL is never touched.
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        import_content()
        per_reader = defaultdict(list)
        misses, listed = [], []
        for case in CASES:
            place, count = position(case)
            listed.append(count)
            per_reader[case.reader or "(none chosen)"].append(place)
            if place != 1:
                misses.append((case, place))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(f"Search relevance on {connection.vendor}: {len(CASES)} queries")
    print(f"{'reader':<16}{'queries':>8}{'best first':>12}{'top 3':>8}")
    everyone = []
    for reader, places in sorted(per_reader.items()):
        everyone += places
        print(f"{reader:<16}{len(places):>8}{_rate(places, 1):>12}{_rate(places, 3):>8}")
    print(f"{'all':<16}{len(everyone):>8}{_rate(everyone, 1):>12}{_rate(everyone, 3):>8}")
    print(f"results listed per query: {sum(listed) / len(listed):.1f} on average, {max(listed)} at most")
    for case, place in misses:
        print(f"  {'not listed' if place is None else f'#{place}'}: {case.query!r} ({case.reader}) -> {case.expected}")
    first = sum(1 for p in everyone if p == 1) / len(everyone)
    top3 = all(p is not None and p <= 3 for p in everyone)
    return 0 if first >= FIRST_TARGET and top3 else 1


def _rate(places: list[int | None], within: int) -> str:
    return f"{100 * sum(1 for p in places if p is not None and p <= within) / len(places):.0f}%"


if __name__ == "__main__":
    sys.exit(main())
