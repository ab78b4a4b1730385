"""The content version: one counter that every cached page is keyed by.

Not part of the domain: topics, pages and references know nothing of caching. Every change
to public content bumps it (topics.invalidation, in the change's own transaction), and the
page cache (topics.caching) reads it, or hears it from PostgreSQL, to know what is current.
It is a model of the topics app only because it needs a table.
"""

from __future__ import annotations

from django.db import DatabaseError, connection, models


class SiteVersion(models.Model):
    """One row: the content version that cached pages are keyed by (see topics.caching).

    Every change to what public pages show bumps it, inside the same transaction as
    the change, so every process sees the new version exactly when it sees the new text.
    """

    value = models.PositiveBigIntegerField(default=0, help_text="Bumped by every content change.")

    def __str__(self) -> str:
        return f"content version {self.value}"

    @classmethod
    def current(cls) -> int:
        """The content version, read on every page request, cached or not."""
        if connection.health_check_enabled and not connection.health_check_done and not connection.in_atomic_block:
            # This query doubles as Django's per-request connection health check (a
            # "SELECT 1"), saving a round trip on every cached page: if the connection
            # has gone stale, it fails, and one retry on a new connection decides.
            connection.health_check_done = True
            try:
                return cls._read()
            except DatabaseError:
                connection.close()
        return cls._read()

    @classmethod
    def _read(cls) -> int:
        # Plain SQL: building the same ORM query each time would cost more than
        # everything else a cached page does.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT value FROM {connection.ops.quote_name(cls._meta.db_table)} WHERE id = 1")
            row = cursor.fetchone()
        return row[0] if row else 0

    # PostgreSQL tells every listening process the new version when the change commits
    # (topics.caching.VersionListener), so cached pages need no query at all.
    CHANNEL = "insr_content_version"

    @classmethod
    def bump(cls) -> None:
        if not cls.objects.filter(pk=1).update(value=models.F("value") + 1):
            cls.objects.get_or_create(pk=1, defaults={"value": 1})
        if connection.vendor == "postgresql":
            # Delivered at commit, in commit order; never if the change rolls back.
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(cls._meta.db_table)
                cursor.execute(f"SELECT pg_notify(%s, (SELECT value::text FROM {table} WHERE id = 1))", [cls.CHANNEL])
